/**
 * Alert rules: turn detector events into alerts a bot can trust. Each alert says why it fired (the
 * detector's inputs, the parameter versions), has a deterministic id derived from its de-duplication key
 * (so one event makes one alert, also across server nodes: the store's unique id rejects the second), and
 * respects a per-rule cooldown. Documented in docs/alerts.md.
 */
import { createHash } from "node:crypto";
import { type BlocksParams, DEFAULT_BLOCKS_PARAMS } from "../blocks/blocks.params";
import type { DetectorEvent } from "../blocks/detectors";

export const ALERT_RULES_VERSION = "alerts-v1";

/** Alert types raised by the live print detectors (this module's rules). */
export const DETECTOR_ALERT_TYPES = [
  "large_block",
  "unusual_sweep",
  "options_volume_spike",
  "equity_volume_spike",
  "price_flow_divergence",
] as const;
export type DetectorAlertType = (typeof DETECTOR_ALERT_TYPES)[number];

/** Alert types raised when a filing or file is stored (filing-alerts.ts, short-spike-alerts.ts). */
export const FILING_ALERT_TYPES = [
  "insider_purchase",
  "insider_cluster_buy",
  "institutional_new_position",
  "institutional_exit",
  "short_ratio_spike",
] as const;
export type FilingAlertType = (typeof FILING_ALERT_TYPES)[number];

export const ALERT_TYPES = [...DETECTOR_ALERT_TYPES, ...FILING_ALERT_TYPES] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const ALERT_SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const severityRank = (s: AlertSeverity): number => ALERT_SEVERITIES.indexOf(s);

/** Price move after the alert, filled in later by the outcome job when prices are known. */
export interface AlertOutcome {
  price_at_alert: number | null;
  price_move_1h_pct: number | null;
  price_move_1d_pct: number | null;
  evaluated_at: string | null;
}

/** Where a filing or file alert came from (docs/alerts.md "Alerts from filings and files"). */
export interface AlertOrigin {
  /** `sec_form4`, `sec_13f` or `finra_regsho`. */
  kind: string;
  /** The filing's accession number, or the FINRA file name. */
  ref: string;
  /** The filing's path on www.sec.gov (its EDGAR index page); null for FINRA files. */
  url: string | null;
  /** When the world could know it: EDGAR acceptance time (else the end of the filing date, New York), or 18:00 New York on the FINRA file's date. */
  published_at: string;
  /** When this service stored the filing or file (ingest time). */
  seen_at: string;
}

/** The alert object of ARCHITECTURE.md "Contracts": what is stored, pushed on `alert` and sent to webhooks. */
export interface Alert {
  /** Deterministic: hash of type and de-duplication key. */
  id: string;
  /** Global sequence number: reserved when a live alert is pushed before its insert (alert-seqs.ts), else
   * assigned when the alert is stored (`null` before). */
  seq: number | null;
  symbol: string;
  type: AlertType;
  severity: AlertSeverity;
  /** When the event happened (event time of the print or window), ISO 8601. */
  timestamp: string;
  title: string;
  /** The headline numbers (value, ratios, thresholds). */
  values: Record<string, number | string | boolean | null>;
  /** Snapshot of the detector event that fired the rule: "why did this fire". */
  inputs: unknown;
  /** Version of the detector parameters (BLOCKS_PARAMS_VERSION) and of these rules. */
  params_version: string;
  rules_version: string;
  dedupe_key: string;
  outcome: AlertOutcome;
  /** `demo` when the event came from demo data (generated history or the simulator): never a real signal. */
  source?: "demo";
  /** The filing or file a filing alert came from; null (or absent before storage) for detector alerts. */
  origin?: AlertOrigin | null;
}

/** Marks an alert raised on demo data, in its `source` and its title, so it cannot pass for a real one. */
export function asDemoAlert(alert: Alert): Alert {
  return {
    ...alert,
    source: "demo",
    title: alert.title.startsWith("DEMO ") ? alert.title : `DEMO ${alert.title}`,
  };
}

export interface AlertRuleConfig {
  enabled: boolean;
  /** Alerts below this severity are dropped. */
  minSeverity: AlertSeverity;
  /** After an alert for the same rule, symbol and subject, others are suppressed this long (unless more severe). */
  cooldownMs: number;
}

