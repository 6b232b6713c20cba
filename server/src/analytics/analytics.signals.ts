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
import { cents, round, roundTo } from "../lib/round";
import {
  accumulationBand,
  darkPoolRatioBand,
  darkPoolSentiment,
  divergenceBand,
  flowDirection,
  institutionalMomentum,
  smiBand,
} from "./analytics.bands";
import { ANALYTICS_PARAMS, type AnalyticsParams, type FlowComponentName } from "./analytics.params";
import { classifiedShare, darkPoolRatioOf } from "./analytics.readings";
import { computeScores, present } from "./analytics.scores";
import type { FlowSide, SmartMoneyFlow, SmartMoneyIndicators, SmartMoneyInputs } from "./analytics.types";

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

  const smi = round(s.smartMoneyIndex, 2);
  const acc = round(s.accumulationScore, 2);
  const div = round(s.divergenceScore, 2);
  return {
    symbol: inputs.symbol,
    smart_money_index: smi,
    dark_pool_ratio: dpRatio === null ? null : roundTo(dpRatio, 4),
    dark_pool_sentiment: dpSentiment,
    institutional_ownership: inst?.ownershipPct == null ? null : roundTo(inst.ownershipPct, 2),
    institutional_momentum: inst ? institutionalMomentum(inst.netChangePct, params).band : null,
    accumulation_score: acc,
    unusual_activity_score: round(s.unusualActivityScore, 2),
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
  const acc = round(s.accumulationScore, 2);
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
      buy_value_usd: ins ? cents(ins.tally.buy_value_usd) : null,
      sell_value_usd: ins ? cents(ins.tally.sell_value_usd) : null,
      net_value_usd: ins ? cents(ins.tally.buy_value_usd - ins.tally.sell_value_usd) : null,
      net_holding_share: ins
        ? roundTo(ins.tally.buy_holding_share - ins.tally.weighted_sell_holding_share, 4)
        : null,
      cluster_buys: ins?.tally.cluster_buys ?? null,
    },
    dark_pool: {
      ...dpSide,
      net_sentiment: dp ? round(sentimentOf(dp.nonBlockVolumeBySentiment).net, 4) : null,
    },
    blocks: {
      ...blockSide,
      net_value_usd: bf ? cents(bf.bullishValueUsd - bf.bearishValueUsd) : null,
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
