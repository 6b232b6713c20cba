/**
 * The worked examples of docs/methodology.md ("Smart-money indices"), computed by hand there and
 * asserted here. If a number changes, both the methodology and ANALYTICS_PARAMS_VERSION must change.
 */
import { describe, expect, it } from "vitest";
import { ANALYTICS_PARAMS, ANALYTICS_PARAMS_VERSION } from "./analytics.params";
import { computeFlow, computeIndicators, freshnessOf } from "./analytics.signals";
import type { SmartMoneyInputs } from "./analytics.types";

const AS_OF = new Date("2025-11-18T21:00:00Z");
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const before = (ms: number) => new Date(AS_OF.getTime() - ms);

/** Example A of the methodology: every input present and fresh. */
function exampleA(): SmartMoneyInputs {
  return {
    symbol: "AAPL",
    darkPool: {
      asOf: AS_OF,
      source: "prints",
      offExchangeVolumeShares: 14_000_000,
      totalVolumeShares: 40_000_000,
      bullishValueShare: 0.45,
      bearishValueShare: 0.3,
      unclassifiedValueShare: 0.1,
    },
    shortVolume: {
      asOf: before(DAY_MS),
      source: "finra_regsho",
      shortVolumeRatio: 0.52,
      trailingAverageRatio: 0.47,
    },
    blockFlow: {
      asOf: AS_OF,
      source: "prints",
      bullishValueUsd: 30_000_000,
      bearishValueUsd: 10_000_000,
      totalValueUsd: 50_000_000,
      blockCount: 12,
    },
    options: { asOf: AS_OF, source: "options_trades", callPremiumUsd: 6_000_000, putPremiumUsd: 4_000_000 },
    institutional: {
      asOf: before(28 * DAY_MS),
      source: "sec_13f",
      ownershipPct: 62.5,
      netChangePct: 3.2,
      newPositions: 30,
      soldOutPositions: 10,
    },
    insider: {
      asOf: before(18 * DAY_MS),
      source: "sec_form4",
      buyValueUsd: 1_000_000,
      sellValueUsd: 6_000_000,
      clusterBuys: 0,
    },
    priceChange: { asOf: AS_OF, source: "daily_bars", priceChangePct: 2.5 },
    activity: {
      darkPoolVolume: { asOf: AS_OF, source: "prints", ratioToAverage: 2 },
      equityVolume: { asOf: AS_OF, source: "daily_bars", ratioToAverage: 1.5 },
      optionsVolume: { asOf: AS_OF, source: "options_trades", ratioToAverage: 4 },
      largeBlocks: { asOf: AS_OF, source: "prints", count: 2 },
    },
  };
}

const normalizedOf = (components: { name: string; normalized: number | null }[], name: string) =>
  components.find((c) => c.name === name)?.normalized;

describe("Smart Money Index with every input fresh (methodology example A)", () => {
  const result = computeIndicators(exampleA(), AS_OF);

  it("normalizes each input to the signal the methodology derives by hand", () => {
    const c = result.components.smart_money_index;
    expect(normalizedOf(c, "dark_pool")).toBe(0.5);
    expect(normalizedOf(c, "short_volume")).toBe(0.5);
    expect(normalizedOf(c, "block_flow")).toBe(0.4);
    expect(normalizedOf(c, "options")).toBe(0.2);
    expect(normalizedOf(c, "institutional")).toBe(0.71);
    expect(normalizedOf(c, "insider")).toBe(-0.5);
  });

  it("is 50 + 50 x the weighted signal: 68.85, moderate bullish", () => {
    expect(result.smart_money_index).toBe(68.85);
    expect(result.bands.smart_money_index?.band).toBe("moderate_bullish");
  });

  it("keeps the specification's fields: ratio 0.35 (typical off-exchange share), bullish sentiment, strong buying", () => {
    expect(result.symbol).toBe("AAPL");
    expect(result.dark_pool_ratio).toBe(0.35);
    expect(result.bands.dark_pool_ratio?.band).toBe("typical");
    expect(result.dark_pool_sentiment).toBe("bullish");
    expect(result.institutional_ownership).toBe(62.5);
    expect(result.institutional_momentum).toBe("strong_buying");
    expect(result.bands.flow_direction?.band).toBe("strong_inflow");
  });

  it("scores accumulation from ownership flows only: 39.85, moderate accumulation", () => {
    expect(result.accumulation_score).toBe(39.85);
    expect(result.bands.accumulation_score?.band).toBe("moderate_accumulation");
    expect(result.components.accumulation_score.map((c) => c.name).sort()).toEqual([
      "block_flow",
      "dark_pool",
      "insider",
      "institutional",
    ]);
  });

  it("scores unusual activity as the weighted saturation of volume ratios: 50.5", () => {
    expect(result.unusual_activity_score).toBe(50.5);
  });

  it("scores divergence as 50 x (flow - price): -6.15, aligned", () => {
    expect(result.divergence_score).toBe(-6.15);
    expect(result.bands.divergence_score?.band).toBe("aligned");
  });

  it("computes confidence from freshness-weighted coverage and agreement: 85.71", () => {
    expect(result.confidence.coverage).toBe(0.9575);
    expect(result.confidence.agreement).toBeCloseTo(0.7904, 4);
    expect(result.confidence.score).toBe(85.71);
    expect(result.confidence.excluded).toEqual([]);
  });

  it("reports each component's weight, age, freshness and source", () => {
    const sv = result.components.smart_money_index.find((c) => c.name === "short_volume");
    expect(sv).toMatchObject({
      weight: 0.1,
      effective_weight: 0.1,
      available: true,
      stale: false,
      age_ms: DAY_MS,
      freshness: 0.875,
      source: "finra_regsho",
      as_of: "2025-11-17T21:00:00.000Z",
      excluded_reason: null,
      value: 0.52,
    });
  });

  it("stamps the parameter version and as_of on the payload", () => {
    expect(result.params_version).toBe(ANALYTICS_PARAMS_VERSION);
    expect(result.as_of).toBe("2025-11-18T21:00:00.000Z");
  });
});

