/**
 * The composite leaderboards read from the precomputed store (composite.refresh.ts keeps it): one day row
 * and one indexed page query instead of the per-symbol analytics of every member per request. Which stored
 * board answers an `as_of` (docs/methodology.md "Composite metrics"):
 * - the board scored at exactly `as_of` (a closed day asked for by its date: 23:59:59.999 New York), or
 * - the open board (today's when scored) of `as_of`'s New York day, scored at or before `as_of` (the
 *   "now" board).
 * Any other `as_of` has no stored board: the caller computes it on request (composite.ts), and says so.
 */
import type { Db } from "@smt/db";
import { etDateOf } from "../lib/et-time";
import { freshness } from "../lib/openapi";
import { UNIVERSE_BASIS } from "./composite";
import { type DayRow, readBoard } from "./composite.store";
import { DELAYS } from "./market.service";
import { type CompositeMetric, MARKET_PARAMS_VERSION, METRIC_DEFS, UNIVERSE_DEFAULT } from "./metrics";

export interface StoredBoardQuery {
  metric: CompositeMetric;
  asOf: Date;
  limit: number;
  offset: number;
  order: "desc" | "asc";
  minVolume?: number | undefined;
  universe?: number | undefined;
}

/** Whether the stored day `d` (the newest at or before `asOf`) answers `asOf` (rules above). */
const answers = (d: DayRow, asOf: Date) =>
  d.asOf.getTime() === asOf.getTime() || (!d.closed && d.day === etDateOf(asOf.getTime()));

/** What the board says about where its scores come from: stored (when, as of when, changed since?). */
export const scoresInfo = (d: DayRow | null, asOf: Date, now: Date, changed: boolean) =>
  d
    ? {
        source: "stored" as const,
        as_of: d.asOf.toISOString(),
        day: d.day,
        closed: d.closed,
        computed_at: d.computedAt.toISOString(),
        age_seconds: Math.max(0, Math.round((now.getTime() - d.computedAt.getTime()) / 1000)),
        inputs_changed_since: d.closed ? null : changed,
      }
    : {
        source: "computed_on_request" as const,
        as_of: asOf.toISOString(),
        day: null,
        closed: null,
        computed_at: now.toISOString(),
        age_seconds: 0,
        inputs_changed_since: null,
      };

/**
 * The leaderboard payload from the stored board that answers `q.asOf` (same shape as leaders.service's),
 * or null when none does (one round trip either way).
 */
export async function storedLeaders(db: Db, q: StoredBoardQuery, now: Date) {
  const def = METRIC_DEFS.analytics[q.metric] as {
    unit: string;
    definition: string;
    defaultMinVolume?: number;
  };
  const universe = q.universe ?? UNIVERSE_DEFAULT;
  const minVolume = q.minVolume ?? def.defaultMinVolume ?? 0;
  const b = await readBoard(db, { ...q, universe, minActivity: minVolume });
  if (!b || !answers(b.day, q.asOf)) return null;
  const d = b.day;
  // Anything written since the open board was computed (any process): the job's next pass looks at it.
  const changed = b.sums !== null && (b.sums.data !== d.dataVersionSum || b.sums.area !== d.areaVersion);
  const rows = b.rows.map((r, i) => ({
    rank: q.offset + i + 1,
    symbol: r.symbol,
    value: r.value,
    ...r.fields,
    activity: r.activity,
    scored_as_of: r.scoredAsOf,
  }));
  return {
    metric: q.metric,
    definition: def.definition,
    unit: def.unit,
    window: d.window as { from: string | null; to: string | null; days: number; basis: string },
    min_volume: minVolume,
    rows,
    total: b.total,
    limit: q.limit,
    offset: q.offset,
    next_offset: q.offset + q.limit < b.total ? q.offset + q.limit : null,
    as_of: q.asOf.toISOString(),
    freshness: (Object.keys(DELAYS) as (keyof typeof DELAYS)[]).map((input) =>
      freshness(input, b.latest.get(input) ?? null, DELAYS[input], now),
    ),
    sources: d.sources as { source: string; rows: number; latest_ref: string | null }[],
    universe: {
      basis: UNIVERSE_BASIS,
      requested: universe,
      scored: b.scored,
      active_symbols: d.activeSymbols,
    },
    scores: scoresInfo(d, q.asOf, now, changed),
    params_version: MARKET_PARAMS_VERSION,
  };
}
