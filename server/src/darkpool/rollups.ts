/**
 * Fast reads over big print tables, exact under new data.
 *
 * 1. `print_day_rollups` (db/src/schema/rollups.ts) holds per symbol and New York trading day the aggregates
 *    the read API needs. Triggers (migration 0005) maintain it under every writer. `dayAggregates` reads it
 *    for every day that provably lies wholly inside the requested window (the day's first and last counted
 *    print inside [since, until), and, point in time, its newest publication at or before `as_of`) and scans
 *    `prints` only for the other days, so a result is always the one a scan would give.
 * 2. `readScope` memoises store reads per symbol and data version. `data_versions.version` changes in the
 *    same transaction as any change to the symbol's prints, bars, FINRA short volume or ATS rows, so a
 *    cached read is served only while nothing it could depend on has changed, whichever process wrote.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { etDateOf } from "../lib/et-time";
import { dateOrNull, num } from "../lib/row-values";

/** The block threshold the rollup counts `large_*` at (the original specification's $1M block). */
export const ROLLUP_BLOCK_MIN_USD = 1_000_000;

/**
 * The rollup's aggregates over counted prints (`correction < 7`), as (column, expression). Mirrors
 * `smt_print_rollup_select` in db/migrations/0005_print_rollup_triggers.sql; rollups.test.ts compares the
 * trigger-maintained table with this scan.
 */
const OFF = "is_off_exchange";
const BLOCK = `${OFF} and block_eligible and value_usd >= ${ROLLUP_BLOCK_MIN_USD}`;
const sumOf = (v: string, where: string) => `coalesce(sum(${v}) filter (where ${where}), 0)`;
export const ROLLUP_AGGREGATES: readonly (readonly [string, string])[] = [
  ["min_ts", "min(ts)"],
  ["max_ts", "max(ts)"],
  ["max_published_at", "max(published_at)"],
  ["off_prints", `count(*) filter (where ${OFF})`],
  ["off_volume", sumOf("size", OFF)],
  ["off_value_usd", sumOf("value_usd", OFF)],
  ["off_max_ts", `max(ts) filter (where ${OFF})`],
  ["lit_volume", sumOf("size", `not ${OFF}`)],
  ["pd_sum", sumOf("premium_discount_pct", OFF)],
  ["pd_count", `count(premium_discount_pct) filter (where ${OFF})`],
  ["premium_count", `count(*) filter (where ${OFF} and premium_discount_pct > 0)`],
  ["discount_count", `count(*) filter (where ${OFF} and premium_discount_pct < 0)`],
  ["bull_volume", sumOf("size", `${OFF} and sentiment = 'bullish'`)],
  ["bear_volume", sumOf("size", `${OFF} and sentiment = 'bearish'`)],
  ["neut_volume", sumOf("size", `${OFF} and sentiment = 'neutral'`)],
  ["unk_volume", sumOf("size", `${OFF} and sentiment = 'unknown'`)],
  ["bull_count", `count(*) filter (where ${OFF} and sentiment = 'bullish')`],
  ["bear_count", `count(*) filter (where ${OFF} and sentiment = 'bearish')`],
  ["neut_count", `count(*) filter (where ${OFF} and sentiment = 'neutral')`],
  ["unk_count", `count(*) filter (where ${OFF} and sentiment = 'unknown')`],
  ["bull_value_usd", sumOf("value_usd", `${OFF} and sentiment = 'bullish'`)],
  ["bear_value_usd", sumOf("value_usd", `${OFF} and sentiment = 'bearish'`)],
  ["neut_value_usd", sumOf("value_usd", `${OFF} and sentiment = 'neutral'`)],
  ["other_value_usd", sumOf("value_usd", `${OFF} and sentiment not in ('bullish', 'bearish', 'neutral')`)],
  ["large_count", `count(*) filter (where ${BLOCK})`],
  ["large_value_usd", sumOf("value_usd", BLOCK)],
  ["large_bull_value_usd", sumOf("value_usd", `${BLOCK} and sentiment = 'bullish'`)],
  ["large_bear_value_usd", sumOf("value_usd", `${BLOCK} and sentiment = 'bearish'`)],
];

