/**
 * Backtest of the Smart Money Index bands (pure): given a daily series of SMI values computed point in
 * time (each from what had been published by that day's close) and closing prices, how did the price
 * move 1, 5 and 20 trading days later, per SMI band? docs/methodology.md ("Backtest of the SMI bands")
 * documents the method; backtest.test.ts holds its hand-computed example.
 */
import { AppError } from "../errors";
import { roundTo } from "../lib/round";
import { SMI_BAND_TEXT, type SmiBand, smiBandOf } from "./analytics.bands";
import { ANALYTICS_PARAMS_VERSION } from "./analytics.params";

export interface BacktestPoint {
  /** Trading day, `YYYY-MM-DD`. */
  day: string;
  /** SMI as of that day's close; null when it could not be computed (no input available). */
  smartMoneyIndex: number | null;
  closePrice: number;
}

export interface BacktestOptions {
  /** Forward horizons in trading days (rows of the series). Default 1, 5, 20. */
  horizonsDays?: number[];
  /**
   * Keep only starts at least `h` rows apart within a band, so that the h-day returns do not overlap.
   * Overlapping returns share days, are correlated, and make the t interval too narrow. Default false.
   */
  nonOverlapping?: boolean;
}

export interface ForwardReturnStats {
  horizon_days: number;
  count: number;
  /** Mean forward return, % (close[t+h] / close[t] - 1, x 100). */
  mean_return_pct: number | null;
  std_dev_pct: number | null;
  /** 95% Student-t interval of the mean; null with fewer than two returns. */
  interval_95_pct: { low: number; high: number } | null;
  /** Share of returns in the band's direction (up for bullish bands, down for bearish; flat is a miss). */
  hit_rate: number | null;
}

export interface BandBacktest {
  band: SmiBand;
  label: string;
  /** The direction a hit means for this band. */
  expects: "up" | "down";
  /** Days whose SMI fell in the band (whether or not a forward close exists). */
  days: number;
  horizons: ForwardReturnStats[];
}

export interface BacktestResult {
  symbol: string;
  from: string | null;
  to: string | null;
  /** Rows in the series, and rows with an SMI. */
  observations: number;
  scored_days: number;
  method: "student_t_95";
  non_overlapping: boolean;
  bands: BandBacktest[];
  /** Every scored day regardless of band: the unconditional drift to compare the bands with ("up" hits). */
  baseline: ForwardReturnStats[];
  params_version: string;
}

const BANDS: { band: SmiBand; expects: "up" | "down"; representative: number }[] = [
  { band: "strong_buying", expects: "up", representative: 90 },
  { band: "moderate_bullish", expects: "up", representative: 60 },
  { band: "moderate_bearish", expects: "down", representative: 40 },
  { band: "strong_selling", expects: "down", representative: 10 },
];

/**
 * Two-sided 95% critical values of Student's t (0.975 quantile) by degrees of freedom, from the standard
 * table (NIST/SEMATECH e-Handbook of Statistical Methods, 1.3.6.7.2). Between tabulated df the value is
 * interpolated linearly in 1/df, the usual table practice; beyond 120 it tends to the normal 1.96.
 */
const T_975: [df: number, t: number][] = [
  [1, 12.7062],
  [2, 4.3027],
  [3, 3.1824],
  [4, 2.7764],
  [5, 2.5706],
  [6, 2.4469],
  [7, 2.3646],
  [8, 2.306],
  [9, 2.2622],
  [10, 2.2281],
  [11, 2.201],
  [12, 2.1788],
  [13, 2.1604],
  [14, 2.1448],
  [15, 2.1314],
  [16, 2.1199],
  [17, 2.1098],
  [18, 2.1009],
  [19, 2.093],
  [20, 2.086],
  [21, 2.0796],
  [22, 2.0739],
  [23, 2.0687],
  [24, 2.0639],
  [25, 2.0595],
  [26, 2.0555],
  [27, 2.0518],
  [28, 2.0484],
  [29, 2.0452],
  [30, 2.0423],
  [40, 2.0211],
  [60, 2.0003],
  [120, 1.9799],
];
const Z_975 = 1.96;

/** The 0.975 quantile of Student's t with `df` degrees of freedom (df >= 1). */
export function tCritical975(df: number): number {
  if (!Number.isInteger(df) || df < 1)
    throw new AppError("INVALID_INPUT", `degrees of freedom must be >= 1: ${df}`);
  const last = T_975[T_975.length - 1] as [number, number];
  if (df > last[0]) {
    // Interpolate in 1/df between df = 120 and infinity (1/df = 0).
    return Z_975 + (last[1] - Z_975) * (last[0] / df);
  }
  for (let i = 0; i < T_975.length; i++) {
    const [d, t] = T_975[i] as [number, number];
    if (d === df) return t;
    if (d > df) {
      const [d0, t0] = T_975[i - 1] as [number, number];
      const w = (1 / df - 1 / d) / (1 / d0 - 1 / d);
      return t + (t0 - t) * w;
    }
  }
  return last[1];
}

