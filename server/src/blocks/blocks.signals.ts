/**
 * Pure signal functions of the blocks feature: plain data and a versioned parameter set in, a result
 * with its components and the parameter version out. The streaming detectors (detectors.ts) and the
 * REST routes both use these, so a live alert and a later query agree. Formulas: docs/blocks.md.
 */
import type { EnrichedPrint, Sentiment } from "../darkpool/print";
import type { BlocksParams } from "./blocks.params";
import type { OptionPrint } from "./options.parse";

export type BlockTradeType = "block" | "sweep" | "odd_lot_excluded" | "late" | "excluded";

/** The original specification's Block Trade, plus what says why. */
export interface BlockTrade {
  symbol: string;
  timestamp: string;
  trade_type: BlockTradeType;
  price: number;
  size: number;
  value: number;
  is_options: boolean;
  sentiment: Sentiment;
  /** Volume in the print's time-of-day bucket / its trailing average, when a baseline is known. */
  volume_ratio: number | null;
  is_off_exchange: boolean;
  exchange: string;
  conditions: string[];
  exclusion_reason: string | null;
  trade_key: string;
}

// Odd lot: Polygon id 37, CTA/UTP letter `I` (see docs/darkpool conditions table).
function hasOddLot(p: Pick<EnrichedPrint, "conditions" | "conditionScheme">): boolean {
  const code = p.conditionScheme === "polygon" ? "37" : "I";
  for (const c of p.conditions) if (c === code) return true;
  return false;
}

/**
 * Trade type from sale conditions. Order matters: a print that must not count (odd lot, average price,
 * derivatively priced, ...) is excluded whatever else it carries; a late report is not a live block even
 * if eligible; an ISO print is part of a sweep.
 */
export function equityTradeType(
  p: Pick<EnrichedPrint, "blockEligible" | "isLate" | "isIso" | "conditions" | "conditionScheme">,
): BlockTradeType {
  if (hasOddLot(p)) return "odd_lot_excluded";
  if (!p.blockEligible) return "excluded";
  if (p.isLate) return "late";
  if (p.isIso) return "sweep";
  return "block";
}

/** The Block Trade record of an equity print at or above the tracked value; `null` below it. */
export function toBlockTrade(
  p: EnrichedPrint,
  params: Pick<BlocksParams, "blockTrackedMinUsd">,
  volumeRatio: number | null = null,
): BlockTrade | null {
  if (p.valueUsd < params.blockTrackedMinUsd) return null;
  const tradeType = equityTradeType(p);
  return {
    symbol: p.symbol,
    timestamp: p.ts.toISOString(),
    trade_type: tradeType,
    price: p.price,
    size: p.sizeShares,
    value: p.valueUsd,
    is_options: false,
    sentiment: p.sentiment,
    volume_ratio: volumeRatio,
    is_off_exchange: p.isOffExchange,
    exchange: p.exchange,
    conditions: p.conditions,
    exclusion_reason: p.exclusionReason,
    trade_key: p.tradeKey,
  };
}

/** Whether a block of this type and value makes a `large_block` alert. */
export function blockIsAlertable(b: Pick<BlockTrade, "trade_type" | "value">, params: BlocksParams): boolean {
  return (b.trade_type === "block" || b.trade_type === "sweep") && b.value >= params.blockAlertMinUsd;
}

export interface VolumeSpike {
  /** Volume in the window being judged. */
  volume: number;
  /** Trailing average volume for the same window (same time of day for intraday). */
  average_volume: number;
  volume_ratio: number;
  is_spike: boolean;
  history_days: number;
  threshold_ratio: number;
  params_version: string;
}

/**
 * Daily spike: today's (or a day's) volume against the mean of the trailing days. With fewer than
 * `volumeMinHistoryDays` days of history the ratio is reported but never called a spike.
 */
