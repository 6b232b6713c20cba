import { describe, expect, it } from "vitest";
import {
  classifyChanges,
  clusterBuys,
  computeFlow,
  flowDirection,
  type InsiderTrade,
  insiderWindows,
  latestCompleteQuarter,
  previousQuarterEnd,
} from "./institutional.signals";

const trade = (
  ownerCik: string,
  transactionDate: string,
  code: string,
  valueUsd = 100_000,
  aff10b5One: boolean | null = null,
): InsiderTrade => ({
  ownerCik,
  transactionDate,
  code,
  shares: 1000,
  sharesOwnedAfter: 9000,
  valueUsd,
  aff10b5One,
  isDerivative: false,
});

describe("quarters", () => {
  it("counts a quarter as complete only after its 45-day 13F window", () => {
    expect(latestCompleteQuarter(new Date("2025-02-14T00:00:00Z"))).toBe("2024-09-30");
    expect(latestCompleteQuarter(new Date("2025-02-15T05:00:00Z"))).toBe("2024-12-31");
  });

  it("turns the day at midnight New York time, not at 19:00 ET (UTC midnight)", () => {
    // 2025-02-15T00:00Z is 19:00 EST on Feb 14, the deadline day itself: Q4 is not complete yet.
    expect(latestCompleteQuarter(new Date("2025-02-15T00:00:00Z"))).toBe("2024-09-30");
    expect(latestCompleteQuarter(new Date("2025-02-15T04:59:59Z"))).toBe("2024-09-30");
    // Midnight EST starting Feb 15.
    expect(latestCompleteQuarter(new Date("2025-02-15T05:00:00Z"))).toBe("2024-12-31");
    // Q2 2025 is due Aug 14 (EDT, UTC-4): complete from 04:00Z on Aug 15.
    expect(latestCompleteQuarter(new Date("2025-08-15T03:59:59Z"))).toBe("2025-03-31");
    expect(latestCompleteQuarter(new Date("2025-08-15T04:00:00Z"))).toBe("2025-06-30");
    expect(previousQuarterEnd("2025-03-31")).toBe("2024-12-31");
    expect(previousQuarterEnd("2024-12-31")).toBe("2024-09-30");
  });
});

describe("flow direction bands (original specification)", () => {
  it("puts > +2% in strong_inflow and < -2% in strong_outflow, a small change in neutral", () => {
    expect(flowDirection(2.01)).toBe("strong_inflow");
    expect(flowDirection(2)).toBe("inflow");
    expect(flowDirection(0.4)).toBe("neutral");
    expect(flowDirection(-1)).toBe("outflow");
    expect(flowDirection(-2.5)).toBe("strong_outflow");
    expect(flowDirection(null)).toBe("neutral");
  });
});

describe("holder changes", () => {
  const p = (filerCik: string, shares: number) => ({
    filerCik,
    filerName: filerCik,
    shares,
    valueUsd: shares * 10,
  });
  it("tells a sale to zero from a report not filed yet", () => {
    const changes = classifyChanges(
      [p("A", 150), p("C", 50)],
      [p("A", 100), p("B", 80), p("D", 40)],
      new Set(["A", "B"]),
      new Set(["A", "C"]),
    );
    const kind = Object.fromEntries(changes.map((c) => [c.filerCik, c.kind]));
    expect(kind).toEqual({ A: "increased", C: "new", B: "sold_out", D: "not_reported" });
    const flow = computeFlow(changes, 10_000);
    // Comparable holders A, B, C: before 180, now 200.
    expect(flow.net_change_percentage).toBeCloseTo((20 / 180) * 100, 4);
    expect(flow.institutional_ownership).toBe(2);
    expect(flow.conviction_components.breadth).toBeCloseTo(1 / 3, 4);
    expect(flow.conviction_components.entries).toBe(0);
  });

  it("does not call a position new when the filer's prior-quarter report was never loaded", () => {
    // E holds the stock now; no prior-quarter report of E is known: unknown, not new.
    const changes = classifyChanges([p("E", 18_577)], [], new Set(), new Set());
    expect(changes.map((c) => c.kind)).toEqual(["unknown"]);
    const flow = computeFlow(changes, 1_000_000);
    expect(flow.new_positions).toBe(0);
    expect(flow.unknown_prior_positions).toBe(1);
    expect(flow.net_change_percentage).toBeNull();
    // Nothing comparable: conviction stays at its neutral midpoint (was 82.5 with E counted as new).
    expect(flow.conviction_score).toBe(50);
    // Held shares still count toward ownership.
    expect(flow.institutional_shares).toBe(18_577);
    // With E's empty prior report loaded, the same position is new.
    const known = classifyChanges([p("E", 18_577)], [], new Set(), new Set(["E"]));
    expect(known.map((c) => c.kind)).toEqual(["new"]);
  });
});

