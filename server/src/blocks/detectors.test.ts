import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import type { EnrichedPrint } from "../darkpool/print";
import { blocksParams } from "./blocks.params";
import { type DetectorEvent, Detectors } from "./detectors";
import { type OptionPrint, parseOptionTradesCsv } from "./options.parse";

const T0 = Date.parse("2025-03-12T14:00:00.000Z"); // 10:00 ET (EDT)

function print(over: Partial<EnrichedPrint> & { tsMs?: number } = {}): EnrichedPrint {
  const { tsMs, ...rest } = over;
  const price = rest.price ?? 100;
  const size = rest.sizeShares ?? 100;
  return {
    symbol: "AAPL",
    ts: new Date(tsMs ?? T0),
    price,
    sizeShares: size,
    exchange: "D",
    isOffExchange: true,
    conditions: [],
    conditionScheme: "polygon",
    correction: 0,
    source: "test",
    sourceRef: "test:1",
    tradeKey: `k${Math.random()}`,
    valueUsd: price * size,
    blockEligible: true,
    exclusionReason: null,
    isIso: false,
    isLate: false,
    extendedHours: false,
    marketPrice: null,
    marketPriceSource: null,
    premiumDiscountPct: null,
    side: "unknown",
    sentiment: "unknown",
    ...rest,
  };
}

function collector(params = blocksParams()) {
  const events: DetectorEvent[] = [];
  const d = new Detectors((e) => events.push(e), params);
  return { d, events };
}

describe("equity blocks", () => {
  it("tracks a $1M print and marks a $12M off-exchange print alertable, once each", () => {
    const { d, events } = collector();
    d.onEquityPrint(print({ price: 100, sizeShares: 5_000 })); // $500K: nothing
    d.onEquityPrint(print({ price: 100, sizeShares: 15_000 })); // $1.5M: tracked
    d.onEquityPrint(print({ price: 200, sizeShares: 60_000, sentiment: "bullish" })); // $12M
    const blocks = events.filter((e) => e.kind === "block");
    expect(blocks).toHaveLength(2);
    expect(
      blocks.map((b) => (b.kind === "block" ? [b.block.value, b.alertable, b.block.trade_type] : null)),
    ).toEqual([
      [1_500_000, false, "block"],
      [12_000_000, true, "block"],
    ]);
  });

  it("classifies trade type from sale conditions: late, sweep (ISO), odd lot and other exclusions are never alerted", () => {
    const { d, events } = collector();
    d.onEquityPrint(print({ price: 1000, sizeShares: 20_000, isLate: true }));
    d.onEquityPrint(
      print({ price: 1000, sizeShares: 20_000, isIso: true, isOffExchange: false, exchange: "Q" }),
    );
    d.onEquityPrint(
      print({
        price: 500_000,
        sizeShares: 30,
        conditions: ["37"],
        blockEligible: false,
        exclusionReason: "odd_lot",
      }),
    );
    d.onEquityPrint(
      print({ price: 1000, sizeShares: 20_000, blockEligible: false, exclusionReason: "average_price" }),
    );
    const blocks = events.flatMap((e) => (e.kind === "block" ? [[e.block.trade_type, e.alertable]] : []));
    expect(blocks).toEqual([
      ["late", false],
      ["sweep", true],
      ["odd_lot_excluded", false],
      ["excluded", false],
    ]);
  });

  it("ignores cancelled and erroneous prints (correction >= 7)", () => {
    const { d, events } = collector();
    d.onEquityPrint(print({ price: 200, sizeShares: 60_000, correction: 8 }));
    expect(events).toEqual([]);
  });
});

