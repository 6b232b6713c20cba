/**
 * Institutional and insider signals: pure functions of stored positions and transactions plus a
 * versioned parameter set (docs/institutional.md explains every formula).
 */

import { addDays, etDateOf } from "../lib/et-time";

export const INSTITUTIONAL_PARAMS = {
  version: "institutional-v2",
  /** 13F reports are due 45 days after quarter end (Rule 13f-1); a quarter is complete after that. */
  filingDeadlineDays: 45,
  /** Original specification: > +2% strong inflow, < -2% strong outflow. */
  strongFlowPct: 2,
  /** |net change| up to this is neutral (our choice; the specification does not give it). */
  neutralFlowPct: 0.5,
  /** Conviction score weights (sum 1). */
  conviction: { breadth: 0.4, magnitude: 0.35, entries: 0.25 },
  /** Net change giving a full magnitude part (±1). */
  convictionFullScalePct: 5,
} as const;

export const INSIDER_PARAMS = {
  version: "insider-v2",
  /** Grants/awards, option exercises and tax withholding say little about an insider's view. */
  excludedCodes: ["A", "M", "F"],
  clusterMinInsiders: 3,
  clusterWindowDays: 14,
  windowsDays: [30, 90, 180],
  /** The window the score (and the smart-money indices' insider input) is computed over. */
  scoreWindowDays: 90,
  /** A sale counts this much of a purchase of the same relative size (insider.signal.ts). */
  sellWeight: 0.5,
  /** Each sale under a Rule 10b5-1 plan was scheduled in advance: it weighs this much more (per sale). */
  plannedSaleWeight: 0.5,
  /** Net relative size (sum of shares / holding) that saturates the signal at +/-1. */
  fullScaleHoldingShare: 0.5,
  /** Added to the signal per cluster buy that ended in the score window, before clamping. */
  clusterBonus: 0.25,
  /** Score (100 x signal) above which sentiment is bullish, below its negative bearish. */
  sentimentEdge: 20,
} as const;

const DAY_MS = 86_400_000;

/** Quarter end (`YYYY-MM-DD`) on or before a date. */
export function quarterEndOnOrBefore(d: Date): string {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const ends: [number, number, number][] = [
    [y - 1, 11, 31],
    [y, 2, 31],
    [y, 5, 30],
    [y, 8, 30],
    [y, 11, 31],
  ];
  let best = ends[0] as [number, number, number];
  for (const e of ends) if (Date.UTC(e[0], e[1], e[2]) <= Date.UTC(y, m, d.getUTCDate())) best = e;
  return `${best[0]}-${String(best[1] + 1).padStart(2, "0")}-${String(best[2]).padStart(2, "0")}`;
}

export function previousQuarterEnd(period: string): string {
  const d = new Date(`${period}T00:00:00Z`);
  return quarterEndOnOrBefore(new Date(d.getTime() - DAY_MS));
}

/**
 * The latest complete quarter at `asOf`: the newest quarter end whose 45-day filing window has closed,
 * so that most managers' reports are in. Days are New York days (EDGAR's filing day): Q4 is due on
 * day 45 (Feb 14) and complete from midnight ET starting Feb 15, not from 19:00 ET (UTC midnight).
 */
export function latestCompleteQuarter(
  asOf: Date,
  deadlineDays: number = INSTITUTIONAL_PARAMS.filingDeadlineDays,
): string {
  const lastOpenDay = addDays(etDateOf(asOf.getTime()), -(deadlineDays + 1));
  return quarterEndOnOrBefore(new Date(`${lastOpenDay}T00:00:00Z`));
}

export interface Position {
  filerCik: string;
  filerName: string | null;
  shares: number;
  valueUsd: number;
}

export type ChangeKind =
  | "new"
  | "increased"
  | "decreased"
  | "sold_out"
  | "unchanged"
  | "not_reported"
  | "unknown";

export interface HolderChange {
  filerCik: string;
  filerName: string | null;
  kind: ChangeKind;
  sharesNow: number;
  sharesBefore: number;
  changeShares: number;
  /** Relative to the prior position; null for new positions and unknown priors. */
  changePct: number | null;
}

/**
 * Per-filer change between two quarters. A filer that held the stock last quarter and filed this
 * quarter without it sold out; one that has not filed this quarter yet is `not_reported` (a missing
 * report is not a sale). Symmetrically, a position is `new` only when the filer's prior-quarter report
 * is known (`reportedBefore`) and did not hold the stock; with no prior report loaded the change is
 * `unknown` (a missing report is not a purchase).
 */
