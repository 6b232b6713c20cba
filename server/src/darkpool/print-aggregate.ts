/**
 * The print window aggregate: one definition of what a window of a symbol's prints adds up to (off-exchange
 * prints, volume and value, lit volume, premium/discount, volume/count/value by sentiment, blocks).
 *
 * `printAggregateColumns` is that definition, as (column, SQL expression) over counted prints
 * (`correction < 7`). The per-day rollup `print_day_rollups` holds it at the $1M block threshold
 * (`ROLLUP_AGGREGATES`), maintained by the triggers of migration 0005, whose `smt_print_rollup_select` lists
 * the same expressions: print-aggregate.test.ts checks the trigger's SQL against this list and the
 * trigger-maintained rows against a scan, on both engines. `printWindowAggregate` answers any window, from
 * the rollup where a day lies wholly inside it (see `dayAggregates`), by a scan otherwise.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { etDateOf } from "../lib/et-time";
import { dateOrNull, num } from "../lib/row-values";
import { inWindow, type PrintWindow } from "./print-sql";

/** The block threshold the rollup counts `large_*` at (the original specification's $1M block). */
export const ROLLUP_BLOCK_MIN_USD = 1_000_000;

const OFF = "is_off_exchange";
const sumOf = (v: string, where: string) => `coalesce(sum(${v}) filter (where ${where}), 0)`;

/** The aggregate over counted prints, blocks at `blockMinUsd`, as (column, expression), in the rollup's order. */
export function printAggregateColumns(blockMinUsd: number): readonly (readonly [string, string])[] {
  const block = `${OFF} and block_eligible and value_usd >= ${Number(blockMinUsd)}`;
  return [
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
    ["large_count", `count(*) filter (where ${block})`],
    ["large_value_usd", sumOf("value_usd", block)],
    ["large_bull_value_usd", sumOf("value_usd", `${block} and sentiment = 'bullish'`)],
    ["large_bear_value_usd", sumOf("value_usd", `${block} and sentiment = 'bearish'`)],
  ];
}

/** The rollup's columns: the aggregate at the $1M block threshold. */
export const ROLLUP_AGGREGATES = printAggregateColumns(ROLLUP_BLOCK_MIN_USD);

/** Shares, prints or value by estimated sentiment (the print's `sentiment` column). */
export interface SentimentTally {
  bullish: number;
  bearish: number;
  neutral: number;
  unknown: number;
}

/** What a window of prints adds up to (everything off-exchange unless named `lit`). */
export interface PrintWindowAggregate {
  offPrints: number;
  offVolume: number;
  offValueUsd: number;
  /** Newest off-exchange print. */
  offMaxTs: Date | null;
  /** Lit volume the feed carried in the window (a whole-tape feed gives the consolidated total). */
  litVolume: number;
  /** Sum and count of premium/discount % over priced prints. */
  pdSum: number;
  pdCount: number;
  premiumCount: number;
  discountCount: number;
  volume: SentimentTally;
  count: SentimentTally;
  /** Value by sentiment; `other` is every label but bullish, bearish and neutral. */
  valueUsd: { bullish: number; bearish: number; neutral: number; other: number };
  /** Block-eligible prints at or above the block threshold. */
  large: { count: number; valueUsd: number; bullishValueUsd: number; bearishValueUsd: number };
}

export interface DayAggregate extends PrintWindowAggregate {
  day: string;
}

/** Volume-weighted average price, null without volume. */
export const vwapOf = (a: PrintWindowAggregate): number | null =>
  a.offVolume > 0 ? a.offValueUsd / a.offVolume : null;

/** Mean premium/discount % of the priced prints, null without any. */
export const avgPremiumDiscountOf = (a: PrintWindowAggregate): number | null =>
  a.pdCount > 0 ? a.pdSum / a.pdCount : null;

function decode(r: Record<string, unknown>): PrintWindowAggregate {
  return {
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

const expressions = (blockMinUsd: number) =>
  sql.raw(
    printAggregateColumns(blockMinUsd)
      .map(([name, expr]) => `${expr} as ${name}`)
      .join(",\n  "),
  );
const COLUMNS = sql.raw(ROLLUP_AGGREGATES.map(([name]) => name).join(", "));
const EXPRESSIONS = expressions(ROLLUP_BLOCK_MIN_USD);
const DAY_START = sql.raw(`(b.day::timestamp at time zone 'America/New_York')`);
const DAY_END = sql.raw(`((b.day + 1)::timestamp at time zone 'America/New_York')`);

/**
 * Per New York trading day with counted prints in [since, until) (and, when `asOf` is given, published by
 * then), the day's aggregates over exactly those prints: from the rollup where the day lies wholly inside
 * the window, from a scan of that day's prints otherwise. Oldest first. One statement.
 */
export async function dayAggregates(db: Db, w: PrintWindow, asOf: Date | null): Promise<DayAggregate[]> {
  const { symbol, since, until } = w;
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
  return rows.map((r) => ({ day: String(r.day).slice(0, 10), ...decode(r) }));
}

/** The sum of several days' aggregates (a window over more than one day). */
export function sumDays(days: readonly PrintWindowAggregate[]): PrintWindowAggregate {
  const z = () => ({ bullish: 0, bearish: 0, neutral: 0, unknown: 0 });
  const t: PrintWindowAggregate = {
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

export interface WindowOptions {
  /** Point in time: only prints published by then. Default: every stored print. */
  asOf?: Date | null | undefined;
  /** Block threshold of `large`; default the rollup's $1M. */
  blockMinUsd?: number | undefined;
}

/**
 * The aggregate of a symbol's counted prints over [from, to): from the per-day rollup (exact, see
 * `dayAggregates`) at the rollup's block threshold, by `scanWindowAggregate` at any other.
 */
export async function printWindowAggregate(
  db: Db,
  w: PrintWindow,
  opts: WindowOptions = {},
): Promise<PrintWindowAggregate> {
  const blockMinUsd = opts.blockMinUsd ?? ROLLUP_BLOCK_MIN_USD;
  if (blockMinUsd !== ROLLUP_BLOCK_MIN_USD) return scanWindowAggregate(db, w, opts);
  return sumDays(await dayAggregates(db, w, opts.asOf ?? null));
}

/** `printWindowAggregate` by one scan of `prints`, never the rollup. */
export async function scanWindowAggregate(
  db: Db,
  w: PrintWindow,
  opts: WindowOptions = {},
): Promise<PrintWindowAggregate> {
  const published = opts.asOf ? sql`and published_at <= ${opts.asOf.toISOString()}` : sql``;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select ${expressions(opts.blockMinUsd ?? ROLLUP_BLOCK_MIN_USD)} from prints
      where ${inWindow(w)} and correction < 7 ${published}`),
  );
  return decode(rows[0] ?? {});
}

/** What a scan of `prints` gives for the rollup's columns, per day (tests compare it with the table). */
export async function scanPrintDays(db: Db, symbol: string): Promise<Record<string, unknown>[]> {
  return rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select (ts at time zone 'America/New_York')::date::text as day, ${EXPRESSIONS}
      from prints where symbol = ${symbol} and correction < 7 group by 1 order by 1`),
  );
}
