/**
 * Readings of the smart-money indices: one pure function per input, each documented in docs/methodology.md
 * ("Smart-money indices"). A reading is the input's value and its signal before weights and freshness.
 */
import { sentimentOf } from "../darkpool/darkpool.signals";
import { insiderSignal } from "../institutional/insider.signal";
import {
  type ActivityComponentName,
  ANALYTICS_PARAMS,
  type AnalyticsParams,
  type FlowComponentName,
} from "./analytics.params";
import type {
  DarkPoolInput,
  ExclusionReason,
  InputMeta,
  ScoreComponent,
  SmartMoneyInputs,
} from "./analytics.types";

/** A component's reading before weights and freshness are applied. */
export interface Reading {
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

/** `(a - b) / (a + b)`, or 0 when both are zero (nothing happened: a real, neutral observation). */
const balance = (a: number, b: number): number => (a + b > 0 ? (a - b) / (a + b) : 0);

// ---------------------------------------------------------------------------------------------------
// Readings: one pure function per input, each documented in docs/methodology.md.

/** Share of volume with an estimated side (bullish, bearish or neutral); 0 without volume. */
export const classifiedShare = (v: DarkPoolInput["volumeBySentiment"]): number => {
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

export function missing(name: Reading["name"], unit: string, _absent: undefined): Reading {
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