describe("missing and stale inputs (methodology example B)", () => {
  /** Only the dark pool is fresh; options are 5 days old; short volume has no trailing average. */
  function exampleB(): SmartMoneyInputs {
    const a = exampleA();
    return {
      symbol: "AAPL",
      darkPool: a.darkPool,
      options: { ...a.options!, asOf: before(5 * DAY_MS) },
      shortVolume: { ...a.shortVolume!, trailingAverageRatio: null },
    };
  }
  const result = computeIndicators(exampleB(), AS_OF);

  it("renormalizes the weights over what is available: SMI 75 from the dark pool alone", () => {
    expect(result.smart_money_index).toBe(75);
    expect(result.bands.smart_money_index?.band).toBe("strong_buying");
    const dp = result.components.smart_money_index.find((c) => c.name === "dark_pool");
    expect(dp?.effective_weight).toBe(1);
  });

  it("does not count a stale input as neutral (it would pull the SMI to 65.63)", () => {
    const withoutOptions = computeIndicators({ ...exampleB(), options: undefined }, AS_OF);
    expect(withoutOptions.smart_money_index).toBe(result.smart_money_index);
    const options = result.components.smart_money_index.find((c) => c.name === "options");
    expect(options).toMatchObject({
      available: false,
      stale: true,
      age_ms: 5 * DAY_MS,
      effective_weight: 0,
      excluded_reason: "stale",
    });
  });

  it("lowers confidence to the share of weight that was available: 25", () => {
    expect(result.confidence.score).toBe(25);
    expect(result.confidence.coverage).toBe(0.25);
    expect(result.confidence.excluded).toEqual([
      { name: "short_volume", reason: "no_baseline" },
      { name: "block_flow", reason: "missing" },
      { name: "options", reason: "stale" },
      { name: "institutional", reason: "missing" },
      { name: "insider", reason: "missing" },
    ]);
  });

  it("leaves scores with no fresh input empty rather than neutral", () => {
    expect(result.institutional_ownership).toBeNull();
    expect(result.institutional_momentum).toBeNull();
    expect(result.unusual_activity_score).toBeNull();
    expect(result.divergence_score).toBeNull();
    expect(result.bands.divergence_score).toBeNull();
    expect(result.accumulation_score).toBe(50);
    expect(result.bands.accumulation_score?.band).toBe("moderate_accumulation");
  });
});

