import { roundTo } from "../lib/round";
import {
  ANALYTICS_PARAMS,
  type AnalyticsParams,
  type FlowComponentName,
  type InputName,
} from "./analytics.params";
import { clamp, missing, type Reading, readActivity, readFlows } from "./analytics.readings";
import type {
  ConfidenceLevel,
  ConfidenceScore,
  ExclusionReason,
  InputMeta,
  ScoreComponent,
  SmartMoneyInputs,
} from "./analytics.types";

// ---------------------------------------------------------------------------------------------------
// Freshness, weighting and the composites.

export interface Freshness {
  ageMs: number;
  stale: boolean;
  afterAsOf: boolean;
  /** 1 at age 0, `freshnessAtMaxAge` at the maximum age; 0 when stale or after `as_of`. */
  freshness: number;
}

export function freshnessOf(
  meta: InputMeta,
  maxAgeMs: number,
  asOf: Date,
  params: Pick<AnalyticsParams, "freshnessAtMaxAge"> = ANALYTICS_PARAMS,
): Freshness {
  const ageMs = asOf.getTime() - meta.asOf.getTime();
  const afterAsOf = ageMs < 0;
  const stale = ageMs > maxAgeMs;
  const freshness = afterAsOf || stale ? 0 : 1 - (1 - params.freshnessAtMaxAge) * (ageMs / maxAgeMs);
  return { ageMs, stale, afterAsOf, freshness };
}

/**
 * Sample factor of a reading: min(1, sqrt(observations / full count)). The standard error of a mean
 * falls with the square root of its sample, so a day with 1 classified print weighs far less than one
 * with 100. 1 for an input without a count (an aggregate such as FINRA's daily file) or without a full
 * count in the parameters.
 */
export function sampleFactorOf(
  name: ScoreComponent["name"],
  observations: number | undefined,
  params: Pick<AnalyticsParams, "sampleFullCount"> = ANALYTICS_PARAMS,
): number {
  const full = (params.sampleFullCount as Partial<Record<string, number>>)[name];
  if (observations === undefined || full === undefined || !(full > 0)) return 1;
  return Math.min(1, Math.sqrt(Math.max(0, observations) / full));
}

/** Turns a reading into a weighted component (its effective weight is set by `combine`). */
export function toComponent(
  reading: Reading,
  weight: number,
  maxAgeMs: number,
  asOf: Date,
  params: AnalyticsParams = ANALYTICS_PARAMS,
): ScoreComponent {
  const horizon = (params.horizonDays as Partial<Record<string, number>>)[reading.name];
  const base = {
    name: reading.name,
    value: reading.value,
    unit: reading.unit,
    normalized: reading.normalized,
    weight,
    effective_weight: 0,
    horizon_days: horizon ?? null,
    parts: reading.parts,
  };
  if (!reading.meta) {
    return {
      ...base,
      available: false,
      stale: false,
      age_ms: null,
      as_of: null,
      source: null,
      freshness: 0,
      observations: null,
      sample_factor: 0,
      excluded_reason: "missing",
    };
  }
  const f = freshnessOf(reading.meta, maxAgeMs, asOf, params);
  const excluded: ExclusionReason | null = f.afterAsOf
    ? "after_as_of"
    : f.stale
      ? "stale"
      : (reading.unusable ?? (reading.normalized === null ? "missing" : null));
  return {
    ...base,
    available: excluded === null,
    stale: f.stale,
    age_ms: f.ageMs,
    as_of: reading.meta.asOf.toISOString(),
    source: reading.meta.source,
    freshness: excluded === null ? f.freshness : 0,
    observations: reading.meta.observations ?? null,
    sample_factor: excluded === null ? sampleFactorOf(reading.name, reading.meta.observations, params) : 0,
    excluded_reason: excluded,
  };
}

/**
 * Weighted mean of the available components' signals, the weights renormalized over them. Returns the
 * components with `effective_weight` filled, and null when none is available.
 */
