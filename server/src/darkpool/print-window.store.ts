/** Off-exchange aggregates of one symbol's prints over a time window (the summary's building blocks). */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { num, numOrNull } from "../lib/row-values";
import { COUNTS, ET_DAY } from "./print-sql";
import { dayAggregates, ROLLUP_BLOCK_MIN_USD, sumDays } from "./rollups";

export interface WindowAggregate {
  prints: number;
  volume: number;
  value: number;
  vwap: number | null;
  avgPremiumDiscountPct: number | null;
  premiumCount: number;
  discountCount: number;
  pricedCount: number;
  sentimentVolume: { bullish: number; bearish: number; neutral: number; unknown: number };
  sentimentCount: { bullish: number; bearish: number; neutral: number; unknown: number };
  largeBlocks: number;
  largeBlocksValue: number;
  litVolume: number;
  latest: Date | null;
}

/** Off-exchange aggregates over [since, until), plus the lit volume the feed carried in the same window. */
export async function aggregateWindow(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  largeBlockUsd: number,
): Promise<WindowAggregate> {
  // The per-day rollup holds these aggregates at the $1M block threshold (server/src/darkpool/rollups.ts).
  if (largeBlockUsd === ROLLUP_BLOCK_MIN_USD) {
    const t = sumDays(await dayAggregates(db, symbol, since, until, null));
    return {
      prints: t.offPrints,
      volume: t.offVolume,
      value: t.offValueUsd,
      vwap: t.offVolume > 0 ? t.offValueUsd / t.offVolume : null,
      avgPremiumDiscountPct: t.pdCount > 0 ? t.pdSum / t.pdCount : null,
      premiumCount: t.premiumCount,
      discountCount: t.discountCount,
      pricedCount: t.pdCount,
      sentimentVolume: t.volume,
      sentimentCount: t.count,
      largeBlocks: t.large.count,
      largeBlocksValue: t.large.valueUsd,
      litVolume: t.litVolume,
      latest: t.offMaxTs,
    };
  }
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select
        count(*) filter (where is_off_exchange) as prints,
        sum(size) filter (where is_off_exchange) as volume,
        sum(value_usd) filter (where is_off_exchange) as value,
        avg(premium_discount_pct) filter (where is_off_exchange) as avg_pd,
        count(*) filter (where is_off_exchange and premium_discount_pct > 0) as premium_count,
        count(*) filter (where is_off_exchange and premium_discount_pct < 0) as discount_count,
        count(*) filter (where is_off_exchange and premium_discount_pct is not null) as priced_count,
        sum(size) filter (where is_off_exchange and sentiment = 'bullish') as bull_v,
        sum(size) filter (where is_off_exchange and sentiment = 'bearish') as bear_v,
        sum(size) filter (where is_off_exchange and sentiment = 'neutral') as neut_v,
        sum(size) filter (where is_off_exchange and sentiment = 'unknown') as unk_v,
        count(*) filter (where is_off_exchange and sentiment = 'bullish') as bull_n,
        count(*) filter (where is_off_exchange and sentiment = 'bearish') as bear_n,
        count(*) filter (where is_off_exchange and sentiment = 'neutral') as neut_n,
        count(*) filter (where is_off_exchange and sentiment = 'unknown') as unk_n,
        count(*) filter (where is_off_exchange and block_eligible and value_usd >= ${largeBlockUsd}) as large_n,
        sum(value_usd) filter (where is_off_exchange and block_eligible and value_usd >= ${largeBlockUsd}) as large_v,
        sum(size) filter (where not is_off_exchange) as lit_volume,
        max(ts) filter (where is_off_exchange) as latest
      from prints
      where symbol = ${symbol} and ts >= ${since.toISOString()} and ts < ${until.toISOString()} and ${COUNTS}`),
  );
  const r = rows[0] ?? {};
  const volume = num(r.volume);
  const value = num(r.value);
  const agg: WindowAggregate = {
    prints: num(r.prints),
    volume,
    value,
    vwap: volume > 0 ? value / volume : null,
    avgPremiumDiscountPct: numOrNull(r.avg_pd),
    premiumCount: num(r.premium_count),
    discountCount: num(r.discount_count),
    pricedCount: num(r.priced_count),
    sentimentVolume: {
      bullish: num(r.bull_v),
      bearish: num(r.bear_v),
      neutral: num(r.neut_v),
      unknown: num(r.unk_v),
    },
    sentimentCount: {
      bullish: num(r.bull_n),
      bearish: num(r.bear_n),
      neutral: num(r.neut_n),
      unknown: num(r.unk_n),
    },
    largeBlocks: num(r.large_n),
    largeBlocksValue: num(r.large_v),
    litVolume: num(r.lit_volume),
    latest: r.latest ? new Date(r.latest as string) : null,
  };
  return agg;
}

/** FINRA's block buckets (shares): odd lot, round lots, 2K, 10K, 100K and up. */
export const SIZE_BUCKETS = [
  { label: "<100", min: 0, max: 100 },
  { label: "100-1,999", min: 100, max: 2000 },
  { label: "2,000-9,999", min: 2000, max: 10_000 },
  { label: "10,000-99,999", min: 10_000, max: 100_000 },
  { label: ">=100,000", min: 100_000, max: null },
] as const;

export async function sizeBuckets(db: Db, symbol: string, since: Date, until: Date) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select width_bucket(size, array[100, 2000, 10000, 100000]::float8[]) as b,
        count(*) as prints, sum(size) as volume, sum(value_usd) as value
      from prints
      where symbol = ${symbol} and is_off_exchange and ${COUNTS}
        and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
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
export async function priceLevels(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  bandUsd: number,
  largeBlockUsd: number,
) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select floor(price / ${bandUsd}) * ${bandUsd} as level, count(*) as prints, sum(size) as volume,
        sum(value_usd) as value,
        count(*) filter (where block_eligible and value_usd >= ${largeBlockUsd}) as large_prints,
        coalesce(sum(value_usd) filter (where block_eligible and value_usd >= ${largeBlockUsd}), 0) as large_value
      from prints
      where symbol = ${symbol} and is_off_exchange and ${COUNTS}
        and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
      group by 1 order by 1`),
  );
  return rows.map((r) => ({
    price_low: Math.round(num(r.level) * 1e4) / 1e4,
    price_high: Math.round((num(r.level) + bandUsd) * 1e4) / 1e4,
    prints: num(r.prints),
    volume: num(r.volume),
    value: num(r.value),
    large_prints: num(r.large_prints),
    large_value: num(r.large_value),
  }));
}

