/**
 * Market-wide reads of the option tables: per underlying, the single-leg premium of the latest New York
 * day with an option print at or before `asOf` (published by it). Same counting as options positioning
 * (docs/methodology.md "Options positioning"): multi-leg prints are kept apart and enter no call/put figure.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { etDayBounds } from "../lib/et-time";
import { num } from "../lib/row-values";

export interface OptionsDayRow {
  symbol: string;
  call_premium_usd: number;
  put_premium_usd: number;
  /** call + put single-leg premium. */
  options_premium_usd: number;
  /** (call - put) / (call + put), -1..1; null without single-leg premium. */
  call_put_skew: number | null;
  call_volume: number;
  put_volume: number;
  multi_leg_premium_usd: number;
  prints: number;
}

export interface OptionsDay {
  day: string | null;
  latestPublished: Date | null;
  rows: OptionsDayRow[];
  sources: { source: string; rows: number; latest_ref: string | null }[];
}

/** The New York day of the latest option print at or before `asOf` and published by it. */
export const latestOptionDaySql = (asOf: Date) => {
  const at = asOf.toISOString();
  return sql`((
      select max(ts) from option_prints
      where ts <= ${at}::timestamptz and published_at <= ${at}::timestamptz
    ) at time zone 'America/New_York')::date`;
};

export async function latestOptionDay(db: Db, asOf: Date): Promise<string | null> {
  const row = rowsOf<{ day: string | null }>(
    await db.execute(sql`select ${latestOptionDaySql(asOf)}::text as day`),
  )[0];
  return row?.day ?? null;
}

/** An options day row from its sums (`call_premium`, `put_premium`, volumes, `multi_leg_premium`, `prints`). */
export function optionsDayRow(r: Record<string, unknown>): OptionsDayRow {
  const call = num(r.call_premium);
  const put = num(r.put_premium);
  return {
    symbol: String(r.symbol),
    call_premium_usd: call,
    put_premium_usd: put,
    options_premium_usd: call + put,
    call_put_skew: call + put > 0 ? (call - put) / (call + put) : null,
    call_volume: num(r.call_volume),
    put_volume: num(r.put_volume),
    multi_leg_premium_usd: num(r.multi_leg_premium),
    prints: num(r.prints),
  };
}

export async function optionsDay(db: Db, asOf: Date): Promise<OptionsDay> {
  const at = asOf.toISOString();
  const day = await latestOptionDay(db, asOf);
  if (day === null) return { day: null, latestPublished: null, rows: [], sources: [] };
  const { start, end } = etDayBounds(day);
  const window = sql`ts >= ${start.toISOString()}::timestamptz and ts < ${end.toISOString()}::timestamptz
    and ts <= ${at}::timestamptz and published_at <= ${at}::timestamptz`;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select underlying as symbol,
        coalesce(sum(premium_usd) filter (where not is_multi_leg and "right" = 'call'), 0) as call_premium,
        coalesce(sum(premium_usd) filter (where not is_multi_leg and "right" = 'put'), 0) as put_premium,
        coalesce(sum(size_contracts) filter (where not is_multi_leg and "right" = 'call'), 0) as call_volume,
        coalesce(sum(size_contracts) filter (where not is_multi_leg and "right" = 'put'), 0) as put_volume,
        coalesce(sum(premium_usd) filter (where is_multi_leg), 0) as multi_leg_premium,
        count(*) as prints, max(published_at) as published_at
      from option_prints where ${window}
      group by underlying`),
  );
  const sources = rowsOf<{ source: string; rows: unknown; latest_ref: string | null }>(
    await db.execute(sql`
      select source, count(*) as rows, max(source_ref) as latest_ref from option_prints
      where ${window} group by source order by source`),
  ).map((r) => ({ source: r.source, rows: num(r.rows), latest_ref: r.latest_ref }));
  let latest: Date | null = null;
  const out = rows.map((r): OptionsDayRow => {
    const published = new Date(r.published_at as string);
    if (latest === null || published > latest) latest = published;
    return optionsDayRow(r);
  });
  return { day, latestPublished: latest, rows: out, sources };
}