export function combine(components: ScoreComponent[]): {
  value: number | null;
  components: ScoreComponent[];
} {
  const available = components.filter((c) => c.available && c.normalized !== null);
  const totalWeight = available.reduce((s, c) => s + c.weight, 0);
  if (available.length === 0 || totalWeight <= 0) return { value: null, components };
  const value = available.reduce((s, c) => s + c.weight * (c.normalized ?? 0), 0) / totalWeight;
  return {
    value,
    components: components.map((c) =>
      c.available && c.normalized !== null ? { ...c, effective_weight: c.weight / totalWeight } : c,
    ),
  };
}

/** `high` at or above `confidenceLevels.high`, `medium` at or above `.medium`, else `low`. */
export function confidenceLevel(
  score: number,
  params: Pick<AnalyticsParams, "confidenceLevels"> = ANALYTICS_PARAMS,
): ConfidenceLevel {
  if (score >= params.confidenceLevels.high) return "high";
  if (score >= params.confidenceLevels.medium) return "medium";
  return "low";
}

/**
 * Confidence 0..100 = 100 x coverage x sample_size x (floor + (1 - floor) x agreement), where
 * - coverage = sum(w f) / sum(w): the freshness-weighted share of all the score's weight that was available;
 * - sample_size = sum(w f q) / sum(w f): the mean sample factor q of the available components;
 * - agreement = |sum w s| / sum w |s| over the available components (1 when every signal points the same
 *   way or all are zero). The components count disjoint data (dark_pool excludes the blocks that
 *   block_flow reads), so agreeing components are independent evidence.
 */
export function confidenceOf(
  components: ScoreComponent[],
  params: Pick<AnalyticsParams, "confidenceAgreementFloor" | "confidenceLevels"> = ANALYTICS_PARAMS,
): ConfidenceScore {
  const allWeight = components.reduce((s, c) => s + c.weight, 0);
  const available = components.filter((c) => c.available && c.normalized !== null);
  const known = available.reduce((s, c) => s + c.weight * c.freshness, 0);
  const coverage = allWeight > 0 ? known / allWeight : 0;
  const sample =
    known > 0 ? available.reduce((s, c) => s + c.weight * c.freshness * c.sample_factor, 0) / known : 0;
  const net = Math.abs(available.reduce((s, c) => s + c.weight * (c.normalized ?? 0), 0));
  const gross = available.reduce((s, c) => s + c.weight * Math.abs(c.normalized ?? 0), 0);
  const agreement = available.length === 0 ? 0 : gross > 0 ? net / gross : 1;
  const floor = params.confidenceAgreementFloor;
  const score = roundTo(100 * coverage * sample * (floor + (1 - floor) * agreement), 2);
  return {
    score,
    level: confidenceLevel(score, params),
    coverage: roundTo(coverage, 4),
    sample_size: roundTo(sample, 4),
    agreement: roundTo(agreement, 4),
    excluded: components
      .filter((c) => c.excluded_reason !== null)
      .map((c) => ({ name: c.name, reason: c.excluded_reason as ExclusionReason })),
  };
}

function weightedComponents<N extends InputName>(
  readings: Partial<Record<N, Reading>>,
  weights: Partial<Record<N, number>>,
  asOf: Date,
  params: AnalyticsParams,
): ScoreComponent[] {
  const out: ScoreComponent[] = [];
  for (const name of Object.keys(weights) as N[]) {
    const reading = readings[name];
    const weight = weights[name];
    if (!reading || weight === undefined) continue;
    out.push(toComponent(reading, weight, params.maxAgeMs[name], asOf, params));
  }
  return out;
}

/** Rounds the numbers of a component for a payload. */
export function present(c: ScoreComponent): ScoreComponent {
  return {
    ...c,
    normalized: c.normalized === null ? null : roundTo(c.normalized, 4),
    effective_weight: roundTo(c.effective_weight, 4),
    freshness: roundTo(c.freshness, 4),
    sample_factor: roundTo(c.sample_factor, 4),
  };
}