export interface AlertRulesConfig {
  version: string;
  rules: Record<DetectorAlertType, AlertRuleConfig>;
  /** Equity multi-venue sweeps alert from this value (smaller ones are routine in liquid names). */
  equitySweepAlertMinUsd: number;
  /** How long a de-duplication key is remembered in memory (the store keeps ids for good). */
  dedupeMemoryMs: number;
}

export const DEFAULT_ALERT_RULES: Readonly<AlertRulesConfig> = Object.freeze<AlertRulesConfig>({
  version: ALERT_RULES_VERSION,
  rules: {
    // Every block over the threshold is its own event: no cooldown, de-duplicated by trade key.
    large_block: { enabled: true, minSeverity: "low", cooldownMs: 0 },
    unusual_sweep: { enabled: true, minSeverity: "low", cooldownMs: 60_000 },
    options_volume_spike: { enabled: true, minSeverity: "low", cooldownMs: 15 * 60_000 },
    equity_volume_spike: { enabled: true, minSeverity: "low", cooldownMs: 15 * 60_000 },
    price_flow_divergence: { enabled: true, minSeverity: "low", cooldownMs: 30 * 60_000 },
  },
  equitySweepAlertMinUsd: 5_000_000,
  dedupeMemoryMs: 2 * 86_400_000,
});

/** What a rule makes of an event before cooldown and de-duplication. */
export interface AlertCandidate {
  type: DetectorAlertType;
  symbol: string;
  /** Cooldown scope within the symbol (contract, scope); empty for the symbol as a whole. */
  subject: string;
  severity: AlertSeverity;
  tsMs: number;
  title: string;
  values: Alert["values"];
  dedupeKey: string;
}

/** `$12.3M`, `$1.20B`, `$250K`: the money in alert titles. */
export const usd = (v: number): string =>
  v >= 1e9
    ? `$${(v / 1e9).toFixed(2)}B`
    : v >= 1e6
      ? `$${(v / 1e6).toFixed(1)}M`
      : `$${Math.round(v / 1e3)}K`;
const ratio = (v: number | null): string => (v === null ? "n/a" : `${v.toFixed(1)}x`);

type EventOf<K extends DetectorEvent["kind"]> = Extract<DetectorEvent, { kind: K }>;

function largeBlockRule(event: EventOf<"block">, params: BlocksParams): AlertCandidate | null {
  if (!event.alertable) return null;
  const b = event.block;
  return {
    type: "large_block",
    symbol: event.symbol,
    subject: "",
    severity: b.value >= 5 * params.blockAlertMinUsd ? "critical" : "high",
    tsMs: event.tsMs,
    title: `${event.symbol} ${usd(b.value)} ${b.is_off_exchange ? "off-exchange" : "lit"} ${b.trade_type}: ${b.size.toLocaleString("en-US")} @ ${b.price}`,
    values: {
      value: b.value,
      price: b.price,
      size: b.size,
      trade_type: b.trade_type,
      is_off_exchange: b.is_off_exchange,
      sentiment: b.sentiment,
      volume_ratio: b.volume_ratio,
      threshold_usd: params.blockAlertMinUsd,
    },
    dedupeKey: `large_block:${event.symbol}:${b.trade_key}`,
  };
}

function optionSweepRule(event: EventOf<"sweep">, params: BlocksParams): AlertCandidate | null {
  const s = event.sweep;
  const qualifies =
    s.volumeRatio !== null
      ? s.volumeRatio > params.optionsVolumeRatio
      : s.valueUsd >= params.optionSweepNoHistoryMinPremiumUsd;
  if (!qualifies) return null;
  return {
    type: "unusual_sweep",
    symbol: event.symbol,
    subject: s.contract ?? "",
    severity: (s.volumeRatio ?? 0) >= 10 || s.valueUsd >= 1_000_000 ? "high" : "medium",
    tsMs: event.tsMs,
    title: `${event.symbol} ${s.right} sweep ${s.contract}: ${s.size} contracts, ${usd(s.valueUsd)} premium across ${s.venues.length} venue(s), volume ${ratio(s.volumeRatio)} avg`,
    values: {
      premium: s.valueUsd,
      contracts: s.size,
      venues: s.venues.length,
      iso: s.iso,
      volume_ratio: s.volumeRatio,
      threshold_ratio: params.optionsVolumeRatio,
    },
    dedupeKey: `unusual_sweep:${s.contract}:${s.startTs}`,
  };
}

