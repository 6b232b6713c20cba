import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { blocksParams } from "./blocks.params";
import { optionsPositioning, priceFlowDivergence, unusualOption, volumeSpike } from "./blocks.signals";
import { type OptionPrint, optionSentiment, optionSide, parseOptionTradesCsv } from "./options.parse";

const params = blocksParams();

async function samplePrints(): Promise<OptionPrint[]> {
  const file = new URL(
    "../../../test/fixtures/options/polygon_flatfile_us_options_opra_trades_v1_sample_SPY230327P00390000.tsv",
    import.meta.url,
  );
  const out: OptionPrint[] = [];
  for await (const r of parseOptionTradesCsv(createReadStream(file), "sample.tsv"))
    if (r.ok) out.push(r.record);
  return out;
}

describe("options positioning", () => {
  it("sums the real SPY put sample: single-leg put premium and volume, the multi-leg print apart, sentiment unknown without sides", async () => {
    const prints = await samplePrints();
    const pos = optionsPositioning("SPY", prints);
    // 9 single-leg prints (29 contracts); the 232 (multi-leg) print of 1 contract, $1,182, is reported apart.
    const expectedPut = prints
      .filter((p) => !p.isMultiLeg)
      .reduce((s, p) => s + p.price * p.sizeContracts * 100, 0);
    expect(pos.put_premium).toBeCloseTo(expectedPut, 6);
    expect(pos.put_premium).toBeCloseTo(29_531, 6);
    expect(pos.multi_leg_premium).toBeCloseTo(1_182, 6);
    expect(pos).toMatchObject({
      call_premium: 0,
      call_volume: 0,
      put_volume: 29,
      multi_leg_volume: 1,
      call_put_ratio: 0,
      call_put_premium_ratio: 0,
      bullish_premium: 0,
      bearish_premium: 0,
      classified_prints: 0,
      net_sentiment_score: null,
      // Without quotes a put premium may be bought or sold: no direction is claimed.
      sentiment: "unknown",
      sentiment_basis: "none",
      unclassified_premium_share: 1,
    });
    expect(pos.top_contracts).toHaveLength(1);
    expect(pos.top_contracts[0]).toMatchObject({ contract: "SPY230327P00390000", volumeContracts: 30 });
  });

  it("uses the NBBO side when quotes are known: puts sold at the bid are bullish", async () => {
    const prints = (await samplePrints()).map((p) => {
      const side = optionSide(p.price, p.price, p.price + 0.1);
      return { ...p, bid: p.price, ask: p.price + 0.1, side, sentiment: optionSentiment(p.right, side) };
    });
    const pos = optionsPositioning("SPY", prints);
    expect(pos.sentiment_basis).toBe("nbbo_side");
    expect(pos.sentiment).toBe("bullish");
    expect(pos.net_sentiment_score).toBe(1);
    expect(pos.bullish_premium).toBeCloseTo(29_531, 6);
    expect(pos.classified_prints).toBe(9);
  });

  it("leaves cancelled prints out entirely", async () => {
    const prints = (await samplePrints()).map((p) => ({ ...p, isCancel: true }));
    expect(optionsPositioning("SPY", prints)).toMatchObject({
      put_volume: 0,
      put_premium: 0,
      top_contracts: [],
    });
  });
});

describe("volume spike", () => {
  it("is a spike above 2x the trailing mean with enough history, and never with too little", () => {
    expect(volumeSpike(250, [100, 100, 100, 100, 100], params)).toMatchObject({
      volume_ratio: 2.5,
      is_spike: true,
    });
    expect(volumeSpike(200, [100, 100, 100, 100, 100], params).is_spike).toBe(false);
    expect(volumeSpike(900, [100, 100], params)).toMatchObject({
      volume_ratio: 9,
      is_spike: false,
      history_days: 2,
    });
    expect(volumeSpike(900, [], params)).toMatchObject({ volume_ratio: 0, is_spike: false });
  });
});

