/**
 * The composite leaderboard metrics, `smart_money_index` and `accumulation`: scores that need every
 * component of a symbol (prints, short volume, blocks, options, 13F, Form 4), so they are not a column
 * one statement can rank. They are computed with the per-symbol analytics functions themselves
 * (`getIndicators`, `getFlow`: what `/analytics/{symbol}/indicators` and `/flow` answer with, same
 * providers, same `as_of`) over a bounded universe: the `universe` most active symbols of the day, point
 * in time. docs/methodology.md "Composite metrics" states the rule and its cost.
 */
import type { Db } from "@smt/db";
import { areaProviders } from "../analytics/analytics.providers";
import { getFlow, getIndicators } from "../analytics/analytics.service";
import type { ScoreComponent } from "../analytics/analytics.types";
import { finraDay, printDay } from "../darkpool/market.service";
import { freshness } from "../lib/openapi";
import { COMPONENT_INPUT } from "./composite.store";
import type { CompositeMetric, CompositeRow } from "./metrics";

/** Per-symbol computations running at once inside one request. */
const CONCURRENCY = 4;

export const UNIVERSE_BASIS =
  "the `universe` symbols with the most activity of the day (off-exchange shares of the FINRA day or the print day published by as_of, the larger; ties by symbol), each scored with the per-symbol analytics function";

/** Runs `fn` over `items`, at most `limit` at a time, results in input order. */
export async function mapPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const componentsOf = (r: CompositeRow): ScoreComponent[] =>
  r.metric === "smart_money_index" ? r.indicators.components.smart_money_index : r.flow.components;

/**
 * The universe of the day as of `asOf` and each member's score. `delays` gives each input's expected
 * delay text for the freshness list (the newest component `as_of` over the universe, per input).
 */
export async function compositeDay(
  db: Db,
  metric: CompositeMetric,
  q: { asOf: Date; universe: number },
  delays: Record<"prints" | "finra" | "options" | "insider" | "thirteenf", string>,
  now: Date,
) {
  const [f, p] = await Promise.all([finraDay(db, q.asOf), printDay(db, q.asOf)]);
  const activity = new Map<string, number>();
  for (const r of f.rows) activity.set(r.symbol, r.total_volume);
  for (const r of p.rows) activity.set(r.symbol, Math.max(activity.get(r.symbol) ?? 0, r.off_volume));
  const members = [...activity]
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, q.universe);
  const options = { providers: areaProviders };
  const rows = await mapPool(
    members,
    CONCURRENCY,
    async ([symbol, act]): Promise<CompositeRow> =>
      metric === "smart_money_index"
        ? { symbol, activity: act, metric, indicators: await getIndicators(db, symbol, q.asOf, options) }
        : { symbol, activity: act, metric, flow: await getFlow(db, symbol, q.asOf, options) },
  );
  const newest = new Map<string, string>();
  for (const r of rows)
    for (const c of componentsOf(r)) {
      const input = COMPONENT_INPUT[c.name as keyof typeof COMPONENT_INPUT];
      if (!input || !c.available || c.as_of === null) continue;
      if ((newest.get(input) ?? "") < c.as_of) newest.set(input, c.as_of);
    }
  const days = [f.day, p.day].filter((d): d is string => d !== null).sort();
  const from = days[0] ?? null;
  const to = days[days.length - 1] ?? null;
  return {
    rows,
    window: {
      from,
      to,
      days: from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1 : 0,
      basis: "universe_from_latest_finra_and_print_days_as_of",
    },
    freshness: (Object.keys(delays) as (keyof typeof delays)[]).map((input) =>
      freshness(input, newest.get(input) ?? null, delays[input], now),
    ),
    sources: [...f.sources, ...(p.day ? [{ source: "prints", rows: p.rows.length, latest_ref: p.day }] : [])],
    universe: {
      basis: UNIVERSE_BASIS,
      requested: q.universe,
      scored: rows.length,
      active_symbols: activity.size,
    },
  };
}
