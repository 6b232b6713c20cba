/**
 * The smart-money indices as pure functions of plain inputs and a versioned parameter set. Formulas,
 * parameters and worked examples are in docs/methodology.md ("Smart-money indices"); the worked examples
 * there are the unit tests in analytics.signals.test.ts.
 *
 * Rule that shapes every function here: an input that is missing, stale or published after `as_of` is
 * excluded from the score (its weight goes to the others) and lowers the confidence score; it never
 * counts as a neutral reading.
 */
import { sentimentOf } from "../darkpool/darkpool.signals";
import { insiderSignal } from "../institutional/insider.signal";
import {
  accumulationBand,
  darkPoolRatioBand,
  darkPoolSentiment,
  divergenceBand,
  flowDirection,
  institutionalMomentum,
  smiBand,
} from "./analytics.bands";
import {
  type ActivityComponentName,
  ANALYTICS_PARAMS,
  type AnalyticsParams,
  type FlowComponentName,
  type InputName,
} from "./analytics.params";
import type {
  ConfidenceLevel,
  ConfidenceScore,
  DarkPoolInput,
  ExclusionReason,
  FlowSide,
  InputMeta,
  ScoreComponent,
  SmartMoneyFlow,
  SmartMoneyIndicators,
  SmartMoneyInputs,
} from "./analytics.types";

/** A component's reading before weights and freshness are applied. */
interface Reading {
  name: ScoreComponent["name"];
  unit: string;
  value: number | null;
  normalized: number | null;
  parts: Record<string, number | null>;
  meta: InputMeta | undefined;
  /** Set when the input is present but cannot be read (e.g. mostly unclassified). */
  unusable?: ExclusionReason | undefined;
}

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Rounds for payloads; turns -0 into 0 so JSON never shows `-0`. */
export const roundTo = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
};

const round2 = (x: number | null): number | null => (x === null ? null : roundTo(x, 2));
const nullableRound = (x: number | null, decimals: number): number | null =>
  x === null ? null : roundTo(x, decimals);

/** `(a - b) / (a + b)`, or 0 when both are zero (nothing happened: a real, neutral observation). */
const balance = (a: number, b: number): number => (a + b > 0 ? (a - b) / (a + b) : 0);

// ---------------------------------------------------------------------------------------------------
// Readings: one pure function per input, each documented in docs/methodology.md.

/** Share of volume with an estimated side (bullish, bearish or neutral); 0 without volume. */
const classifiedShare = (v: DarkPoolInput["volumeBySentiment"]): number => {
  const total = v.bullish + v.bearish + v.neutral + v.unknown;
  return total > 0 ? (total - v.unknown) / total : 0;
};

/**
 * Dark-pool sentiment over the off-exchange prints that are not blocks (blocks are `block_flow`, so no
 * print counts twice): the dark-pool section's one sentiment, (bullish - bearish) / classified volume
 * (`sentimentOf`), scaled by `darkPoolNetScale`. `dark_pool_sentiment` shows the same formula over every
 * off-exchange print, the figure `/summary` shows.
 */
export function readDarkPool(inputs: SmartMoneyInputs, params: AnalyticsParams = ANALYTICS_PARAMS): Reading {
  const dp = inputs.darkPool;
  if (!dp) return missing("dark_pool", "net_sentiment", dp);
  const nonBlock = sentimentOf(dp.nonBlockVolumeBySentiment);
  const all = sentimentOf(dp.volumeBySentiment);
  const net = nonBlock.net;
  const classified = classifiedShare(dp.nonBlockVolumeBySentiment);
  return {
    name: "dark_pool",
    unit: "net_sentiment",
    value: net,
    normalized: net === null ? null : clamp(net / params.darkPoolNetScale, -1, 1),
    parts: {
      non_block_bullish_volume: dp.nonBlockVolumeBySentiment.bullish,
      non_block_bearish_volume: dp.nonBlockVolumeBySentiment.bearish,
      non_block_neutral_volume: dp.nonBlockVolumeBySentiment.neutral,
      non_block_unclassified_volume: dp.nonBlockVolumeBySentiment.unknown,
      non_block_classified_share: classified,
      all_prints_net_sentiment: all.net,
      all_prints_unclassified_share: all.unclassified_share,
      dark_pool_ratio: darkPoolRatioOf(dp),
    },
    meta: dp,
    unusable:
      net !== null && classified < params.minClassifiedShare
        ? "mostly_unclassified"
        : net === null && dp.nonBlockVolumeBySentiment.unknown > 0
          ? "mostly_unclassified"
          : undefined,
  };
}

