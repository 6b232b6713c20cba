import { describe, expect, it } from "vitest";
import { dix, priceBandUsd, sentimentOf, shortVolumeRatio, trailingRatios } from "./darkpool.signals";

describe("dark-pool signals", () => {
  it("computes DPI from the real GME row of 2021-01-25 (27,342,770 short of 72,224,899)", () => {
    expect(shortVolumeRatio(27_342_770, 72_224_899)).toBeCloseTo(0.37858, 4);
    expect(shortVolumeRatio(5, 0)).toBeNull();
  });

  it("weights DIX by dollars and lists members without a price instead of guessing", () => {
    const r = dix([
      { symbol: "A", shortVolume: 50, totalVolume: 100, price: 10 },
      { symbol: "B", shortVolume: 10, totalVolume: 100, price: 30 },
      { symbol: "C", shortVolume: 99, totalVolume: 100, price: null },
    ]);
    // (50*10 + 10*30) / (100*10 + 100*30) = 800 / 4000
    expect(r.dix).toBeCloseTo(0.2, 10);
    expect(r.missing_prices).toEqual(["C"]);
  });

  it("reports sentiment with the unclassified share beside it", () => {
    const s = sentimentOf({ bullish: 600, bearish: 200, neutral: 200, unknown: 1000 });
    expect(s.net).toBeCloseTo(0.4);
    expect(s.label).toBe("bullish");
    expect(s.unclassified_share).toBeCloseTo(0.5);
    expect(sentimentOf({ bullish: 0, bearish: 0, neutral: 0, unknown: 5 }).label).toBe("unknown");
  });

  it("needs a baseline before calling anything unusual", () => {
    const r = trailingRatios([10, 10, 10, 10, 10, 30], 20, 5);
    expect(r.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(r[5]).toBe(3);
  });

  it("picks readable price bands", () => {
    expect(priceBandUsd(178)).toBe(0.5);
    expect(priceBandUsd(20)).toBe(0.05);
  });
});
