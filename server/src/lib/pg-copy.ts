import { once } from "node:events";
import { finished, type Writable } from "node:stream";
import { promisify } from "node:util";
import { type Db, pgArrayLiteral, postgresJsClient } from "@smt/db";

const streamFinished = promisify(finished);

/** The postgres.js connection calls the COPY paths make (the server package does not depend on postgres.js). */
export interface CopyConnection {
  unsafe(query: string, parameters?: string[]): Promise<unknown> & { writable(): Promise<Writable> };
  release(): void;
}
export interface CopyClient {
  reserve(): Promise<CopyConnection>;
}

/** Batches at least this large go through COPY when the handle allows it. */
export const COPY_THRESHOLD_ROWS = 2000;

/**
 * The postgres.js client behind a Drizzle handle, for COPY. Absent on PGlite and inside a transaction,
 * where callers use their bind-parameter path instead.
 */
export function copyClient(db: Db, rows: number): CopyClient | null {
  if (rows < COPY_THRESHOLD_ROWS) return null;
  return postgresJsClient(db) as CopyClient | null;
}

/** A value in COPY text format (`\N` for null; backslash, tab, newline and CR escaped). */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  const s = typeof v === "string" ? v : String(v);
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : s;
}

/** The last whole second `copyTimestamp` formatted, and its ISO text up to the seconds. */
let cachedSecond = Number.NaN;
let cachedPrefix = "";
const MS_PAD = ["00", "0", ""];
const MAX_FOUR_DIGIT_YEAR_MS = Date.UTC(10000, 0, 1);

/**
 * An instant as `Date.prototype.toISOString` writes it (`2026-11-27T14:30:05.123Z`), for COPY text. Prints
 * arrive in time order per symbol and several share a second, so the text up to the seconds is kept from
 * the previous call: a print's two timestamps cost ~0.1 us instead of ~1 us. Throws as toISOString does on
 * an invalid time.
 */
export function copyTimestamp(ms: number): string {
  // Years before 1970 or after 9999 (six-digit years) take the plain path.
  if (!(ms >= 0 && ms < MAX_FOUR_DIGIT_YEAR_MS)) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 19);
    cachedSecond = second;
  }
  const rest = ms - second * 1000;
  return `${cachedPrefix}.${MS_PAD[rest < 10 ? 0 : rest < 100 ? 1 : 2]}${rest}Z`;
}

const COPY_SPECIAL = /[\\\t\n\r]/;
/** A text value in COPY text format; through `copyField` only when it holds a character needing an escape. */
export const copyText = (v: string | null | undefined): string =>
  v === null || v === undefined ? "\\N" : COPY_SPECIAL.test(v) ? copyField(v) : v;

/**
 * `deferred`: the commit does not wait for its WAL flush (`synchronous_commit = off` for that
 * transaction only). For bulk loads that are idempotent and end with a synchronous write (the
 * `ingest_runs` row, whose flush covers everything before it): a crash mid-load can lose the last
 * batches, never corrupt anything, and a re-run stores what is missing. Saves one disk flush per batch.
 */
export type CommitDurability = "flushed" | "deferred";

/**
 * Statements a COPY's transaction runs before the COPY (e.g. `set local`, derived rows the writer computed),
 * so they commit or roll back with the copied rows.
 */
export type CopyCompanions = (conn: CopyConnection) => Promise<unknown>;

/**
 * COPYs the text `chunks` into `target (columns)` in a transaction of its own; false when Postgres
 * refused them for a duplicate key (nothing is then stored).
 * The transaction is what makes a refusal visible: postgres.js settles a COPY stream when its data is
 * sent, and an error the server reports after the last chunk reaches no one, but the COMMIT that
 * follows then answers ROLLBACK.
 */
