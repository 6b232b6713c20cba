/**
 * Keeps the precomputed composite leaderboards current (issue 12): per New York day, the `smart_money_index`
 * and `accumulation` of the day's `COMPOSITE_UNIVERSE` most active symbols, each computed by the per-symbol
 * analytics (`getIndicatorsAndFlow`: what `/analytics/{symbol}/indicators` and `/flow` answer at the same
 * `as_of`), stored with the fields that explain it (composite.store.ts).
 *
 * - Today's board is **open**: scored at the refresh moment. A refresh rescores only the members whose
 *   `data_versions.version` moved since they were scored (their prints, bars, FINRA rows changed) and new
 *   members; every member when an area version moved (13F, Form 4, options are not tracked per symbol) or
 *   the last full pass is `FULL_RESCORE_MS` old (staleness windows move with the clock). Nothing written
 *   since the last refresh (both version sums unchanged) and a recent full pass: nothing to do.
 * - A past day's board is **closed** once the job sees the day has passed: every member rescored as of the
 *   day's last millisecond (23:59:59.999 New York), what a date-only `as_of` means, and then kept as is.
 * docs/methodology.md "Composite metrics" states the rules and what the board says about them.
 */
import type { Db } from "@smt/db";
import { areaProviders } from "../analytics/analytics.providers";
import { getIndicatorsAndFlow } from "../analytics/analytics.service";
import { finraDay, printDay } from "../darkpool/market.service";
import { addDays, etDateOf, etDayBounds } from "../lib/et-time";
import { mapPool } from "./composite";
import {
  type DayRow,
  openDaysBefore,
  readDay,
  type ScoreRow,
  storedVersions,
  symbolVersions,
  versionSums,
  writeDay,
} from "./composite.store";
import { type CompositeRow, METRIC_DEFS, UNIVERSE_MAX } from "./metrics";

/** Members stored per day: the most a request's `universe` may ask for. */
export const COMPOSITE_UNIVERSE = UNIVERSE_MAX;
/** Longest an open board goes without rescoring every member. */
export const FULL_RESCORE_MS = 3_600_000;
const CONCURRENCY = 4;

/** The last millisecond of a New York day: where a closed day is scored. */
export const endOfDay = (day: string): Date => new Date(etDayBounds(day).end.getTime() - 1);

/** The day's most active symbols as of `asOf`, ranked (the universe rule of composite.ts). */
async function ranking(db: Db, asOf: Date) {
  const [f, p] = await Promise.all([finraDay(db, asOf), printDay(db, asOf)]);
  const activity = new Map<string, number>();
  for (const r of f.rows) activity.set(r.symbol, r.total_volume);
  for (const r of p.rows) activity.set(r.symbol, Math.max(activity.get(r.symbol) ?? 0, r.off_volume));
  const active = [...activity].filter(([, v]) => v > 0);
  const members = active
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, COMPOSITE_UNIVERSE)
    .map(([symbol, act], i) => ({ symbol, activity: act, rank: i + 1 }));
  const days = [f.day, p.day].filter((d): d is string => d !== null).sort();
  const from = days[0] ?? null;
  const to = days[days.length - 1] ?? null;
  return {
    members,
    active: active.length,
    window: {
      from,
      to,
      days: from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1 : 0,
      basis: "universe_from_latest_finra_and_print_days_as_of",
    },
    sources: [...f.sources, ...(p.day ? [{ source: "prints", rows: p.rows.length, latest_ref: p.day }] : [])],
  };
}

/** One member's stored row: both scores at `asOf` and the leaderboard fields that explain them. */
async function scoreRow(
  db: Db,
  m: { symbol: string; activity: number; rank: number },
  ctx: { day: string; asOf: Date; now: Date; version: number },
): Promise<ScoreRow> {
  const { indicators, flow } = await getIndicatorsAndFlow(db, m.symbol, ctx.asOf, {
    providers: areaProviders,
  });
  const base = { symbol: m.symbol, activity: m.activity };
  const smi: CompositeRow = { ...base, metric: "smart_money_index", indicators };
  const acc: CompositeRow = { ...base, metric: "accumulation", flow };
  const defs = METRIC_DEFS.analytics;
  return {
    day: ctx.day,
    symbol: m.symbol,
    asOf: ctx.asOf,
    computedAt: ctx.now,
    activity: m.activity,
    activityRank: m.rank,
    smartMoneyIndex: defs.smart_money_index?.value(smi) ?? null,
    accumulation: defs.accumulation?.value(acc) ?? null,
    smiFields: defs.smart_money_index?.explain(smi) ?? {},
    accumulationFields: defs.accumulation?.explain(acc) ?? {},
    dataVersion: ctx.version,
  };
}

export interface RefreshOutcome {
  day: string;
  closed: boolean;
  /** Members rescored; null when nothing had changed (no work done). */
  scored: number | null;
  members: number;
}

/**
 * Refreshes one day's board as of `asOf` (`closed`: the day's end, every member rescored). Versions are
 * read before scoring, so a write that lands during the refresh shows as a change the next time.
 */
export async function refreshDay(
  db: Db,
  plan: { day: string; asOf: Date; closed: boolean },
  now: Date,
): Promise<RefreshOutcome> {
  const [sums, prior] = await Promise.all([versionSums(db), readDay(db, plan.day)]);
  const full =
    prior === null ||
    (plan.closed && !prior.closed) ||
    prior.areaVersion !== sums.area ||
    now.getTime() - prior.fullAt.getTime() >= FULL_RESCORE_MS;
  if (!full && prior.dataVersionSum === sums.data && prior.closed === plan.closed)
    return { day: plan.day, closed: plan.closed, scored: null, members: 0 };
  const r = await ranking(db, plan.asOf);
  const symbols = r.members.map((m) => m.symbol);
  const [versions, stored] = await Promise.all([
    symbolVersions(db, symbols),
    full ? new Map<string, number>() : storedVersions(db, plan.day),
  ]);
  const due = r.members.filter((m) => full || stored.get(m.symbol) !== (versions.get(m.symbol) ?? 0));
  const scored = await mapPool(due, CONCURRENCY, (m) =>
    scoreRow(db, m, { day: plan.day, asOf: plan.asOf, now, version: versions.get(m.symbol) ?? 0 }),
  );
  const day: DayRow = {
    day: plan.day,
    asOf: plan.asOf,
    closed: plan.closed,
    computedAt: now,
    fullAt: full ? now : (prior?.fullAt ?? now),
    areaVersion: sums.area,
    dataVersionSum: sums.data,
    activeSymbols: r.active,
    window: r.window,
    sources: r.sources,
  };
  await writeDay(db, day, scored, r.members);
  return { day: plan.day, closed: plan.closed, scored: scored.length, members: r.members.length };
}

/**
 * The job's pass: close every open board of a day that has passed (scored at its end), then refresh
 * today's as of `now`. With `backfillDays`, also closes the boards of that many past days that have none.
 */
export async function refreshComposite(db: Db, now: Date, backfillDays = 0): Promise<RefreshOutcome[]> {
  const today = etDateOf(now.getTime());
  const out: RefreshOutcome[] = [];
  const toClose = new Set(await openDaysBefore(db, today));
  for (let i = backfillDays; i >= 1; i--) {
    const d = addDays(today, -i);
    if ((await readDay(db, d)) === null) toClose.add(d);
  }
  for (const day of [...toClose].sort())
    out.push(await refreshDay(db, { day, asOf: endOfDay(day), closed: true }, now));
  out.push(await refreshDay(db, { day: today, asOf: now, closed: false }, now));
  return out;
}
