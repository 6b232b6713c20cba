import { type SQL, sql } from "drizzle-orm";
import { pgArrayLiteral } from "../lib/pg-array";

/** Provenance shared by the rows of one filing. */
export interface FilingProvenance {
  /** `sec_13f_xml`, `sec_13f_dataset`, `sec_form4_xml`, `sec_insider_dataset`, `demo`. */
  source: string;
  accession: string;
  publishedAt: Date;
}

/**
 * One array parameter per column, unnested server-side, so any batch size stays under Postgres' 65,534
 * bind-parameter cap. Each array travels as one array literal in a text parameter and is cast on the
 * server: postgres.js infers an array parameter's type from its first element (a `boolean[]` is sent
 * as `boolean`) and cannot serialize `date[]`/`timestamptz[]`, while a text literal works the same on
 * PGlite and postgres.js.
 */
export const arr = (values: unknown[], type: string): SQL =>
  sql`${pgArrayLiteral(values)}::text::${sql.raw(type)}[]`;

/** A column of a bulk insert: its values, one per row, and the Postgres type they are cast to. */
export type UnnestColumn = readonly [values: unknown[], type: string];

/** `unnest(...)` of one array parameter per column (see `arr`), in the order given. */
export const unnestOf = (columns: readonly UnnestColumn[]): SQL =>
  sql`unnest(${sql.join(
    columns.map(([values, type]) => arr(values, type)),
    sql`, `,
  )})`;
