/**
 * The market tape: off-exchange prints across all symbols worth at least TAPE_MIN_VALUE_USD, newest first,
 * point in time, as JSON pages (a New York day at a time) and as a CSV export (COPY on real Postgres, a
 * cursor in batches on PGlite). The formulas are in docs/methodology.md "Market tape".
 */
import {
  type CopyColumn,
  type CopyOut,
  copyRows,
  type Db,
  preparedRows,
  rowBatches,
  type ValueRow,
} from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { etDateOf, etDayBounds } from "../lib/et-time";
import { num, numOrNull } from "../lib/row-values";

/** The tape lists prints worth at least this (USD); the partial index `prints_tape_idx` holds exactly these. */
export const TAPE_MIN_VALUE_USD = 100_000;

export interface TapePrint {
  symbol: string;
  /** ISO 8601 UTC with the stored microseconds (the cursor needs them). */
  ts: string;
  trade_key: string;
  price: number;
  size: number;
  value_usd: number;
  exchange: string;
  trf_id: number | null;
  side: string;
  sentiment: string;
  premium_discount_pct: number | null;
  block_eligible: boolean;
  extended_hours: boolean;
  source: string;
  source_ref: string;
  published_at: string;
}

/** Position after the last row of a page: newest-first order is (ts, symbol, trade_key) descending. */
export interface TapeCursor {
  ts: string;
  symbol: string;
  tradeKey: string;
}

export interface TapeQuery {
  asOf: Date;
  minValueUsd: number;
  since?: Date | undefined;
  until?: Date | undefined;
  limit: number;
  after?: TapeCursor | undefined;
}

/** The partial index's bound as a literal: a bound parameter would keep a generic plan from using the index. */
const TAPE_MIN = sql.raw(String(TAPE_MIN_VALUE_USD));

/** The tape's columns, in the order of TapePrint's keys (the JSON prints and the CSV header). */
export const TAPE_COLUMNS = [
  "symbol",
  "ts",
  "trade_key",
  "price",
  "size",
  "value_usd",
  "exchange",
  "trf_id",
  "side",
  "sentiment",
  "premium_discount_pct",
  "block_eligible",
  "extended_hours",
  "source",
  "source_ref",
  "published_at",
] as const satisfies readonly (keyof TapePrint)[];

/**
 * Off-exchange prints across all symbols, newest first, worth at least `minValueUsd` (never under
 * TAPE_MIN_VALUE_USD), at or before `asOf` and published by it, corrections and cancels excluded.
 * Keyset pagination on (ts, symbol, trade_key), read in the order of `prints_tape_idx` (ordered by the
 * column `prints.ts`, not the formatted output column of the same name, so no sort of every match).
 * The columns are TAPE_COLUMNS, the times already formatted as TapePrint has them (ISO 8601 UTC; `ts`
 * with microseconds, `published_at` with milliseconds, truncated as `Date#toISOString` does).
 */
export function tapeSql(q: TapeQuery, part: TapePart = {}, times: "text" | "raw" = "text"): SQL {
  const at = q.asOf.toISOString();
  const until = q.until && q.until < q.asOf ? q.until.toISOString() : at;
  const min = Math.max(TAPE_MIN_VALUE_USD, q.minValueUsd);
  return sql`
      select symbol, ${times === "raw" ? sql`ts` : TS_TEXT} as ts, trade_key, price, size, value_usd, exchange, trf_id, side, sentiment,
        premium_discount_pct, block_eligible, extended_hours, source, source_ref,
        ${times === "raw" ? sql`published_at` : PUBLISHED_TEXT} as published_at
      from prints
      where is_off_exchange and correction < 7 and value_usd >= ${TAPE_MIN} and value_usd >= ${min}
        and ts <= ${until}::timestamptz and published_at <= ${at}::timestamptz
        ${q.since ? sql`and ts >= ${q.since.toISOString()}::timestamptz` : sql``}
        ${q.after ? sql`and (ts, symbol, trade_key) < (${q.after.ts}::timestamptz, ${q.after.symbol}, ${q.after.tradeKey})` : sql``}
        ${part.from ? sql`and ts >= ${part.from.toISOString()}::timestamptz` : sql``}
        ${part.before ? sql`and ts < ${part.before.toISOString()}::timestamptz` : sql``}
      order by prints.ts desc nulls last, symbol desc nulls last, trade_key desc nulls last
      limit ${q.limit}`;
}

