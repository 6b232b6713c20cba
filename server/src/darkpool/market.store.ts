/** Daily bars, FINRA short volume and ATS weekly volume: the market-wide tables beside `prints`. */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { addDays, etDateOf } from "../lib/et-time";
import { pgArrayLiteral } from "../lib/pg-array";
import { num } from "../lib/row-values";
import { COUNTS } from "./print-sql";
import { latestPrintDay } from "./prints.store";
import { REGULAR_SESSION_ET } from "./sessions.store";

/**
 * The latest trading day with any data of a symbol known at `asOf`: off-exchange prints, a daily bar or
 * FINRA short volume (each visible from its publication time). Null when there is none.
 */
export async function latestDataDay(db: Db, symbol: string, asOf: Date): Promise<string | null> {
  const at = asOf.toISOString();
  const [print, other] = await Promise.all([
    latestPrintDay(db, symbol, asOf),
    db.execute(sql`
      select greatest(
        (select max(day) from daily_bars where symbol = ${symbol} and published_at <= ${at}),
        (select max(day) from short_volume where symbol = ${symbol} and published_at <= ${at}))::text as day`),
  ]);
  const d = rowsOf<{ day: string | Date | null }>(other)[0]?.day;
  const fromTables = d ? String(d).slice(0, 10) : null;
  if (print === null) return fromTables;
  return fromTables === null || print > fromTables ? print : fromTables;
}

export interface DailyBar {
  day: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  source: string;
  publishedAt: Date;
}

/**
 * Daily bars in [fromDay, toDay], one per day, oldest first: vendor bars preferred over bars derived from
 * prints (a partial tape undercounts volume). With `asOf`, only bars published by then.
 */
export async function dailyBars(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  asOf: Date | null = null,
): Promise<DailyBar[]> {
  const published = asOf ? sql`and published_at <= ${asOf.toISOString()}` : sql``;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select distinct on (day) day::text as day, open, high, low, close, volume, source, published_at
      from daily_bars where symbol = ${symbol} and day >= ${fromDay} and day <= ${toDay} ${published}
      order by day, case when source = 'derived_from_prints' then 1 else 0 end, published_at`),
  );
  return rows.map((r) => ({
    day: String(r.day).slice(0, 10),
    open: num(r.open),
    high: num(r.high),
    low: num(r.low),
    close: num(r.close),
    volume: num(r.volume),
    source: String(r.source),
    publishedAt: new Date(r.published_at as string),
  }));
}

/** Consolidated daily volume from bars, by day (`dailyBars`). */
export async function barsByDay(db: Db, symbol: string, fromDay: string, toDay: string) {
  return new Map((await dailyBars(db, symbol, fromDay, toDay)).map((b) => [b.day, b]));
}

export interface ShortVolumeDay {
  day: string;
  shortVolume: number;
  totalVolume: number;
  publishedAt: Date;
}

/**
 * A symbol-day's FINRA figure from its `short_volume` rows (grouped by symbol and day): the consolidated
 * CNMS file when loaded, else the sum of the TRF/ADF facility files (CNMS = FNSQ + FNQC + FNYX + FNRA;
 * FORF, the OTC facility, is not part of it: data-formats.md 1.1).
 */
export const SHORT_VOLUME_OF_DAY = sql`coalesce(max(short_volume) filter (where facility = 'CNMS'),
  sum(short_volume) filter (where facility not in ('CNMS', 'FORF')))`;
export const TOTAL_VOLUME_OF_DAY = sql`coalesce(max(total_volume) filter (where facility = 'CNMS'),
  sum(total_volume) filter (where facility not in ('CNMS', 'FORF')))`;

/**
 * FINRA short volume per day in [fromDay, toDay], oldest first (`SHORT_VOLUME_OF_DAY`). With `asOf`, only
 * rows published by then.
 */
export async function shortVolumeDays(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  asOf: Date | null = null,
): Promise<ShortVolumeDay[]> {
  const published = asOf ? sql`and published_at <= ${asOf.toISOString()}` : sql``;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select day::text as day, ${SHORT_VOLUME_OF_DAY} as short_volume, ${TOTAL_VOLUME_OF_DAY} as total_volume,
        max(published_at) as published_at
      from short_volume where symbol = ${symbol} and day >= ${fromDay} and day <= ${toDay} ${published}
      group by day order by day`),
  );
  return rows.map((r) => ({
    day: String(r.day).slice(0, 10),
    shortVolume: num(r.short_volume),
    totalVolume: num(r.total_volume),
    publishedAt: new Date(r.published_at as string),
  }));
}

