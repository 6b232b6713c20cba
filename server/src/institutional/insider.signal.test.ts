import { describe, expect, it } from "vitest";
import { holdingShareOf, insiderSignal, insiderTally } from "./insider.signal";
import type { InsiderTrade } from "./institutional.signals";

const trade = (
  code: string,
  shares: number,
  sharesOwnedAfter: number | null,
  aff10b5One: boolean | null = null,
  ownerCik = "1",
): InsiderTrade => ({
  ownerCik,
  transactionDate: "2025-03-03",
  code,
  shares,
  sharesOwnedAfter,
  valueUsd: shares * 100,
  aff10b5One,
  isDerivative: false,
});

describe("insider signal (docs/methodology.md, Insider signal)", () => {
  it("sizes a trade against the larger of the holding before and after it", () => {
    expect(holdingShareOf("S", 1_000, 999_000)).toBe(0.001);
    expect(holdingShareOf("S", 5_000, 0)).toBe(1);
    expect(holdingShareOf("P", 2_500, 10_000)).toBe(0.25);
    expect(holdingShareOf("P", 2_500, null)).toBeNull();
  });

  it("reads a $100k sale by an insider keeping $99.9M as almost nothing, not as -1", () => {
    // 1,000 shares at $100 sold, 999,000 kept: 0.001 of the holding, x 0.5 sell weight, / 0.5 full scale.
    const t = insiderTally([trade("S", 1_000, 999_000)], "2025-01-01", "2025-03-31", 0);
    expect(t.weighted_sell_holding_share).toBeCloseTo(0.0005, 12);
    expect(insiderSignal(t)).toBeCloseTo(-0.001, 12);
  });

  it("worked example: a buy of a quarter, a sale of everything, a planned sale of a tenth, one cluster", () => {
    const trades = [
      trade("P", 2_500, 10_000, null, "1"),
      trade("S", 4_000, 0, false, "2"),
      trade("S", 1_000, 9_000, true, "3"),
      trade("S", 500, null, false, "4"),
      trade("A", 9_999, 20_000, null, "5"),
    ];
    const t = insiderTally(trades, "2025-01-01", "2025-03-31", 1);
    expect(t).toMatchObject({
      transactions: 4,
      buy_count: 1,
      sell_count: 3,
      planned_sell_count: 1,
      buy_holding_share: 0.25,
      sell_holding_share: 1.1,
      unsized_transactions: 1,
      cluster_buys: 1,
    });
    // Sales: 0.5 x 1 + 0.5 x 0.5 x 0.1 = 0.525 (the 10b5-1 weight applies to that sale only).
    expect(t.weighted_sell_holding_share).toBeCloseTo(0.525, 12);
    // (0.25 - 0.525) / 0.5 + 0.25 x 1 = -0.3.
    expect(insiderSignal(t)).toBeCloseTo(-0.3, 12);
  });

  it("saturates at +/-1 and leaves trades outside the window out", () => {
    expect(insiderSignal({ buy_holding_share: 0.9, weighted_sell_holding_share: 0, cluster_buys: 2 })).toBe(
      1,
    );
    const late = { ...trade("P", 1_000, 1_000), transactionDate: "2025-04-01" };
    expect(insiderTally([late], "2025-01-01", "2025-03-31", 0).transactions).toBe(0);
  });
});