/** Count, mean, sample standard deviation, 95% t interval and hit rate of returns in %. */
export function summarizeReturns(
  returnsPct: number[],
  horizonDays: number,
  expects: "up" | "down",
): ForwardReturnStats {
  const n = returnsPct.length;
  if (n === 0) {
    return {
      horizon_days: horizonDays,
      count: 0,
      mean_return_pct: null,
      std_dev_pct: null,
      interval_95_pct: null,
      hit_rate: null,
    };
  }
  const mean = returnsPct.reduce((s, r) => s + r, 0) / n;
  const hits = returnsPct.filter((r) => (expects === "up" ? r > 0 : r < 0)).length;
  let stdDev: number | null = null;
  let interval: ForwardReturnStats["interval_95_pct"] = null;
  if (n >= 2) {
    const variance = returnsPct.reduce((s, r) => s + (r - mean) ** 2, 0) / (n - 1);
    stdDev = Math.sqrt(variance);
    const halfWidth = tCritical975(n - 1) * (stdDev / Math.sqrt(n));
    interval = { low: roundTo(mean - halfWidth, 4), high: roundTo(mean + halfWidth, 4) };
  }
  return {
    horizon_days: horizonDays,
    count: n,
    mean_return_pct: roundTo(mean, 4),
    std_dev_pct: stdDev === null ? null : roundTo(stdDev, 4),
    interval_95_pct: interval,
    hit_rate: roundTo(hits / n, 4),
  };
}

/** Checks the series is in ascending day order with one row per day and positive closes. */
function validateSeries(series: BacktestPoint[]): void {
  for (let i = 0; i < series.length; i++) {
    const p = series[i] as BacktestPoint;
    if (!(p.closePrice > 0) || !Number.isFinite(p.closePrice)) {
      throw new AppError("INVALID_INPUT", `close price must be positive on ${p.day}`, { day: p.day });
    }
    const prev = series[i - 1];
    if (prev && prev.day >= p.day) {
      throw new AppError(
        "INVALID_INPUT",
        `series must be in ascending day order, one row per day: ${prev.day} then ${p.day}`,
      );
    }
  }
}

/** Forward returns per SMI band at each horizon. Horizons count rows (trading days) of the series. */
export function backtestSmiBands(
  symbol: string,
  series: BacktestPoint[],
  options: BacktestOptions = {},
): BacktestResult {
  validateSeries(series);
  const horizons = options.horizonsDays ?? [1, 5, 20];
  const nonOverlapping = options.nonOverlapping ?? false;
  const forward = (i: number, h: number): number | null => {
    const start = series[i];
    const end = series[i + h];
    return start && end ? (end.closePrice / start.closePrice - 1) * 100 : null;
  };
  const scored = series.flatMap((p, i) =>
    p.smartMoneyIndex === null ? [] : [{ index: i, band: smiBandOf(p.smartMoneyIndex) }],
  );

  const returnsOf = (starts: number[], h: number): number[] => {
    const out: number[] = [];
    let lastTaken = Number.NEGATIVE_INFINITY;
    for (const i of starts) {
      if (nonOverlapping && i - lastTaken < h) continue;
      const r = forward(i, h);
      if (r === null) continue;
      out.push(r);
      lastTaken = i;
    }
    return out;
  };

  const bands: BandBacktest[] = BANDS.map(({ band, expects, representative }) => {
    const starts = scored.filter((s) => s.band === band).map((s) => s.index);
    return {
      band,
      label: SMI_BAND_TEXT[smiBandOf(representative)],
      expects,
      days: starts.length,
      horizons: horizons.map((h) => summarizeReturns(returnsOf(starts, h), h, expects)),
    };
  });
  const allStarts = scored.map((s) => s.index);
  return {
    symbol,
    from: series[0]?.day ?? null,
    to: series[series.length - 1]?.day ?? null,
    observations: series.length,
    scored_days: scored.length,
    method: "student_t_95",
    non_overlapping: nonOverlapping,
    bands,
    baseline: horizons.map((h) => summarizeReturns(returnsOf(allStarts, h), h, "up")),
    params_version: ANALYTICS_PARAMS_VERSION,
  };
}

/** A plain-text table of a backtest, for the CLI. */
export function formatBacktest(result: BacktestResult): string {
  const fmt = (x: number | null, digits = 2) => (x === null ? "-" : x.toFixed(digits));
  const lines = [
    `SMI band backtest for ${result.symbol} ${result.from ?? "?"}..${result.to ?? "?"}: ` +
      `${result.observations} days, ${result.scored_days} with an SMI (params ${result.params_version}, ` +
      `95% Student-t interval${result.non_overlapping ? ", non-overlapping windows" : ""})`,
    ["band", "days", "horizon", "count", "mean %", "95% interval %", "hit rate"].join("\t"),
  ];
  const row = (name: string, days: number | string, s: ForwardReturnStats) =>
    [
      name,
      days,
      `${s.horizon_days}d`,
      s.count,
      fmt(s.mean_return_pct),
      s.interval_95_pct ? `[${fmt(s.interval_95_pct.low)}, ${fmt(s.interval_95_pct.high)}]` : "-",
      s.hit_rate === null ? "-" : `${(s.hit_rate * 100).toFixed(1)}%`,
    ].join("\t");
  for (const b of result.bands) for (const s of b.horizons) lines.push(row(b.band, b.days, s));
  for (const s of result.baseline) lines.push(row("all (baseline, hit = up)", result.scored_days, s));
  return lines.join("\n");
}