describe("point in time and degenerate inputs", () => {
  it("never uses an input that describes a moment after as_of", () => {
    const a = exampleA();
    const inputs: SmartMoneyInputs = {
      symbol: "AAPL",
      darkPool: a.darkPool,
      blockFlow: { ...a.blockFlow!, asOf: new Date(AS_OF.getTime() + HOUR_MS) },
    };
    const result = computeIndicators(inputs, AS_OF);
    expect(result.smart_money_index).toBe(75);
    const block = result.components.smart_money_index.find((c) => c.name === "block_flow");
    expect(block?.excluded_reason).toBe("after_as_of");
    expect(block?.age_ms).toBe(-HOUR_MS);
  });

  it("gives no index and zero confidence when nothing is known", () => {
    const result = computeIndicators({ symbol: "ZZZZ" }, AS_OF);
    expect(result.smart_money_index).toBeNull();
    expect(result.accumulation_score).toBeNull();
    expect(result.confidence.score).toBe(0);
    expect(result.bands.smart_money_index).toBeNull();
    expect(result.dark_pool_ratio).toBeNull();
  });

  it("excludes a dark-pool sentiment read from mostly unclassified prints but still shows the ratio", () => {
    const a = exampleA();
    const result = computeIndicators(
      { symbol: "AAPL", darkPool: { ...a.darkPool!, unclassifiedValueShare: 0.85 } },
      AS_OF,
    );
    expect(result.smart_money_index).toBeNull();
    expect(result.dark_pool_sentiment).toBeNull();
    expect(result.dark_pool_ratio).toBe(0.35);
    expect(result.confidence.excluded).toContainEqual({ name: "dark_pool", reason: "mostly_unclassified" });
  });

  it("hides a stale dark-pool ratio rather than showing it as current", () => {
    const a = exampleA();
    const result = computeIndicators(
      { symbol: "AAPL", darkPool: { ...a.darkPool!, asOf: before(10 * DAY_MS) } },
      AS_OF,
    );
    expect(result.dark_pool_ratio).toBeNull();
    expect(result.bands.dark_pool_ratio).toBeNull();
  });

  it("flags a bullish divergence when smart money buys into a 5% drop: 68.85", () => {
    const a = exampleA();
    const result = computeIndicators({ ...a, priceChange: { ...a.priceChange!, priceChangePct: -5 } }, AS_OF);
    expect(result.divergence_score).toBe(68.85);
    expect(result.bands.divergence_score?.band).toBe("bullish_divergence");
  });

  it("adds the cluster-buy bonus to insider sentiment and clamps at +1", () => {
    const a = exampleA();
    const insider = { ...a.insider!, buyValueUsd: 3_000_000, sellValueUsd: 2_000_000, clusterBuys: 1 };
    // (3 - 0.5 x 2) / (3 + 0.5 x 2) = 0.5, + 0.25 for one cluster = 0.75
    const one = computeIndicators({ symbol: "AAPL", insider }, AS_OF);
    expect(normalizedOf(one.components.smart_money_index, "insider")).toBe(0.75);
    const three = computeIndicators({ symbol: "AAPL", insider: { ...insider, clusterBuys: 3 } }, AS_OF);
    expect(normalizedOf(three.components.smart_money_index, "insider")).toBe(1);
    expect(three.smart_money_index).toBe(100);
  });

  it("decays freshness linearly to one half at the maximum age", () => {
    const maxAgeMs = ANALYTICS_PARAMS.maxAgeMs.institutional;
    expect(freshnessOf({ asOf: AS_OF, source: "x" }, maxAgeMs, AS_OF).freshness).toBe(1);
    expect(freshnessOf({ asOf: before(maxAgeMs), source: "x" }, maxAgeMs, AS_OF)).toMatchObject({
      freshness: 0.5,
      stale: false,
    });
    expect(freshnessOf({ asOf: before(maxAgeMs + 1), source: "x" }, maxAgeMs, AS_OF)).toMatchObject({
      freshness: 0,
      stale: true,
    });
  });
});

describe("flow analysis (institutional vs insider)", () => {
  const flow = computeFlow(exampleA(), AS_OF);

  it("reports institutional buying against insider selling and overall accumulation", () => {
    expect(flow.institutional).toMatchObject({
      available: true,
      signal: 0.71,
      direction: "net_buying",
      net_change_percentage: 3.2,
      flow_direction: "strong_inflow",
      institutional_momentum: "strong_buying",
      new_positions: 30,
      sold_out_positions: 10,
    });
    expect(flow.insider).toMatchObject({
      available: true,
      signal: -0.5,
      direction: "net_selling",
      buy_value_usd: 1_000_000,
      sell_value_usd: 6_000_000,
      net_value_usd: -5_000_000,
    });
    expect(flow.accumulation_score).toBe(39.85);
    expect(flow.net_flow).toBe("net_buying");
    expect(flow.accumulation_band?.band).toBe("moderate_accumulation");
  });

  it("computes the flow's confidence over the accumulation weights: 82.01", () => {
    expect(flow.confidence.coverage).toBe(0.95);
    expect(flow.confidence.score).toBe(82.01);
  });

  it("marks a side without data unavailable instead of balanced", () => {
    const partial = computeFlow({ symbol: "AAPL", institutional: exampleA().institutional }, AS_OF);
    expect(partial.insider).toMatchObject({
      available: false,
      signal: null,
      direction: null,
      net_value_usd: null,
    });
  });
});