export interface Scores {
  /** 0..100 or null. */
  smartMoneyIndex: number | null;
  smiComponents: ScoreComponent[];
  /** -100..100 or null. */
  accumulationScore: number | null;
  accumulationComponents: ScoreComponent[];
  /** 0..100 or null. */
  unusualActivityScore: number | null;
  activityComponents: ScoreComponent[];
  /** -100..100 or null. */
  divergenceScore: number | null;
  divergenceComponents: ScoreComponent[];
  confidence: ConfidenceScore;
  accumulationConfidence: ConfidenceScore;
}

/** Every score, unrounded: SMI = 50 + 50 x composite; accumulation = 100 x composite; see methodology. */
export function computeScores(
  inputs: SmartMoneyInputs,
  asOf: Date,
  params: AnalyticsParams = ANALYTICS_PARAMS,
): Scores {
  const flows = readFlows(inputs, params);
  const smi = combine(weightedComponents(flows, params.smiWeights, asOf, params));
  const acc = combine(weightedComponents(flows, params.accumulationWeights, asOf, params));
  const activity = combine(
    weightedComponents(readActivity(inputs, params), params.activityWeights, asOf, params),
  );

  const smartMoneyIndex = smi.value === null ? null : 50 + 50 * smi.value;

  // Divergence compares like horizons: the price change covers one day, so the flow side is the SMI
  // recomputed over the components with that horizon only (13F and Form 4 describe months).
  const pc = inputs.priceChange;
  const priceReading: Reading = pc
    ? {
        name: "price_change",
        unit: "pct",
        value: pc.priceChangePct,
        normalized: clamp(pc.priceChangePct / params.priceChangeScalePct, -1, 1),
        parts: { price_change_pct: pc.priceChangePct, horizon_days: params.horizonDays.price_change },
        meta: pc,
      }
    : missing("price_change", "pct", pc);
  const priceComponent = toComponent(priceReading, 1, params.maxAgeMs.price_change, asOf, params);
  const horizon = params.horizonDays.price_change;
  const sameHorizonWeights = Object.fromEntries(
    Object.entries(params.smiWeights).filter(
      ([name]) => params.horizonDays[name as FlowComponentName] === horizon,
    ),
  ) as Partial<Record<FlowComponentName, number>>;
  const sameHorizon = combine(weightedComponents(flows, sameHorizonWeights, asOf, params));
  const flowValue = sameHorizon.value;
  const flowComponent: ScoreComponent = {
    name: "smart_money_flow",
    value: flowValue === null ? null : roundTo(50 + 50 * flowValue, 2),
    unit: "smi_same_horizon",
    normalized: flowValue,
    weight: 1,
    effective_weight: flowValue === null ? 0 : 1,
    available: flowValue !== null,
    stale: false,
    age_ms: null,
    as_of: asOf.toISOString(),
    source: "smart_money_index",
    freshness: flowValue === null ? 0 : 1,
    observations: null,
    sample_factor: flowValue === null ? 0 : 1,
    horizon_days: horizon,
    excluded_reason: flowValue === null ? "missing" : null,
    parts: {
      horizon_days: horizon,
      components_used: sameHorizon.components.filter((c) => c.effective_weight > 0).length,
      smart_money_index: smartMoneyIndex === null ? null : roundTo(smartMoneyIndex, 2),
    },
  };
  const divergenceScore =
    flowValue !== null && priceComponent.available && priceComponent.normalized !== null
      ? 50 * (flowValue - priceComponent.normalized)
      : null;

  return {
    smartMoneyIndex,
    smiComponents: smi.components,
    accumulationScore: acc.value === null ? null : 100 * acc.value,
    accumulationComponents: acc.components,
    unusualActivityScore: activity.value === null ? null : 100 * activity.value,
    activityComponents: activity.components,
    divergenceScore,
    divergenceComponents: [
      flowComponent,
      { ...priceComponent, effective_weight: priceComponent.available ? 1 : 0 },
    ],
    confidence: confidenceOf(smi.components, params),
    accumulationConfidence: confidenceOf(acc.components, params),
  };
}
