/**
 * The worked examples of docs/methodology.md ("Smart-money indices"), computed by hand there and
 * asserted here. If a number changes, both the methodology and ANALYTICS_PARAMS_VERSION must change.
 */
import { describe, expect, it } from "vitest";
import type { InsiderTally } from "../institutional/insider.signal";
import { ANALYTICS_PARAMS, ANALYTICS_PARAMS_VERSION } from "./analytics.params";
import { freshnessOf } from "./analytics.scores";
import { computeFlow, computeIndicators } from "./analytics.signals";
import type { SmartMoneyInputs } from "./analytics.types";

const AS_OF = new Date("2025-11-18T21:00:00Z");

/** An insider tally (institutional/insider.signal.ts) with the given parts, the rest zero. */
function insiderTallyOf(parts: Partial<InsiderTally>): InsiderTally {
  return {
    transactions: 5,
    buy_count: 1,
    sell_count: 4,
    planned_sell_count: 0,
    buy_value_usd: 1_000_000,
    sell_value_usd: 6_000_000,
    buy_holding_share: 0,
    sell_holding_share: 0,
    weighted_sell_holding_share: 0,
    unsized_transactions: 0,
    cluster_buys: 0,
    ...parts,
  };
}
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
      observations: 400,
      offExchangeVolumeShares: 14_000_000,
      totalVolumeShares: 40_000_000,
      volumeBySentiment: { bullish: 6_000_000, bearish: 3_000_000, neutral: 3_000_000, unknown: 2_000_000 },
      nonBlockVolumeBySentiment: {
        bullish: 5_000_000,
        bearish: 2_500_000,
        neutral: 2_500_000,
        unknown: 1_500_000,
      },
    },
    shortVolume: {
      asOf: before(DAY_MS),
      source: "finra_regsho",
      observations: 20,
      shortVolumeRatio: 0.52,
      trailingAverageRatio: 0.47,
    },
    blockFlow: {
      asOf: AS_OF,
      source: "prints",
      observations: 12,
      bullishValueUsd: 30_000_000,
      bearishValueUsd: 10_000_000,
      totalValueUsd: 50_000_000,
      blockCount: 12,
    },
    options: {
      asOf: AS_OF,
      source: "option_prints",
      observations: 32,
      callPremiumUsd: 6_000_000,
      putPremiumUsd: 4_000_000,
      bullishPremiumUsd: 3_000_000,
      bearishPremiumUsd: 2_000_000,
      unclassifiedPremiumShare: 0.5,
    },
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
      observations: 5,
      tally: insiderTallyOf({ buy_holding_share: 0.05, weighted_sell_holding_share: 0.3 }),
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
    expect(normalizedOf(c, "insider")).toBe(-0.5);
    expect(normalizedOf(c, "institutional")).toBe(0.71);
    expect(normalizedOf(c, "insider")).toBe(-0.5);
  });

  it("is 50 + 50 x the weighted signal: 68.85, moderate bullish at high confidence", () => {
    expect(result.smart_money_index).toBe(68.85);
    expect(result.bands.smart_money_index).toEqual({
      band: "moderate_bullish",
      label: "Moderate bullish sentiment, high confidence",
      confidence: "high",
    });
  });

  it("reads the dark pool over non-block prints only and shows the all-prints sentiment beside it", () => {
    const dp = result.components.smart_money_index.find((c) => c.name === "dark_pool");
    // (5 - 2.5) / (5 + 2.5 + 2.5) = 0.25 over classified non-block volume; / 0.5 = 0.5.
    expect(dp?.value).toBe(0.25);
    expect(dp?.parts.all_prints_net_sentiment).toBe(0.25);
    expect(dp?.parts.non_block_classified_share).toBeCloseTo(10 / 11.5, 12);
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

  it("scores divergence on like horizons, the one-day flows against the one-day price: -4.64, aligned", () => {
    // (0.25x0.5 + 0.1x0.5 + 0.2x0.4 + 0.15x0.2) / 0.7 = 0.285 / 0.7 = 0.4071; 50 x (0.4071 - 0.5) = -4.64.
    expect(result.divergence_score).toBe(-4.64);
    expect(result.bands.divergence_score?.band).toBe("aligned");
    const [flowSide, priceSide] = result.components.divergence_score;
    expect(flowSide).toMatchObject({ name: "smart_money_flow", horizon_days: 1, value: 70.36 });
    expect(flowSide?.parts).toMatchObject({ horizon_days: 1, components_used: 4, smart_money_index: 68.85 });
    expect(priceSide).toMatchObject({ name: "price_change", horizon_days: 1 });
    const horizons = Object.fromEntries(
      result.components.smart_money_index.map((c) => [c.name, c.horizon_days]),
    );
    expect(horizons).toMatchObject({ institutional: 91, insider: 90, dark_pool: 1 });
  });

  it("computes confidence from coverage, sample size and agreement: 83.03, high", () => {
    expect(result.confidence.coverage).toBe(0.9575);
    // Options rest on 32 classified prints of the 50 that make a full sample: sqrt(32/50) = 0.8.
    const options = result.components.smart_money_index.find((c) => c.name === "options");
    expect(options).toMatchObject({ observations: 32, sample_factor: 0.8 });
    // (0.9575 - 0.15 x 0.2) / 0.9575 = 0.9275 / 0.9575.
    expect(result.confidence.sample_size).toBeCloseTo(0.9687, 4);
    expect(result.confidence.agreement).toBeCloseTo(0.7904, 4);
    expect(result.confidence.score).toBe(83.03);
    expect(result.confidence.level).toBe("high");
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

  it("renormalizes the weights over what is available: SMI 75 from the dark pool alone, low confidence", () => {
    expect(result.smart_money_index).toBe(75);
    expect(result.bands.smart_money_index?.band).toBe("strong_buying");
    expect(result.bands.smart_money_index?.label).toBe("Strong institutional buying, low confidence");
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
      {
        symbol: "AAPL",
        darkPool: {
          ...a.darkPool!,
          volumeBySentiment: { bullish: 1, bearish: 0.5, neutral: 0, unknown: 8.5 },
          nonBlockVolumeBySentiment: { bullish: 1, bearish: 0.5, neutral: 0, unknown: 8.5 },
        },
      },
      AS_OF,
    );
    expect(result.smart_money_index).toBeNull();
    expect(result.dark_pool_sentiment).toBeNull();
    expect(result.dark_pool_ratio).toBe(0.35);
    expect(result.confidence.excluded).toContainEqual({ name: "dark_pool", reason: "mostly_unclassified" });
  });

  it("never reads put premium as bearish without a side: options without NBBO sides are left out", () => {
    const a = exampleA();
    const result = computeIndicators(
      {
        symbol: "SPY",
        options: {
          ...a.options!,
          observations: 0,
          callPremiumUsd: 0,
          putPremiumUsd: 29_531,
          bullishPremiumUsd: 0,
          bearishPremiumUsd: 0,
          unclassifiedPremiumShare: 1,
        },
      },
      AS_OF,
    );
    expect(result.smart_money_index).toBeNull();
    expect(result.confidence.excluded).toContainEqual({ name: "options", reason: "mostly_unclassified" });
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

  it("flags a bullish divergence when the day's flows buy into a 5% drop: 70.36", () => {
    const a = exampleA();
    const result = computeIndicators({ ...a, priceChange: { ...a.priceChange!, priceChangePct: -5 } }, AS_OF);
    expect(result.divergence_score).toBe(70.36);
    expect(result.bands.divergence_score?.band).toBe("bullish_divergence");
  });

  it("adds the cluster-buy bonus to insider sentiment and clamps at +1", () => {
    const a = exampleA();
    const tally = insiderTallyOf({
      buy_holding_share: 0.35,
      weighted_sell_holding_share: 0.1,
      cluster_buys: 1,
    });
    // (0.35 - 0.1) / 0.5 = 0.5, + 0.25 for one cluster = 0.75
    const one = computeIndicators({ symbol: "AAPL", insider: { ...a.insider!, tally } }, AS_OF);
    expect(normalizedOf(one.components.smart_money_index, "insider")).toBe(0.75);
    const three = computeIndicators(
      { symbol: "AAPL", insider: { ...a.insider!, tally: { ...tally, cluster_buys: 3 } } },
      AS_OF,
    );
    expect(normalizedOf(three.components.smart_money_index, "insider")).toBe(1);
    expect(three.smart_money_index).toBe(100);
  });

  it("does not call one print 'strong buying, high confidence': SMI 100 at confidence 6.32, low", () => {
    // One $2M bullish block and nothing else: block_flow is +1, the dark pool has no non-block print.
    const result = computeIndicators(
      {
        symbol: "ONE",
        darkPool: {
          asOf: AS_OF,
          source: "prints",
          observations: 0,
          offExchangeVolumeShares: 20_000,
          totalVolumeShares: null,
          volumeBySentiment: { bullish: 20_000, bearish: 0, neutral: 0, unknown: 0 },
          nonBlockVolumeBySentiment: { bullish: 0, bearish: 0, neutral: 0, unknown: 0 },
        },
        blockFlow: {
          asOf: AS_OF,
          source: "prints",
          observations: 1,
          bullishValueUsd: 2_000_000,
          bearishValueUsd: 0,
          totalValueUsd: 2_000_000,
          blockCount: 1,
        },
      },
      AS_OF,
    );
    expect(result.smart_money_index).toBe(100);
    // The block is not counted again as dark-pool flow.
    expect(result.confidence.excluded).toContainEqual({ name: "dark_pool", reason: "missing" });
    // 100 x coverage 0.2 x sample sqrt(1/10) x agreement term 1.
    expect(result.confidence.score).toBe(6.32);
    expect(result.confidence.level).toBe("low");
    expect(result.bands.smart_money_index?.label).toBe("Strong institutional buying, low confidence");
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
      net_holding_share: -0.25,
    });
    expect(flow.dark_pool.net_sentiment).toBe(0.25);
    expect(flow.accumulation_score).toBe(39.85);
    expect(flow.net_flow).toBe("net_buying");
    expect(flow.accumulation_band?.band).toBe("moderate_accumulation");
  });

  it("computes the flow's confidence over the accumulation weights: 82.01", () => {
    expect(flow.confidence.coverage).toBe(0.95);
    expect(flow.confidence.sample_size).toBe(1);
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
