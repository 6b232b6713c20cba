/**
 * Read statements run as named prepared statements on a real server. Drizzle's `db.execute()` sends every raw
 * statement unnamed (postgres.js `unsafe(..., { prepare: false })`, whatever the client's own `prepare`
 * option), so Postgres parses, analyzes and plans it again on each call. A market read is a few fixed
 * statement texts with bound values: prepared, each connection parses one once and, after its first five
 * executions, Postgres keeps the statement's generic plan when it costs no more than the custom ones
 * (`plan_cache_mode = auto`). Only statements whose text does not vary with the input belong here: each
 * distinct text is one prepared statement per connection for the connection's life.
 */
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { type Db, postgresJsClient, rowsOf } from "./db";

const dialect = new PgDialect();

/**
 * The rows of `statement`, prepared on a real server (postgres.js keeps one prepared statement per text and
 * connection); on PGlite, or inside a transaction's handle, as `db.execute()` runs it. The same row shapes
 * as `rowsOf(await db.execute(statement))`.
 */
export async function preparedRows<T>(db: Db, statement: SQL): Promise<T[]> {
  const client = postgresJsClient(db);
  if (!client) return rowsOf<T>(await db.execute(statement));
  const q = dialect.sqlToQuery(statement);
  return rowsOf<T>(await client.unsafe(q.sql, q.params as never[], { prepare: true }));
}
