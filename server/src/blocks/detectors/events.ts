/** What the streaming detectors report, and the baselines they are given. */
import type { BlockTrade, DivergenceResult, UnusualOptionsResult } from "../blocks.signals";

export interface SweepEvent {
  symbol: string;
  /** Option contract (unpadded OSI) for option sweeps, `null` for equity sweeps. */
  contract: string | null;
  isOption: boolean;
  startTs: string;
  endTs: string;
  fills: number;
  venues: string[];
  /** Shares for equities, contracts for options. */
  size: number;
  /** Value for equities, premium for options. */
  valueUsd: number;
  firstPrice: number;
  lastPrice: number;
  /** At least one fill carried the intermarket sweep (ISO) condition. */
  iso: boolean;
  /** Options: today's volume of the contract / its trailing average, when known. */
  volumeRatio: number | null;
  right: "call" | "put" | null;
  windowMs: number;
}

export interface EquityVolumeSpike {
  symbol: string;
  /** `intraday`: one time-of-day bucket; `daily`: the day so far against the average to the same time. */
  scope: "intraday" | "daily";
  day: string;
  bucketStart: string;
  bucketMs: number;
  volume: number;
  average_volume: number;
  volume_ratio: number;
  history_days: number;
  threshold_ratio: number;
}

export type DetectorEvent =
  | { kind: "block"; symbol: string; tsMs: number; alertable: boolean; block: BlockTrade }
  | { kind: "sweep"; symbol: string; tsMs: number; sweep: SweepEvent }
  | { kind: "equity_volume_spike"; symbol: string; tsMs: number; spike: EquityVolumeSpike }
  | {
      kind: "options_volume_spike";
      symbol: string;
      tsMs: number;
      day: string;
      unusual: UnusualOptionsResult & {
        underlying: string;
        right: "call" | "put";
        expiry: string;
        strikeUsd: number;
      };
    }
  | { kind: "price_flow_divergence"; symbol: string; tsMs: number; divergence: DivergenceResult };

export type Emit = (event: DetectorEvent) => void;

/** Same-time-of-day volume history of one symbol (from stored prints or bars). */
export interface EquityBaseline {
  /** Mean shares per `volumeBucketMs` bucket of the ET day, over `historyDays` trailing days. */
  bucketAverageShares: Float64Array;
  historyDays: number;
}

export interface OptionBaseline {
  averageVolumeContracts: number | null;
  openInterestContracts: number | null;
}

export const DAY_MS = 86_400_000;
