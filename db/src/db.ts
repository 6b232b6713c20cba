/** The typed Drizzle handle and the rows of its raw statements, the same on both engines. */
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import type { Sql } from "postgres";
import type * as schema from "./schema/index";

/** The one typed handle the rest of the code uses, whichever engine is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Rows of a `db.execute()` result: postgres.js returns an array, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * The postgres.js client behind a Drizzle handle (prepared statements, cursors, COPY, reserved
 * connections), or null: on PGlite, and on a transaction's handle, which has no `$client`.
 */
export function postgresJsClient(db: Db): Sql | null {
  const client = (db as { $client?: unknown }).$client;
  return typeof client === "function" && typeof (client as { reserve?: unknown }).reserve === "function"
    ? (client as Sql)
    : null;
}