describe("insider cluster buys and sentiment", () => {
  it("finds 3 insiders buying within 14 days, not 3 spread over a month", () => {
    const clustered = [
      trade("1", "2025-03-01", "P"),
      trade("2", "2025-03-07", "P"),
      trade("3", "2025-03-14", "P"),
    ];
    expect(clusterBuys(clustered, 3, 14)).toEqual([
      { start: "2025-03-01", end: "2025-03-14", insiders: 3, valueUsd: 300_000 },
    ]);
    const spread = [
      trade("1", "2025-03-01", "P"),
      trade("2", "2025-03-10", "P"),
      trade("3", "2025-03-20", "P"),
    ];
    expect(clusterBuys(spread, 3, 14)).toEqual([]);
    const sameInsider = [
      trade("1", "2025-03-01", "P"),
      trade("1", "2025-03-02", "P"),
      trade("2", "2025-03-03", "P"),
    ];
    expect(clusterBuys(sameInsider, 3, 14)).toEqual([]);
  });

  it("finds back-to-back clusters, same-day buys and shifting windows as the definition reads", () => {
    // The definition, read literally: for each buy in date order, every buy dated start..start+window-1.
    const byDefinition = (trades: InsiderTrade[], min: number, days: number) => {
      const buys = [...trades].sort((a, b) =>
        String(a.transactionDate).localeCompare(String(b.transactionDate)),
      );
      const out: { start: string; end: string; insiders: number; valueUsd: number }[] = [];
      let lastEnd = "";
      for (const b of buys) {
        const start = b.transactionDate as string;
        const limit = new Date(Date.parse(`${start}T00:00:00Z`) + (days - 1) * 86_400_000)
          .toISOString()
          .slice(0, 10);
        const inside = buys.filter(
          (x) => (x.transactionDate as string) >= start && (x.transactionDate as string) <= limit,
        );
        const owners = new Set(inside.map((x) => x.ownerCik)).size;
        if (owners >= min && start > lastEnd) {
          lastEnd = inside[inside.length - 1]?.transactionDate as string;
          out.push({
            start,
            end: lastEnd,
            insiders: owners,
            valueUsd: inside.reduce((s, x) => s + (x.valueUsd ?? 0), 0),
          });
        }
      }
      return out;
    };
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let run = 0; run < 40; run++) {
      const trades = Array.from({ length: 5 + Math.floor(next() * 60) }, () =>
        trade(
          String(Math.floor(next() * 6)),
          `2025-0${3 + Math.floor(next() * 3)}-${String(1 + Math.floor(next() * 28)).padStart(2, "0")}`,
          "P",
          Math.round(next() * 1e6),
        ),
      );
      const min = 2 + (run % 4);
      const days = 3 + (run % 20);
      const got = clusterBuys(trades, min, days);
      expect(got).toEqual(byDefinition(trades, min, days));
      if (run === 0) expect(got.length).toBeGreaterThan(1);
    }
  });

  it("leaves grants, exercises and withholding out of the windows and counts planned 10b5-1 sales", () => {
    const trades = [
      trade("1", "2025-03-01", "P", 100_000),
      trade("2", "2025-03-02", "S", 100_000, true),
      trade("3", "2025-03-03", "A", 5_000_000),
      trade("3", "2025-03-03", "F", 1_000_000),
      trade("3", "2025-03-03", "M", 1_000_000),
      trade("4", "2025-03-04", "G", 50_000),
    ];
    const [w] = insiderWindows(trades, "2025-03-10", ["A", "M", "F"], [30]);
    expect(w).toEqual({
      days: 30,
      buys: { count: 1, value: 100_000 },
      sells: { count: 1, value: 100_000, planned_10b5_1: 1 },
      other: { count: 1 },
      excluded: { count: 3 },
    });
  });
});