export async function copyInTransaction(
  conn: CopyConnection,
  target: string,
  columns: readonly string[],
  chunks: Iterable<string>,
  durability: CommitDurability,
  companions?: CopyCompanions,
): Promise<boolean> {
  await conn.unsafe("begin");
  try {
    if (durability === "deferred") await conn.unsafe("set local synchronous_commit = off");
    if (companions) await companions(conn);
    const sink = await conn.unsafe(`copy ${target} (${columns.join(", ")}) from stdin`).writable();
    const done = streamFinished(sink);
    done.catch(() => undefined); // awaited below; an early refusal rejects it while data is still flowing
    let flushed: Promise<unknown> = Promise.resolve();
    for (const text of chunks) {
      if (sink.destroyed) await done;
      flushed = new Promise((resolve) => sink.write(text, resolve));
      if (sink.writableNeedDrain) await Promise.race([once(sink, "drain"), done]);
    }
    await Promise.race([flushed, done]);
    sink.end();
    const commit = (await afterCopy(conn, "commit")) as { command?: string };
    await done;
    return commit.command === "COMMIT";
  } catch (err) {
    await conn.unsafe("rollback").catch(() => undefined);
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/**
 * Runs `query` once postgres.js has let go of the COPY stream: it refuses any query (COPY_IN_PROGRESS)
 * until the stream's `end()` has gone through Node's stream machinery, a tick or so after the call.
 */
export async function afterCopy(conn: CopyConnection, query: string): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await conn.unsafe(query);
    } catch (err) {
      if ((err as { code?: unknown }).code !== "COPY_IN_PROGRESS" || attempt >= 10_000) throw err;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

export const isUniqueViolation = (err: unknown) =>
  typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";

/**
 * Copies a batch into a session temp table shaped like `table` (`<table>_stage`, emptied first), for a
 * following `insert into <table> ... select ... from <table>_stage on conflict ...`; returns its name.
 */
export async function copyIntoStage(
  conn: CopyConnection,
  table: string,
  columns: readonly string[],
  chunks: Iterable<string>,
  durability: CommitDurability,
): Promise<string> {
  const stage = `${table}_stage`;
  await conn.unsafe(
    `create temp table if not exists ${stage} (like ${table} including defaults) on commit preserve rows`,
  );
  await conn.unsafe(`truncate ${stage}`);
  if (!(await copyInTransaction(conn, stage, columns, chunks, durability)))
    throw new Error(`COPY into ${stage} was rolled back by the server (see its log)`);
  return stage;
}

/** Per key value (an accession, a symbol), the smallest and largest value of a range column in a batch. */
export function keyRanges<T>(
  rows: readonly T[],
  key: (row: T) => string,
  value: (row: T) => number,
): Map<string, { lo: number; hi: number }> {
  const ranges = new Map<string, { lo: number; hi: number }>();
  for (const r of rows) {
    const v = value(r);
    const range = ranges.get(key(r));
    if (!range) ranges.set(key(r), { lo: v, hi: v });
    else if (v < range.lo) range.lo = v;
    else if (v > range.hi) range.hi = v;
  }
  return ranges;
}

/** Where `keyRangesFree` looks: `table`'s `key` column, its `range` column, and how a bound is written. */
export interface KeyRangeProbe {
  table: string;
  key: string;
  range: string;
  /** Element type the bounds travel as. */
  type: "int4" | "float8";
  /** SQL of a bound from the bound's expression (`k.lo`), e.g. a conversion to timestamptz. */
  bound: (v: string) => string;
}

/**
 * True when no stored row of `probe.table` lies in any of the ranges (one index range probe per key),
 * which can only err towards "taken": the safe direction for choosing COPY over `on conflict`.
 */
export async function keyRangesFree(
  conn: CopyConnection,
  probe: KeyRangeProbe,
  ranges: Map<string, { lo: number; hi: number }>,
): Promise<boolean> {
  const { table, key, range, type, bound } = probe;
  const result = (await conn.unsafe(
    // LATERAL ... LIMIT 1 keeps this an index probe per key whatever the planner thinks of the table's
    // size (a join may become a hash join over a sequential scan of millions of rows).
    `select count(*) = 0 as free
    from unnest($1::text::text[], $2::text::${type}[], $3::text::${type}[]) as k(key, lo, hi),
      lateral (select 1 from ${table} t
        where t.${key} = k.key and t.${range} between ${bound("k.lo")} and ${bound("k.hi")} limit 1) as stored`,
    [
      pgArrayLiteral([...ranges.keys()]),
      pgArrayLiteral([...ranges.values()].map((r) => r.lo)),
      pgArrayLiteral([...ranges.values()].map((r) => r.hi)),
    ],
  )) as { free: boolean }[];
  return result[0]?.free === true;
}

/** `rows` as COPY text in pieces of about 64 KB, one `line` (ending in a newline) per row. */
export function* copyChunks<T>(rows: readonly T[], line: (row: T) => string): Generator<string> {
  let chunk = "";
  for (const r of rows) {
    chunk += line(r);
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk.length > 0) yield chunk;
}

export interface CopyNewRows {
  /** The target table's key ranges (see `keyRangesFree`), its columns, and the batch as COPY text. */
  probe: KeyRangeProbe;
  ranges: Map<string, { lo: number; hi: number }>;
  columns: readonly string[];
  text: () => Iterable<string>;
  durability: CommitDurability;
  /** Columns the staged insert returns for the rows it stored (`null`: only their count). */
  returning: string | null;
  /** Statements the direct COPY's transaction runs with it (not the staged path's, whose rows may differ). */
  companions?: CopyCompanions;
}

/**
 * Stores a batch idempotently by COPY. A batch whose keys are all free (the usual case: data loaded for
 * the first time) is copied straight into the table, at the speed of `psql \copy`; the unique key still
 * guards it, and if a concurrent writer took a key in the meantime (or the batch repeats a stored row) the
 * COPY fails as a whole and the batch goes the slower way: COPY into a session temp table, then
 * `insert ... on conflict do nothing`, which skips what is stored. Answers `all` when every row was
 * new, else the returned columns of the rows that were and their count.
 */
export async function copyNewRows<R>(
  conn: CopyConnection,
  o: CopyNewRows,
): Promise<{ all: true } | { all: false; rows: R[]; count: number }> {
  const table = o.probe.table;
  if (
    (await keyRangesFree(conn, o.probe, o.ranges)) &&
    (await copyInTransaction(conn, table, o.columns, o.text(), o.durability, o.companions))
  ) {
    return { all: true };
  }
  const stage = await copyIntoStage(conn, table, o.columns, o.text(), o.durability);
  const columns = o.columns.join(", ");
  const result = (await conn.unsafe(
    `insert into ${table} (${columns}) select ${columns} from ${stage} on conflict do nothing${o.returning ? ` returning ${o.returning}` : ""}`,
  )) as unknown as R[] & { count: number };
  await conn.unsafe(`truncate ${stage}`);
  return { all: false, rows: [...result], count: result.count };
}
