/** 13F views across filers: filer search, one filer's portfolio, the quarter's most bought/sold securities. */
import type { Db } from "@smt/db";
import { sql } from "drizzle-orm";
import { AppError } from "../errors";
import { filerPortfolio, searchFilers } from "../institutional/filers.store";
import { type QuarterChangeRow, quarterChanges } from "../institutional/positions.store";
import { freshness } from "../lib/openapi";
import { DELAYS } from "./market.service";
import { MARKET_PARAMS_VERSION } from "./metrics";

export async function getFilers(db: Db, q: { q: string; asOf: Date; limit: number }, now: Date) {
  const filers = await searchFilers(db, q.q.trim(), q.asOf, q.limit);
  return {
    q: q.q,
    filers,
    as_of: q.asOf.toISOString(),
    freshness: [freshness("thirteenf", null, DELAYS.thirteenf, now)],
    sources: [{ source: "sec_13f", rows: filers.length, latest_ref: null }],
    params_version: MARKET_PARAMS_VERSION,
  };
}

export async function getFiler(
  db: Db,
  q: { cik: string; period?: string | undefined; asOf: Date; limit: number; offset: number },
  now: Date,
) {
  const cik = q.cik.padStart(10, "0");
  const p = await filerPortfolio(db, cik, q.asOf, q.period);
  if (p === null)
    throw new AppError("NOT_FOUND", `No 13F report of filer ${cik} is published by as_of`, { cik });
  const held = p.holdings.filter((h) => h.change_type !== "sold_out");
  const value = held.reduce((s, h) => s + h.value_usd, 0);
  const weights = held.map((h) => h.weight).sort((a, b) => b - a);
  const changes: Record<string, number> = {
    new: 0,
    increased: 0,
    decreased: 0,
    unchanged: 0,
    sold_out: 0,
    unknown: 0,
  };
  for (const h of p.holdings) changes[h.change_type] = (changes[h.change_type] ?? 0) + 1;
  const total = p.holdings.length;
  return {
    cik,
    name: p.name,
    period: p.period,
    prior_period: p.prior_period,
    prior_reported: p.prior_reported,
    accessions: p.accessions,
    value_usd: value,
    positions: held.length,
    changes,
    concentration: {
      top10_weight: weights.slice(0, 10).reduce((s, w) => s + w, 0),
      hhi: weights.reduce((s, w) => s + w * w, 0),
      largest_weight: weights[0] ?? 0,
    },
    holdings: p.holdings.slice(q.offset, q.offset + q.limit),
    total,
    limit: q.limit,
    offset: q.offset,
    next_offset: q.offset + q.limit < total ? q.offset + q.limit : null,
    as_of: q.asOf.toISOString(),
    freshness: [freshness("thirteenf", p.published_at, DELAYS.thirteenf, now)],
    sources: [
      {
        source: "sec_13f",
        rows: p.accessions.length,
        latest_ref: p.accessions[p.accessions.length - 1] ?? null,
      },
    ],
    params_version: MARKET_PARAMS_VERSION,
  };
}

export const HEAT_FORMULA =
  "heat = 100 x (increased + new - decreased - sold_out) / (increased + new + decreased + sold_out), over filers reporting both quarters (0 when none moved)";

const heatOf = (r: QuarterChangeRow) => {
  const moved = r.increased + r.new_positions + r.decreased + r.sold_out;
  return moved > 0 ? (100 * (r.increased + r.new_positions - r.decreased - r.sold_out)) / moved : 0;
};

export async function getInstitutionalLeaders(
  db: Db,
  q: { period?: string | undefined; asOf: Date; limit: number },
  now: Date,
) {
  // Only the rows the four lists can show are read (ties at the edge included; the keys as heatOf's lists).
  const keep = q.limit;
  const c = await quarterChanges(db, q.asOf, q.period, [
    { filter: sql`shares > 0 and net_value > 0`, key: sql`net_value`, desc: true, keep },
    { filter: sql`shares > 0 and net_value < 0`, key: sql`net_value`, desc: false, keep },
    {
      filter: sql`new_positions > 0`,
      key: sql`new_key`,
      desc: true,
      keep,
    },
    { filter: sql`sold_out > 0`, key: sql`sold_out`, desc: true, keep },
  ]);
  const rows = c.rows.map((r) => ({ ...r, heat: heatOf(r) }));
  const top = (list: typeof rows, by: (r: (typeof rows)[number]) => number) =>
    list
      .sort((a, b) => by(b) - by(a) || a.cusip.localeCompare(b.cusip))
      .slice(0, q.limit)
      .map((r, i) => ({ rank: i + 1, ...r }));
  return {
    period: c.period,
    prior_period: c.prior_period,
    filers: c.filers,
    heat_formula: HEAT_FORMULA,
    bought: top(
      rows.filter((r) => (r.net_change_value_usd ?? 0) > 0),
      (r) => r.net_change_value_usd ?? 0,
    ),
    sold: top(
      rows.filter((r) => (r.net_change_value_usd ?? 0) < 0),
      (r) => -(r.net_change_value_usd ?? 0),
    ),
    newly_held: top(
      rows.filter((r) => r.new_positions > 0),
      (r) => r.new_positions * 1e15 + r.value_usd / 1e3,
    ),
    exited: top(
      rows.filter((r) => r.sold_out > 0),
      (r) => r.sold_out,
    ),
    as_of: q.asOf.toISOString(),
    freshness: [freshness("thirteenf", c.latestPublished, DELAYS.thirteenf, now)],
    sources: c.period ? [{ source: "sec_13f", rows: c.filers, latest_ref: c.period }] : [],
    params_version: MARKET_PARAMS_VERSION,
  };
}
