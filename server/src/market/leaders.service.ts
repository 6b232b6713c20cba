/**
 * The market leaderboards (`/market/leaders?metric=`): each metric's per-symbol rows from its area's
 * market service (or, for the composite scores, from the per-symbol analytics over a bounded universe:
 * composite.ts), ranked by the metric table's value (metrics.ts). docs/methodology.md "Market".
 */
import type { Db } from "@smt/db";
import { sql } from "drizzle-orm";
import { optionsDay } from "../blocks/market.service";
import { finraDay, printDay } from "../darkpool/market.service";
import {
  type InsiderWindowRow,
  insiderBoard,
  insiderPageDetails,
  insiderWindow,
} from "../institutional/market.service";
import { quarterChanges } from "../institutional/positions.store";
import { freshness } from "../lib/openapi";
import { compositeDay } from "./composite";
import { scoresInfo, storedLeaders } from "./composite.board";
import { dailyBoard, isDailyBoard } from "./daily.board";
import { DELAYS, pageOf, type Window } from "./market.service";
import { MARKET_PARAMS_VERSION, METRIC_DEFS, type Metric, sourceOf, UNIVERSE_DEFAULT } from "./metrics";

type SourceCount = { source: string; rows: number; latest_ref: string | null };
type Freshness = ReturnType<typeof freshness>;

interface Ranked {
  symbol: string | null;
  value: number | null;
  volume: number | null;
  /** The fields that explain the value, built only for the rows of the page asked. */
  fields: () => Record<string, unknown>;
  /** The area's row the value comes from. */
  row: unknown;
}

type MetricQuery = {
  asOf: Date;
  order: "desc" | "asc";
  offset: number;
  limit: number;
  windowDays: number;
  period?: string | undefined;
  universe?: number | undefined;
};
type Got = {
  rows: Ranked[];
  window: Window;
  freshness: Freshness[];
  sources: SourceCount[];
  source: keyof typeof METRIC_DEFS;
  universe?: Awaited<ReturnType<typeof compositeDay>>["universe"];
  /** Reads what the page's rows still lack (their explaining fields) before they are built. */
  completePage?: (rows: Ranked[]) => Promise<void>;
  /** How many rows rank when `rows` holds only those up to the page (13F). */
  total?: number | undefined;
};

/** Each row's value and volume by the metric's table entry; its explaining fields when asked. */
function rank<R extends { symbol: string | null }>(rows: R[], def: unknown): Ranked[] {
  // biome-ignore lint/suspicious/noExplicitAny: the table pairs each metric with its own row type
  const d = def as any;
  return rows.map((r) => ({
    symbol: r.symbol,
    value: d.value(r),
    volume: d.volume ? d.volume(r) : null,
    fields: () => d.explain(r),
    row: r,
  }));
}

const day = (d: string | null, basis: string): Window => ({ from: d, to: d, days: d ? 1 : 0, basis });

type DailySource = "finra" | "prints" | "options";

const BASIS: Record<DailySource, string> = {
  finra: "latest_finra_day_published_as_of",
  prints: "latest_print_day_as_of",
  options: "latest_option_day_as_of",
};

/** One market-wide day of a source: its per-symbol rows, the window's basis, freshness and sources. */
async function readDay(db: Db, source: DailySource, asOf: Date) {
  if (source === "finra") return { ...(await finraDay(db, asOf)), basis: BASIS.finra };
  if (source === "options") return { ...(await optionsDay(db, asOf)), basis: BASIS.options };
  const p = await printDay(db, asOf);
  const rows = p.rows.reduce((n, r) => n + r.off_prints, 0);
  const sources = p.day ? [{ source: "prints", rows, latest_ref: p.day }] : [];
  return { ...p, sources, basis: BASIS.prints };
}

type Page = Pick<Got, "window" | "freshness" | "sources" | "universe"> & {
  rows: Record<string, unknown>[];
  total: number;
};

/**
 * A daily metric ranked in SQL over its settled day (daily.board.ts); null when the day is not wholly
 * known at as_of, and the caller ranks the source rows instead.
 */
async function boardPage(db: Db, q: LeadersQuery, minVolume: number | null, now: Date): Promise<Page | null> {
  const source = sourceOf(q.metric) as DailySource;
  const b = await dailyBoard<{ symbol: string }>(db, { ...q, minVolume });
  const d = b.day;
  if (!d) return null;
  return {
    window: day(d.day, BASIS[source]),
    freshness: [freshness(source, d.latestPublished, DELAYS[source], now)],
    sources: d.sources,
    rows: pageRows(rank(b.rows, METRIC_DEFS[source][q.metric]), q.offset),
    total: b.total,
  };
}

/** insider_buys / insider_sells ranked in SQL over the running totals (institutional/market.service.ts). */
async function insiderPage(db: Db, q: LeadersQuery, now: Date): Promise<Page> {
  const side = q.metric === "insider_buys" ? "buy" : "sell";
  const b = await insiderBoard(db, { ...q, days: q.windowDays, side });
  await insiderPageDetails(db, { ...b, asOf: q.asOf }, b.rows);
  return {
    rows: pageRows(rank(b.rows, METRIC_DEFS.insider[q.metric]), q.offset),
    total: b.total,
    window: { from: b.from, to: b.to, days: q.windowDays, basis: "window_days_ending_at_as_of" },
    freshness: [freshness("insider", b.latestPublished, DELAYS.insider, now)],
    sources: b.sources,
  };
}

const pageRows = (ranked: Ranked[], offset: number) =>
  ranked.map((r, i) => ({ rank: offset + i + 1, symbol: r.symbol, value: r.value, ...r.fields() }));

