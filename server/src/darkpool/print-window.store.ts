/** Off-exchange aggregates of one symbol's prints over a time window (the summary's building blocks). */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { roundTo } from "../lib/round";
import { num } from "../lib/row-values";
import { avgPremiumDiscountOf, dayAggregates, type SentimentTally } from "./print-aggregate";
import { BINS_BLOCK_MIN_USD, BINS_PD_STEP_PCT, windowBins } from "./print-bins";
import { COUNTS, ET_DAY, inWindow, type PrintWindow } from "./print-sql";

/** FINRA's block buckets (shares): odd lot, round lots, 2K, 10K, 100K and up. */
export const SIZE_BUCKETS = [
  { label: "<100", min: 0, max: 100 },
  { label: "100-1,999", min: 100, max: 2000 },
  { label: "2,000-9,999", min: 2000, max: 10_000 },
  { label: "10,000-99,999", min: 10_000, max: 100_000 },
  { label: ">=100,000", min: 100_000, max: null },
] as const;

/** Counted off-exchange prints of a window by FINRA size bucket (from the day bins, print-bins.ts). */
export async function sizeBuckets(db: Db, w: PrintWindow) {
  const bins = await windowBins(db, w, "size");
  return SIZE_BUCKETS.map((bucket, i) => {
    const r = bins.find((x) => x.bin === i);
    return {
      bucket: bucket.label,
      min_shares: bucket.min,
      max_shares: bucket.max,
      prints: r?.prints ?? 0,
      volume: r?.volume ?? 0,
      value: r?.valueUsd ?? 0,
    };
  });
}

interface PriceLevel {
  price_low: number;
  price_high: number;
  prints: number;
  volume: number;
  value: number;
  large_prints: number;
  large_value: number;
}

/**
 * Off-exchange volume and value per price band; `large_*` counts prints at or above `largeBlockUsd`. From
 * the day bins at their $1M threshold (print-bins.ts), by `scanPriceLevels` at any other.
 */
export async function priceLevels(
  db: Db,
  w: PrintWindow,
  bandUsd: number,
  largeBlockUsd = BINS_BLOCK_MIN_USD,
): Promise<PriceLevel[]> {
  if (largeBlockUsd !== BINS_BLOCK_MIN_USD) return scanPriceLevels(db, w, bandUsd, largeBlockUsd);
  const bins = await windowBins(db, w, "level", { band: bandUsd });
  return bins.map((b) => ({
    price_low: roundTo(b.bin, 4),
    price_high: roundTo(b.bin + bandUsd, 4),
    prints: b.prints,
    volume: b.volume,
    value: b.valueUsd,
    large_prints: b.largePrints,
    large_value: b.largeValueUsd,
  }));
}

/** `priceLevels` by one scan of `prints`, never the bins. */
export async function scanPriceLevels(
  db: Db,
  w: PrintWindow,
  bandUsd: number,
  largeBlockUsd: number,
): Promise<PriceLevel[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select floor(price / ${bandUsd}) * ${bandUsd} as level, count(*) as prints, sum(size) as volume,
        sum(value_usd) as value,
        count(*) filter (where block_eligible and value_usd >= ${largeBlockUsd}) as large_prints,
        coalesce(sum(value_usd) filter (where block_eligible and value_usd >= ${largeBlockUsd}), 0) as large_value
      from prints where ${inWindow(w)} and is_off_exchange and ${COUNTS}
      group by 1 order by 1`),
  );
  return rows.map((r) => ({
    price_low: roundTo(num(r.level), 4),
    price_high: roundTo(num(r.level) + bandUsd, 4),
    prints: num(r.prints),
    volume: num(r.volume),
    value: num(r.value),
    large_prints: num(r.large_prints),
    large_value: num(r.large_value),
  }));
}

/**
 * Per trading day: off-exchange and lit print aggregates (from the per-day rollup, see print-aggregate.ts),
 * point in time when `asOf` is given.
 */
export async function dailyPrintStats(db: Db, w: PrintWindow, asOf: Date | null = null) {
  const days = await dayAggregates(db, w, asOf);
  return days.map((d) => ({
    day: d.day,
    prints: d.offPrints,
    volume: d.offVolume,
    value: d.offValueUsd,
    avgPremiumDiscountPct: avgPremiumDiscountOf(d),
    bullishVolume: d.volume.bullish,
    bearishVolume: d.volume.bearish,
    largeBlocks: d.large.count,
    litVolume: d.litVolume,
  }));
}

/** Off-exchange volume per trading day and intraday window (minutes since midnight ET / windowMinutes). */
export async function intradayWindows(db: Db, w: PrintWindow, windowMinutes: number) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select ${ET_DAY}::text as day,
        floor(extract(epoch from (ts at time zone 'America/New_York')::time) / ${windowMinutes * 60})::int as w,
        sum(size) as volume, sum(value_usd) as value, count(*) as prints
      from prints where ${inWindow(w)} and is_off_exchange and ${COUNTS}
      group by 1, 2 order by 1, 2`),
  );
  return rows.map((r) => ({
    day: String(r.day).slice(0, 10),
    window: Number(r.w),
    volume: num(r.volume),
    value: num(r.value),
    prints: num(r.prints),
  }));
}