/** FINRA short volume by day (`shortVolumeDays`, every publication). */
export async function shortVolumeByDay(db: Db, symbol: string, fromDay: string, toDay: string) {
  return new Map((await shortVolumeDays(db, symbol, fromDay, toDay)).map((s) => [s.day, s]));
}

/** ATS (dark pool venue) shares per week, summed over venues of one summary type. */
export async function atsByWeek(db: Db, symbol: string, fromDay: string, toDay: string, asOf: Date) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select week_start::text as week_start, sum(shares) as shares, sum(trades) as trades, count(*) as venues,
        max(published_at) as published_at
      from ats_weekly
      where symbol = ${symbol} and summary_type = 'ATS_W_SMBL_FIRM' and week_start >= ${fromDay}::date - 6
        and week_start <= ${toDay} and published_at <= ${asOf.toISOString()}
      group by week_start order by week_start`),
  );
  return rows.map((r) => ({
    weekStart: String(r.week_start).slice(0, 10),
    shares: num(r.shares),
    trades: num(r.trades),
    venues: num(r.venues),
    publishedAt: new Date(r.published_at as string),
  }));
}

/** Top ATS venues for a symbol in its latest published week. */
export async function topAtsVenues(db: Db, symbol: string, asOf: Date, limit = 10) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with latest as (
        select max(week_start) as wk from ats_weekly
        where symbol = ${symbol} and summary_type = 'ATS_W_SMBL_FIRM' and published_at <= ${asOf.toISOString()})
      select week_start::text as week_start, mpid, participant_name, shares, trades
      from ats_weekly, latest
      where symbol = ${symbol} and summary_type = 'ATS_W_SMBL_FIRM' and week_start = latest.wk
      order by shares desc limit ${limit}`),
  );
  return rows.map((r) => ({
    week_start: String(r.week_start).slice(0, 10),
    mpid: String(r.mpid),
    venue: r.participant_name === null ? null : String(r.participant_name),
    shares: num(r.shares),
    trades: num(r.trades),
  }));
}

/**
 * Daily bars derived from the tape for (symbol, trading day) pairs whose prints include lit trades, i.e.
 * when the feed carried the whole tape, over the regular session only (09:30-16:00 ET, `sessions.store.ts`):
 * open/close from the first/last block-eligible regular-session print, high/low, and the regular-session
 * volume of every print that counts. Extended-hours prints never set the close (a 19:30 print is not the
 * day's close) and are reported apart. Stored as source `derived_from_prints` and recomputed (replaced) when
 * more prints of that day arrive; vendor bars, when loaded, take precedence in every query.
 */
