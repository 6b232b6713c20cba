/**
 * The interpretation bands of the original specification ("Interpretation Guide"), as pure functions.
 * Where the specification's ranges touch (75-100 and 50-75), the shared edge belongs to the stronger
 * band on the bullish side and to the weaker band on the bearish side, so that every number has
 * exactly one band; docs/methodology.md lists each edge.
 */
import { fixedOffExchangeBand, type OffExchangeBand } from "../darkpool/ratio";
import { ANALYTICS_PARAMS, type AnalyticsParams } from "./analytics.params";

/** How much of a score's input was there (analytics.types re-exports it with the other payload types). */
export type ConfidenceLevel = "high" | "medium" | "low";

export interface Band<B extends string> {
  band: B;
  /** The specification's wording for the band (with the confidence level where one is given). */
  label: string;
  /** The confidence level the label states (SMI only). */
  confidence?: ConfidenceLevel;
}

export type SmiBand = "strong_buying" | "moderate_bullish" | "moderate_bearish" | "strong_selling";
export type AccumulationBand =
  | "strong_accumulation"
  | "moderate_accumulation"
  | "neutral"
  | "moderate_distribution"
  | "strong_distribution";
export type DarkPoolRatioBand = OffExchangeBand;
export type FlowDirection = "strong_inflow" | "inflow" | "neutral" | "outflow" | "strong_outflow";
export type InstitutionalMomentum = "strong_buying" | "buying" | "neutral" | "selling" | "strong_selling";
export type DivergenceBand = "bullish_divergence" | "aligned" | "bearish_divergence";
export type DarkPoolSentiment = "bullish" | "bearish" | "neutral";

/**
 * SMI 75-100 strong buying, 50-75 moderate bullish, 25-50 moderate bearish, 0-25 strong selling. The label
 * names the confidence level too: the specification's "Strong institutional buying, high confidence" is
 * only said when the confidence is high; an SMI of 100 from one print reads "..., low confidence".
 */
export function smiBand(smartMoneyIndex: number, confidence: ConfidenceLevel): Band<SmiBand> {
  const band = smiBandOf(smartMoneyIndex);
  return { band, label: `${SMI_BAND_TEXT[band]}, ${confidence} confidence`, confidence };
}

/** The SMI band alone (edges above), for series where no confidence is stated (the backtest). */
export function smiBandOf(smartMoneyIndex: number): SmiBand {
  if (smartMoneyIndex >= 75) return "strong_buying";
  if (smartMoneyIndex >= 50) return "moderate_bullish";
  if (smartMoneyIndex >= 25) return "moderate_bearish";
  return "strong_selling";
}

export const SMI_BAND_TEXT: Readonly<Record<SmiBand, string>> = {
  strong_buying: "Strong institutional buying",
  moderate_bullish: "Moderate bullish sentiment",
  moderate_bearish: "Moderate bearish sentiment",
  strong_selling: "Strong institutional selling",
};

/** > 50 strong accumulation, 20..50 moderate, -20..20 neutral, -50..-20 moderate distribution, < -50 strong. */
export function accumulationBand(accumulationScore: number): Band<AccumulationBand> {
  if (accumulationScore > 50) return { band: "strong_accumulation", label: "Strong accumulation phase" };
  if (accumulationScore >= 20) return { band: "moderate_accumulation", label: "Moderate accumulation" };
  if (accumulationScore > -20) return { band: "neutral", label: "Neutral/sideways" };
  if (accumulationScore >= -50) return { band: "moderate_distribution", label: "Moderate distribution" };
  return { band: "strong_distribution", label: "Strong distribution phase" };
}

/**
 * Off-exchange ("dark pool") ratio as a fraction on the fixed market-wide bands of server/src/darkpool/ratio.ts
 * (< 35% low, 35-55% typical, 55-65% high, >= 65% very high): off-exchange volume is mostly wholesaler
 * internalisation, so the bands say how much trades off exchange, not "institutional interest".
 * `/dark-pool/{symbol}/summary` bands against the symbol's own history instead.
 */
export function darkPoolRatioBand(darkPoolRatio: number): Band<DarkPoolRatioBand> {
  const band = fixedOffExchangeBand(darkPoolRatio);
  const words = {
    very_high: "Very high",
    high: "High",
    typical: "Typical",
    low: "Low",
    very_low: "Very low",
  };
  return { band, label: `${words[band]} off-exchange share for US stocks (fixed bands)` };
}

/**
 * Flow direction from the institutional net change of shares held (%): > +2% strong inflow, < -2% strong
 * outflow (the specification's bands); within +/- `neutralFlowPct` neutral (our parameter: the
 * specification names the band but gives no edge).
 */
export function flowDirection(
  netChangePct: number,
  params: Pick<AnalyticsParams, "neutralFlowPct" | "strongFlowPct"> = ANALYTICS_PARAMS,
): Band<FlowDirection> {
  if (netChangePct > params.strongFlowPct)
    return { band: "strong_inflow", label: "Heavy institutional buying" };
  if (netChangePct > params.neutralFlowPct) return { band: "inflow", label: "Institutional buying" };
  if (netChangePct >= -params.neutralFlowPct) return { band: "neutral", label: "Balanced activity" };
  if (netChangePct >= -params.strongFlowPct) return { band: "outflow", label: "Institutional selling" };
  return { band: "strong_outflow", label: "Heavy institutional selling" };
}

const MOMENTUM_OF_FLOW: Record<FlowDirection, InstitutionalMomentum> = {
  strong_inflow: "strong_buying",
  inflow: "buying",
  neutral: "neutral",
  outflow: "selling",
  strong_outflow: "strong_selling",
};

/** `institutional_momentum` is the flow direction read as buying/selling, on the same edges. */
export function institutionalMomentum(
  netChangePct: number,
  params: Pick<AnalyticsParams, "neutralFlowPct" | "strongFlowPct"> = ANALYTICS_PARAMS,
): Band<InstitutionalMomentum> {
  const flow = flowDirection(netChangePct, params);
  return { band: MOMENTUM_OF_FLOW[flow.band], label: flow.label };
}

/** Divergence (signed, -100..100): >= threshold flow more bullish than price, <= -threshold less. */
export function divergenceBand(
  divergenceScore: number,
  params: Pick<AnalyticsParams, "divergenceThreshold"> = ANALYTICS_PARAMS,
): Band<DivergenceBand> {
  if (divergenceScore >= params.divergenceThreshold)
    return { band: "bullish_divergence", label: "Smart money more bullish than price" };
  if (divergenceScore <= -params.divergenceThreshold)
    return { band: "bearish_divergence", label: "Smart money more bearish than price" };
  return { band: "aligned", label: "Price and smart-money flow agree" };
}

/** `dark_pool_sentiment` from the net bullish-minus-bearish share of off-exchange value. */
export function darkPoolSentiment(
  netValueShare: number,
  params: Pick<AnalyticsParams, "darkPoolSentimentThreshold"> = ANALYTICS_PARAMS,
): DarkPoolSentiment {
  if (netValueShare > params.darkPoolSentimentThreshold) return "bullish";
  if (netValueShare < -params.darkPoolSentimentThreshold) return "bearish";
  return "neutral";
}