/** The metrics read from one market-wide day: FINRA, print and option days. */
async function dailyRows(db: Db, metric: Metric, asOf: Date, fresh: (d: Date | null) => Freshness) {
  const source = sourceOf(metric) as DailySource;
  const d = await readDay(db, source, asOf);
  return {
    rows: rank(d.rows as { symbol: string }[], METRIC_DEFS[source][metric]),
    window: day(d.day, d.basis),
    freshness: [fresh(d.latestPublished)],
    sources: d.sources,
  };
}

async function metricRows(db: Db, metric: Metric, q: MetricQuery, now: Date): Promise<Got> {
  const source = sourceOf(metric);
  const fresh = (latest: Date | null) =>
    freshness(source, latest, DELAYS[source as keyof typeof DELAYS] ?? "", now);
  switch (source) {
    case "finra":
    case "prints":
    case "options":
      return { ...(await dailyRows(db, metric, q.asOf, fresh)), source };
    case "insider": {
      const w = await insiderWindow(db, q.asOf, q.windowDays);
      return {
        rows: rank(w.rows, METRIC_DEFS.insider[metric]),
        window: { from: w.from, to: w.to, days: q.windowDays, basis: "window_days_ending_at_as_of" },
        freshness: [fresh(w.latestPublished)],
        sources: w.sources,
        source,
        completePage: (page) =>
          insiderPageDetails(
            db,
            { ...w, asOf: q.asOf },
            page.map((r) => r.row as InsiderWindowRow),
          ),
      };
    }
    case "thirteenf": {
      // Only the rows up to the page asked are read; `total` counts the ranked rows.
      const net = metric === "institutional_net_change";
      const c = await quarterChanges(db, q.asOf, q.period, [
        {
          filter: net ? sql`shares > 0` : sql`new_positions > 0`,
          key: net ? sql`net_value` : sql`new_positions`,
          desc: q.order === "desc",
          keep: q.offset + q.limit,
          count: true,
        },
      ]);
      return {
        total: c.totals?.[0] ?? undefined,
        rows: rank(c.rows, METRIC_DEFS.thirteenf[metric]),
        window: {
          from: c.prior_period,
          to: c.period,
          days: 0,
          basis: q.period ? "requested_period" : "latest_13f_period_published_as_of",
        },
        freshness: [fresh(c.latestPublished)],
        sources: c.period ? [{ source: "sec_13f", rows: c.filers, latest_ref: c.period }] : [],
        source,
      };
    }
    case "analytics": {
      const composite = metric === "accumulation" ? "accumulation" : "smart_money_index";
      const universe = q.universe ?? UNIVERSE_DEFAULT;
      const d = await compositeDay(db, composite, { asOf: q.asOf, universe }, DELAYS, now);
      return { ...d, rows: rank(d.rows, METRIC_DEFS.analytics[metric]), source };
    }
  }
}

export interface LeadersQuery {
  metric: Metric;
  asOf: Date;
  limit: number;
  offset: number;
  order: "desc" | "asc";
  minVolume?: number | undefined;
  windowDays: number;
  period?: string | undefined;
  /** smart_money_index / accumulation: how many of the most active symbols are scored. */
  universe?: number | undefined;
}

type DefInfo = { unit: string; definition: string; volume?: unknown; defaultMinVolume?: number };

/** Every metric's rows ranked here from its source rows, the page sliced out. */
async function rankedPage(db: Db, q: LeadersQuery, minVolume: number | null, now: Date): Promise<Page> {
  const got = await metricRows(db, q.metric, q, now);
  const sign = q.order === "desc" ? -1 : 1;
  const ranked = got.rows
    .filter((r) => r.value !== null && Number.isFinite(r.value))
    .filter((r) => minVolume === null || (r.volume !== null && r.volume >= minVolume))
    .sort(
      (a, b) =>
        sign * ((a.value as number) - (b.value as number)) ||
        String(a.symbol).localeCompare(String(b.symbol)),
    );
  const shown = ranked.slice(q.offset, q.offset + q.limit);
  await got.completePage?.(shown);
  return {
    ...got,
    rows: pageRows(shown, q.offset),
    // 13F sources return only the ranked rows up to the page, with the whole ranking's count.
    total: got.total ?? ranked.length,
  };
}

/** `fromSourceRows`: rank the source rows even when the day is settled (the tests compare both paths). */
export async function getLeaders(
  db: Db,
  q: LeadersQuery,
  now: Date,
  opts: { fromSourceRows?: boolean } = {},
) {
  const composite = q.metric === "smart_money_index" || q.metric === "accumulation" ? q.metric : null;
  // The composite boards are precomputed (composite.refresh.ts); a moment without a stored board is computed here.
  const stored = composite ? await storedLeaders(db, { ...q, metric: composite }, now) : null;
  if (stored) return stored;
  const def = (METRIC_DEFS[sourceOf(q.metric)] as Record<string, DefInfo>)[q.metric] as DefInfo;
  const minVolume = def.volume ? (q.minVolume ?? def.defaultMinVolume ?? 0) : null;
  const insider = q.metric === "insider_buys" || q.metric === "insider_sells";
  const got =
    (isDailyBoard(q.metric) && !opts.fromSourceRows ? await boardPage(db, q, minVolume, now) : null) ??
    (insider && !opts.fromSourceRows ? await insiderPage(db, q, now) : null) ??
    (await rankedPage(db, q, minVolume, now));
  return {
    metric: q.metric,
    definition: def.definition,
    unit: def.unit,
    window: got.window,
    min_volume: minVolume,
    rows: got.rows,
    ...pageOf(got.total, q.limit, q.offset),
    as_of: q.asOf.toISOString(),
    freshness: got.freshness,
    sources: got.sources,
    universe: got.universe ?? null,
    scores: composite ? scoresInfo(null, q.asOf, now, false) : null,
    params_version: MARKET_PARAMS_VERSION,
  };
}
