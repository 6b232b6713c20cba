/**
 * The versioned parameter set of the smart-money indices (docs/methodology.md, "Smart-money indices").
 * Every payload carries `params_version`; change the version whenever any number below changes, so a
 * stored or cached score can always be traced to the parameters that produced it.
 */

export const ANALYTICS_PARAMS_VERSION = "analytics-2026.1";

/** The directional inputs of the Smart Money Index, each normalized to a signal in [-1, 1]. */
export type FlowComponentName =
  | "dark_pool"
  | "short_volume"
  | "block_flow"
  | "options"
  | "institutional"
  | "insider";

/** The activity inputs of the unusual activity score, each normalized to [0, 1]. */
export type ActivityComponentName = "dark_pool_volume" | "equity_volume" | "options_volume" | "large_blocks";

/** Every input the indices read, with the price change used by the divergence score. */
export type InputName = FlowComponentName | ActivityComponentName | "price_change";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface AnalyticsParams {
  version: string;
  /** Weights of the Smart Money Index; renormalized over the components that are available and fresh. */
  smiWeights: Record<FlowComponentName, number>;
  /**
   * Weights of the accumulation score: only the inputs that say who is adding or shedding shares
   * (positioning signals such as options and short volume are left out on purpose).
   */
  accumulationWeights: Partial<Record<FlowComponentName, number>>;
  /** Weights of the unusual activity score. */
  activityWeights: Record<ActivityComponentName, number>;
  /**
   * Oldest an input may be (measured from its `asOf` to the computation's `as_of`) before it is
   * excluded as stale. Chosen from each source's publication rhythm (ARCHITECTURE.md invariant 7).
   */
  maxAgeMs: Record<InputName, number>;
  /**
   * Dark-pool net sentiment ((bullish - bearish) / classified volume of non-block prints) that saturates
   * the dark-pool signal at +/-1.
   */
  darkPoolNetScale: number;
  /**
   * Below this classified share (of off-exchange volume for the dark pool, of single-leg premium for
   * options) a sentiment is treated as unavailable (`mostly_unclassified`).
   */
  minClassifiedShare: number;
  /** Net sentiment above which `dark_pool_sentiment` is bullish (below its negative: bearish). */
  darkPoolSentimentThreshold: number;
  /** Short-volume ratio excess over its trailing average that saturates the short-volume signal. */
  shortRatioExcessScale: number;
  /** Institutional net change of shares held (%) that saturates the institutional signal. */
  institutionalNetChangeScalePct: number;
  /** Share of the institutional signal taken by the net change (the rest: new vs sold-out counts). */
  institutionalNetChangeShare: number;
  /** Flow direction: |net change| at or below this (%) is neutral; beyond `strongFlowPct` it is strong. */
  neutralFlowPct: number;
  strongFlowPct: number;
  /**
   * Observations at which a component's sample factor reaches 1: factor = min(1, sqrt(n / full)), the
   * precision of a mean growing with the square root of its sample (docs/methodology.md, Confidence).
   */
  sampleFullCount: Record<FlowComponentName, number>;
  /** The horizon each directional input describes, in days (reported per component, used by divergence). */
  horizonDays: Record<FlowComponentName | "price_change", number>;
  /** Confidence score from which the level is `high` / `medium` (below: `low`). */
  confidenceLevels: { high: number; medium: number };
  /** Ratio to the trailing average at which each activity input saturates at 1. */
  activitySaturationRatio: Record<Exclude<ActivityComponentName, "large_blocks">, number>;
  /** Number of >= $1M blocks in the window that saturates the large-block activity input. */
  largeBlockSaturationCount: number;
  /** Price change (%) that saturates the price signal of the divergence score. */
  priceChangeScalePct: number;
  /** |divergence| below this is `aligned`. */
  divergenceThreshold: number;
  /** Confidence = 100 x coverage x (agreementFloor + (1 - agreementFloor) x agreement). */
  confidenceAgreementFloor: number;
  /** Freshness factor of an input at its maximum age (linear from 1 at age 0). */
  freshnessAtMaxAge: number;
  /** Trading days in the trailing averages (short-volume ratio, off-exchange and consolidated volume). */
  trailingDays: number;
  /** Fewest trailing days that make a baseline; with fewer the input has `no_baseline` or is missing. */
  minBaselineDays: number;
  /** A block: a block-eligible off-exchange print worth at least this (the specification's > $1M). */
  blockMinUsd: number;
}

export const ANALYTICS_PARAMS: AnalyticsParams = {
  version: ANALYTICS_PARAMS_VERSION,
  smiWeights: {
    dark_pool: 0.25,
    short_volume: 0.1,
    block_flow: 0.2,
    options: 0.15,
    institutional: 0.2,
    insider: 0.1,
  },
  accumulationWeights: {
    institutional: 0.35,
    dark_pool: 0.25,
    block_flow: 0.25,
    insider: 0.15,
  },
  activityWeights: {
    dark_pool_volume: 0.3,
    equity_volume: 0.2,
    options_volume: 0.3,
    large_blocks: 0.2,
  },
  maxAgeMs: {
    // Prints arrive live; a day-window summary is still meaningful over a long weekend.
    dark_pool: 4 * DAY_MS,
    dark_pool_volume: 4 * DAY_MS,
    block_flow: 4 * DAY_MS,
    large_blocks: 4 * DAY_MS,
    equity_volume: 4 * DAY_MS,
    // FINRA Reg SHO files are posted by 18:00 ET on the trade date: one business day plus a weekend.
    short_volume: 4 * DAY_MS,
    options: 4 * DAY_MS,
    options_volume: 4 * DAY_MS,
    // 13F: filed up to 45 days after quarter end, so the newest filing can be 45 + ~92 days old.
    institutional: 140 * DAY_MS,
    // Form 4 is due within two business days; a 90-day window is the usual insider look-back.
    insider: 90 * DAY_MS,
    price_change: 4 * DAY_MS,
  },
  darkPoolNetScale: 0.5,
  minClassifiedShare: 0.2,
  darkPoolSentimentThreshold: 0.1,
  shortRatioExcessScale: 0.1,
  institutionalNetChangeScalePct: 4,
  institutionalNetChangeShare: 0.7,
  neutralFlowPct: 0.5,
  strongFlowPct: 2,
  sampleFullCount: {
    // Classified non-block off-exchange prints of the day.
    dark_pool: 100,
    // Days in the short-volume ratio's trailing average (a full trailing window).
    short_volume: 20,
    // Blocks of the day.
    block_flow: 10,
    // Classified single-leg option prints.
    options: 50,
    // 13F filers that held the stock in either quarter and reported both (or exited).
    institutional: 20,
    // Open-market insider transactions in the 90-day window.
    insider: 5,
  },
  horizonDays: {
    dark_pool: 1,
    short_volume: 1,
    block_flow: 1,
    options: 1,
    // A 13F compares two quarter ends (~91 days); Form 4 trades are read over 90 days.
    institutional: 91,
    insider: 90,
    price_change: 1,
  },
  confidenceLevels: { high: 70, medium: 40 },
  activitySaturationRatio: {
    dark_pool_volume: 3,
    equity_volume: 3,
    options_volume: 5,
  },
  largeBlockSaturationCount: 5,
  priceChangeScalePct: 5,
  divergenceThreshold: 25,
  confidenceAgreementFloor: 0.5,
  freshnessAtMaxAge: 0.5,
  trailingDays: 20,
  minBaselineDays: 5,
  blockMinUsd: 1_000_000,
};
