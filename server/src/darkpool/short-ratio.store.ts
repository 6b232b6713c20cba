/**
 * A FINRA day's short ratios against each symbol's trailing average, for a whole file in one statement
 * (the short-ratio spike alert, docs/alerts.md). The day's figure per symbol is `SHORT_VOLUME_OF_DAY` /
 * `TOTAL_VOLUME_OF_DAY` (CNMS, else the facility files), the ratio `shortVolumeRatio`'s.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { addDays } from "../lib/et-time";
import { num } from "../lib/row-values";
import { shortVolumeRatio } from "./darkpool.signals";
import { SHORT_VOLUME_OF_DAY, TOTAL_VOLUME_OF_DAY } from "./market.store";

export interface ShortRatioSpikeQuery {
  day: string;
  /** The symbols to look at (those a file just stored). */
  symbols: string[];
  /** Mean over up to this many prior FINRA days of the symbol with volume. */
  trailingDays: number;
  /** Fewer prior days than this: no baseline, no spike. */
  minBaselineDays: number;
  /** The day's TotalVolume at least this. */
  minVolume: number;
  /** Ratio minus trailing mean at least this. */
  minExcess: number;
}

export interface ShortRatioSpike {
  symbol: string;
  shortVolume: number;
  totalVolume: number;
  ratio: number;
  /** Mean ratio of the prior days, and which days those were. */
  baseline: number;
  baselineDays: number;
  baselineFrom: string;
  baselineTo: string;
}

/**
 * The symbols of `q.symbols` whose short ratio on `q.day` is at least `minExcess` (less 1e-9, for the
 * float rounding of the mean) above the mean of their
 * prior ratios, with the day's TotalVolume at least `minVolume` and at least `minBaselineDays` prior days.
 * One statement whatever the number of symbols (a whole ~9,000-symbol file); the prior days are looked for
 * in the 1.5 x trailingDays + 7 calendar days before the day (holidays and weekends included).
 */
export async function shortRatioSpikes(db: Db, q: ShortRatioSpikeQuery): Promise<ShortRatioSpike[]> {
  if (q.symbols.length === 0) return [];
  const from = addDays(q.day, -(Math.ceil(q.trailingDays * 1.5) + 7));
  // Each symbol's days through the (symbol, day) index (a lateral lookup per symbol): the cost follows the
  // symbols asked about, and the plan cannot turn into a join of two unsized sets on a table whose rows
  // were stored in this very transaction (no statistics yet).
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with d as (
        select s.symbol, v.day, v.short_volume, v.total_volume
        from (select distinct unnest(${sql.param(q.symbols)}::text[]) as symbol) s
        cross join lateral (
          select day, ${SHORT_VOLUME_OF_DAY} as short_volume, ${TOTAL_VOLUME_OF_DAY} as total_volume
          from short_volume where symbol = s.symbol and day >= ${from}::date and day <= ${q.day}::date
          group by day
        ) v
      ),
      r as (
        select symbol, day, short_volume, total_volume, short_volume / total_volume as ratio,
          avg(short_volume / total_volume) over w as baseline, count(*) over w as days,
          (min(day) over w)::text as first_day, (max(day) over w)::text as last_day
        from d where total_volume > 0
        window w as (partition by symbol order by day rows between ${sql.raw(String(Math.trunc(q.trailingDays)))} preceding and 1 preceding)
      )
      select symbol, short_volume, total_volume, baseline, days, first_day, last_day from r
      where day = ${q.day}::date and total_volume >= ${q.minVolume} and days >= ${q.minBaselineDays}
        and ratio - baseline >= ${q.minExcess - 1e-9}
      order by symbol`),
  );
  return rows.map((r) => ({
    symbol: String(r.symbol),
    shortVolume: num(r.short_volume),
    totalVolume: num(r.total_volume),
    ratio: shortVolumeRatio(num(r.short_volume), num(r.total_volume)) as number,
    baseline: num(r.baseline),
    baselineDays: num(r.days),
    baselineFrom: String(r.first_day),
    baselineTo: String(r.last_day),
  }));
}