/**
 * FINRA short-volume ratio against its trailing average. Off-exchange short volume is mostly market
 * makers selling short to fill buyers, so a ratio above its norm reads as buying pressure (SqueezeMetrics,
 * "Short Is Long", 2017). Needs the trailing average: without a baseline the level says little.
 */
export function readShortVolume(
  inputs: SmartMoneyInputs,
  params: AnalyticsParams = ANALYTICS_PARAMS,
): Reading {
  const sv = inputs.shortVolume;
  if (!sv) return missing("short_volume", "ratio", sv);
  const baseline = sv.trailingAverageRatio;
  return {
    name: "short_volume",
    unit: "ratio",
    value: sv.shortVolumeRatio,
    normalized:
      baseline === null
        ? null
        : clamp((sv.shortVolumeRatio - baseline) / params.shortRatioExcessScale, -1, 1),
    parts: { short_volume_ratio: sv.shortVolumeRatio, trailing_average_ratio: baseline },
    meta: sv,
    unusable: baseline === null ? "no_baseline" : undefined,
  };
}

/** Block flow: (bullish - bearish block value) / all block value. */
export function readBlockFlow(inputs: SmartMoneyInputs): Reading {
  const bf = inputs.blockFlow;
  if (!bf) return missing("block_flow", "usd", bf);
  const net = bf.bullishValueUsd - bf.bearishValueUsd;
  return {
    name: "block_flow",
    unit: "usd",
    value: net,
    normalized: bf.totalValueUsd > 0 ? clamp(net / bf.totalValueUsd, -1, 1) : 0,
    parts: {
      bullish_value_usd: bf.bullishValueUsd,
      bearish_value_usd: bf.bearishValueUsd,
      total_value_usd: bf.totalValueUsd,
      block_count: bf.blockCount,
    },
    meta: bf,
  };
}

/**
 * Options positioning from the NBBO side of single-leg prints: balance(bullish premium, bearish premium).
 * Premium without a side says nothing (a put may be bought or sold): below `minClassifiedShare` of
 * classified premium the input is `mostly_unclassified`, never read as call vs put premium.
 */
export function readOptions(inputs: SmartMoneyInputs, params: AnalyticsParams = ANALYTICS_PARAMS): Reading {
  const op = inputs.options;
  if (!op) return missing("options", "usd", op);
  return {
    name: "options",
    unit: "usd",
    value: op.bullishPremiumUsd - op.bearishPremiumUsd,
    normalized: balance(op.bullishPremiumUsd, op.bearishPremiumUsd),
    parts: {
      bullish_premium_usd: op.bullishPremiumUsd,
      bearish_premium_usd: op.bearishPremiumUsd,
      unclassified_premium_share: op.unclassifiedPremiumShare,
      call_premium_usd: op.callPremiumUsd,
      put_premium_usd: op.putPremiumUsd,
      call_put_ratio: op.putPremiumUsd > 0 ? op.callPremiumUsd / op.putPremiumUsd : null,
    },
    meta: op,
    unusable: 1 - op.unclassifiedPremiumShare < params.minClassifiedShare ? "mostly_unclassified" : undefined,
  };
}

/** Institutional flow: the net change of shares held, blended with new vs sold-out position counts. */
export function readInstitutional(
  inputs: SmartMoneyInputs,
  params: AnalyticsParams = ANALYTICS_PARAMS,
): Reading {
  const inst = inputs.institutional;
  if (!inst) return missing("institutional", "pct", inst);
  const changeSignal = clamp(inst.netChangePct / params.institutionalNetChangeScalePct, -1, 1);
  const countSignal = balance(inst.newPositions, inst.soldOutPositions);
  const share = params.institutionalNetChangeShare;
  return {
    name: "institutional",
    unit: "pct",
    value: inst.netChangePct,
    normalized: share * changeSignal + (1 - share) * countSignal,
    parts: {
      net_change_pct: inst.netChangePct,
      new_positions: inst.newPositions,
      sold_out_positions: inst.soldOutPositions,
      ownership_pct: inst.ownershipPct,
    },
    meta: inst,
  };
}

/**
 * Insider signal: the one formula of institutional/insider.signal.ts (also `/insider-sentiment`'s score
 * / 100), each open-market trade sized against the insider's holding.
 */
export function readInsider(inputs: SmartMoneyInputs): Reading {
  const ins = inputs.insider;
  if (!ins) return missing("insider", "net_holding_share", ins);
  const t = ins.tally;
  return {
    name: "insider",
    unit: "net_holding_share",
    value: t.buy_holding_share - t.weighted_sell_holding_share,
    normalized: insiderSignal(t),
    parts: {
      buy_holding_share: t.buy_holding_share,
      weighted_sell_holding_share: t.weighted_sell_holding_share,
      sell_holding_share: t.sell_holding_share,
      buy_value_usd: t.buy_value_usd,
      sell_value_usd: t.sell_value_usd,
      planned_sell_count: t.planned_sell_count,
      unsized_transactions: t.unsized_transactions,
      cluster_buys: t.cluster_buys,
    },
    meta: ins,
  };
}

