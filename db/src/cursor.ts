/**
 * Rows of one long statement read in batches (CSV exports): never the whole answer in memory on a real
 * server, and never one query per page that plans and walks the index again.
 */
import type { PGlite } from "@electric-sql/pglite";
import type { SQL } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { type Db, postgresJsClient } from "./db";

const dialect = new PgDialect();

/** A row as the values of its columns in the select's order. */
export type ValueRow = unknown[];

/**
 * The statement's rows, `batchSize` at a time, as arrays of column values in the select's order.
 * Real Postgres: a postgres.js cursor (a portal read `batchSize` rows per round trip on one pooled
 * connection). Breaking off the loop (`return()`, e.g. the HTTP client went away) closes the portal and
 * gives the connection back to the pool. PGlite (embedded, a single connection that a held cursor would
 * block for every other request): the statement runs at once and its rows are handed out in batches.
 */
export async function* rowBatches(db: Db, statement: SQL, batchSize: number): AsyncGenerator<ValueRow[]> {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  const postgres = postgresJsClient(db);
  if (postgres) {
    const cursor = postgres
      .unsafe(text, params as never[])
      .values()
      .cursor(batchSize);
    for await (const rows of cursor) yield rows as unknown as ValueRow[];
    return;
  }
  const pglite = (db as unknown as { $client: PGlite }).$client;
  const { rows } = await pglite.query<ValueRow>(text, params, { rowMode: "array" });
  for (let i = 0; i < rows.length; i += batchSize) yield rows.slice(i, i + batchSize);
}
