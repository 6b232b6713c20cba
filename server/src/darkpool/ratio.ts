/**
 * The off-exchange ("dark pool") ratio: one rule, used by `/dark-pool/{symbol}/summary`, `/patterns`,
 * `/analytics/{symbol}/indicators` and the dashboard. docs/methodology.md "Off-exchange ratio" states it.
 *
 * Numerator: off-exchange (TRF/ADF) shares of the day's prints. This is all off-exchange volume, most of it
 * wholesaler internalisation of retail orders; true dark pools (ATSs) are a part of it, reported apart from
 * FINRA's weekly ATS data (`ats_share`).
 *
 * Denominator (consolidated shares, all venues), first that applies:
 *  1. the caller's `total_volume` override;
 *  2. a vendor daily bar of the day (a consolidated figure by construction), when its volume is at least the
 *     off-exchange volume (a smaller one cannot be the same day's whole tape);
 *  3. the sum of the day's lit and off-exchange prints, only when the feed plainly carried the lit tape: lit
 *     prints are at least `minLitShare` of that sum. US off-exchange volume is ~45-50% of consolidated
 *     volume (FINRA/Cboe market statistics 2024-2025) and a stock-day above 80% is rare, so a print sum that
 *     is over 80% off-exchange means an off-exchange-only feed with a few stray lit prints (one lit print
 *     gave MSFT 0.9592), not the whole tape. Bars derived from the prints are this same sum and are never
 *     used in its place (the prints are always at least as current).
 * Otherwise the ratio is unknown (null) and `reason` says why.
 */
import { roundTo } from "../lib/round";

export const MIN_LIT_SHARE_FOR_TAPE = 0.2;

export interface RatioInput {
  offExchangeShares: number;
  litShares: number;
  /** The day's daily bar when published as of the query; derived bars (`derived_from_prints`) are ignored. */
  bar?: { volume: number; source: string } | undefined;
  overrideShares?: number | undefined;
}

export interface OffExchangeRatio {
  ratio: number | null;
  marketVolume: number | null;
  /** `override:total_volume`, `daily_bars:<source>` or `tape_prints`; null when unknown. */
  source: string | null;
  /** Why the ratio is null: `no_consolidated_volume` or `tape_incomplete`. */
  reason: string | null;
}

export function offExchangeRatio(input: RatioInput, minLitShare = MIN_LIT_SHARE_FOR_TAPE): OffExchangeRatio {
  const off = input.offExchangeShares;
  const of = (volume: number, source: string): OffExchangeRatio => ({
    ratio: volume > 0 ? off / volume : null,
    marketVolume: volume,
    source,
    reason: volume > 0 ? null : "no_consolidated_volume",
  });
  if (input.overrideShares !== undefined) return of(input.overrideShares, "override:total_volume");
  const bar = input.bar;
  if (bar && bar.source !== "derived_from_prints" && bar.volume >= off && bar.volume > 0) {
    return of(bar.volume, `daily_bars:${bar.source}`);
  }
  const sum = input.litShares + off;
  if (input.litShares > 0 && input.litShares >= minLitShare * sum) return of(sum, "tape_prints");
  return {
    ratio: null,
    marketVolume: null,
    source: null,
    reason: input.litShares > 0 ? "tape_incomplete" : "no_consolidated_volume",
  };
}

export type OffExchangeBand = "very_high" | "high" | "typical" | "low" | "very_low";

export interface OffExchangeBandResult {
  band: OffExchangeBand;
  /** `symbol_history`: percentile of the symbol's own daily ratios; `fixed_fallback`: too little history. */
  basis: "symbol_history" | "fixed_fallback";
  /** Share of the history's days with a lower ratio (0-100); null on the fixed fallback. */
  percentile: number | null;
  history_days: number;
  label: string;
}

/** Fewer prior days with a ratio than this: fixed bands, said so. */
export const MIN_HISTORY_DAYS = 20;
/** History looked at: about one year of trading days. */
export const HISTORY_TRADING_DAYS = 252;

/**
 * Fixed bands for the US market as a whole (off-exchange ~45-50% of volume), used only without enough of
 * the symbol's own history: < 35% low, 35-55% typical, 55-65% high, >= 65% very high.
 */
export function fixedOffExchangeBand(ratio: number): OffExchangeBand {
  if (ratio >= 0.65) return "very_high";
  if (ratio >= 0.55) return "high";
  if (ratio >= 0.35) return "typical";
  return "low";
}

const BAND_WORDS: Record<OffExchangeBand, string> = {
  very_high: "Very high",
  high: "High",
  typical: "Typical",
  low: "Low",
  very_low: "Very low",
};

/**
 * Band of a day's ratio against the symbol's own prior daily ratios: percentile (share of prior days
 * strictly lower, ties counted half) >= 90 very high, >= 70 high, > 30 typical, > 10 low, else very low.
 */
export function offExchangeBand(ratio: number, history: readonly number[]): OffExchangeBandResult {
  if (history.length < MIN_HISTORY_DAYS) {
    const band = fixedOffExchangeBand(ratio);
    return {
      band,
      basis: "fixed_fallback",
      percentile: null,
      history_days: history.length,
      label: `${BAND_WORDS[band]} off-exchange share for US stocks (fixed bands: only ${history.length} days of this symbol's history, ${MIN_HISTORY_DAYS} needed)`,
    };
  }
  let below = 0;
  let equal = 0;
  for (const h of history) {
    if (h < ratio) below++;
    else if (h === ratio) equal++;
  }
  const percentile = ((below + equal / 2) / history.length) * 100;
  const band: OffExchangeBand =
    percentile >= 90
      ? "very_high"
      : percentile >= 70
        ? "high"
        : percentile > 30
          ? "typical"
          : percentile > 10
            ? "low"
            : "very_low";
  return {
    band,
    basis: "symbol_history",
    percentile: roundTo(percentile, 1),
    history_days: history.length,
    label: `${BAND_WORDS[band]} off-exchange share for this symbol (percentile ${Math.round(percentile)} of its last ${history.length} days)`,
  };
}
