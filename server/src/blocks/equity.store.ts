/**
 * SQL of the blocks feature on stored equity prints: tracked blocks and the volume baselines (daily,
 * same time of day) of the volume-spike answers and detectors.
 */
import { type Db, rowsOf, schema } from "@smt/db";
import { and, desc, eq, gte, sql } from "drizzle-orm";
import type { EnrichedPrint } from "../darkpool/print";

/**
 * Same-time-of-day volume baseline of a symbol from stored prints: mean shares per `bucketMinutes` bucket
 * of the New York day over the trading days in [fromDay, toDay) that have prints.
 */
export async function equityBucketBaseline(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  bucketMinutes: number,
): Promise<{ bucketAverageShares: Float64Array; historyDays: number }> {
  const rows = rowsOf<{ bucket: unknown; shares: unknown; days: unknown }>(
    await db.execute(sql`
      with p as (
        select (ts at time zone 'America/New_York') as local, size from prints
        where symbol = ${symbol} and correction < 7
          and ts >= ${fromDay}::date::timestamp at time zone 'America/New_York'
          and ts < ${toDay}::date::timestamp at time zone 'America/New_York'
      )
      select floor(extract(epoch from (local - date_trunc('day', local))) / 60 / ${bucketMinutes}::int)::int as bucket,
        sum(size) as shares, (select count(distinct local::date) from p) as days
      from p group by 1`),
  );
  const buckets = new Float64Array(Math.ceil((24 * 60) / bucketMinutes));
  let days = 0;
  for (const r of rows) {
    days = Number(r.days);
    const b = Number(r.bucket);
    if (b >= 0 && b < buckets.length) buckets[b] = Number(r.shares);
  }
  if (days > 0) for (let i = 0; i < buckets.length; i++) buckets[i] = (buckets[i] ?? 0) / days;
  return { bucketAverageShares: buckets, historyDays: days };
}

/** Volume per New York trading day from stored prints (consolidated when the feed carries the whole tape). */
export async function dailyPrintVolumes(db: Db, symbol: string, fromDay: string, toDay: string) {
  const rows = rowsOf<{ day: string; volume: unknown }>(
    await db.execute(sql`
      select to_char((ts at time zone 'America/New_York')::date, 'YYYY-MM-DD') as day, sum(size) as volume
      from prints
      where symbol = ${symbol} and correction < 7
        and ts >= ${fromDay}::date::timestamp at time zone 'America/New_York'
        and ts < (${toDay}::date + 1)::timestamp at time zone 'America/New_York'
      group by 1 order by 1`),
  );
  return rows.map((r) => ({ day: r.day, volume: Number(r.volume) }));
}

/** Volume per intraday bucket of one day and the same buckets' trailing mean. */
export async function intradayBuckets(
  db: Db,
  symbol: string,
  day: string,
  lookbackDays: number,
  bucketMinutes: number,
) {
  const rows = rowsOf<{ bucket: number; volume: unknown; avg_volume: unknown; history_days: unknown }>(
    await db.execute(sql`
      with p as (
        select (ts at time zone 'America/New_York') as local, size from prints
        where symbol = ${symbol} and correction < 7
          and ts >= (${day}::date - ${lookbackDays}::int)::timestamp at time zone 'America/New_York'
          and ts < (${day}::date + 1)::timestamp at time zone 'America/New_York'
      ),
      b as (
        select local::date as d,
          floor(extract(epoch from (local - date_trunc('day', local))) / 60 / ${bucketMinutes}::int)::int as bucket,
          sum(size) as volume
        from p group by 1, 2
      ),
      hist as (select count(distinct d) as n from b where d < ${day}::date)
      select t.bucket, t.volume,
        (select coalesce(sum(h.volume), 0) from b h where h.bucket = t.bucket and h.d < ${day}::date)
          / nullif((select n from hist), 0) as avg_volume,
        (select n from hist) as history_days
      from b t where t.d = ${day}::date order by t.bucket`),
  );
  return rows.map((r) => ({
    bucket: Number(r.bucket),
    volume: Number(r.volume),
    averageVolume: r.avg_volume === null ? 0 : Number(r.avg_volume),
    historyDays: Number(r.history_days),
  }));
}

/** Prints of a symbol at or above a value, newest first: the tracked blocks. */
export async function recentBlockPrints(
  db: Db,
  symbol: string,
  minValueUsd: number,
  since: Date | undefined,
  limit: number,
) {
  const t = schema.prints;
  const conds = [eq(t.symbol, symbol), gte(t.valueUsd, minValueUsd), sql`${t.correction} < 7`];
  if (since) conds.push(gte(t.ts, since));
  return db
    .select()
    .from(t)
    .where(and(...conds))
    .orderBy(desc(t.ts))
    .limit(limit);
}

/** A stored print row in the pipeline's shape (for the pure block classification). */
export function printRowToEnriched(r: typeof schema.prints.$inferSelect): EnrichedPrint {
  return {
    symbol: r.symbol,
    ts: r.ts,
    price: r.price,
    sizeShares: r.size,
    exchange: r.exchange,
    trfId: r.trfId,
    isOffExchange: r.isOffExchange,
    tape: r.tape,
    conditions: r.conditions,
    conditionScheme: r.conditions.some((c) => /^\d+$/.test(c)) ? "polygon" : "sip_letter",
    correction: r.correction,
    source: r.source,
    sourceRef: r.sourceRef,
    publishedAt: r.publishedAt,
    tradeKey: r.tradeKey,
    valueUsd: r.valueUsd,
    blockEligible: r.blockEligible,
    exclusionReason: r.exclusionReason,
    isIso: r.isIso,
    isLate: r.isLate,
    extendedHours: r.extendedHours,
    marketPrice: r.marketPrice,
    marketPriceSource: r.marketPriceSource as EnrichedPrint["marketPriceSource"],
    bid: r.bid,
    ask: r.ask,
    premiumDiscountPct: r.premiumDiscountPct,
    side: r.side as EnrichedPrint["side"],
    sentiment: r.sentiment as EnrichedPrint["sentiment"],
  };
}