describe("unusual options", () => {
  it("is unusual above 3x the 30-day average, or above open interest when no history exists", () => {
    const base = { contract: "SPY230327P00390000", premiumUsd: 1 };
    expect(
      unusualOption(
        { ...base, volumeContracts: 3_100, averageVolumeContracts: 1_000, openInterestContracts: 50_000 },
        params,
      ),
    ).toMatchObject({
      is_unusual: true,
      reason: "volume_vs_average",
      volume_ratio: 3.1,
      volume_oi_ratio: 0.062,
    });
    expect(
      unusualOption(
        { ...base, volumeContracts: 2_900, averageVolumeContracts: 1_000, openInterestContracts: 100 },
        params,
      ).is_unusual,
    ).toBe(false);
    expect(
      unusualOption(
        { ...base, volumeContracts: 900, averageVolumeContracts: null, openInterestContracts: 600 },
        params,
      ),
    ).toMatchObject({ is_unusual: true, reason: "volume_vs_open_interest", volume_oi_ratio: 1.5 });
    expect(
      unusualOption(
        { ...base, volumeContracts: 400, averageVolumeContracts: 10, openInterestContracts: null },
        params,
      ).is_unusual,
    ).toBe(false);
  });
});

describe("price/flow divergence", () => {
  const window = { symbol: "AAPL", windowStart: "a", windowEnd: "b", pricePrints: 50 };
  const zero = {
    darkPoolBullishUsd: 0,
    darkPoolBearishUsd: 0,
    blockBullishUsd: 0,
    blockBearishUsd: 0,
    optionsBullishPremiumUsd: 0,
    optionsBearishPremiumUsd: 0,
  };

  it("weights the parts that have data and explains the score", () => {
    const r = priceFlowDivergence(
      {
        ...window,
        ...zero,
        priceChangePct: -1,
        darkPoolBullishUsd: 3_000_000,
        darkPoolBearishUsd: 1_000_000,
        optionsBullishPremiumUsd: 200_000,
        optionsBearishPremiumUsd: 0,
      },
      params,
    );
    // dark pool (3-1)/4 = 0.5, options 1, blocks none: (0.4*0.5 + 0.3*1) / 0.7 = 0.714...
    expect(r.parts).toEqual({ dark_pool: 0.5, blocks: null, options: 1 });
    expect(r.net_flow_score).toBeCloseTo(0.5 / 0.7, 9);
    expect(r.price_score).toBe(-0.5);
    expect(r.divergence_type).toBe("bullish_divergence");
    expect(r.divergence_score).toBeCloseTo(Math.round(50 * (0.5 / 0.7 + 0.5) * 10) / 10, 9);
    expect(r.is_divergent).toBe(true);
    expect(r.params_version).toBe(params.version);
  });

  it("finds no divergence when flow and price agree, when flow is weak, or without price", () => {
    const bullish = { ...window, ...zero, darkPoolBullishUsd: 1 };
    expect(priceFlowDivergence({ ...bullish, priceChangePct: 1.5 }, params).divergence_type).toBe("none");
    expect(
      priceFlowDivergence(
        { ...window, ...zero, darkPoolBullishUsd: 11, darkPoolBearishUsd: 10, priceChangePct: -2 },
        params,
      ).divergence_type,
    ).toBe("none");
    expect(priceFlowDivergence({ ...bullish, priceChangePct: null }, params).divergence_score).toBe(0);
  });

  it("sees no price trend in a window with too few prints (one big print alone is not a divergence)", () => {
    const r = priceFlowDivergence(
      {
        ...window,
        ...zero,
        pricePrints: 1,
        darkPoolBullishUsd: 12_000_000,
        blockBullishUsd: 12_000_000,
        priceChangePct: 0,
      },
      params,
    );
    expect(r).toMatchObject({ price_change_pct: null, divergence_type: "none", is_divergent: false });
  });

  it("counts strong selling into a flat price as bearish divergence (distribution)", () => {
    const r = priceFlowDivergence(
      { ...window, ...zero, blockBearishUsd: 50_000_000, priceChangePct: 0.1 },
      params,
    );
    expect(r.divergence_type).toBe("bearish_divergence");
    expect(r.divergence_score).toBeCloseTo(52.5, 9);
  });
});