export interface DayAggregate {
  day: string;
  offPrints: number;
  offVolume: number;
  offValueUsd: number;
  offMaxTs: Date | null;
  litVolume: number;
  pdSum: number;
  pdCount: number;
  premiumCount: number;
  discountCount: number;
  volume: { bullish: number; bearish: number; neutral: number; unknown: number };
  count: { bullish: number; bearish: number; neutral: number; unknown: number };
  /** Value by sentiment; `other` is every label but bullish, bearish and neutral. */
  valueUsd: { bullish: number; bearish: number; neutral: number; other: number };
  large: { count: number; valueUsd: number; bullishValueUsd: number; bearishValueUsd: number };
}

function toDay(r: Record<string, unknown>): DayAggregate {
  return {
    day: String(r.day).slice(0, 10),
    offPrints: num(r.off_prints),
    offVolume: num(r.off_volume),
    offValueUsd: num(r.off_value_usd),
    offMaxTs: dateOrNull(r.off_max_ts),
    litVolume: num(r.lit_volume),
    pdSum: num(r.pd_sum),
    pdCount: num(r.pd_count),
    premiumCount: num(r.premium_count),
    discountCount: num(r.discount_count),
    volume: {
      bullish: num(r.bull_volume),
      bearish: num(r.bear_volume),
      neutral: num(r.neut_volume),
      unknown: num(r.unk_volume),
    },
    count: {
      bullish: num(r.bull_count),
      bearish: num(r.bear_count),
      neutral: num(r.neut_count),
      unknown: num(r.unk_count),
    },
    valueUsd: {
      bullish: num(r.bull_value_usd),
      bearish: num(r.bear_value_usd),
      neutral: num(r.neut_value_usd),
      other: num(r.other_value_usd),
    },
    large: {
      count: num(r.large_count),
      valueUsd: num(r.large_value_usd),
      bullishValueUsd: num(r.large_bull_value_usd),
      bearishValueUsd: num(r.large_bear_value_usd),
    },
  };
}

const COLUMNS = sql.raw(ROLLUP_AGGREGATES.map(([name]) => name).join(", "));
const EXPRESSIONS = sql.raw(ROLLUP_AGGREGATES.map(([name, expr]) => `${expr} as ${name}`).join(",\n  "));
const DAY_START = sql.raw(`(b.day::timestamp at time zone 'America/New_York')`);
const DAY_END = sql.raw(`((b.day + 1)::timestamp at time zone 'America/New_York')`);

/**
 * Per New York trading day with counted prints in [since, until) (and, when `asOf` is given, published by
 * then), the day's aggregates over exactly those prints: from the rollup where the day lies wholly inside
 * the window, from a scan of that day's prints otherwise. Oldest first. One statement.
 */