export function classifyChanges(
  current: Position[],
  prior: Position[],
  reportingNow: Set<string>,
  reportedBefore: Set<string>,
): HolderChange[] {
  const before = new Map(prior.map((p) => [p.filerCik, p]));
  const out: HolderChange[] = [];
  for (const p of current) {
    const b = before.get(p.filerCik);
    before.delete(p.filerCik);
    if (!b && !reportedBefore.has(p.filerCik)) {
      out.push({
        filerCik: p.filerCik,
        filerName: p.filerName,
        kind: "unknown",
        sharesNow: p.shares,
        sharesBefore: 0,
        changeShares: 0,
        changePct: null,
      });
      continue;
    }
    const sharesBefore = b?.shares ?? 0;
    const change = p.shares - sharesBefore;
    const kind: ChangeKind =
      sharesBefore === 0
        ? p.shares > 0
          ? "new"
          : "unchanged"
        : change > 0
          ? "increased"
          : change < 0
            ? "decreased"
            : "unchanged";
    out.push({
      filerCik: p.filerCik,
      filerName: p.filerName,
      kind: p.shares === 0 && sharesBefore > 0 ? "sold_out" : kind,
      sharesNow: p.shares,
      sharesBefore,
      changeShares: change,
      changePct: sharesBefore > 0 ? (change / sharesBefore) * 100 : null,
    });
  }
  for (const b of before.values()) {
    if (b.shares <= 0) continue;
    const reported = reportingNow.has(b.filerCik);
    out.push({
      filerCik: b.filerCik,
      filerName: b.filerName,
      kind: reported ? "sold_out" : "not_reported",
      sharesNow: 0,
      sharesBefore: b.shares,
      changeShares: reported ? -b.shares : 0,
      changePct: reported ? -100 : null,
    });
  }
  return out;
}

export interface ChangeSummary {
  increased: { count: number; shares: number };
  decreased: { count: number; shares: number };
  new: { count: number; shares: number };
  sold_out: { count: number; shares: number };
  unchanged: number;
  not_reported: number;
  /** Current holders whose prior-quarter report is not loaded (neither new nor a change). */
  unknown: number;
}

export function summarizeChanges(changes: HolderChange[]): ChangeSummary {
  const s: ChangeSummary = {
    increased: { count: 0, shares: 0 },
    decreased: { count: 0, shares: 0 },
    new: { count: 0, shares: 0 },
    sold_out: { count: 0, shares: 0 },
    unchanged: 0,
    not_reported: 0,
    unknown: 0,
  };
  for (const c of changes) {
    if (c.kind === "unchanged") s.unchanged++;
    else if (c.kind === "not_reported") s.not_reported++;
    else if (c.kind === "unknown") s.unknown++;
    else {
      s[c.kind].count++;
      s[c.kind].shares += Math.abs(c.changeShares);
    }
  }
  return s;
}

export type FlowDirection = "strong_inflow" | "inflow" | "neutral" | "outflow" | "strong_outflow";

/** Original specification's bands on the net change of institutional shares, in percent. */
export function flowDirection(netChangePct: number | null, p = INSTITUTIONAL_PARAMS): FlowDirection {
  if (netChangePct === null || Math.abs(netChangePct) <= p.neutralFlowPct) return "neutral";
  if (netChangePct > p.strongFlowPct) return "strong_inflow";
  if (netChangePct < -p.strongFlowPct) return "strong_outflow";
  return netChangePct > 0 ? "inflow" : "outflow";
}

export interface Flow {
  /** Shares held by every current holder (unknown priors included). */
  institutional_shares: number;
  /** Prior-quarter shares of the filers compared (see `net_change_percentage`). */
  prior_institutional_shares: number;
  /** Institutional shares / shares outstanding x 100; null without shares outstanding. */
  institutional_ownership: number | null;
  /**
   * (now - before) / before x 100 over the filers whose both quarters are known (reported both, or
   * exited); holders with an unloaded prior quarter and prior holders not reported yet are left out.
   */
  net_change_percentage: number | null;
  /** Current holders left out of the comparison because their prior quarter is not loaded. */
  unknown_prior_positions: number;
  flow_direction: FlowDirection;
  new_positions: number;
  sold_out_positions: number;
  conviction_score: number;
  conviction_components: {
    breadth: number;
    magnitude: number;
    entries: number;
    weights: typeof INSTITUTIONAL_PARAMS.conviction;
  };
}

/**
 * Flow and conviction. Conviction (0-100) = 50 + 50 x (w_b x breadth + w_m x magnitude + w_e x entries):
 * breadth = (increased + new - decreased - sold out) / holders that changed; magnitude = net change
 * scaled so ±5% is ±1; entries = (new - sold out) / (new + sold out). Each part is in [-1, 1].
 */
