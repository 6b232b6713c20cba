/**
 * Equity volume spikes: shares per time-of-day bucket of the New York day against the same bucket's
 * trailing average (`intraday`), and the day so far against the cumulative average to the same time
 * (`daily`), each at most once per bucket / day.
 */
import type { BlocksParams } from "../blocks.params";
import { DAY_MS, type Emit, type EquityBaseline } from "./events";

export class VolumeState {
  dayIndex = -1;
  bucket = -1;
  bucketShares = 0;
  dayShares = 0;
  intradaySpikeBucket = -1;
  dailySpikeFired = false;
  baseline: EquityBaseline | null = null;
  cumulativeBaseline: Float64Array | null = null;

  setBaseline(baseline: EquityBaseline): void {
    this.baseline = baseline;
    const cum = new Float64Array(baseline.bucketAverageShares.length);
    let total = 0;
    for (let i = 0; i < cum.length; i++) {
      total += baseline.bucketAverageShares[i] ?? 0;
      cum[i] = total;
    }
    this.cumulativeBaseline = cum;
  }
}

/** Where a print falls: New York day index, bucket of that day, and the day's offset from UTC (ms). */
export interface LocalTime {
  dayIndex: number;
  bucket: number;
  offsetMs: number;
}

/**
 * Adds a print's shares and emits the spikes they cause. Returns the bucket's volume ratio against its
 * average (null without enough history), which blocks carry.
 */
export function addVolume(
  s: VolumeState,
  symbol: string,
  sizeShares: number,
  tsMs: number,
  at: LocalTime,
  params: BlocksParams,
  emit: Emit,
): number | null {
  const { dayIndex, bucket } = at;
  if (dayIndex !== s.dayIndex) {
    s.dayIndex = dayIndex;
    s.dayShares = 0;
    s.bucket = bucket;
    s.bucketShares = 0;
    s.intradaySpikeBucket = -1;
    s.dailySpikeFired = false;
  } else if (bucket !== s.bucket) {
    s.bucket = bucket;
    s.bucketShares = 0;
  }
  s.bucketShares += sizeShares;
  s.dayShares += sizeShares;
  const base = s.baseline;
  if (base === null || base.historyDays < params.volumeMinHistoryDays) return null;
  let volumeRatio: number | null = null;
  const avg = base.bucketAverageShares[bucket] ?? 0;
  if (avg > 0) {
    volumeRatio = s.bucketShares / avg;
    if (
      volumeRatio > params.volumeSpikeRatio &&
      s.intradaySpikeBucket !== bucket &&
      s.bucketShares >= params.volumeSpikeMinShares
    ) {
      s.intradaySpikeBucket = bucket;
      emitSpike(s, symbol, "intraday", tsMs, at, s.bucketShares, avg, params, emit);
    }
  }
  const cum = s.cumulativeBaseline?.[bucket] ?? 0;
  if (!s.dailySpikeFired && cum > 0 && s.dayShares / cum > params.volumeSpikeRatio) {
    s.dailySpikeFired = true;
    emitSpike(s, symbol, "daily", tsMs, at, s.dayShares, cum, params, emit);
  }
  return volumeRatio;
}

function emitSpike(
  s: VolumeState,
  symbol: string,
  scope: "intraday" | "daily",
  tsMs: number,
  at: LocalTime,
  volume: number,
  average: number,
  params: BlocksParams,
  emit: Emit,
): void {
  const bucketMs = params.volumeBucketMs;
  const bucketStartUtc = at.dayIndex * DAY_MS + (scope === "daily" ? 0 : at.bucket * bucketMs) - at.offsetMs;
  emit({
    kind: "equity_volume_spike",
    symbol,
    tsMs,
    spike: {
      symbol,
      scope,
      day: new Date(at.dayIndex * DAY_MS).toISOString().slice(0, 10),
      bucketStart: new Date(bucketStartUtc).toISOString(),
      bucketMs: scope === "daily" ? (at.bucket + 1) * bucketMs : bucketMs,
      volume,
      average_volume: average,
      volume_ratio: volume / average,
      history_days: s.baseline?.historyDays ?? 0,
      threshold_ratio: params.volumeSpikeRatio,
    },
  });
}