export function volumeSpike(
  volume: number,
  trailingVolumes: readonly number[],
  params: Pick<BlocksParams, "volumeSpikeRatio" | "volumeMinHistoryDays" | "version">,
): VolumeSpike {
  let sum = 0;
  for (const v of trailingVolumes) sum += v;
  const average = trailingVolumes.length > 0 ? sum / trailingVolumes.length : 0;
  const ratio = average > 0 ? volume / average : 0;
  return {
    volume,
    average_volume: average,
    volume_ratio: ratio,
    is_spike:
      trailingVolumes.length >= params.volumeMinHistoryDays && average > 0 && ratio > params.volumeSpikeRatio,
    history_days: trailingVolumes.length,
    threshold_ratio: params.volumeSpikeRatio,
    params_version: params.version,
  };
}

export interface ContractFlow {
  contract: string;
  underlying: string;
  expiry: string;
  right: "call" | "put";
  strikeUsd: number;
  volumeContracts: number;
  premiumUsd: number;
  bullishPremiumUsd: number;
  bearishPremiumUsd: number;
  sweepCount: number;
}

export interface OptionsPositioning {
  symbol: string;
  /** Single-leg premium of calls / puts (multi-leg premium is `multi_leg_premium`). */
  call_premium: number;
  put_premium: number;
  /** Single-leg contracts traded, calls / puts (multi-leg contracts are `multi_leg_volume`). */
  call_volume: number;
  put_volume: number;
  /** Call volume / put volume, single-leg (`null` with no puts). */
  call_put_ratio: number | null;
  /** Call premium / put premium, single-leg (`null` with no put premium). */
  call_put_premium_ratio: number | null;
  /** Single-leg premium whose NBBO side reads bullish / bearish (bought calls, sold puts / the reverse). */
  bullish_premium: number;
  bearish_premium: number;
  /** Single-leg prints with a bullish, bearish or neutral side. */
  classified_prints: number;
  /** (bullish - bearish) / classified premium, -1..1; null when no premium could be classified. */
  net_sentiment_score: number | null;
  /** `unknown` when no single-leg premium has a side: a put may be bought or sold. */
  sentiment: "bullish" | "bearish" | "neutral" | "unknown";
  /** How `sentiment` was derived: the NBBO side of each trade, or nothing (`none`). */
  sentiment_basis: "nbbo_side" | "none";
  /** Share of single-leg premium whose side could not be classified. */
  unclassified_premium_share: number;
  /** Premium and contracts of multi-leg trades, kept out of every directional figure and volume above. */
  multi_leg_premium: number;
  multi_leg_volume: number;
  top_contracts: ContractFlow[];
}

/** The running flow of a print's contract, created empty on its first print. */
function contractFlowOf(byContract: Map<string, ContractFlow>, p: OptionPrint): ContractFlow {
  let c = byContract.get(p.contract);
  if (c === undefined) {
    c = {
      contract: p.contract,
      underlying: p.underlying,
      expiry: p.expiry,
      right: p.right,
      strikeUsd: p.strikeUsd,
      volumeContracts: 0,
      premiumUsd: 0,
      bullishPremiumUsd: 0,
      bearishPremiumUsd: 0,
      sweepCount: 0,
    };
    byContract.set(p.contract, c);
  }
  return c;
}

/**
 * Call/put premium and volume, sentiment and top contracts over a set of option prints of one underlying
 * (docs/methodology.md "Options positioning"). Cancelled prints count for nothing; multi-leg prints are
 * reported apart (`multi_leg_premium`, `multi_leg_volume`) and count in no call/put figure, so volumes
 * and premiums describe the same prints. Sentiment comes only from the NBBO side of each print; without
 * any classified premium it is `unknown` (a put bought and a put sold look alike by premium).
 */