/** Per trading day: off-exchange and lit print aggregates (from the per-day rollup, see rollups.ts). */
export async function dailyPrintStats(db: Db, symbol: string, since: Date, until: Date) {
  const days = await dayAggregates(db, symbol, since, until, null);
  return days.map((d) => ({
    day: d.day,
    prints: d.offPrints,
    volume: d.offVolume,
    value: d.offValueUsd,
    avgPremiumDiscountPct: d.pdCount > 0 ? d.pdSum / d.pdCount : null,
    bullishVolume: d.volume.bullish,
    bearishVolume: d.volume.bearish,
    largeBlocks: d.large.count,
    litVolume: d.litVolume,
  }));
}

/** Off-exchange volume per trading day and intraday window (minutes since midnight ET / windowMinutes). */
export async function intradayWindows(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  windowMinutes: number,
) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select ${ET_DAY}::text as day,
        floor(extract(epoch from (ts at time zone 'America/New_York')::time) / ${windowMinutes * 60})::int as w,
        sum(size) as volume, sum(value_usd) as value, count(*) as prints
      from prints
      where symbol = ${symbol} and is_off_exchange and ${COUNTS}
        and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
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
export async function printSources(db: Db, symbol: string, since: Date, until: Date) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select source, count(*) as rows, (array_agg(source_ref order by ts desc))[1] as latest_ref
      from prints where symbol = ${symbol} and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
      group by source order by 2 desc`),
  );
  return rows.map((r) => ({
    source: String(r.source),
    rows: num(r.rows),
    latest_ref: r.latest_ref === null ? null : String(r.latest_ref),
  }));
}
