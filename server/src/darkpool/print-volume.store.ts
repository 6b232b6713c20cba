/**
 * Volume of one symbol's counted prints by New York day and by intraday bucket (consolidated when the feed
 * carries the whole tape): the baselines of the volume-spike answers and detectors (blocks, alerts).
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { num } from "../lib/row-values";
import { COUNTS } from "./print-sql";

/** Minutes since New York midnight of `local`, in buckets of `bucketMinutes`. */
const bucketOf = (bucketMinutes: number) =>
  sql`floor(extract(epoch from (local - date_trunc('day', local))) / 60 / ${bucketMinutes}::int)::int`;

/**
 * Same-time-of-day volume baseline of a symbol from stored prints: mean shares per `bucketMinutes` bucket
 * of the New York day over the trading days in [fromDay, toDay) that have prints.
 */
export async function bucketVolumeBaseline(
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
        where symbol = ${symbol} and ${COUNTS}
          and ts >= ${fromDay}::date::timestamp at time zone 'America/New_York'
          and ts < ${toDay}::date::timestamp at time zone 'America/New_York'
      )
      select ${bucketOf(bucketMinutes)} as bucket, sum(size) as shares,
        (select count(distinct local::date) from p) as days
      from p group by 1`),
  );
  const buckets = new Float64Array(Math.ceil((24 * 60) / bucketMinutes));
  let days = 0;
  for (const r of rows) {
    days = num(r.days);
    const b = num(r.bucket);
    if (b >= 0 && b < buckets.length) buckets[b] = num(r.shares);
  }
  if (days > 0) for (let i = 0; i < buckets.length; i++) buckets[i] = (buckets[i] ?? 0) / days;
  return { bucketAverageShares: buckets, historyDays: days };
}

/** Volume per New York trading day in [fromDay, toDay], oldest first. */
export async function dailyPrintVolumes(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
): Promise<{ day: string; volume: number }[]> {
  const rows = rowsOf<{ day: string; volume: unknown }>(
    await db.execute(sql`
      select to_char((ts at time zone 'America/New_York')::date, 'YYYY-MM-DD') as day, sum(size) as volume
      from prints
      where symbol = ${symbol} and ${COUNTS}
        and ts >= ${fromDay}::date::timestamp at time zone 'America/New_York'
        and ts < (${toDay}::date + 1)::timestamp at time zone 'America/New_York'
      group by 1 order by 1`),
  );
  return rows.map((r) => ({ day: r.day, volume: num(r.volume) }));
}

/** Volume per intraday bucket of one day and the same buckets' mean over the `lookbackDays` before it. */
export async function intradayVolumeBuckets(
  db: Db,
  symbol: string,
  day: string,
  lookbackDays: number,
  bucketMinutes: number,
): Promise<{ bucket: number; volume: number; averageVolume: number; historyDays: number }[]> {
  const rows = rowsOf<{ bucket: number; volume: unknown; avg_volume: unknown; history_days: unknown }>(
    await db.execute(sql`
      with p as (
        select (ts at time zone 'America/New_York') as local, size from prints
        where symbol = ${symbol} and ${COUNTS}
          and ts >= (${day}::date - ${lookbackDays}::int)::timestamp at time zone 'America/New_York'
          and ts < (${day}::date + 1)::timestamp at time zone 'America/New_York'
      ),
      b as (select local::date as d, ${bucketOf(bucketMinutes)} as bucket, sum(size) as volume from p group by 1, 2),
      hist as (select count(distinct d) as n from b where d < ${day}::date)
      select t.bucket, t.volume,
        (select coalesce(sum(h.volume), 0) from b h where h.bucket = t.bucket and h.d < ${day}::date)
          / nullif((select n from hist), 0) as avg_volume,
        (select n from hist) as history_days
      from b t where t.d = ${day}::date order by t.bucket`),
  );
  return rows.map((r) => ({
    bucket: Number(r.bucket),
    volume: num(r.volume),
    averageVolume: r.avg_volume === null ? 0 : num(r.avg_volume),
    historyDays: num(r.history_days),
  }));
}
