/** The Market page's, watchlist's and fund page's pure helpers. */
import { describe, expect, it } from "vitest";
import type { PatternDay } from "./api";
import { dixSeriesOf } from "./dix";
import { nextQuarterEnd } from "./filer.svelte";
import { fmtKind, METRIC_TABS, parseMetric } from "./leaderboards";
import {
  alertPasses,
  mergeNewestFirst,
  parseAlertTypes,
  parseMinValue,
  parseSeverity,
} from "./market.svelte";
import { changePct, closeBefore, MAX_WATCH, parseWatch } from "./watchlist.svelte";

describe("market page helpers", () => {
  it("reads its URL parameters, falling back to the defaults for anything unknown", () => {
    expect(parseMetric("short_ratio")).toBe("short_ratio");
    expect(parseMetric("constructor")).toBe("dark_pool_value");
    expect(parseMetric(null)).toBe("dark_pool_value");
    expect(parseMinValue("5000000")).toBe(5_000_000);
    expect(parseMinValue("1")).toBe(1_000_000);
    expect(parseAlertTypes("large_block,nope")).toEqual(["large_block"]);
    expect(parseAlertTypes("nope")).toBeNull();
    expect(parseAlertTypes(null)).toBeNull();
    expect(parseSeverity("high")).toBe("high");
    expect(parseSeverity("extreme")).toBeNull();
  });

  it("filters alerts by type and minimum severity", () => {
    const a = { type: "large_block", severity: "medium" };
    expect(alertPasses(a, null, null)).toBe(true);
    expect(alertPasses(a, ["large_block"], "medium")).toBe(true);
    expect(alertPasses(a, ["large_block"], "high")).toBe(false);
    expect(alertPasses(a, ["unusual_sweep"], null)).toBe(false);
  });

  it("merges tape rows newest first, once per key, up to a maximum", () => {
    const row = (key: string, at: string) => ({ key, at });
    const merged = mergeNewestFirst(
      [row("b", "2026-01-02T15:00:01Z"), row("c", "2026-01-02T15:00:03Z")],
      [row("a", "2026-01-02T15:00:00Z"), row("b", "2026-01-02T15:00:01Z")],
      2,
    );
    expect(merged.map((r) => r.key)).toEqual(["c", "b"]);
  });

  it("writes every leaderboard number with its unit", () => {
    expect(fmtKind(55_126_233.7, "usd")).toBe("$55.13M");
    expect(fmtKind(-1_200_000, "signed_usd")).toBe("-$1.20M");
    expect(fmtKind(61_807, "shares")).toBe("61,807 sh");
    expect(fmtKind(0.51117, "fraction")).toBe("51.1%");
    expect(fmtKind(-0.25, "skew")).toBe("-25%");
    expect(fmtKind(1.1793, "multiple")).toBe("1.18×");
    expect(fmtKind(1, "filers")).toBe("1 filer");
    expect(fmtKind(68.853, "score")).toBe("68.9");
    expect(fmtKind(null, "usd")).toBe("–");
    // Every metric's columns name a unit.
    for (const tab of Object.values(METRIC_TABS))
      for (const c of tab.columns) expect(c.kind).not.toBe("text");
  });

  it("charts the DIX series, and says why when the newest day is under the coverage floor", () => {
    const base = {
      from: "2021-01-20",
      to: "2021-01-22",
      days_without_data: ["2021-01-20"],
      basket_size: 4,
      coverage_floor: 0.8,
      basket_source: null,
      limits: { default_days: 29, max_days: 366, max_basket: 1000 },
      as_of: "2021-01-23T00:00:00.000Z",
    };
    const ok = dixSeriesOf({
      ...base,
      points: [
        { date: "2021-01-21", dix: 0.41, coverage: 1, covered: 4, members_used: 4 },
        { date: "2021-01-22", dix: 0.45, coverage: 1, covered: 4, members_used: 4 },
      ],
      excluded: [],
    });
    expect(ok.points.map((p) => p.dix)).toEqual([0.41, 0.45]);
    expect(ok).toMatchObject({ unavailable: null, missingDays: 1, basketSize: 4 });
    const under = dixSeriesOf({
      ...base,
      points: [{ date: "2021-01-21", dix: 0.41, coverage: 1, covered: 4, members_used: 4 }],
      excluded: [{ date: "2021-01-22", reason: "insufficient_coverage", coverage: 0.5, covered: 2 }],
    });
    expect(under.points).toEqual([]);
    expect(under.unavailable).toMatch(/2 of 4 basket members .* under the 80.0% floor/);
  });

  it("steps to the next quarter end", () => {
    expect(["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31"].map(nextQuarterEnd)).toEqual([
      "2024-06-30",
      "2024-09-30",
      "2024-12-31",
      "2025-03-31",
    ]);
  });
});

describe("watchlist helpers", () => {
  it("reads ?watch= as canonical tickers, once each, invalid ones dropped, at most MAX_WATCH", () => {
    expect(parseWatch("aapl, GME,brk/b,AAPL,AAPL!!,")).toEqual(["AAPL", "GME", "BRK.B"]);
    expect(parseWatch(Array.from({ length: 30 }, (_, i) => `S${i}`).join(","))).toHaveLength(MAX_WATCH);
    expect(parseWatch(null)).toEqual([]);
  });

  it("takes the change against the close of the day before the last price's day", () => {
    const day = (date: string, close: number | null) => ({ date, close }) as PatternDay;
    const days = [day("2026-01-05", 100), day("2026-01-06", null), day("2026-01-07", 110)];
    expect(closeBefore(days, "2026-01-07")).toBe(100);
    expect(closeBefore(days, "2026-01-08")).toBe(110);
    expect(closeBefore(days, "2026-01-05")).toBeNull();
    const q = { last: 121, lastAt: null, previousClose: 110, offExchange: null, status: "ready" as const };
    expect(changePct(q)).toBeCloseTo(10, 10);
    expect(changePct({ ...q, previousClose: null })).toBeNull();
  });
});
