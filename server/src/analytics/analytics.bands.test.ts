import { describe, expect, it } from "vitest";
import {
  accumulationBand,
  darkPoolRatioBand,
  darkPoolSentiment,
  divergenceBand,
  flowDirection,
  institutionalMomentum,
  smiBand,
  smiBandOf,
} from "./analytics.bands";

describe("the specification's interpretation bands, edge by edge", () => {
  it("reads the Smart Money Index: 75-100 strong buying ... 0-25 strong selling", () => {
    expect(smiBandOf(100)).toBe("strong_buying");
    expect(smiBandOf(75)).toBe("strong_buying");
    expect(smiBandOf(74.99)).toBe("moderate_bullish");
    expect(smiBandOf(50)).toBe("moderate_bullish");
    expect(smiBandOf(49.99)).toBe("moderate_bearish");
    expect(smiBandOf(25)).toBe("moderate_bearish");
    expect(smiBandOf(24.99)).toBe("strong_selling");
  });

  it("states the confidence level in the SMI label: strong buying is only 'high confidence' when it is", () => {
    expect(smiBand(100, "low")).toEqual({
      band: "strong_buying",
      label: "Strong institutional buying, low confidence",
      confidence: "low",
    });
    expect(smiBand(80, "high").label).toBe("Strong institutional buying, high confidence");
    expect(smiBand(60, "medium").label).toBe("Moderate bullish sentiment, medium confidence");
    expect(smiBand(0, "high").label).toBe("Strong institutional selling, high confidence");
  });

  it("reads accumulation: > 50 strong, 20..50 moderate, -20..20 neutral, < -50 strong distribution", () => {
    expect(accumulationBand(50.01).band).toBe("strong_accumulation");
    expect(accumulationBand(50).band).toBe("moderate_accumulation");
    expect(accumulationBand(20).band).toBe("moderate_accumulation");
    expect(accumulationBand(19.99).band).toBe("neutral");
    expect(accumulationBand(-19.99).band).toBe("neutral");
    expect(accumulationBand(-20).band).toBe("moderate_distribution");
    expect(accumulationBand(-50).band).toBe("moderate_distribution");
    expect(accumulationBand(-50.01).band).toBe("strong_distribution");
  });

  it("reads the off-exchange ratio as a fraction on market-wide bands: < 35% low, 35-55 typical, 55-65 high", () => {
    // ~45-50% off-exchange is the normal US level: typical, not "very high institutional interest".
    expect(darkPoolRatioBand(0.47).band).toBe("typical");
    expect(darkPoolRatioBand(0.65).band).toBe("very_high");
    expect(darkPoolRatioBand(0.55).band).toBe("high");
    expect(darkPoolRatioBand(0.35).band).toBe("typical");
    expect(darkPoolRatioBand(0.34).band).toBe("low");
  });

  it("reads flow direction: > +2% strong inflow, < -2% strong outflow, +/-0.5% neutral", () => {
    expect(flowDirection(2.01).band).toBe("strong_inflow");
    expect(flowDirection(2).band).toBe("inflow");
    expect(flowDirection(0.51).band).toBe("inflow");
    expect(flowDirection(0.5).band).toBe("neutral");
    expect(flowDirection(-0.5).band).toBe("neutral");
    expect(flowDirection(-0.51).band).toBe("outflow");
    expect(flowDirection(-2).band).toBe("outflow");
    expect(flowDirection(-2.01).band).toBe("strong_outflow");
  });

  it("names institutional momentum on the same edges as flow direction", () => {
    expect(institutionalMomentum(3).band).toBe("strong_buying");
    expect(institutionalMomentum(1).band).toBe("buying");
    expect(institutionalMomentum(0).band).toBe("neutral");
    expect(institutionalMomentum(-1).band).toBe("selling");
    expect(institutionalMomentum(-3).band).toBe("strong_selling");
  });

  it("reads divergence and dark-pool sentiment on their thresholds", () => {
    expect(divergenceBand(25).band).toBe("bullish_divergence");
    expect(divergenceBand(24.99).band).toBe("aligned");
    expect(divergenceBand(-25).band).toBe("bearish_divergence");
    expect(darkPoolSentiment(0.11)).toBe("bullish");
    expect(darkPoolSentiment(0.1)).toBe("neutral");
    expect(darkPoolSentiment(-0.11)).toBe("bearish");
  });
});
