/**
 * Market-wide reads of the darkpool area's tables (short_volume, print_day_rollups, prints, daily_bars):
 * one row per symbol for a day, the market tape of large prints, and symbol activity for the search.
 * Every read is point in time: only rows published by `asOf` (and prints at or before it) count.
 * The market area (server/src/market) composes these; the formulas are in docs/methodology.md "Market".
 */
import { type Db, preparedRows, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { etDateOf, etDayBounds } from "../lib/et-time";
import { dateOrNull, num, numOrNull } from "../lib/row-values";
import { offExchangeRatio } from "./ratio";

/** Trailing days with prints behind `unusual_volume`, and the fewest that make a baseline. */
export const UNUSUAL_TRAILING_DAYS = 20;
export const UNUSUAL_MIN_BASELINE_DAYS = 5;

/**
 * What is known of a day at as_of: its earliest `column` over the rows that `filter` keeps is at or before
 * as_of. Read as one `min()` probe at the start of a `(day, column)` index (`short_volume_day_published_idx`,
 * the partial `print_day_rollups_day_min_ts_idx`): for prints, an `exists (... and min_ts <= as_of)` let the
 * planner take the plain day index and filter, visiting every row of each newer day when as_of lies in the
 * past (~2,000 rows a print day: 7 of a board's 9 ms of Postgres at five days back).
 */
interface Known {
  column: SQL;
  filter: SQL;
  at: string;
}

/**
 * `max(day)` of the rows of `table` known at as_of, as a skip scan: each distinct day newest first,
 * probed once through the (day, ...) indexes, stopping at the first that is known. A plain
 * `max(day) ... where known` walks every newer row when as_of lies in the past.
 * `latestDay`'s query as a scalar subquery (a date, null when none), to embed in a larger statement.
 */
function latestDaySql(table: "short_volume" | "print_day_rollups", known: Known) {
  const t = sql.raw(table);
  return sql`(
      with recursive d(day) as (
        (select max(day) from ${t})
        union all
        select (select max(x.day) from ${t} x where x.day < d.day) from d where d.day is not null
      )
      select d.day from d
      where d.day is not null
        and (select min(k.${known.column}) from ${t} k where k.day = d.day and ${known.filter}) <= ${known.at}::timestamptz
      limit 1)`;
}

async function latestDay(db: Db, table: "short_volume" | "print_day_rollups", known: Known) {
  const row = (
    await preparedRows<{ day: string | null }>(db, sql`select ${latestDaySql(table, known)}::text as day`)
  )[0];
  return row?.day ?? null;
}

export interface FinraDayRow {
  symbol: string;
  short_volume: number;
  short_exempt_volume: number | null;
  /** Volume reported to FINRA's facilities (off-exchange only). */
  total_volume: number;
  /** `CNMS`, or `facilities` when the consolidated file is missing and the facility files are summed. */
  basis: "CNMS" | "facilities";
}

export interface SourceCount {
  source: string;
  rows: number;
  latest_ref: string | null;
}

export interface FinraDay {
  day: string | null;
  latestPublished: Date | null;
  rows: FinraDayRow[];
  sources: SourceCount[];
}

/** The latest FINRA day with a row published by `asOf`. */
const finraKnown = (asOf: Date): Known => ({
  column: sql.raw("published_at"),
  filter: sql`true`,
  at: asOf.toISOString(),
});
export const latestFinraDaySql = (asOf: Date) => latestDaySql("short_volume", finraKnown(asOf));
export const latestFinraDay = (db: Db, asOf: Date) => latestDay(db, "short_volume", finraKnown(asOf));

/** The latest New York day with an off-exchange print at or before `asOf`. */
const printKnown = (asOf: Date): Known => ({
  column: sql.raw("min_ts"),
  filter: sql`k.off_prints > 0`,
  at: asOf.toISOString(),
});
export const latestPrintDay = (db: Db, asOf: Date) => latestDay(db, "print_day_rollups", printKnown(asOf));
export const latestPrintDaySql = (asOf: Date) => latestDaySql("print_day_rollups", printKnown(asOf));

/** A FINRA day row as read (`cnms`, the three volumes). */
export const finraDayRow = (r: Record<string, unknown>): FinraDayRow => ({
  symbol: String(r.symbol),
  short_volume: num(r.short_volume),
  short_exempt_volume: numOrNull(r.short_exempt_volume),
  total_volume: num(r.total_volume),
  basis: r.cnms ? "CNMS" : "facilities",
});

/**
 * FINRA Reg SHO short volume of the latest day published by `asOf`, per symbol: the consolidated CNMS
 * row, else the sum of the facility files (ORF excluded), as the per-symbol views and the DIX read it.
 */
export async function finraDay(db: Db, asOf: Date): Promise<FinraDay> {
  const at = asOf.toISOString();
  const day = await latestFinraDay(db, asOf);
  if (day === null) return { day: null, latestPublished: null, rows: [], sources: [] };
  const sources = rowsOf<{ source: string; rows: unknown; latest_ref: string | null }>(
    await db.execute(sql`
      select source, count(*) as rows, max(source_ref) as latest_ref from short_volume
      where day = ${day}::date and published_at <= ${at}::timestamptz group by source order by source`),
  ).map((r) => ({ source: r.source, rows: num(r.rows), latest_ref: r.latest_ref }));
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select symbol, bool_or(facility = 'CNMS') as cnms,
        coalesce(max(short_volume) filter (where facility = 'CNMS'),
                 sum(short_volume) filter (where facility not in ('CNMS', 'FORF'))) as short_volume,
        coalesce(max(short_exempt_volume) filter (where facility = 'CNMS'),
                 sum(short_exempt_volume) filter (where facility not in ('CNMS', 'FORF'))) as short_exempt_volume,
        coalesce(max(total_volume) filter (where facility = 'CNMS'),
                 sum(total_volume) filter (where facility not in ('CNMS', 'FORF'))) as total_volume,
        max(published_at) as published_at
      from short_volume where day = ${day}::date and published_at <= ${at}::timestamptz
      group by symbol`),
  );
  let latest: Date | null = null;
  const out: FinraDayRow[] = [];
  for (const r of rows) {
    const published = dateOrNull(r.published_at);
    if (published && (latest === null || published > latest)) latest = published;
    if (r.total_volume === null || r.total_volume === undefined) continue;
    out.push(finraDayRow(r));
  }
  return { day, latestPublished: latest, rows: out, sources };
}

export interface PrintDayRow {
  symbol: string;
  off_prints: number;
  off_volume: number;
  off_value_usd: number;
  lit_volume: number;
  /** Block-eligible off-exchange prints of at least $1M. */
  block_count: number;
  block_value_usd: number;
  block_bullish_value_usd: number;
  block_bearish_value_usd: number;
  /** Off-exchange volume / consolidated volume (docs/methodology.md "Off-exchange ratio"); null when unknown. */
  dark_pool_ratio: number | null;
  consolidated_volume: number | null;
  consolidated_volume_source: string | null;
  /** Mean off-exchange volume of the previous days with prints (up to 20); null with fewer than 5. */
  trailing_avg_off_volume: number | null;
  trailing_days: number;
  /** off_volume / trailing_avg_off_volume. */
  unusual_volume: number | null;
}

export interface PrintDay {
  day: string | null;
  latestPublished: Date | null;
  rows: PrintDayRow[];
}

const AGGREGATES = sql.raw(`
  count(*) filter (where is_off_exchange) as off_prints,
  coalesce(sum(size) filter (where is_off_exchange), 0) as off_volume,
  coalesce(sum(value_usd) filter (where is_off_exchange), 0) as off_value_usd,
  coalesce(sum(size) filter (where not is_off_exchange), 0) as lit_volume,
  count(*) filter (where is_off_exchange and block_eligible and value_usd >= 1000000) as large_count,
  coalesce(sum(value_usd) filter (where is_off_exchange and block_eligible and value_usd >= 1000000), 0) as large_value_usd,
  coalesce(sum(value_usd) filter (where is_off_exchange and block_eligible and value_usd >= 1000000 and sentiment = 'bullish'), 0) as large_bull_value_usd,
  coalesce(sum(value_usd) filter (where is_off_exchange and block_eligible and value_usd >= 1000000 and sentiment = 'bearish'), 0) as large_bear_value_usd,
  max(published_at) as max_published_at`);

/**
 * Per symbol, the latest New York day with an off-exchange print at or before `asOf`: off-exchange
 * volume and value, blocks, the off-exchange ratio and the multiple of the trailing average volume.
 * A day's rollup row is used when all of it is known at `asOf` (its last print and publication are not
 * after it); otherwise that symbol's day is summed from its prints with the same filters.
 */
export async function printDay(db: Db, asOf: Date): Promise<PrintDay> {
  const at = asOf.toISOString();
  const day = await latestPrintDay(db, asOf);
  if (day === null) return { day: null, latestPublished: null, rows: [] };
  const { start, end } = etDayBounds(day);
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with r as (select * from print_day_rollups where day = ${day}::date),
      agg as (
        select symbol, off_prints, off_volume, off_value_usd, lit_volume, large_count, large_value_usd,
          large_bull_value_usd, large_bear_value_usd, max_published_at
        from r where max_ts <= ${at}::timestamptz and max_published_at <= ${at}::timestamptz
        union all
        select symbol, ${AGGREGATES} from prints
        where symbol in (select symbol from r where not (max_ts <= ${at}::timestamptz and max_published_at <= ${at}::timestamptz))
          and ts >= ${start.toISOString()}::timestamptz and ts < ${end.toISOString()}::timestamptz
          and ts <= ${at}::timestamptz and published_at <= ${at}::timestamptz and correction < 7
        group by symbol
      ),
      hist as (
        select symbol, avg(off_volume) as avg_off, count(*) as n from (
          select symbol, off_volume,
            row_number() over (partition by symbol order by day desc) as rn
          from print_day_rollups
          where day < ${day}::date and day >= ${day}::date - 60::int and off_prints > 0
            and max_published_at <= ${at}::timestamptz
        ) t where rn <= ${UNUSUAL_TRAILING_DAYS} group by symbol
      ),
      bars as (
        select distinct on (symbol) symbol, volume, source from daily_bars
        where day = ${day}::date and published_at <= ${at}::timestamptz and source <> 'derived_from_prints'
        order by symbol, published_at, source
      )
      select agg.*, hist.avg_off, hist.n as trailing_n, bars.volume as bar_volume, bars.source as bar_source
      from agg left join hist using (symbol) left join bars using (symbol)
      where agg.off_prints > 0`),
  );
  let latest: Date | null = null;
  const out = rows.map((r): PrintDayRow => {
    const published = dateOrNull(r.max_published_at);
    if (published && (latest === null || published > latest)) latest = published;
    return printDayRow(r);
  });
  return { day, latestPublished: latest, rows: out };
}

