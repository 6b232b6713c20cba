/**
 * Inputs and outputs of the smart-money indices. Inputs are camelCase plain data gathered from the other
 * areas' stores as of a moment; outputs are API payloads and keep the original specification's
 * snake_case field names (Smart Money Indicators model), adding components, confidence, version, as_of.
 */

import type { InsiderTally } from "../institutional/insider.signal";
import type {
  AccumulationBand,
  Band,
  ConfidenceLevel,
  DarkPoolRatioBand,
  DarkPoolSentiment,
  DivergenceBand,
  FlowDirection,
  InstitutionalMomentum,
  SmiBand,
} from "./analytics.bands";
import type { ActivityComponentName, FlowComponentName } from "./analytics.params";

/** What every input says about itself: when it describes the world as of, and where it came from. */
export interface InputMeta {
  /** The moment the input describes (end of its window, filing date, file's trade date close). */
  asOf: Date;
  /** Where it came from: store or file family, e.g. `prints`, `finra_regsho`, `sec_13f`. */
  source: string;
  /**
   * How many observations the reading rests on (classified prints, blocks, transactions, filers,
   * baseline days); drives the confidence's sample-size factor. Absent: an aggregate without a count.
   */
  observations?: number | undefined;
}

/** Off-exchange volume by estimated sentiment (shares). */
export interface SentimentVolumes {
  bullish: number;
  bearish: number;
  neutral: number;
  unknown: number;
}

/**
 * Off-exchange prints over the window: volume for the ratio, volume by estimated sentiment for the
 * sentiment (the dark-pool section's `sentimentOf`). `observations` = classified non-block prints.
 */
export interface DarkPoolInput extends InputMeta {
  offExchangeVolumeShares: number;
  /** Consolidated volume over the same window (daily bars or the `total_volume` override); null if unknown. */
  totalVolumeShares: number | null;
  /** Every off-exchange print: gives `dark_pool_sentiment`, the same figure `/summary` shows. */
  volumeBySentiment: SentimentVolumes;
  /** Off-exchange prints that are not blocks (blocks are `block_flow`): the SMI's `dark_pool` component. */
  nonBlockVolumeBySentiment: SentimentVolumes;
}

/** FINRA Reg SHO consolidated (CNMS) short-volume ratio for the latest published day. */
export interface ShortVolumeInput extends InputMeta {
  /** ShortVolume / TotalVolume of the day (off-exchange only, per FINRA's file definition). */
  shortVolumeRatio: number;
  /** Mean of the same ratio over the trailing window before that day; null when there is no history. */
  trailingAverageRatio: number | null;
}

/** Block prints (>= $1M by default) over the window, split by estimated sentiment. */
export interface BlockFlowInput extends InputMeta {
  bullishValueUsd: number;
  bearishValueUsd: number;
  /** All block value including neutral and unclassified. */
  totalValueUsd: number;
  blockCount: number;
}

/** Single-leg option premium over the window (`/options-positioning`). `observations` = classified prints. */
export interface OptionsInput extends InputMeta {
  callPremiumUsd: number;
  putPremiumUsd: number;
  /** Premium whose NBBO side reads bullish / bearish, and the share of premium without a side. */
  bullishPremiumUsd: number;
  bearishPremiumUsd: number;
  unclassifiedPremiumShare: number;
}

/** 13F flow between the two latest quarters known as of the moment (points in time are filing dates). */
export interface InstitutionalInput extends InputMeta {
  /** Institutional ownership as % of shares outstanding; null when shares outstanding are unknown. */
  ownershipPct: number | null;
  /** Change of total shares held by institutions vs the prior quarter, in % of the prior total. */
  netChangePct: number;
  newPositions: number;
  soldOutPositions: number;
}

/**
 * Form 4 open-market transactions (codes P and S) over the look-back window, as tallied by
 * institutional/insider.signal.ts (the `/insider-sentiment` score's parts). `observations` = transactions.
 */
export interface InsiderInput extends InputMeta {
  tally: InsiderTally;
}

/** Close-to-close price change over the same window as the flows, in %. */
export interface PriceChangeInput extends InputMeta {
  priceChangePct: number;
}

/** A volume measured against its own trailing average (1 = normal). */
export interface ActivityRatioInput extends InputMeta {
  ratioToAverage: number;
}

export interface LargeBlocksInput extends InputMeta {
  count: number;
}

export interface ActivityInputs {
  darkPoolVolume?: ActivityRatioInput | undefined;
  equityVolume?: ActivityRatioInput | undefined;
  optionsVolume?: ActivityRatioInput | undefined;
  largeBlocks?: LargeBlocksInput | undefined;
}

/** Everything the indices read for one symbol. Every input is optional: absent means unavailable. */
export interface SmartMoneyInputs {
  symbol: string;
  darkPool?: DarkPoolInput | undefined;
  shortVolume?: ShortVolumeInput | undefined;
  blockFlow?: BlockFlowInput | undefined;
  options?: OptionsInput | undefined;
  institutional?: InstitutionalInput | undefined;
  insider?: InsiderInput | undefined;
  priceChange?: PriceChangeInput | undefined;
  activity?: ActivityInputs | undefined;
}

export type { ConfidenceLevel };

/** Why a component did not count. */
export type ExclusionReason =
  /** No input at all. */
  | "missing"
  /** Older than the parameter set's maximum age for it. */
  | "stale"
  /** Describes a moment after the computation's `as_of` (a point-in-time violation, never used). */
  | "after_as_of"
  /** Too little of the off-exchange value could be classified to read a sentiment. */
  | "mostly_unclassified"
  /** No trailing average to compare the latest value with. */
  | "no_baseline";

