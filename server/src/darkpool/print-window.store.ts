/** Off-exchange aggregates of one symbol's prints over a time window (the summary's building blocks). */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { roundTo } from "../lib/round";
import { num } from "../lib/row-values";
import { avgPremiumDiscountOf, dayAggregates, type SentimentTally } from "./print-aggregate";
import { COUNTS, ET_DAY, inWindow, type PrintWindow } from "./print-sql";

/** FINRA's block buckets (shares): odd lot, round lots, 2K, 10K, 100K and up. */
export const SIZE_BUCKETS = [
  { label: "<100", min: 0, max: 100 },
  { label: "100-1,999", min: 100, max: 2000 },
  { label: "2,000-9,999", min: 2000, max: 10_000 },
  { label: "10,000-99,999", min: 10_000, max: 100_000 },
  { label: ">=100,000", min: 100_000, max: null },
] as const;

export async function sizeBuckets(db: Db, w: PrintWindow) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select width_bucket(size, array[100, 2000, 10000, 100000]::float8[]) as b,
        count(*) as prints, sum(size) as volume, sum(value_usd) as value
      from prints where ${inWindow(w)} and is_off_exchange and ${COUNTS}
      group by 1`),
  );
  return SIZE_BUCKETS.map((bucket, i) => {
    const r = rows.find((x) => Number(x.b) === i);
    return {
      bucket: bucket.label,
      min_shares: bucket.min,
      max_shares: bucket.max,
      prints: num(r?.prints),
      volume: num(r?.volume),
      value: num(r?.value),
    };
  });
}

/** Off-exchange volume and value per price band; `large_*` counts prints at or above `largeBlockUsd`. */
export async function priceLevels(db: Db, w: PrintWindow, bandUsd: number, largeBlockUsd: number) {
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

/** Provenance summary of a symbol's prints in a window: which sources, how many rows, newest reference. */
export async function printSources(db: Db, w: PrintWindow) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select source, count(*) as rows, (array_agg(source_ref order by ts desc))[1] as latest_ref
      from prints where ${inWindow(w)}
      group by source order by 2 desc`),
  );
  return rows.map((r) => ({
    source: String(r.source),
    rows: num(r.rows),
    latest_ref: r.latest_ref === null ? null : String(r.latest_ref),
  }));
}

const SENTIMENTS = ["bullish", "bearish", "neutral", "unknown"] as const;

/**
 * Off-exchange blocks (block-eligible, `value >= blockMinUsd`) over [since, until) as known at `asOf`:
 * volume and prints by sentiment, so the dark-pool component can read the non-block prints alone.
 */
export async function blockSentiment(
  db: Db,
  w: PrintWindow,
  asOf: Date,
  blockMinUsd: number,
): Promise<{ volume: SentimentTally; count: SentimentTally }> {
  const rows = rowsOf<{ sentiment: unknown; volume: unknown; n: unknown }>(
    await db.execute(sql`
      select sentiment, sum(size) as volume, count(*) as n from prints
      where ${inWindow(w)} and published_at <= ${asOf.toISOString()} and ${COUNTS}
        and is_off_exchange and block_eligible and value_usd >= ${blockMinUsd}
      group by sentiment`),
  );
  const volume: SentimentTally = { bullish: 0, bearish: 0, neutral: 0, unknown: 0 };
  const count: SentimentTally = { bullish: 0, bearish: 0, neutral: 0, unknown: 0 };
  for (const r of rows) {
    const k = SENTIMENTS.find((x) => x === r.sentiment);
    if (k === undefined) continue;
    volume[k] += num(r.volume);
    count[k] += num(r.n);
  }
  return { volume, count };
}

/** Off-exchange prints of a window grouped by premium/discount to the market price, in 0.25% bins. */
export async function premiumDiscountHistogram(
  db: Db,
  w: PrintWindow,
  asOf: Date,
  binPct = 0.25,
): Promise<{ lowPct: number; prints: number; volumeShares: number }[]> {
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
