/**
 * The versioned parameter set of the block, sweep, volume-spike, unusual-options and divergence
 * detectors. Any change to a default changes `BLOCKS_PARAMS_VERSION`, and every alert and signal
 * records the version that produced it (ARCHITECTURE.md invariant 4). Documented in docs/blocks.md.
 */
export const BLOCKS_PARAMS_VERSION = "blocks-v2";

export interface BlocksParams {
  version: string;
  /** Equity prints at or above this value are tracked as blocks (original spec: ">$1M transactions"). */
  blockTrackedMinUsd: number;
  /** Equity blocks at or above this value make a `large_block` alert (original spec: ">$10M"). */
  blockAlertMinUsd: number;
  /** Fills of one symbol/contract closer together than this form one sweep candidate. */
  sweepWindowMs: number;
  /** Distinct venues a cluster must hit to be a sweep without an ISO condition. */
  sweepMinVenues: number;
  /** Equity sweeps below this value are not reported (multi-venue fills of small size are routine). */
  equitySweepMinUsd: number;
  /** Option sweeps below this premium are not reported. */
  optionSweepMinPremiumUsd: number;
  /** Option sweep alerts without a volume history need at least this premium. */
  optionSweepNoHistoryMinPremiumUsd: number;
  /** Volume spike: window volume above this multiple of the same-time-of-day average (original spec: ">2x"). */
  volumeSpikeRatio: number;
  /** Intraday volume buckets (time of day, America/New_York). */
  volumeBucketMs: number;
  /** Trailing trading days the same-time-of-day average is taken over. */
  volumeLookbackDays: number;
  /** A baseline with fewer days of history than this is not trusted. */
  volumeMinHistoryDays: number;
  /** Intraday spikes need at least this many shares in the bucket (noise floor for thin names). */
  volumeSpikeMinShares: number;
  /** Unusual options: day volume above this multiple of the contract's 30-day average (original spec: ">3x"). */
  optionsVolumeRatio: number;
  /** Trailing days of the options volume average. */
  optionsLookbackDays: number;
  /** Contracts traded today before a contract can be unusual at all. */
  optionsMinContracts: number;
  /** When no volume history: volume / open interest above this is unusual (more traded than open). */
  optionsVolumeOiRatio: number;
  /** Divergence window (price change and flow over the same window). */
  divergenceWindowMs: number;
  /** Price change (in %) that saturates the price part of the score. */
  divergencePriceScalePct: number;
  /** |change| below this (in %) counts as flat price. */
  divergenceFlatPricePct: number;
  /** Minimum |net flow| (-1..1) for a divergence to count. */
  divergenceMinFlow: number;
  /** Prints with a price in the window before its price change counts (one print has no trend). */
  divergenceMinPricePrints: number;
  /** Score (0..100) from which a divergence alert fires. */
  divergenceAlertScore: number;
  /** Weights of the flow parts (renormalised over the parts that have data). */
  divergenceWeights: { darkPool: number; blocks: number; options: number };
}

export const DEFAULT_BLOCKS_PARAMS: Readonly<BlocksParams> = Object.freeze({
  version: BLOCKS_PARAMS_VERSION,
  blockTrackedMinUsd: 1_000_000,
  blockAlertMinUsd: 10_000_000,
  // Sweep routers send their ISOs at once; on the SIP the fills land within a few ms of each other.
  // 10 ms keeps sweeps whole and rarely merges unrelated fills (docs/blocks.md "Sweeps").
  sweepWindowMs: 10,
  sweepMinVenues: 2,
  equitySweepMinUsd: 1_000_000,
  optionSweepMinPremiumUsd: 50_000,
  optionSweepNoHistoryMinPremiumUsd: 500_000,
  volumeSpikeRatio: 2,
  volumeBucketMs: 5 * 60_000,
  volumeLookbackDays: 20,
  volumeMinHistoryDays: 5,
  volumeSpikeMinShares: 50_000,
  optionsVolumeRatio: 3,
  optionsLookbackDays: 30,
  optionsMinContracts: 500,
  optionsVolumeOiRatio: 1,
  divergenceWindowMs: 30 * 60_000,
  divergencePriceScalePct: 2,
  divergenceFlatPricePct: 0.25,
  divergenceMinFlow: 0.3,
  divergenceMinPricePrints: 10,
  divergenceAlertScore: 40,
  divergenceWeights: { darkPool: 0.4, blocks: 0.3, options: 0.3 },
});

/** Defaults overridden by a partial set; an override without a new version gets a derived one. */
export function blocksParams(overrides: Partial<BlocksParams> = {}): BlocksParams {
  const merged = { ...DEFAULT_BLOCKS_PARAMS, ...overrides };
  const changed = Object.keys(overrides).some((k) => k !== "version");
  if (changed && overrides.version === undefined) merged.version = `${BLOCKS_PARAMS_VERSION}+custom`;
  return merged;
}
