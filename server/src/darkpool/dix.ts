/** The DIX: its store reads (FINRA short volume and closes of a basket) and the payload. */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import type { Env } from "../env";
import { AppError } from "../errors";
import { pgArrayLiteral } from "../lib/pg-array";
import { round } from "../lib/round";
import { normalizeSymbol } from "../lib/symbols";
import type { DixPayload } from "./darkpool.schemas";
import { dix, shortVolumeRatio } from "./darkpool.signals";
import { type Constituents, dixCoverage, loadConstituents } from "./dix-basket";

export interface DixMemberRow {
  symbol: string;
  shortVolume: number;
  totalVolume: number;
  price: number | null;
}

/**
 * Inputs of the DIX for each day from `from` to `to`: each basket member's FINRA short and total volume (CNMS
 * file, else the sum of the facility files, ORF excluded) published by `asOf`, and its close that day (vendor
 * bars before bars derived from prints). Members without a FINRA row are absent; members without a close have
 * `price` null. Days without any member row are absent.
 */
export async function dixInputsByDay(
  db: Db,
  basket: string[],
  range: { from: string; to: string },
  asOf: Date,
): Promise<Map<string, DixMemberRow[]>> {
  const members = pgArrayLiteral(basket);
  const at = asOf.toISOString();
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with sv as (
        select day, symbol,
          coalesce(max(short_volume) filter (where facility = 'CNMS'),
                   sum(short_volume) filter (where facility not in ('CNMS', 'FORF'))) as short_volume,
          coalesce(max(total_volume) filter (where facility = 'CNMS'),
                   sum(total_volume) filter (where facility not in ('CNMS', 'FORF'))) as total_volume
        from short_volume
        where day between ${range.from} and ${range.to} and symbol = any(${members}::text[])
          and published_at <= ${at}
        group by day, symbol),
      px as (
        select distinct on (day, symbol) day, symbol, close from daily_bars
        where day between ${range.from} and ${range.to} and symbol = any(${members}::text[])
          and published_at <= ${at}
        order by day, symbol, case when source = 'derived_from_prints' then 1 else 0 end)
      select sv.day::text as day, sv.symbol, sv.short_volume, sv.total_volume, px.close
      from sv left join px on px.day = sv.day and px.symbol = sv.symbol order by sv.day, sv.symbol`),
  );
  const byDay = new Map<string, DixMemberRow[]>();
  for (const r of rows) {
    const day = String(r.day).slice(0, 10);
    const list = byDay.get(day) ?? [];
    list.push({
      symbol: String(r.symbol),
      shortVolume: Number(r.short_volume ?? 0),
      totalVolume: Number(r.total_volume ?? 0),
      price: r.close === null || r.close === undefined ? null : Number(r.close),
    });
    byDay.set(day, list);
  }
  return byDay;
}

/** Inputs of the DIX for one day (`dixInputsByDay` over that day). */
export async function dixInputs(db: Db, basket: string[], day: string, asOf: Date): Promise<DixMemberRow[]> {
  return (await dixInputsByDay(db, basket, { from: day, to: day }, asOf)).get(day) ?? [];
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

type DixEnv = Pick<Env, "DIX_BASKET" | "DIX_CONSTITUENTS_FILE" | "DIX_MIN_COVERAGE">;

/** The basket asked for (comma-separated symbols), else `DIX_BASKET`, else the constituents list. */
export function dixBasket(asked: string | undefined, env: DixEnv) {
  const list = asked || env.DIX_BASKET ? null : loadConstituents(env.DIX_CONSTITUENTS_FILE);
  const basket = asked
    ? [...new Set(asked.split(",").map(normalizeSymbol))]
    : (env.DIX_BASKET ?? (list as Constituents).symbols);
  return { list, basket };
}

export interface DixQuery {
  /** Trading day; default the newest day with FINRA data. */
  date?: string | undefined;
  /** Comma-separated symbols; default `DIX_BASKET`, else the constituents list. */
  basket?: string | undefined;
  asOf: Date;
}

/**
 * The DIX of a basket for one day with its members and coverage. Below the coverage floor no DIX is
 * reported: AppError INSUFFICIENT_COVERAGE (422) with the coverage in its details.
 */
export async function getDix(db: Db, q: DixQuery, env: DixEnv): Promise<DixPayload> {
  const { asOf } = q;
  const { list, basket } = dixBasket(q.basket, env);
  const day = q.date ?? (await latestShortVolumeDay(db, basket, asOf));
  const members = day ? await dixInputs(db, basket, day, asOf) : [];
  const result = dix(members);
  const found = new Set(members.map((m) => m.symbol));
  const missingFinra = basket.filter((sym) => !found.has(sym));
  const coverage = dixCoverage(basket.length, members, env.DIX_MIN_COVERAGE);
  if (coverage.ratio < coverage.floor) {
    throw new AppError(
      "INSUFFICIENT_COVERAGE",
      `DIX for ${day ?? "no day"}: ${coverage.covered} of ${coverage.members} basket members have FINRA short ` +
        `volume and a close (${(coverage.ratio * 100).toFixed(1)}%), under the ${coverage.floor * 100}% floor (DIX_MIN_COVERAGE)`,
      { date: day, coverage, missing_finra: missingFinra, missing_prices: result.missing_prices },
    );
  }
  return {
    date: day,
    dix: round(result.dix),
    basket,
    members: members.map((m) => ({
      symbol: m.symbol,
      short_volume: m.shortVolume,
      total_volume: m.totalVolume,
      short_ratio: round(shortVolumeRatio(m.shortVolume, m.totalVolume)),
      price: m.price,
    })),
    members_used: result.members_used,
    missing_prices: result.missing_prices,
    missing_finra: missingFinra,
    coverage: { ...coverage, ratio: round(coverage.ratio) as number },
    basket_source: list ? { file: list.file, as_of: list.asOf } : null,
    as_of: asOf.toISOString(),
  };
}
