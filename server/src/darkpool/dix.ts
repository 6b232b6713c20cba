import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { pgArrayLiteral } from "../lib/pg-array";

export interface DixMemberRow {
  symbol: string;
  shortVolume: number;
  totalVolume: number;
  price: number | null;
}

/**
 * Inputs of the DIX for one day: each basket member's FINRA short and total volume (CNMS file, else the sum of
 * the facility files, ORF excluded) published by `asOf`, and its close that day (vendor bars before bars
 * derived from prints). Members without a FINRA row are absent; members without a close have `price` null.
 */
export async function dixInputs(db: Db, basket: string[], day: string, asOf: Date): Promise<DixMemberRow[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with sv as (
        select symbol,
          coalesce(max(short_volume) filter (where facility = 'CNMS'),
                   sum(short_volume) filter (where facility not in ('CNMS', 'FORF'))) as short_volume,
          coalesce(max(total_volume) filter (where facility = 'CNMS'),
                   sum(total_volume) filter (where facility not in ('CNMS', 'FORF'))) as total_volume
        from short_volume
        where day = ${day} and symbol = any(${pgArrayLiteral(basket)}::text[]) and published_at <= ${asOf.toISOString()}
        group by symbol),
      px as (
        select distinct on (symbol) symbol, close from daily_bars
        where day = ${day} and symbol = any(${pgArrayLiteral(basket)}::text[]) and published_at <= ${asOf.toISOString()}
        order by symbol, case when source = 'derived_from_prints' then 1 else 0 end)
      select sv.symbol, sv.short_volume, sv.total_volume, px.close
      from sv left join px on px.symbol = sv.symbol order by sv.symbol`),
  );
  return rows.map((r) => ({
    symbol: String(r.symbol),
    shortVolume: Number(r.short_volume ?? 0),
    totalVolume: Number(r.total_volume ?? 0),
    price: r.close === null || r.close === undefined ? null : Number(r.close),
  }));
}

/** The newest day with FINRA short volume for any basket member, published by `asOf`. */
export async function latestShortVolumeDay(db: Db, basket: string[], asOf: Date): Promise<string | null> {
  const rows = rowsOf<{ day: string | null }>(
    await db.execute(sql`
      select max(day)::text as day from short_volume
      where symbol = any(${pgArrayLiteral(basket)}::text[]) and published_at <= ${asOf.toISOString()}`),
  );
  return rows[0]?.day ? String(rows[0].day).slice(0, 10) : null;
}