export function computeFlow(
  changes: HolderChange[],
  sharesOutstanding: number | null,
  p = INSTITUTIONAL_PARAMS,
): Flow {
  const comparable = changes.filter((c) => c.kind !== "not_reported" && c.kind !== "unknown");
  const held = changes.reduce((s, c) => s + c.sharesNow, 0);
  const now = comparable.reduce((s, c) => s + c.sharesNow, 0);
  const before = comparable.reduce((s, c) => s + c.sharesBefore, 0);
  const net = before > 0 ? ((now - before) / before) * 100 : null;
  const sum = summarizeChanges(changes);
  const up = sum.increased.count + sum.new.count;
  const down = sum.decreased.count + sum.sold_out.count;
  const breadth = up + down > 0 ? (up - down) / (up + down) : 0;
  const magnitude = net === null ? 0 : Math.max(-1, Math.min(1, net / p.convictionFullScalePct));
  const entries =
    sum.new.count + sum.sold_out.count > 0
      ? (sum.new.count - sum.sold_out.count) / (sum.new.count + sum.sold_out.count)
      : 0;
  const w = p.conviction;
  const score = 50 + 50 * (w.breadth * breadth + w.magnitude * magnitude + w.entries * entries);
  const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
  return {
    institutional_shares: held,
    prior_institutional_shares: before,
    institutional_ownership: sharesOutstanding ? round((held / sharesOutstanding) * 100) : null,
    net_change_percentage: net === null ? null : round(net),
    unknown_prior_positions: sum.unknown,
    flow_direction: flowDirection(net, p),
    new_positions: sum.new.count,
    sold_out_positions: sum.sold_out.count,
    conviction_score: round(score, 2),
    conviction_components: {
      breadth: round(breadth),
      magnitude: round(magnitude),
      entries: round(entries),
      weights: w,
    },
  };
}

export interface InsiderTrade {
  ownerCik: string;
  transactionDate: string | null;
  code: string | null;
  shares: number | null;
  /** Form 4 "Amount of Securities Beneficially Owned Following Reported Transaction". */
  sharesOwnedAfter: number | null;
  valueUsd: number | null;
  aff10b5One: boolean | null;
  isDerivative: boolean;
}

export interface ClusterBuy {
  start: string;
  end: string;
  insiders: number;
  valueUsd: number;
}

/** Windows of `windowDays` in which at least `minInsiders` distinct insiders bought in the open market (P). */
export function clusterBuys(trades: InsiderTrade[], minInsiders: number, windowDays: number): ClusterBuy[] {
  const buys = trades
    .filter((t) => t.code === "P" && t.transactionDate && !t.isDerivative)
    .sort((a, b) => (a.transactionDate as string).localeCompare(b.transactionDate as string));
  const out: ClusterBuy[] = [];
  let lastEnd = "";
  // The window of buy i is every buy dated start..start + windowDays - 1: buys[lo..hi), both ends only
  // move forward (the buys are sorted by date), owners counted as they enter and leave.
  const owners = new Map<string, number>();
  let lo = 0;
  let hi = 0;
  const dateOf = (k: number) => buys[k]?.transactionDate as string;
  for (let i = 0; i < buys.length; i++) {
    const start = dateOf(i);
    const limit = new Date(Date.parse(`${start}T00:00:00Z`) + (windowDays - 1) * DAY_MS)
      .toISOString()
      .slice(0, 10);
    for (; hi < buys.length && dateOf(hi) <= limit; hi++) {
      const owner = buys[hi]?.ownerCik as string;
      owners.set(owner, (owners.get(owner) ?? 0) + 1);
    }
    for (; dateOf(lo) < start; lo++) {
      const owner = buys[lo]?.ownerCik as string;
      const left = (owners.get(owner) ?? 0) - 1;
      if (left === 0) owners.delete(owner);
      else owners.set(owner, left);
    }
    if (owners.size >= minInsiders && start > lastEnd) {
      const end = dateOf(hi - 1);
      out.push({
        start,
        end,
        insiders: owners.size,
        valueUsd: buys.slice(lo, hi).reduce((s, b) => s + (b.valueUsd ?? 0), 0),
      });
      lastEnd = end;
    }
  }
  return out;
}

export interface InsiderWindow {
  days: number;
  buys: { count: number; value: number };
  sells: { count: number; value: number; planned_10b5_1: number };
  other: { count: number };
  excluded: { count: number };
}

/**
 * Buy/sell tallies over trailing windows ending at `asOfDay`. Buys are open-market purchases (P),
 * sells open-market sales (S); codes in `excludedCodes` (grants, exercises, withholding by default)
 * are counted apart; any other code (gifts, conversions...) is `other`.
 */
export function insiderWindows(
  trades: InsiderTrade[],
  asOfDay: string,
  excluded: readonly string[],
  windowsDays: readonly number[],
): InsiderWindow[] {
  const asOfMs = Date.parse(`${asOfDay}T00:00:00Z`);
  return windowsDays.map((days) => {
    const from = new Date(asOfMs - (days - 1) * DAY_MS).toISOString().slice(0, 10);
    const w: InsiderWindow = {
      days,
      buys: { count: 0, value: 0 },
      sells: { count: 0, value: 0, planned_10b5_1: 0 },
      other: { count: 0 },
      excluded: { count: 0 },
    };
    for (const t of trades) {
      if (!t.transactionDate || t.transactionDate < from || t.transactionDate > asOfDay) continue;
      if (t.code && excluded.includes(t.code)) w.excluded.count++;
      else if (t.code === "P" && !t.isDerivative) {
        w.buys.count++;
        w.buys.value += t.valueUsd ?? 0;
      } else if (t.code === "S" && !t.isDerivative) {
        w.sells.count++;
        w.sells.value += t.valueUsd ?? 0;
        if (t.aff10b5One) w.sells.planned_10b5_1++;
      } else w.other.count++;
    }
    return w;
  });
}