export function optionsPositioning(
  symbol: string,
  prints: Iterable<OptionPrint>,
  topN = 10,
): OptionsPositioning {
  let callPremium = 0;
  let putPremium = 0;
  let callVolume = 0;
  let putVolume = 0;
  let bullish = 0;
  let bearish = 0;
  let neutral = 0;
  let classifiedPrints = 0;
  let multiLeg = 0;
  let multiLegVolume = 0;
  const byContract = new Map<string, ContractFlow>();
  for (const p of prints) {
    if (p.isCancel) continue;
    const c = contractFlowOf(byContract, p);
    c.volumeContracts += p.sizeContracts;
    c.premiumUsd += p.premiumUsd;
    if (p.isIso) c.sweepCount++;
    if (p.isMultiLeg) {
      multiLeg += p.premiumUsd;
      multiLegVolume += p.sizeContracts;
      continue;
    }
    if (p.right === "call") {
      callPremium += p.premiumUsd;
      callVolume += p.sizeContracts;
    } else {
      putPremium += p.premiumUsd;
      putVolume += p.sizeContracts;
    }
    if (p.sentiment === "bullish") {
      bullish += p.premiumUsd;
      c.bullishPremiumUsd += p.premiumUsd;
    } else if (p.sentiment === "bearish") {
      bearish += p.premiumUsd;
      c.bearishPremiumUsd += p.premiumUsd;
    } else if (p.sentiment === "neutral") neutral += p.premiumUsd;
    if (p.sentiment !== "unknown") classifiedPrints++;
  }
  const directional = callPremium + putPremium;
  const classified = bullish + bearish + neutral;
  const score = classified > 0 ? (bullish - bearish) / classified : null;
  const top = [...byContract.values()].sort((a, b) => b.premiumUsd - a.premiumUsd).slice(0, topN);
  return {
    symbol,
    call_premium: callPremium,
    put_premium: putPremium,
    call_volume: callVolume,
    put_volume: putVolume,
    call_put_ratio: putVolume > 0 ? callVolume / putVolume : null,
    call_put_premium_ratio: putPremium > 0 ? callPremium / putPremium : null,
    bullish_premium: bullish,
    bearish_premium: bearish,
    classified_prints: classifiedPrints,
    net_sentiment_score: score,
    sentiment:
      score === null ? "unknown" : Math.abs(score) < 0.1 ? "neutral" : score > 0 ? "bullish" : "bearish",
    sentiment_basis: score === null ? "none" : "nbbo_side",
    unclassified_premium_share: directional > 0 ? (directional - classified) / directional : 0,
    multi_leg_premium: multiLeg,
    multi_leg_volume: multiLegVolume,
    top_contracts: top,
  };
}

export interface UnusualOptionsInput {
  contract: string;
  volumeContracts: number;
  premiumUsd: number;
  /** Mean daily volume over the trailing `optionsLookbackDays` (null when no history). */
  averageVolumeContracts: number | null;
  /** Open interest at the start of the day when loaded. */
  openInterestContracts: number | null;
}

export interface UnusualOptionsResult extends UnusualOptionsInput {
  volume_ratio: number | null;
  volume_oi_ratio: number | null;
  is_unusual: boolean;
  /** Which test made it unusual. */
  reason: "volume_vs_average" | "volume_vs_open_interest" | null;
  params_version: string;
}

/**
 * Unusual = volume > `optionsVolumeRatio` x the trailing average (and at least `optionsMinContracts`);
 * with no volume history, volume > `optionsVolumeOiRatio` x open interest when open interest is known.
 */
export function unusualOption(input: UnusualOptionsInput, params: BlocksParams): UnusualOptionsResult {
  const avg = input.averageVolumeContracts;
  const oi = input.openInterestContracts;
  const volumeRatio = avg !== null && avg > 0 ? input.volumeContracts / avg : null;
  const volumeOiRatio = oi !== null && oi > 0 ? input.volumeContracts / oi : null;
  const enough = input.volumeContracts >= params.optionsMinContracts;
  let reason: UnusualOptionsResult["reason"] = null;
  if (enough && volumeRatio !== null && volumeRatio > params.optionsVolumeRatio) reason = "volume_vs_average";
  else if (
    enough &&
    volumeRatio === null &&
    volumeOiRatio !== null &&
    volumeOiRatio > params.optionsVolumeOiRatio
  )
    reason = "volume_vs_open_interest";
  return {
    ...input,
    volume_ratio: volumeRatio,
    volume_oi_ratio: volumeOiRatio,
    is_unusual: reason !== null,
    reason,
    params_version: params.version,
  };
}