export async function deriveBarsFromPrints(
  db: Db,
  symbols: string[],
  since: Date,
  until: Date,
): Promise<number> {
  if (symbols.length === 0) return 0;
  const symbolList = pgArrayLiteral(symbols);
  const fromDay = etDateOf(since.getTime());
  const toDayExclusive = etDateOf(until.getTime());
  // The days as a constant list (the planner then knows how many there are), each day's session bounds
  // computed once (materialized): plain timestamp bounds, no time zone conversion per print.
  const days: string[] = [];
  for (let d = fromDay; d <= toDayExclusive; d = addDays(d, 1)) days.push(d);
  const rows = rowsOf<{ symbol: string }>(
    await db.execute(sql`
      with sessions as materialized (
        select d as day,
          (d + time '${sql.raw(REGULAR_SESSION_ET.open)}') at time zone 'America/New_York' as opens,
          (d + time '${sql.raw(REGULAR_SESSION_ET.close)}' + interval '1 second') at time zone 'America/New_York' as closes
        from unnest(${pgArrayLiteral(days)}::date[]) as d
      ),
      derived as (
      insert into daily_bars (symbol, day, open, high, low, close, volume, transactions, source, source_ref, published_at)
      select d.symbol, d.day,
        (select price from prints p where p.symbol = d.symbol and p.ts = d.first_ts and p.block_eligible and p.correction < 7 limit 1),
        d.high, d.low,
        (select price from prints p where p.symbol = d.symbol and p.ts = d.last_ts and p.block_eligible and p.correction < 7 limit 1),
        d.volume, d.n, 'derived_from_prints', 'prints ' || d.min_ts::text || ' .. ' || d.max_ts::text, d.max_ts
      from sessions s cross join lateral (
        -- Per day, one pass over its session's prints (its own partition); open and close are then two
        -- primary-key lookups per bar.
        select p.symbol, s.day, sum(size) as volume, count(*) as n, min(ts) as min_ts, max(ts) as max_ts,
          max(price) filter (where block_eligible) as high, min(price) filter (where block_eligible) as low,
          min(ts) filter (where block_eligible) as first_ts, max(ts) filter (where block_eligible) as last_ts
        from prints p
        where p.ts >= s.opens and p.ts < s.closes and p.symbol = any(${symbolList}::text[])
          and p.ts >= ${since.toISOString()} and p.ts < ${until.toISOString()} and ${COUNTS} and not p.extended_hours
        group by p.symbol
        having bool_or(not is_off_exchange) and bool_or(block_eligible)
      ) d
      on conflict (symbol, day, source) do update set
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
        volume = excluded.volume, transactions = excluded.transactions, source_ref = excluded.source_ref,
        published_at = excluded.published_at, ingested_at = now()
      returning symbol, day
      ),
      -- A derived bar of the range that has no regular-session basis any more (e.g. one an earlier
      -- version derived from after-hours prints only) is removed rather than left standing. NOT IN over
      -- the derived keys is one hash lookup per stored bar (a NOT EXISTS became a nested loop: bars x bars).
      stale as (
        delete from daily_bars b
        where b.source = 'derived_from_prints' and b.symbol = any(${symbolList}::text[])
          and b.day >= ${fromDay}::date and b.day < ${toDayExclusive}::date
          and (b.symbol, b.day) not in (select d.symbol, d.day from derived d)
        returning 1
      )
      select symbol from derived`),
  );
  return rows.length;
}

/**
 * The last stored close of each symbol within the `days` days up to `day` (vendor bars before bars derived
 * from prints): symbol -> that bar's day and close. Symbols without such a bar are absent. Used to check a
 * reported price against the market (the 13F value-unit check).
 */
export async function lastClosesNear(
  db: Db,
  symbols: readonly string[],
  day: string,
  days: number,
): Promise<Map<string, { day: string; close: number }>> {
  if (symbols.length === 0) return new Map();
  const rows = rowsOf<{ symbol: string; day: string; close: unknown }>(
    await db.execute(sql`
      select distinct on (symbol) symbol, day::text as day, close from daily_bars
      where symbol = any(${pgArrayLiteral([...new Set(symbols)])}::text::text[])
        and day <= ${day}::date and day > ${day}::date - ${days}::int
      order by symbol, day desc, case when source = 'derived_from_prints' then 1 else 0 end`),
  );
  return new Map(rows.map((r) => [r.symbol, { day: String(r.day).slice(0, 10), close: num(r.close) }]));
}