describe("sweeps", () => {
  it("reports lit fills across 3 venues within the window as one sweep, after the window closes", () => {
    const { d, events } = collector();
    const base = { isOffExchange: false, price: 50, sizeShares: 10_000 };
    d.onEquityPrint(print({ ...base, exchange: "Q", tsMs: T0, isIso: true }));
    d.onEquityPrint(print({ ...base, exchange: "N", tsMs: T0 + 2, isIso: true, price: 50.01 }));
    d.onEquityPrint(print({ ...base, exchange: "Z", tsMs: T0 + 4, isIso: true, price: 50.02 }));
    expect(events.filter((e) => e.kind === "sweep")).toEqual([]);
    d.tick(T0 + 100);
    const sweeps = events.flatMap((e) => (e.kind === "sweep" ? [e.sweep] : []));
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]).toMatchObject({
      fills: 3,
      venues: ["N", "Q", "Z"],
      size: 30_000,
      firstPrice: 50,
      lastPrice: 50.02,
      iso: true,
    });
    expect(sweeps[0]!.valueUsd).toBeCloseTo(1_500_300, 6);
  });

  it("does not join fills further apart than the window, and ignores off-exchange prints", () => {
    const { d, events } = collector();
    const base = { isOffExchange: false, price: 50, sizeShares: 20_000 };
    d.onEquityPrint(print({ ...base, exchange: "Q", tsMs: T0 }));
    d.onEquityPrint(print({ ...base, exchange: "N", tsMs: T0 + 50 }));
    d.onEquityPrint(print({ ...base, exchange: "D", isOffExchange: true, tsMs: T0 + 51 }));
    d.flush();
    expect(events.filter((e) => e.kind === "sweep")).toEqual([]);
  });

  it("reports an ISO option sweep with its volume ratio against the contract's 30-day average", async () => {
    const { d, events } = collector();
    const contract = {
      contract: "AAPL251219C00200000",
      underlying: "AAPL",
      right: "call" as const,
      expiry: "2025-12-19",
      strikeUsd: 200,
    };
    d.setOptionBaseline(contract, { averageVolumeContracts: 100, openInterestContracts: 2_000 });
    const csv = [
      "ticker,conditions,correction,exchange,participant_timestamp,price,sip_timestamp,size",
      `O:AAPL251219C00200000,219,0,302,0,5.00,${T0}000000,300`,
      `O:AAPL251219C00200000,219,0,325,0,5.05,${T0 + 1}000000,300`,
    ].join("\n");
    for await (const r of parseOptionTradesCsv(
      (async function* () {
        yield csv;
      })(),
      "sweep.csv",
    )) {
      if (r.ok) d.onOptionPrint(r.record);
    }
    d.tick(T0 + 1000);
    const sweeps = events.flatMap((e) => (e.kind === "sweep" ? [e.sweep] : []));
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]).toMatchObject({
      symbol: "AAPL",
      contract: "AAPL251219C00200000",
      isOption: true,
      venues: ["302", "325"],
      size: 600,
      volumeRatio: 6,
      iso: true,
      right: "call",
    });
    expect(sweeps[0]!.valueUsd).toBeCloseTo(301_500, 6);
    const spikes = events.filter((e) => e.kind === "options_volume_spike");
    expect(spikes).toHaveLength(1);
  });

  it("does not treat the multi-leg print of the real OPRA sample as a sweep or directional flow", async () => {
    const { d, events } = collector(blocksParams({ optionSweepMinPremiumUsd: 0 }));
    const prints: OptionPrint[] = [];
    const file = new URL(
      "../../../test/fixtures/options/polygon_flatfile_us_options_opra_trades_v1_sample_SPY230327P00390000.tsv",
      import.meta.url,
    );
    for await (const r of parseOptionTradesCsv(createReadStream(file), "sample.tsv"))
      if (r.ok) prints.push(r.record);
    for (const p of prints) d.onOptionPrint(p);
    d.flush();
    // Sample fills are seconds apart and none is ISO: no sweep even with no premium floor.
    expect(events.filter((e) => e.kind === "sweep")).toEqual([]);
  });
});