/** Inputs of the divergence score over one window; value sums in USD, `null` parts had no data. */
export interface DivergenceInputs {
  symbol: string;
  windowStart: string;
  windowEnd: string;
  priceChangePct: number | null;
  /** Prints behind the price change (fewer than `divergenceMinPricePrints` and there is no price trend). */
  pricePrints: number;
  darkPoolBullishUsd: number;
  darkPoolBearishUsd: number;
  blockBullishUsd: number;
  blockBearishUsd: number;
  optionsBullishPremiumUsd: number;
  optionsBearishPremiumUsd: number;
}

export interface DivergenceResult {
  symbol: string;
  window_start: string;
  window_end: string;
  price_change_pct: number | null;
  /** Each flow part in -1..1 (net / gross), `null` when that source had no classified flow. */
  parts: { dark_pool: number | null; blocks: number | null; options: number | null };
  /** Weighted mean of the available parts, -1..1. */
  net_flow_score: number | null;
  /** Price change scaled to -1..1 (saturating at `divergencePriceScalePct`). */
  price_score: number | null;
  /** 0..100: 50 x |flow - price| when they disagree in direction, 0 otherwise. */
  divergence_score: number;
  divergence_type: "bullish_divergence" | "bearish_divergence" | "none";
  is_divergent: boolean;
  params_version: string;
}

const net = (bull: number, bear: number): number | null =>
  bull + bear > 0 ? (bull - bear) / (bull + bear) : null;

/**
 * Price/flow divergence: smart-money flow that points one way while price goes the other (or stays flat).
 * Bullish divergence = net buying while price falls or is flat (accumulation); bearish = the reverse.
 */
export function priceFlowDivergence(input: DivergenceInputs, params: BlocksParams): DivergenceResult {
  const parts = {
    dark_pool: net(input.darkPoolBullishUsd, input.darkPoolBearishUsd),
    blocks: net(input.blockBullishUsd, input.blockBearishUsd),
    options: net(input.optionsBullishPremiumUsd, input.optionsBearishPremiumUsd),
  };
  const w = params.divergenceWeights;
  let weighted = 0;
  let weights = 0;
  if (parts.dark_pool !== null) {
    weighted += w.darkPool * parts.dark_pool;
    weights += w.darkPool;
  }
  if (parts.blocks !== null) {
    weighted += w.blocks * parts.blocks;
    weights += w.blocks;
  }
  if (parts.options !== null) {
    weighted += w.options * parts.options;
    weights += w.options;
  }
  const flow = weights > 0 ? weighted / weights : null;
  const pct = input.pricePrints >= params.divergenceMinPricePrints ? input.priceChangePct : null;
  const priceScore = pct === null ? null : Math.max(-1, Math.min(1, pct / params.divergencePriceScalePct));
  let score = 0;
  let type: DivergenceResult["divergence_type"] = "none";
  if (flow !== null && priceScore !== null && pct !== null && Math.abs(flow) >= params.divergenceMinFlow) {
    const priceDirection = Math.abs(pct) < params.divergenceFlatPricePct ? 0 : Math.sign(pct);
    if (priceDirection !== Math.sign(flow)) {
      score = Math.round(50 * Math.abs(flow - priceScore) * 10) / 10;
      type = flow > 0 ? "bullish_divergence" : "bearish_divergence";
    }
  }
  return {
    symbol: input.symbol,
    window_start: input.windowStart,
    window_end: input.windowEnd,
    price_change_pct: pct,
    parts,
    net_flow_score: flow,
    price_score: priceScore,
    divergence_score: score,
    divergence_type: type,
    is_divergent: type !== "none" && score >= params.divergenceAlertScore,
    params_version: params.version,
  };
}