/** One part of a score: its raw value, its signal, its weight and its freshness. */
export interface ScoreComponent {
  name: FlowComponentName | ActivityComponentName | "price_change" | "smart_money_flow";
  /** The raw measure in the unit its `unit` names (e.g. a value share, USD, a ratio). */
  value: number | null;
  unit: string;
  /** The signal it contributes: -1..1 for directional components, 0..1 for activity components. */
  normalized: number | null;
  /** Base weight from the parameter set. */
  weight: number;
  /** Weight after renormalizing over the available components; 0 when excluded. */
  effective_weight: number;
  available: boolean;
  stale: boolean;
  /** Age of the input at the computation's `as_of`, ms; null when missing. */
  age_ms: number | null;
  as_of: string | null;
  source: string | null;
  /** 1 for a brand-new input, falling linearly to `freshnessAtMaxAge` at the maximum age; 0 if excluded. */
  freshness: number;
  excluded_reason: ExclusionReason | null;
  /** Observations behind the reading (see `InputMeta.observations`); null for an aggregate without a count. */
  observations: number | null;
  /** min(1, sqrt(observations / full count)); 1 without a count, 0 when excluded. */
  sample_factor: number;
  /** The horizon the input describes, in days (1 for a day's flow, 90 for Form 4, ~137 for 13F). */
  horizon_days: number | null;
  /** The input numbers behind `value`, for tooltips. */
  parts: Record<string, number | null>;
}

export interface ConfidenceScore {
  /** 0..100 = 100 x coverage x sample_size x (floor + (1 - floor) x agreement). */
  score: number;
  /** `high` (>= 70), `medium` (>= 40) or `low`; SMI labels name it. */
  level: ConfidenceLevel;
  /** Freshness-weighted share of the SMI weight that was available (0..1). */
  coverage: number;
  /** Weighted mean sample factor of the available components, weights w x freshness (0..1). */
  sample_size: number;
  /** How much the available signals agree in sign (0..1; 1 when all point the same way). */
  agreement: number;
  /** Components left out and why. */
  excluded: { name: string; reason: ExclusionReason }[];
}

export interface IndicatorBands {
  smart_money_index: Band<SmiBand> | null;
  accumulation_score: Band<AccumulationBand> | null;
  dark_pool_ratio: Band<DarkPoolRatioBand> | null;
  flow_direction: Band<FlowDirection> | null;
  institutional_momentum: Band<InstitutionalMomentum> | null;
  divergence_score: Band<DivergenceBand> | null;
}

/** The original specification's Smart Money Indicators model, plus parts, confidence and provenance. */
export interface SmartMoneyIndicators {
  symbol: string;
  /** 0..100; null when no directional input was available. */
  smart_money_index: number | null;
  /** Off-exchange / consolidated volume, as a fraction (0.35 = 35%). */
  dark_pool_ratio: number | null;
  dark_pool_sentiment: DarkPoolSentiment | null;
  /** % of shares outstanding held by 13F filers. */
  institutional_ownership: number | null;
  institutional_momentum: InstitutionalMomentum | null;
  /** -100..100. */
  accumulation_score: number | null;
  /** 0..100. */
  unusual_activity_score: number | null;
  /** -100..100: positive when smart-money flow is more bullish than the price move. */
  divergence_score: number | null;
  confidence: ConfidenceScore;
  components: {
    smart_money_index: ScoreComponent[];
    accumulation_score: ScoreComponent[];
    unusual_activity_score: ScoreComponent[];
    divergence_score: ScoreComponent[];
  };
  bands: IndicatorBands;
  params_version: string;
  as_of: string;
}

/** One side of the flow analysis (institutional, insider, dark pool or blocks). */
export interface FlowSide {
  available: boolean;
  stale: boolean;
  /** Signal -1..1 (positive = net buying); null when unavailable. */
  signal: number | null;
  direction: "net_buying" | "net_selling" | "balanced" | null;
  age_ms: number | null;
  as_of: string | null;
  source: string | null;
}

/** `/analytics/{symbol}/flow`: institutional vs insider flows, net buying/selling, accumulation. */
export interface SmartMoneyFlow {
  symbol: string;
  institutional: FlowSide & {
    net_change_percentage: number | null;
    flow_direction: FlowDirection | null;
    institutional_momentum: InstitutionalMomentum | null;
    institutional_ownership: number | null;
    new_positions: number | null;
    sold_out_positions: number | null;
  };
  insider: FlowSide & {
    buy_value_usd: number | null;
    sell_value_usd: number | null;
    net_value_usd: number | null;
    /** Bought minus weighted sold relative holding (institutional/insider.signal.ts). */
    net_holding_share: number | null;
    cluster_buys: number | null;
  };
  /** Net sentiment of the non-block off-exchange prints, (bullish - bearish) / classified volume. */
  dark_pool: FlowSide & { net_sentiment: number | null };
  blocks: FlowSide & { net_value_usd: number | null; block_count: number | null };
  /** The accumulation score's verdict over all flows. */
  net_flow: "net_buying" | "net_selling" | "balanced" | null;
  accumulation_score: number | null;
  accumulation_band: Band<AccumulationBand> | null;
  components: ScoreComponent[];
  confidence: ConfidenceScore;
  params_version: string;
  as_of: string;
}