const TS_TEXT = sql.raw(`to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
const PUBLISHED_TEXT = sql.raw(`to_char(published_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/** A time slice of the tape's range: `ts >= from`, `ts < before`. */
interface TapePart {
  from?: Date | undefined;
  before?: Date | undefined;
}

/** New York days read one at a time, newest first, before the rest of the range is read in one statement. */
const TAPE_DAYS_ALONE = 4;

/**
 * The tape's page read a New York day at a time, newest first: each statement's range lies in one day
 * partition, so it is planned over that partition only. Over the whole range the planner walks every day
 * partition (61 at full size: ~6 ms of a 7 ms statement), while the newest day almost always fills the page.
 * After TAPE_DAYS_ALONE days the rest of the range is one statement. The rows and their order are those of
 * the whole range read at once: the slices are disjoint and each is read newest first.
 */
async function tapeRows(db: Db, q: TapeQuery): Promise<Record<string, unknown>[]> {
  const until = q.until && q.until < q.asOf ? q.until : q.asOf;
  const after = q.after ? new Date(q.after.ts) : null;
  let newest = after && after < until ? after : until;
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i <= TAPE_DAYS_ALONE && rows.length < q.limit; i++) {
    const { start } = etDayBounds(etDateOf(newest.getTime()));
    const last = i === TAPE_DAYS_ALONE || (q.since !== undefined && q.since >= start);
    const part = last
      ? { before: i > 0 ? newest : undefined }
      : { from: start, before: i > 0 ? newest : undefined };
    rows.push(
      ...(await preparedRows<Record<string, unknown>>(
        db,
        tapeSql({ ...q, limit: q.limit - rows.length }, part),
      )),
    );
    if (last) break;
    newest = start;
  }
  return rows;
}

/** One page of the tape as TapePrint objects (the JSON answer). */
export async function tapePrints(db: Db, q: TapeQuery): Promise<TapePrint[]> {
  const rows = await tapeRows(db, q);
  return rows.map((r) => ({
    symbol: String(r.symbol),
    ts: String(r.ts),
    trade_key: String(r.trade_key),
    price: num(r.price),
    size: num(r.size),
    value_usd: num(r.value_usd),
    exchange: String(r.exchange),
    trf_id: numOrNull(r.trf_id),
    side: String(r.side),
    sentiment: String(r.sentiment),
    premium_discount_pct: numOrNull(r.premium_discount_pct),
    block_eligible: Boolean(r.block_eligible),
    extended_hours: Boolean(r.extended_hours),
    source: String(r.source),
    source_ref: String(r.source_ref),
    published_at: String(r.published_at),
  }));
}

/** Rows of the tape per database round trip of a CSV export (about 330 KB of CSV). */
export const TAPE_CSV_BATCH = 2000;

/**
 * The whole tape query's rows in batches of column values (TAPE_COLUMNS order), for the CSV export: one
 * statement read through a cursor, not a query per page. The driver's values are the CSV cells as they
 * are: texts, numbers (double precision and integer columns), booleans, null.
 */
export function tapeRowBatches(db: Db, q: TapeQuery): AsyncGenerator<ValueRow[]> {
  return rowBatches(db, tapeSql(q), TAPE_CSV_BATCH);
}

/**
 * The whole tape query's rows written by Postgres (COPY) as `columns` say, the times unformatted (to_char
 * costs Postgres ~1 us a value; the CSV writer formats them the same way); null on PGlite.
 */
export function tapeCopy(db: Db, q: TapeQuery, columns: readonly CopyColumn[]): Promise<CopyOut | null> {
  return copyRows(db, tapeSql(q, {}, "raw"), columns);
}
