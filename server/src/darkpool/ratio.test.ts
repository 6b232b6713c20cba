import { describe, expect, it } from "vitest";
import { fixedOffExchangeBand, MIN_HISTORY_DAYS, offExchangeBand, offExchangeRatio } from "./ratio";

describe("off-exchange ratio: one denominator rule", () => {
  it("does not take one stray lit print for the whole tape (MSFT 0.9592)", () => {
    const r = offExchangeRatio({ offExchangeShares: 2_350, litShares: 100 });
    expect(r).toEqual({ ratio: null, marketVolume: null, source: null, reason: "tape_incomplete" });
  });

  it("uses the print sum when the feed carried the lit tape", () => {
    const r = offExchangeRatio({ offExchangeShares: 450, litShares: 550 });
    expect(r).toMatchObject({ ratio: 0.45, marketVolume: 1000, source: "tape_prints", reason: null });
  });

  it("prefers a vendor bar, ignores a bar derived from the same prints, and the override beats both", () => {
    const vendor = { volume: 2000, source: "polygon_day_aggs" };
    expect(offExchangeRatio({ offExchangeShares: 450, litShares: 550, bar: vendor })).toMatchObject({
      ratio: 0.225,
      source: "daily_bars:polygon_day_aggs",
    });
    const derived = { volume: 451, source: "derived_from_prints" };
    expect(offExchangeRatio({ offExchangeShares: 450, litShares: 1, bar: derived }).ratio).toBeNull();
    expect(
      offExchangeRatio({ offExchangeShares: 450, litShares: 0, bar: vendor, overrideShares: 900 }),
    ).toMatchObject({ ratio: 0.5, source: "override:total_volume" });
  });

  it("refuses a bar smaller than the day's off-exchange volume (not that day's whole tape)", () => {
    const r = offExchangeRatio({ offExchangeShares: 500, litShares: 0, bar: { volume: 400, source: "csv" } });
    expect(r.ratio).toBeNull();
    expect(r.reason).toBe("no_consolidated_volume");
  });
});

describe("off-exchange ratio bands", () => {
  it("bands against the symbol's own history once it has enough days", () => {
    const history = Array.from({ length: 40 }, (_, i) => 0.3 + i * 0.01); // 0.30 .. 0.69
    const high = offExchangeBand(0.675, history);
    expect(high).toMatchObject({ band: "very_high", basis: "symbol_history", history_days: 40 });
    expect(high.percentile).toBe(95);
    // 0.47 is typical for the market but low for a symbol that usually trades ~50% off exchange.
    expect(offExchangeBand(0.33, history).band).toBe("very_low");
    expect(offExchangeBand(0.5, history).band).toBe("typical");
  });

  it("falls back to fixed market-wide bands with too little history, and says so", () => {
    const r = offExchangeBand(0.47, [0.5, 0.6]);
    expect(r).toMatchObject({ band: "typical", basis: "fixed_fallback", percentile: null, history_days: 2 });
    expect(r.label).toContain(`${MIN_HISTORY_DAYS} needed`);
    expect(fixedOffExchangeBand(0.41)).toBe("typical");
  });
});
