/** The hand-computed backtest of docs/methodology.md ("Backtest of the SMI bands"). */
import { describe, expect, it } from "vitest";
import {
  type BacktestPoint,
  backtestSmiBands,
  formatBacktest,
  summarizeReturns,
  tCritical975,
} from "./backtest";

/** Eight trading days: closes and the SMI computed at each close (the last day has none). */
const SERIES: BacktestPoint[] = [
  { day: "2025-01-02", closePrice: 100, smartMoneyIndex: 80 },
  { day: "2025-01-03", closePrice: 101, smartMoneyIndex: 60 },
  { day: "2025-01-06", closePrice: 99, smartMoneyIndex: 30 },
  { day: "2025-01-07", closePrice: 102, smartMoneyIndex: 10 },
  { day: "2025-01-08", closePrice: 102, smartMoneyIndex: 80 },
  { day: "2025-01-09", closePrice: 105, smartMoneyIndex: 55 },
  { day: "2025-01-10", closePrice: 103, smartMoneyIndex: 20 },
  { day: "2025-01-13", closePrice: 104, smartMoneyIndex: null },
];

describe("SMI band backtest on a hand-computed series", () => {
  const result = backtestSmiBands("TEST", SERIES, { horizonsDays: [1, 5] });
  const band = (name: string) => result.bands.find((b) => b.band === name)!;

  it("counts the days per band and skips days without an SMI", () => {
    expect(result.observations).toBe(8);
    expect(result.scored_days).toBe(7);
    expect(result.bands.map((b) => [b.band, b.days])).toEqual([
      ["strong_buying", 2],
      ["moderate_bullish", 2],
      ["moderate_bearish", 1],
      ["strong_selling", 2],
    ]);
  });

  it("gives strong buying's 1-day mean (+1% and +2.9412%), its t interval with 1 df, and its hit rate", () => {
    const oneDay = band("strong_buying").horizons[0]!;
    expect(oneDay.count).toBe(2);
    expect(oneDay.mean_return_pct).toBeCloseTo(1.9706, 4);
    expect(oneDay.std_dev_pct).toBeCloseTo(1.3726, 4);
    // 1.9706 +/- 12.7062 x 1.3726 / sqrt(2)
    expect(oneDay.interval_95_pct).toEqual({ low: -10.3619, high: 14.3031 });
    expect(oneDay.hit_rate).toBe(1);
  });

  it("counts a bearish band's rise and a flat day as misses", () => {
    const selling = band("strong_selling").horizons[0]!;
    expect(selling.count).toBe(2);
    expect(selling.mean_return_pct).toBeCloseTo(0.4854, 4);
    expect(selling.hit_rate).toBe(0);
    const bearish = band("moderate_bearish").horizons[0]!;
    expect(bearish.count).toBe(1);
    expect(bearish.mean_return_pct).toBeCloseTo(3.0303, 4);
    expect(bearish.interval_95_pct).toBeNull();
    expect(bearish.hit_rate).toBe(0);
  });

  it("uses only days whose forward close exists at the horizon", () => {
    // 5 days ahead exists only for the first three rows: +5%, +1.9802%, +5.0505%.
    expect(band("strong_buying").horizons[1]).toMatchObject({
      horizon_days: 5,
      count: 1,
      mean_return_pct: 5,
    });
    expect(band("moderate_bullish").horizons[1]).toMatchObject({ count: 1, mean_return_pct: 1.9802 });
    expect(band("strong_selling").horizons[1]).toMatchObject({
      count: 0,
      mean_return_pct: null,
      hit_rate: null,
    });
  });

  it("reports the unconditional baseline to compare the bands with", () => {
    const [oneDay, fiveDay] = result.baseline;
    expect(oneDay).toMatchObject({ count: 7, mean_return_pct: 0.5796, std_dev_pct: 2.0402 });
    expect(oneDay!.interval_95_pct).toEqual({ low: -1.3072, high: 2.4664 });
    expect(oneDay!.hit_rate).toBeCloseTo(4 / 7, 4);
    expect(fiveDay).toMatchObject({ count: 3, mean_return_pct: 4.0102 });
    expect(fiveDay!.interval_95_pct).toEqual({ low: -0.3575, high: 8.378 });
  });

  it("drops overlapping windows when asked, keeping starts at least h days apart", () => {
    const twoDay = backtestSmiBands("TEST", SERIES, { horizonsDays: [2], nonOverlapping: true });
    // Baseline starts 0..5 have a 2-day close; non-overlapping keeps rows 0, 2, 4.
    expect(twoDay.baseline[0]!.count).toBe(3);
    const overlapping = backtestSmiBands("TEST", SERIES, { horizonsDays: [2] });
    expect(overlapping.baseline[0]!.count).toBe(6);
  });

  it("prints one line per band and horizon for the CLI", () => {
    const text = formatBacktest(result);
    expect(text).toContain("strong_buying\t2\t1d\t2\t1.97\t[-10.36, 14.30]\t100.0%");
    expect(text.split("\n")).toHaveLength(2 + 4 * 2 + 2);
  });

  it("refuses a series out of day order or with a non-positive close", () => {
    expect(() => backtestSmiBands("TEST", [SERIES[1]!, SERIES[0]!])).toThrow(/ascending/);
    expect(() => backtestSmiBands("TEST", [{ ...SERIES[0]!, closePrice: 0 }])).toThrow(/positive/);
  });
});

describe("Student t critical values", () => {
  it("matches the table and interpolates in 1/df between rows", () => {
    expect(tCritical975(1)).toBe(12.7062);
    expect(tCritical975(30)).toBe(2.0423);
    expect(tCritical975(50)).toBeCloseTo(2.0086, 4);
    expect(tCritical975(240)).toBeCloseTo(1.97, 3);
  });

  it("gives no interval for a single return", () => {
    expect(summarizeReturns([2], 1, "up").interval_95_pct).toBeNull();
  });
});