/**
 * Provenance summary of a symbol's prints in a window (corrections too): which sources, how many rows, the
 * newest print's reference (latest `ts`, then greatest ref); most rows first, then by source.
 */
export async function printSources(db: Db, w: PrintWindow) {
  const bins = await windowBins(db, w, "source");
  return bins
    .map((b) => ({ source: b.label, rows: b.prints, latest_ref: b.latestRef }))
    .sort((a, b) => b.rows - a.rows || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

const SENTIMENTS = ["bullish", "bearish", "neutral", "unknown"] as const;

type BlockTallies = { volume: SentimentTally; count: SentimentTally };

/** Tallies by sentiment of (sentiment, volume, prints) rows; labels other than the four are left out. */
function tallies(rows: { sentiment: string; volume: number; prints: number }[]): BlockTallies {
  const volume: SentimentTally = { bullish: 0, bearish: 0, neutral: 0, unknown: 0 };
  const count: SentimentTally = { bullish: 0, bearish: 0, neutral: 0, unknown: 0 };
  for (const r of rows) {
    const k = SENTIMENTS.find((x) => x === r.sentiment);
    if (k === undefined) continue;
    volume[k] += r.volume;
    count[k] += r.prints;
  }
  return { volume, count };
}

/**
 * Off-exchange blocks (block-eligible, `value >= blockMinUsd`) over [since, until) as known at `asOf`:
 * volume and prints by sentiment, so the dark-pool component can read the non-block prints alone. From
 * the day bins at their $1M threshold (print-bins.ts), by `scanBlockSentiment` at any other.
 */
export async function blockSentiment(
  db: Db,
  w: PrintWindow,
  asOf: Date,
  blockMinUsd: number,
): Promise<BlockTallies> {
  if (blockMinUsd !== BINS_BLOCK_MIN_USD) return scanBlockSentiment(db, w, asOf, blockMinUsd);
  const bins = await windowBins(db, w, "block", { asOf });
  return tallies(bins.map((b) => ({ sentiment: b.label, volume: b.volume, prints: b.prints })));
}

/** `blockSentiment` by one scan of `prints`, never the bins. */
export async function scanBlockSentiment(
  db: Db,
  w: PrintWindow,
  asOf: Date,
  blockMinUsd: number,
): Promise<BlockTallies> {
  const rows = rowsOf<{ sentiment: unknown; volume: unknown; n: unknown }>(
    await db.execute(sql`
      select sentiment, sum(size) as volume, count(*) as n from prints
      where ${inWindow(w)} and published_at <= ${asOf.toISOString()} and ${COUNTS}
        and is_off_exchange and block_eligible and value_usd >= ${blockMinUsd}
      group by sentiment`),
  );
  return tallies(
    rows.map((r) => ({ sentiment: String(r.sentiment), volume: num(r.volume), prints: num(r.n) })),
  );
}

type HistogramBin = { lowPct: number; prints: number; volumeShares: number };

/**
 * Off-exchange prints of a window grouped by premium/discount to the market price, in `binPct` bins
 * (clamped to -2%..+2%), as known at `asOf`. From the day bins at their 0.25% (print-bins.ts), by
 * `scanPremiumDiscountHistogram` at any other width.
 */
export async function premiumDiscountHistogram(
  db: Db,
  w: PrintWindow,
  asOf: Date,
  binPct = BINS_PD_STEP_PCT,
): Promise<HistogramBin[]> {
  if (binPct !== BINS_PD_STEP_PCT) return scanPremiumDiscountHistogram(db, w, asOf, binPct);
  const bins = await windowBins(db, w, "pd", { asOf });
  return bins.map((b) => ({ lowPct: b.bin, prints: b.prints, volumeShares: b.volume }));
}

/** `premiumDiscountHistogram` by one scan of `prints`, never the bins. */
export async function scanPremiumDiscountHistogram(
  db: Db,
  w: PrintWindow,
  asOf: Date,
  binPct: number,
): Promise<HistogramBin[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select floor(least(greatest(premium_discount_pct, -2.0), 1.99) / ${binPct}) * ${binPct} as low,
        count(*) as prints, sum(size) as volume
      from prints
      where ${inWindow(w)} and is_off_exchange and premium_discount_pct is not null and ${COUNTS}
        and published_at <= ${asOf.toISOString()}
      group by 1 order by 1`),
  );
  return rows.map((r) => ({ lowPct: num(r.low), prints: num(r.prints), volumeShares: num(r.volume) }));
}