function equitySweepRule(
  event: EventOf<"sweep">,
  params: BlocksParams,
  rules: AlertRulesConfig,
): AlertCandidate | null {
  const s = event.sweep;
  if (s.valueUsd < rules.equitySweepAlertMinUsd) return null;
  return {
    type: "unusual_sweep",
    symbol: event.symbol,
    subject: "equity",
    severity: s.valueUsd >= params.blockAlertMinUsd ? "high" : "medium",
    tsMs: event.tsMs,
    title: `${event.symbol} sweep ${usd(s.valueUsd)} across ${s.venues.length} venues (${s.venues.join(",")})`,
    values: {
      value: s.valueUsd,
      size: s.size,
      venues: s.venues.length,
      iso: s.iso,
      first_price: s.firstPrice,
      last_price: s.lastPrice,
    },
    dedupeKey: `unusual_sweep:${event.symbol}:${s.startTs}`,
  };
}

function optionsVolumeSpikeRule(event: EventOf<"options_volume_spike">): AlertCandidate {
  const u = event.unusual;
  const r = u.reason === "volume_vs_average" ? u.volume_ratio : u.volume_oi_ratio;
  const high = u.reason === "volume_vs_average" ? (r ?? 0) >= 10 : (r ?? 0) >= 5;
  return {
    type: "options_volume_spike",
    symbol: event.symbol,
    subject: u.contract,
    severity: high ? "high" : "medium",
    tsMs: event.tsMs,
    title: `${event.symbol} ${u.right} ${u.strikeUsd} ${u.expiry}: ${u.volumeContracts} contracts, ${ratio(r)} ${u.reason === "volume_vs_average" ? "the 30-day average" : "open interest"}`,
    values: {
      volume: u.volumeContracts,
      premium: u.premiumUsd,
      average_volume: u.averageVolumeContracts,
      open_interest: u.openInterestContracts,
      volume_ratio: u.volume_ratio,
      volume_oi_ratio: u.volume_oi_ratio,
      reason: u.reason,
    },
    dedupeKey: `options_volume_spike:${u.contract}:${event.day}`,
  };
}

function equityVolumeSpikeRule(event: EventOf<"equity_volume_spike">): AlertCandidate {
  const s = event.spike;
  return {
    type: "equity_volume_spike",
    symbol: event.symbol,
    subject: s.scope,
    severity: s.volume_ratio >= (s.scope === "daily" ? 3 : 5) ? "high" : "medium",
    tsMs: event.tsMs,
    title: `${event.symbol} ${s.scope === "daily" ? "day-to-date" : "intraday"} volume ${s.volume_ratio.toFixed(1)}x the ${s.history_days}-day average for this time of day`,
    values: {
      volume: s.volume,
      average_volume: s.average_volume,
      volume_ratio: s.volume_ratio,
      threshold_ratio: s.threshold_ratio,
      scope: s.scope,
    },
    dedupeKey: `equity_volume_spike:${event.symbol}:${s.scope}:${s.scope === "daily" ? s.day : s.bucketStart}`,
  };
}

function divergenceRule(event: EventOf<"price_flow_divergence">): AlertCandidate {
  const d = event.divergence;
  return {
    type: "price_flow_divergence",
    symbol: event.symbol,
    subject: "",
    severity: d.divergence_score >= 70 ? "high" : "medium",
    tsMs: event.tsMs,
    title: `${event.symbol} ${d.divergence_type.replace("_", " ")}: price ${d.price_change_pct?.toFixed(2)}% vs net flow ${d.net_flow_score?.toFixed(2)} (score ${d.divergence_score})`,
    values: {
      divergence_score: d.divergence_score,
      divergence_type: d.divergence_type,
      price_change_pct: d.price_change_pct,
      net_flow_score: d.net_flow_score,
    },
    dedupeKey: `price_flow_divergence:${event.symbol}:${d.window_start}`,
  };
}