describe("volume spikes", () => {
  function baseline(avgPerBucket: number) {
    return { bucketAverageShares: new Float64Array(288).fill(avgPerBucket), historyDays: 20 };
  }

  it("fires once when a 5-minute bucket exceeds 2x its same-time-of-day average, and once for the day so far", () => {
    const { d, events } = collector();
    d.setEquityBaseline("AAPL", baseline(40_000));
    // 10:00-10:05 ET: 100k shares vs 40k average = 2.5x.
    for (let i = 0; i < 10; i++)
      d.onEquityPrint(print({ sizeShares: 10_000, price: 10, tsMs: T0 + i * 1000 }));
    const spikes = events.flatMap((e) => (e.kind === "equity_volume_spike" ? [e.spike] : []));
    expect(spikes.map((s) => s.scope)).toEqual(["intraday"]);
    expect(spikes[0]).toMatchObject({
      volume: 90_000,
      average_volume: 40_000,
      bucketStart: "2025-03-12T14:00:00.000Z",
      day: "2025-03-12",
    });
    expect(spikes[0]!.volume_ratio).toBeCloseTo(2.25, 6);
  });

  it("fires the day-to-date spike against the cumulative same-time-of-day average", () => {
    const { d, events } = collector();
    const avg = new Float64Array(288).fill(0);
    avg[120] = 1_000_000; // 10:00 ET bucket carries the whole average day
    d.setEquityBaseline("AAPL", { bucketAverageShares: avg, historyDays: 20 });
    d.onEquityPrint(print({ sizeShares: 2_500_000, price: 1, tsMs: T0 }));
    const spikes = events.flatMap((e) => (e.kind === "equity_volume_spike" ? [e.spike] : []));
    expect(spikes.map((s) => [s.scope, s.volume_ratio])).toEqual([
      ["intraday", 2.5],
      ["daily", 2.5],
    ]);
  });

  it("stays silent without enough history", () => {
    const { d, events } = collector();
    d.setEquityBaseline("AAPL", { bucketAverageShares: new Float64Array(288).fill(1), historyDays: 2 });
    d.onEquityPrint(print({ sizeShares: 1_000_000, price: 1 }));
    expect(events.filter((e) => e.kind === "equity_volume_spike")).toEqual([]);
  });
});

describe("divergence", () => {
  it("reports no divergence for one large print alone", () => {
    const { d, events } = collector();
    d.onEquityPrint(print({ price: 200, sizeShares: 60_000, sentiment: "bullish" }));
    d.flush();
    expect(events.filter((e) => e.kind === "price_flow_divergence")).toEqual([]);
  });

  it("reports bullish divergence when off-exchange buying meets a falling price in one window", () => {
    const { d, events } = collector();
    const w = 30 * 60_000;
    const start = T0 - (T0 % w);
    d.onEquityPrint(
      print({ isOffExchange: false, exchange: "Q", price: 100, sizeShares: 100, tsMs: start + 1000 }),
    );
    for (let i = 0; i < 10; i++)
      d.onEquityPrint(print({ price: 99, sizeShares: 5_000, sentiment: "bullish", tsMs: start + 2000 + i }));
    d.onEquityPrint(
      print({ isOffExchange: false, exchange: "Q", price: 98, sizeShares: 100, tsMs: start + 60_000 }),
    );
    d.tick(start + w);
    const div = events.flatMap((e) => (e.kind === "price_flow_divergence" ? [e.divergence] : []));
    expect(div).toHaveLength(1);
    expect(div[0]).toMatchObject({
      divergence_type: "bullish_divergence",
      is_divergent: true,
      parts: { dark_pool: 1, blocks: null, options: null },
    });
    expect(div[0]!.price_change_pct).toBeCloseTo(-2, 6);
    expect(div[0]!.divergence_score).toBe(100);
  });
});

describe("time of day", () => {
  it("uses New York time with daylight saving: 10:00 ET is 15:00Z in January and 14:00Z in July", () => {
    const avg = new Float64Array(288).fill(0);
    avg[120] = 1_000_000; // the 10:00 ET bucket
    const cases = [
      { ts: "2025-01-15T15:00:00.000Z", midnight: "2025-01-15T05:00:00.000Z" },
      { ts: "2025-07-15T14:00:00.000Z", midnight: "2025-07-15T04:00:00.000Z" },
    ];
    for (const { ts, midnight } of cases) {
      const { d, events } = collector();
      d.setEquityBaseline("AAPL", { bucketAverageShares: avg, historyDays: 20 });
      d.onEquityPrint(print({ sizeShares: 2_500_000, price: 1, tsMs: Date.parse(ts) }));
      const spikes = events.flatMap((e) => (e.kind === "equity_volume_spike" ? [e.spike] : []));
      expect(spikes.map((x) => [x.scope, x.bucketStart])).toEqual([
        ["intraday", ts],
        ["daily", midnight],
      ]);
    }
  });
});
