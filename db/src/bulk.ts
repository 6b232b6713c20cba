/**
 * One typed bulk insert for a Drizzle table: one array parameter per column, unnested server-side
 * (`insert into t (cols) select * from unnest($1::text::type[], ...) on conflict ...`), so a batch of any
 * size is one statement under Postgres' 65,534 bind-parameter cap. Each array travels as one array literal
 * in a text parameter and is cast on the server (`pgArrayLiteral`): postgres.js infers an array
 * parameter's type from its first element (a `boolean[]` is sent as `boolean`) and cannot serialize
 * `date[]`/`timestamptz[]`, while a text literal works the same on PGlite and postgres.js.
 *
 * Column names and Postgres types come from the table (`getTableColumns`); rows are the table's insert
 * type. The rows that were written are matched back by the natural key the caller names. COPY stays where
 * it pays (the 13F holdings loader, lib/pg-copy.ts); this is the bind-parameter path everywhere else.
 */
import { getTableColumns, getTableName, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import { type Db, rowsOf } from "./db";
import { pgArrayLiteral } from "./pg-array";

export interface BulkInsertOptions<Row> {
  /** The natural key (property names of the insert type): written rows are matched back by it. */
  key: readonly (keyof Row & string)[];
  /**
   * What a row whose key is stored already does, after `on conflict`: default `do nothing` (the stored row
   * stays and the row is not returned). An upsert passes e.g. `(cusip, source) do update set ...`.
   */
  onConflict?: SQL;
}

export interface BulkInserter<Row> {
  /**
   * Inserts the rows; returns those written (new, or updated by `onConflict`), in input order, a key the
   * batch repeats once.
   */
  insert(db: Db, rows: readonly Row[]): Promise<Row[]>;
}

/** Key column types whose text form is the same in JS and in Postgres (`::text`). */
const TEXT_KEYS = new Set(["text", "integer", "bigint", "smallint", "date"]);

interface Column {
  property: string;
  name: string;
  type: string;
  json: boolean;
  hasDefault: boolean;
}

/** One column's values as an array element: Dates as ISO 8601, JSON as its text, the rest as given. */
function elementOf(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.json) return JSON.stringify(value);
  return value instanceof Date ? value.toISOString() : value;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * A bulk inserter for `table`. Columns with a database default are left to it when no row of a batch
 * gives a value (e.g. `ingested_at`); a batch where only some rows give one is refused, since the others
 * would store NULL instead of the default. Array-typed columns are not supported (unnest would flatten them).
 */
export function bulkInserter<T extends PgTable>(
  table: T,
  options: BulkInsertOptions<T["$inferInsert"]>,
): BulkInserter<T["$inferInsert"]> {
  const tableName = getTableName(table);
  const columns: Column[] = Object.entries(getTableColumns(table) as Record<string, PgColumn>).map(
    ([property, c]) => {
      const type = c.getSQLType();
      if (type.endsWith("]")) throw new Error(`bulkInserter(${tableName}): ${c.name} is an array column`);
      return {
        property,
        name: c.name,
        type,
        json: type === "json" || type === "jsonb",
        hasDefault: c.hasDefault,
      };
    },
  );
  const keyColumns = options.key.map((property) => {
    const column = columns.find((c) => c.property === property);
    if (column === undefined || !TEXT_KEYS.has(column.type)) {
      throw new Error(`bulkInserter(${tableName}): key ${property} is not a text, integer or date column`);
    }
    return column;
  });
  const keyOfRow = (row: Record<string, unknown>) =>
    keyColumns.map((c) => String(elementOf(c, row[c.property]))).join("\u0000");
  const returning = sql.raw(
    keyColumns.map((c) => `${quoted(c.name)}::text as ${quoted(c.property)}`).join(", "),
  );
  const onConflict = options.onConflict ?? sql`do nothing`;

  /** The columns this batch writes: every column without a default, and those the rows all give. */
  const columnsOf = (rows: readonly Record<string, unknown>[]): Column[] =>
    columns.filter((c) => {
      if (!c.hasDefault) return true;
      const given = rows.filter((r) => r[c.property] !== undefined).length;
      if (given === 0) return false;
      if (given < rows.length) {
        throw new Error(`bulkInserter(${tableName}): ${c.name} is given for ${given} of ${rows.length} rows`);
      }
      return true;
    });

  return {
    async insert(db, rows) {
      if (rows.length === 0) return [];
      const plain = rows as readonly Record<string, unknown>[];
      const used = columnsOf(plain);
      const arrays = used.map(
        (c) =>
          sql`${pgArrayLiteral(plain.map((r) => elementOf(c, r[c.property])))}::text::${sql.raw(c.type)}[]`,
      );
      const written = rowsOf<Record<string, string>>(
        await db.execute(sql`
          insert into ${table} (${sql.raw(used.map((c) => quoted(c.name)).join(", "))})
          select * from unnest(${sql.join(arrays, sql`, `)})
          on conflict ${onConflict}
          returning ${returning}`),
      );
      if (written.length === rows.length) return [...rows];
      // A key the batch repeats was written once: the first row with it is the one returned.
      const fresh = new Set(written.map((w) => keyColumns.map((c) => w[c.property]).join("\u0000")));
      return rows.filter((r) => fresh.delete(keyOfRow(r as Record<string, unknown>)));
    },
  };
}