/**
 * A print day row from its aggregates (`off_*`, `lit_volume`, `large_*`), the trailing mean `avg_off` over
 * `trailing_n` days and the day's vendor bar (`bar_volume`, `bar_source`): the ratio and the multiple.
 */
export function printDayRow(r: Record<string, unknown>): PrintDayRow {
  const off = num(r.off_volume);
  const trailingDays = num(r.trailing_n);
  const avg = trailingDays >= UNUSUAL_MIN_BASELINE_DAYS ? num(r.avg_off) : null;
  const ratio = offExchangeRatio({
    offExchangeShares: off,
    litShares: num(r.lit_volume),
    bar: r.bar_volume == null ? undefined : { volume: num(r.bar_volume), source: String(r.bar_source) },
  });
  return {
    symbol: String(r.symbol),
    off_prints: num(r.off_prints),
    off_volume: off,
    off_value_usd: num(r.off_value_usd),
    lit_volume: num(r.lit_volume),
    block_count: num(r.large_count),
    block_value_usd: num(r.large_value_usd),
    block_bullish_value_usd: num(r.large_bull_value_usd),
    block_bearish_value_usd: num(r.large_bear_value_usd),
    dark_pool_ratio: ratio.ratio,
    consolidated_volume: ratio.marketVolume,
    consolidated_volume_source: ratio.source,
    trailing_avg_off_volume: avg,
    trailing_days: trailingDays,
    unusual_volume: avg !== null && avg > 0 ? off / avg : null,
  };
}
