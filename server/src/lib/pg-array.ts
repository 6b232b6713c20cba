/** The Postgres array literal lives in @smt/db (db/src/pg-array.ts), beside the bulk insert that uses it. */
export { ArrayLiteral, pgArrayLiteral } from "@smt/db";