/** The rule of each alert type applied to one detector event; `null` when the event does not qualify. */
export function candidateOf(
  event: DetectorEvent,
  params: BlocksParams = DEFAULT_BLOCKS_PARAMS,
  rules: AlertRulesConfig = DEFAULT_ALERT_RULES,
): AlertCandidate | null {
  switch (event.kind) {
    case "block":
      return largeBlockRule(event, params);
    case "sweep":
      return event.sweep.isOption ? optionSweepRule(event, params) : equitySweepRule(event, params, rules);
    case "options_volume_spike":
      return optionsVolumeSpikeRule(event);
    case "equity_volume_spike":
      return equityVolumeSpikeRule(event);
    case "price_flow_divergence":
      return divergenceRule(event);
  }
}

/** Deterministic alert id: the same event gives the same id on every node. */
export function alertIdOf(type: AlertType, dedupeKey: string): string {
  return createHash("sha256").update(`${type}\u0000${dedupeKey}`).digest("hex").slice(0, 32);
}

/**
 * Applies the rules with cooldown and in-memory de-duplication. Not the source of truth for "once": the
 * store's unique `id` is (a second node or a restart may evaluate the same event again).
 */
export class AlertEngine {
  private readonly lastBySubject = new Map<string, { tsMs: number; severity: number }>();
  private readonly seenKeys = new Map<string, number>();
  private lastPruneMs = 0;

  constructor(
    readonly params: BlocksParams = DEFAULT_BLOCKS_PARAMS,
    readonly rules: AlertRulesConfig = DEFAULT_ALERT_RULES,
  ) {}

  /** The alert an event makes, or `null` (not qualifying, disabled, below severity, in cooldown, duplicate). */
  evaluate(event: DetectorEvent): Alert | null {
    const c = candidateOf(event, this.params, this.rules);
    if (c === null) return null;
    const rule = this.rules.rules[c.type];
    if (!rule.enabled || severityRank(c.severity) < severityRank(rule.minSeverity)) return null;
    if (this.seenKeys.has(c.dedupeKey)) return null;
    const scope = `${c.type}|${c.symbol}|${c.subject}`;
    const last = this.lastBySubject.get(scope);
    const rank = severityRank(c.severity);
    if (last !== undefined && c.tsMs - last.tsMs < rule.cooldownMs && rank <= last.severity) return null;
    this.lastBySubject.set(scope, { tsMs: c.tsMs, severity: rank });
    this.seenKeys.set(c.dedupeKey, c.tsMs);
    this.prune(c.tsMs);
    return {
      id: alertIdOf(c.type, c.dedupeKey),
      seq: null,
      symbol: c.symbol,
      type: c.type,
      severity: c.severity,
      timestamp: new Date(c.tsMs).toISOString(),
      title: c.title,
      values: c.values,
      inputs: event,
      params_version: this.params.version,
      rules_version: this.rules.version,
      dedupe_key: c.dedupeKey,
      outcome: { price_at_alert: null, price_move_1h_pct: null, price_move_1d_pct: null, evaluated_at: null },
    };
  }

  private prune(nowMs: number): void {
    if (nowMs - this.lastPruneMs < 60_000) return;
    this.lastPruneMs = nowMs;
    const horizon = nowMs - this.rules.dedupeMemoryMs;
    for (const [k, t] of this.seenKeys) if (t < horizon) this.seenKeys.delete(k);
    for (const [k, v] of this.lastBySubject) if (v.tsMs < horizon) this.lastBySubject.delete(k);
  }
}

/**
 * Percentage price move after an alert (outcome fields): `priceAt(t)` returns the last known price at or
 * before t, or null. Moves are `null` until the horizon has passed and a price is known.
 */
export function alertOutcome(
  alert: Pick<Alert, "timestamp">,
  nowMs: number,
  priceAt: (tsMs: number) => number | null,
): AlertOutcome {
  const t0 = Date.parse(alert.timestamp);
  const p0 = priceAt(t0);
  const move = (horizonMs: number): number | null => {
    if (p0 === null || p0 <= 0 || nowMs < t0 + horizonMs) return null;
    const p1 = priceAt(t0 + horizonMs);
    return p1 === null ? null : ((p1 - p0) / p0) * 100;
  };
  return {
    price_at_alert: p0,
    price_move_1h_pct: move(3_600_000),
    price_move_1d_pct: move(86_400_000),
    evaluated_at: new Date(nowMs).toISOString(),
  };
}