export async function dayAggregates(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  asOf: Date | null,
): Promise<DayAggregate[]> {
  if (until <= since) return [];
  const s = since.toISOString();
  const u = until.toISOString();
  const published = asOf ? sql`and max_published_at <= ${asOf.toISOString()}` : sql``;
  const publishedScan = asOf ? sql`and p.published_at <= ${asOf.toISOString()}` : sql``;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with r as (
        select * from print_day_rollups
        where symbol = ${symbol} and day >= ${etDateOf(since.getTime())}::date
          and day <= ${etDateOf(until.getTime() - 1)}::date),
      whole as (select day from r where min_ts >= ${s} and max_ts < ${u} ${published}),
      partial as (select day from r where day not in (select day from whole))
      select day::text as day, ${COLUMNS} from r where day in (select day from whole)
      union all
      select b.day::text as day, a.* from partial b, lateral (
        select ${EXPRESSIONS} from prints p
        where p.symbol = ${symbol} and p.ts >= greatest(${s}::timestamptz, ${DAY_START})
          and p.ts < least(${u}::timestamptz, ${DAY_END}) and p.correction < 7 ${publishedScan}) as a
      where a.min_ts is not null
      order by 1`),
  );
  return rows.map(toDay);
}

/** The sum of several days' aggregates (a window over more than one day). */
export function sumDays(days: DayAggregate[]): Omit<DayAggregate, "day"> {
  const z = () => ({ bullish: 0, bearish: 0, neutral: 0, unknown: 0 });
  const t: Omit<DayAggregate, "day"> = {
    offPrints: 0,
    offVolume: 0,
    offValueUsd: 0,
    offMaxTs: null,
    litVolume: 0,
    pdSum: 0,
    pdCount: 0,
    premiumCount: 0,
    discountCount: 0,
    volume: z(),
    count: z(),
    valueUsd: { bullish: 0, bearish: 0, neutral: 0, other: 0 },
    large: { count: 0, valueUsd: 0, bullishValueUsd: 0, bearishValueUsd: 0 },
  };
  for (const d of days) {
    t.offPrints += d.offPrints;
    t.offVolume += d.offVolume;
    t.offValueUsd += d.offValueUsd;
    if (d.offMaxTs && (t.offMaxTs === null || d.offMaxTs > t.offMaxTs)) t.offMaxTs = d.offMaxTs;
    t.litVolume += d.litVolume;
    t.pdSum += d.pdSum;
    t.pdCount += d.pdCount;
    t.premiumCount += d.premiumCount;
    t.discountCount += d.discountCount;
    for (const k of ["bullish", "bearish", "neutral", "unknown"] as const) {
      t.volume[k] += d.volume[k];
      t.count[k] += d.count[k];
    }
    for (const k of ["bullish", "bearish", "neutral", "other"] as const) t.valueUsd[k] += d.valueUsd[k];
    t.large.count += d.large.count;
    t.large.valueUsd += d.large.valueUsd;
    t.large.bullishValueUsd += d.large.bullishValueUsd;
    t.large.bearishValueUsd += d.large.bearishValueUsd;
  }
  return t;
}

/** What a scan of `prints` gives for the rollup's columns, per day (tests compare it with the table). */
export async function scanPrintDays(db: Db, symbol: string): Promise<Record<string, unknown>[]> {
  return rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select (ts at time zone 'America/New_York')::date::text as day, ${EXPRESSIONS}
      from prints where symbol = ${symbol} and correction < 7 group by 1 order by 1`),
  );
}

export interface ReadScope {
  /**
   * `load()` once per symbol, data version, `name` and `args`, shared by every request until the symbol's
   * data changes. Dates in `args` later than everything stored for the symbol are all equivalent (no row
   * lies between them), so they share one entry: a request "as of now" hits what the last one computed.
   */
  read<T>(name: string, args: readonly unknown[], load: () => Promise<T>): Promise<T>;
}

interface Entry {
  version: number;
  value: Promise<unknown>;
}
const caches = new WeakMap<Db, Map<string, Entry>>();
/** Entries kept per database handle (a few per route and symbol); the oldest go first. */
export const READ_CACHE_ENTRIES = 50_000;

const PASS_THROUGH: ReadScope = { read: (_name, _args, load) => load() };

/**
 * A request's view of the read cache for one symbol, from one primary-key read of `data_versions`. A
 * point-in-time request (`asOf` before the newest stored event or publication) bypasses the cache.
 */
export async function readScope(db: Db, symbol: string, asOf: Date): Promise<ReadScope> {
  const rows = rowsOf<{ version: unknown; max_time: unknown }>(
    await db.execute(sql`select version, max_time from data_versions where symbol = ${symbol}`),
  );
  const row = rows[0];
  if (!row || row.max_time === null) return PASS_THROUGH;
  const maxTimeMs = new Date(row.max_time as string).getTime();
  if (asOf.getTime() < maxTimeMs) return PASS_THROUGH;
  const version = Number(row.version);
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const store = cache;
  const keyOf = (name: string, args: readonly unknown[]) =>
    `${symbol}\u0000${name}\u0000${args
      .map((a) =>
        a instanceof Date ? (a.getTime() > maxTimeMs ? "+inf" : a.toISOString()) : JSON.stringify(a),
      )
      .join("\u0000")}`;
  return {
    read<T>(name: string, args: readonly unknown[], load: () => Promise<T>): Promise<T> {
      const key = keyOf(name, args);
      const hit = store.get(key);
      // An entry computed at a later version holds newer data than this request's start: still correct.
      if (hit && hit.version >= version) return hit.value as Promise<T>;
      const value = load();
      const entry: Entry = { version, value };
      store.delete(key);
      store.set(key, entry);
      if (store.size > READ_CACHE_ENTRIES) {
        const oldest = store.keys().next().value;
        if (oldest !== undefined) store.delete(oldest);
      }
      value.catch(() => {
        if (store.get(key) === entry) store.delete(key);
      });
      return value;
    },
  };
}
