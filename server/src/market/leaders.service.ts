/**
 * The market leaderboards (`/market/leaders?metric=`): each metric's per-symbol rows from its area's
 * market service (or, for the composite scores, from the per-symbol analytics over a bounded universe:
 * composite.ts), ranked by the metric table's value (metrics.ts). docs/methodology.md "Market".
 */
import type { Db } from "@smt/db";
import { optionsDay } from "../blocks/market.service";
import { finraDay, printDay } from "../darkpool/market.service";
import {
  type InsiderWindowRow,
  insiderIssuerNames,
  insiderWindow,
  quarterChanges,
} from "../institutional/market.service";
import { freshness } from "../lib/openapi";
import { compositeDay } from "./composite";
import { scoresInfo, storedLeaders } from "./composite.board";
import { DELAYS, page, type Window } from "./market.service";
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

/** One market-wide day of a source: its per-symbol rows, the window's basis, freshness and sources. */
async function readDay(db: Db, source: DailySource, asOf: Date) {
  if (source === "finra") return { ...(await finraDay(db, asOf)), basis: "latest_finra_day_published_as_of" };
  if (source === "options") return { ...(await optionsDay(db, asOf)), basis: "latest_option_day_as_of" };
  const p = await printDay(db, asOf);
  const rows = p.rows.reduce((n, r) => n + r.off_prints, 0);
  const sources = p.day ? [{ source: "prints", rows, latest_ref: p.day }] : [];
  return { ...p, sources, basis: "latest_print_day_as_of" };
}

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
          insiderIssuerNames(
            db,
            { ...w, asOf: q.asOf },
            page.map((r) => r.row as InsiderWindowRow),
          ),
      };
    }
    case "thirteenf": {
      const c = await quarterChanges(db, q.asOf, q.period);
      return {
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

export async function getLeaders(db: Db, q: LeadersQuery, now: Date) {
  const composite = q.metric === "smart_money_index" || q.metric === "accumulation" ? q.metric : null;
  // The composite boards are precomputed (composite.refresh.ts); a moment without a stored board is computed here.
  const stored = composite ? await storedLeaders(db, { ...q, metric: composite }, now) : null;
  if (stored) return stored;
  const got = await metricRows(db, q.metric, q, now);
  const defs = METRIC_DEFS[got.source] as Record<
    string,
    { unit: string; definition: string; volume?: unknown; defaultMinVolume?: number }
  >;
  const def = defs[q.metric] as {
    unit: string;
    definition: string;
    volume?: unknown;
    defaultMinVolume?: number;
  };
  const minVolume = def.volume ? (q.minVolume ?? def.defaultMinVolume ?? 0) : null;
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
  const rows = shown.map((r, i) => ({
    rank: q.offset + i + 1,
    symbol: r.symbol,
    value: r.value,
    ...r.fields(),
  }));
  return {
    metric: q.metric,
    definition: def.definition,
    unit: def.unit,
    window: got.window,
    min_volume: minVolume,
    rows,
    ...page(ranked, q.limit, q.offset),
    as_of: q.asOf.toISOString(),
    freshness: got.freshness,
    sources: got.sources,
    universe: got.universe ?? null,
    scores: composite ? scoresInfo(null, q.asOf, now, false) : null,
    params_version: MARKET_PARAMS_VERSION,
  };
}