/** Every directional reading, in the SMI's order. */
export function readFlows(
  inputs: SmartMoneyInputs,
  params: AnalyticsParams = ANALYTICS_PARAMS,
): Record<FlowComponentName, Reading> {
  return {
    dark_pool: readDarkPool(inputs, params),
    short_volume: readShortVolume(inputs, params),
    block_flow: readBlockFlow(inputs),
    options: readOptions(inputs, params),
    institutional: readInstitutional(inputs, params),
    insider: readInsider(inputs),
  };
}

/** Activity readings: a volume's ratio to its trailing average mapped to 0..1, saturating. */
export function readActivity(
  inputs: SmartMoneyInputs,
  params: AnalyticsParams = ANALYTICS_PARAMS,
): Record<ActivityComponentName, Reading> {
  const act = inputs.activity ?? {};
  const ratio = (name: Exclude<ActivityComponentName, "large_blocks">, input: typeof act.darkPoolVolume) => {
    if (!input) return missing(name, "ratio_to_average", input);
    const saturation = params.activitySaturationRatio[name];
    return {
      name,
      unit: "ratio_to_average",
      value: input.ratioToAverage,
      normalized: clamp((input.ratioToAverage - 1) / (saturation - 1), 0, 1),
      parts: { ratio_to_average: input.ratioToAverage },
      meta: input,
    } satisfies Reading;
  };
  const blocks = act.largeBlocks;
  return {
    dark_pool_volume: ratio("dark_pool_volume", act.darkPoolVolume),
    equity_volume: ratio("equity_volume", act.equityVolume),
    options_volume: ratio("options_volume", act.optionsVolume),
    large_blocks: blocks
      ? {
          name: "large_blocks",
          unit: "count",
          value: blocks.count,
          normalized: clamp(blocks.count / params.largeBlockSaturationCount, 0, 1),
          parts: { count: blocks.count },
          meta: blocks,
        }
      : missing("large_blocks", "count", blocks),
  };
}

function missing(name: Reading["name"], unit: string, _absent: undefined): Reading {
  return { name, unit, value: null, normalized: null, parts: {}, meta: undefined };
}

