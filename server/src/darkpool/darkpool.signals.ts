/**
 * Pure dark-pool signals. Formulas and bands are documented in docs/methodology.md ("Dark pool").
 */
export const DARKPOOL_PARAMS = {
  version: "darkpool-2",
  /** The original specification's large-block threshold. */
  largeBlockUsd: 1_000_000,
  /** Unusual: a day or window above this multiple of its trailing average. */
  unusualMultiple: 2,
  trailingDays: 20,
  /** Fewer prior days than this: no baseline, nothing is called unusual. */
  minBaselineDays: 5,
  intradayWindowMinutes: 30,
} as const;

export type DarkPoolRatioBand = "very_high" | "high" | "moderate" | "low";

/** The original specification's bands: > 40% very high, 30-40% high, 20-30% moderate, < 20% low interest. */
export function darkPoolRatioBand(ratio: number): DarkPoolRatioBand {
  if (ratio > 0.4) return "very_high";
  if (ratio >= 0.3) return "high";
  if (ratio >= 0.2) return "moderate";
  return "low";
}

/**
 * Volume-weighted sentiment of off-exchange prints: (bullish - bearish) / classified volume, -1..1, with the
 * share that could not be classified reported beside it (direction is an estimate).
 */
export function sentimentOf(v: { bullish: number; bearish: number; neutral: number; unknown: number }) {
  const classified = v.bullish + v.bearish + v.neutral;
  const total = classified + v.unknown;
  const net = classified > 0 ? (v.bullish - v.bearish) / classified : null;
  const label = net === null ? "unknown" : net > 0.1 ? "bullish" : net < -0.1 ? "bearish" : "neutral";
  return { net, label, unclassified_share: total > 0 ? v.unknown / total : null } as const;
}

/** SqueezeMetrics' DPI for one symbol and day: FINRA short volume / FINRA (off-exchange) total volume. */
export function shortVolumeRatio(shortVolume: number, totalVolume: number): number | null {
  return totalVolume > 0 ? shortVolume / totalVolume : null;
}

/**
 * DIX: the dollar-weighted DPI of a basket, sum(short_i * price_i) / sum(total_i * price_i). Members without a
 * price are left out and listed, never weighted as 1.
 */
export function dix(
  members: { symbol: string; shortVolume: number; totalVolume: number; price: number | null }[],
) {
  let num = 0;
  let den = 0;
  const missing: string[] = [];
  for (const m of members) {
    if (m.price === null || !(m.price > 0)) {
      missing.push(m.symbol);
      continue;
    }
    num += m.shortVolume * m.price;
    den += m.totalVolume * m.price;
  }
  return {
    dix: den > 0 ? num / den : null,
    members_used: members.length - missing.length,
    missing_prices: missing,
  };
}

/** Ratio of each value to the mean of the `trailing` values before it (null without enough history). */
export function trailingRatios(values: number[], trailing: number, minBaseline: number): (number | null)[] {
  return values.map((v, i) => {
    const prior = values.slice(Math.max(0, i - trailing), i);
    if (prior.length < minBaseline) return null;
    const mean = prior.reduce((a, b) => a + b, 0) / prior.length;
    return mean > 0 ? v / mean : null;
  });
}

/** A price band width that gives a readable ladder: about 0.25% of the price, rounded to a common tick step. */
export function priceBandUsd(price: number): number {
  const steps = [0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50];
  const target = price * 0.0025;
  return steps.find((s) => s >= target) ?? 50;
}