/** Off-exchange / consolidated volume; null when the consolidated volume is unknown or zero. */
export function darkPoolRatioOf(dp: {
  offExchangeVolumeShares: number;
  totalVolumeShares: number | null;
}): number | null {
  if (dp.totalVolumeShares === null || dp.totalVolumeShares <= 0) return null;
  return dp.offExchangeVolumeShares / dp.totalVolumeShares;
}

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
function present(c: ScoreComponent): ScoreComponent {
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

/** The Smart Money Indicators payload (`/analytics/{symbol}/indicators`). */
export function computeIndicators(
  inputs: SmartMoneyInputs,
  asOf: Date,
  params: AnalyticsParams = ANALYTICS_PARAMS,
): SmartMoneyIndicators {
  const s = computeScores(inputs, asOf, params);
  const find = (name: string) => s.smiComponents.find((c) => c.name === name);
  const dpComponent = find("dark_pool");
  const instComponent = find("institutional");
  // Displayed values follow their input's freshness: a stale ratio is not shown as current.
  const dpFresh = dpComponent && !dpComponent.stale && dpComponent.excluded_reason !== "after_as_of";
  const dpRatio = dpFresh && inputs.darkPool ? darkPoolRatioOf(inputs.darkPool) : null;
  // dark_pool_sentiment: the one dark-pool sentiment over every off-exchange print (what /summary shows),
  // shown when fresh and mostly classified.
  const allPrints = dpFresh && inputs.darkPool ? inputs.darkPool.volumeBySentiment : undefined;
  const allNet = allPrints ? sentimentOf(allPrints).net : null;
  const dpSentiment =
    allPrints && allNet !== null && classifiedShare(allPrints) >= params.minClassifiedShare
      ? darkPoolSentiment(allNet, params)
      : null;
  const inst = instComponent?.available === true ? inputs.institutional : undefined;

  const smi = round2(s.smartMoneyIndex);
  const acc = round2(s.accumulationScore);
  const div = round2(s.divergenceScore);
  return {
    symbol: inputs.symbol,
    smart_money_index: smi,
    dark_pool_ratio: dpRatio === null ? null : roundTo(dpRatio, 4),
    dark_pool_sentiment: dpSentiment,
    institutional_ownership: inst?.ownershipPct == null ? null : roundTo(inst.ownershipPct, 2),
    institutional_momentum: inst ? institutionalMomentum(inst.netChangePct, params).band : null,
    accumulation_score: acc,
    unusual_activity_score: round2(s.unusualActivityScore),
    divergence_score: div,
    confidence: s.confidence,
    components: {
      smart_money_index: s.smiComponents.map(present),
      accumulation_score: s.accumulationComponents.map(present),
      unusual_activity_score: s.activityComponents.map(present),
      divergence_score: s.divergenceComponents.map(present),
    },
    bands: {
      smart_money_index: smi === null ? null : smiBand(smi, s.confidence.level),
      accumulation_score: acc === null ? null : accumulationBand(acc),
      dark_pool_ratio: dpRatio === null ? null : darkPoolRatioBand(dpRatio),
      flow_direction: inst ? flowDirection(inst.netChangePct, params) : null,
      institutional_momentum: inst ? institutionalMomentum(inst.netChangePct, params) : null,
      divergence_score: div === null ? null : divergenceBand(div, params),
    },
    params_version: params.version,
    as_of: asOf.toISOString(),
  };
}

/**
 * A signal's direction on the accumulation score's neutral edges: x 100 at or beyond +20 is net buying,
 * at or beyond -20 net selling, so a side and the overall verdict read alike.
 */
export function directionOf(signal: number | null): FlowSide["direction"] {
  if (signal === null) return null;
  const score = roundTo(100 * signal, 2);
  if (score >= 20) return "net_buying";
  if (score <= -20) return "net_selling";
  return "balanced";
}

/** The flow analysis payload (`/analytics/{symbol}/flow`). */
export function computeFlow(
  inputs: SmartMoneyInputs,
  asOf: Date,
  params: AnalyticsParams = ANALYTICS_PARAMS,
): SmartMoneyFlow {
  const s = computeScores(inputs, asOf, params);
  const side = (name: FlowComponentName): FlowSide => {
    const c = s.accumulationComponents.find((x) => x.name === name);
    const signal = c?.available && c.normalized !== null ? roundTo(c.normalized, 4) : null;
    return {
      available: c?.available ?? false,
      stale: c?.stale ?? false,
      signal,
      direction: directionOf(signal),
      age_ms: c?.age_ms ?? null,
      as_of: c?.as_of ?? null,
      source: c?.source ?? null,
    };
  };
  const instSide = side("institutional");
  const insiderSide = side("insider");
  const dpSide = side("dark_pool");
  const blockSide = side("block_flow");
  const inst = instSide.available ? inputs.institutional : undefined;
  const ins = insiderSide.available ? inputs.insider : undefined;
  const dp = dpSide.available ? inputs.darkPool : undefined;
  const bf = blockSide.available ? inputs.blockFlow : undefined;
  const acc = round2(s.accumulationScore);
  return {
    symbol: inputs.symbol,
    institutional: {
      ...instSide,
      net_change_percentage: inst ? roundTo(inst.netChangePct, 4) : null,
      flow_direction: inst ? flowDirection(inst.netChangePct, params).band : null,
      institutional_momentum: inst ? institutionalMomentum(inst.netChangePct, params).band : null,
      institutional_ownership: inst?.ownershipPct == null ? null : roundTo(inst.ownershipPct, 2),
      new_positions: inst?.newPositions ?? null,
      sold_out_positions: inst?.soldOutPositions ?? null,
    },
    insider: {
      ...insiderSide,
      buy_value_usd: ins?.tally.buy_value_usd ?? null,
      sell_value_usd: ins?.tally.sell_value_usd ?? null,
      net_value_usd: ins ? ins.tally.buy_value_usd - ins.tally.sell_value_usd : null,
      net_holding_share: ins
        ? roundTo(ins.tally.buy_holding_share - ins.tally.weighted_sell_holding_share, 4)
        : null,
      cluster_buys: ins?.tally.cluster_buys ?? null,
    },
    dark_pool: {
      ...dpSide,
      net_sentiment: dp ? nullableRound(sentimentOf(dp.nonBlockVolumeBySentiment).net, 4) : null,
    },
    blocks: {
      ...blockSide,
      net_value_usd: bf ? bf.bullishValueUsd - bf.bearishValueUsd : null,
      block_count: bf?.blockCount ?? null,
    },
    net_flow: acc === null ? null : directionOf(acc / 100),
    accumulation_score: acc,
    accumulation_band: acc === null ? null : accumulationBand(acc),
    components: s.accumulationComponents.map(present),
    confidence: s.accumulationConfidence,
    params_version: params.version,
    as_of: asOf.toISOString(),
  };
}
