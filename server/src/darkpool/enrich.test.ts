import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { PrintEnricher, sideAgainst, tradeKeyOf } from "./enrich";
import { parsePolygonTrades } from "./polygon-trades.parse";
import type { EnrichedPrint, RawPrint } from "./print";

const T0 = Date.parse("2025-11-18T15:30:00Z");

function print(patch: Partial<RawPrint> = {}): RawPrint {
  return {
    symbol: "AAPL",
    ts: new Date(T0),
    price: 100,
    sizeShares: 10_000,
    exchange: "D",
    exchangeId: 4,
    trfId: 202,
    isOffExchange: true,
    tape: "C",
    conditions: [],
    conditionScheme: "polygon",
    correction: 0,
    tradeId: "42",
    source: "polygon_flatfile",
    sourceRef: "f.csv:2",
    ...patch,
  };
}

const quote = (bid: number, ask: number, atMs = T0 - 1_000) => ({
  symbol: "AAPL",
  ts: new Date(atMs),
  bid,
  ask,
});

describe("PrintEnricher", () => {
  it("prices a dark print against the NBBO midpoint and places it against the quote", () => {
    const e = new PrintEnricher({ lastLitWindowMs: 60_000 });
    e.onQuote(quote(99.9, 100.1));
    const above = e.enrich(print({ price: 100.2 }));
    expect(above).toMatchObject({
      marketPrice: 100,
      marketPriceSource: "nbbo_mid",
      side: "above_ask",
      sentiment: "bullish",
    });
    expect(above.premiumDiscountPct).toBeCloseTo(0.2, 10);
    expect(above.bid).toBe(99.9);
    expect(above.ask).toBe(100.1);
    expect(e.enrich(print({ price: 100.1 }))).toMatchObject({ side: "at_ask", sentiment: "bullish" });
    expect(e.enrich(print({ price: 100.0 }))).toMatchObject({ side: "mid", sentiment: "neutral" });
    expect(e.enrich(print({ price: 99.9 }))).toMatchObject({ side: "at_bid", sentiment: "bearish" });
    expect(e.enrich(print({ price: 99.5 }))).toMatchObject({ side: "below_bid", sentiment: "bearish" });
    expect(e.enrich(print({ price: 99.5 })).premiumDiscountPct).toBeCloseTo(-0.5, 10);
  });

  it("prefers the print's own bid/ask over the last quote", () => {
    const e = new PrintEnricher({ lastLitWindowMs: 60_000 });
    e.onQuote(quote(50, 51));
    const p = e.enrich(print({ price: 100, bid: 99, ask: 101 }));
    expect(p).toMatchObject({ marketPrice: 100, side: "mid", bid: 99, ask: 101 });
  });

  it("ignores a quote older than the window and falls back to the last lit print", () => {
    const e = new PrintEnricher({ lastLitWindowMs: 5_000 });
    e.onQuote(quote(99, 101, T0 - 10_000));
    const lit = e.enrich(
      print({
        isOffExchange: false,
        exchange: "Q",
        exchangeId: 12,
        trfId: null,
        price: 100,
        ts: new Date(T0 - 2_000),
      }),
    );
    expect(lit.marketPriceSource).toBeNull();
    const dark = e.enrich(print({ price: 101 }));
    expect(dark).toMatchObject({
      marketPrice: 100,
      marketPriceSource: "last_lit",
      side: "unknown",
      sentiment: "bullish",
    });
    expect(dark.premiumDiscountPct).toBeCloseTo(1, 10);
  });

  it("does not take its market price from excluded lit prints (odd lots) or from lit prints outside the window", () => {
    const e = new PrintEnricher({ lastLitWindowMs: 5_000 });
    e.enrich(
      print({ isOffExchange: false, exchange: "Q", price: 90, conditions: ["37"], ts: new Date(T0 - 1_000) }),
    );
    expect(e.enrich(print()).marketPrice).toBeNull();
    e.enrich(print({ isOffExchange: false, exchange: "Q", price: 95, ts: new Date(T0 - 6_000) }));
    expect(e.enrich(print()).marketPrice).toBeNull();
  });

  it("uses the provided market price last, and reports unknown when there is none", () => {
    const e = new PrintEnricher({ lastLitWindowMs: 5_000 });
    const provided = e.enrich(
      print({ price: 178.5, marketPrice: 178, source: "spec_ndjson", tradeId: null }),
    );
    expect(provided).toMatchObject({ marketPriceSource: "provided", sentiment: "bullish", side: "unknown" });
    expect(provided.premiumDiscountPct).toBeCloseTo((0.5 / 178) * 100, 10);
    const none = e.enrich(print({ symbol: "ZZZ" }));
    expect(none).toMatchObject({
      marketPrice: null,
      premiumDiscountPct: null,
      side: "unknown",
      sentiment: "unknown",
    });
  });

  it("treats a premium within a cent (or midToleranceBps) as neutral", () => {
    const e = new PrintEnricher({ lastLitWindowMs: 5_000, midToleranceBps: 10 });
    // 10 bps of 100 = 0.10 > 1 cent: +0.05 is neutral, +0.15 bullish.
    expect(e.enrich(print({ price: 100.05, marketPrice: 100 })).sentiment).toBe("neutral");
    expect(e.enrich(print({ price: 100.15, marketPrice: 100 })).sentiment).toBe("bullish");
    expect(e.enrich(print({ price: 99.85, marketPrice: 100 })).sentiment).toBe("bearish");
    const cent = new PrintEnricher({ lastLitWindowMs: 5_000 });
    expect(cent.enrich(print({ price: 100.01, marketPrice: 100 })).sentiment).toBe("neutral");
    expect(cent.enrich(print({ price: 100.02, marketPrice: 100 })).sentiment).toBe("bullish");
  });

  it("carries the condition class and the dollar value", () => {
    const e = new PrintEnricher({ lastLitWindowMs: 5_000 });
    const p = e.enrich(print({ conditions: ["14"], price: 12.5, sizeShares: 8_000 }));
    expect(p).toMatchObject({ valueUsd: 100_000, blockEligible: true, isIso: true, exclusionReason: null });
    const cancelled = e.enrich(print({ correction: 8 }));
    expect(cancelled).toMatchObject({ blockEligible: false, exclusionReason: "correction_or_cancel" });
  });

  it("enriches the vendor's MSFT sample: the round-lot pre-market print prices the odd lots after it", async () => {
    const e = new PrintEnricher({ lastLitWindowMs: 60_000 });
    const out: EnrichedPrint[] = [];
    const file = "polygon_flatfile_us_stocks_sip_trades_v1_sample_MSFT_2023-03-28.tsv";
    const stream = createReadStream(new URL(`../../../test/fixtures/trades/${file}`, import.meta.url));
    for await (const p of parsePolygonTrades(stream, { sourceName: file }))
      if (p.ok) out.push(e.enrich(p.record));
    expect(out.map((p) => p.blockEligible)).toEqual([
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(out.every((p) => p.extendedHours)).toBe(true); // condition 12, Form T at 04:00 ET
    expect(out[0]).toMatchObject({ marketPrice: null, sentiment: "unknown" });
    expect(out[2]).toMatchObject({
      marketPrice: 276.75,
      marketPriceSource: "last_lit",
      sentiment: "neutral",
    });
    expect(out[9]).toMatchObject({ marketPrice: 276.75, sentiment: "bearish" });
    expect(out[9]?.tradeKey).toBe("polygon|MSFT|2023-03-28|K||9");
    expect(new Set(out.map((p) => p.tradeKey)).size).toBe(10);
  });
});

describe("trade keys", () => {
  it("build the natural key from vendor, symbol, New York date, venue, TRF and trade id", () => {
    expect(tradeKeyOf(print())).toBe("polygon|AAPL|2025-11-18|D|202|42");
    // 01:30 UTC on Nov 19 is still Nov 18 in New York (EST, UTC-5).
    expect(tradeKeyOf(print({ ts: new Date("2025-11-19T01:30:00Z") }))).toBe(
      "polygon|AAPL|2025-11-18|D|202|42",
    );
    expect(tradeKeyOf(print({ source: "polygon_ws" }))).toBe(tradeKeyOf(print()));
  });

  it("hash the print's content when there is no trade id, so a reloaded file gives the same keys", () => {
    const a = tradeKeyOf(print({ tradeId: null, source: "spec_ndjson" }));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(tradeKeyOf(print({ tradeId: null, source: "spec_ndjson" }))).toBe(a);
    expect(tradeKeyOf(print({ tradeId: null, source: "spec_ndjson", sizeShares: 10_001 }))).not.toBe(a);
  });
});

describe("side against the NBBO", () => {
  it("on a one-cent spread picks the nearer side and calls the exact midpoint mid", () => {
    expect(sideAgainst(100.01, 100, 100.01, 0.01)).toBe("at_ask");
    expect(sideAgainst(100, 100, 100.01, 0.01)).toBe("at_bid");
    expect(sideAgainst(100.005, 100, 100.01, 0.01)).toBe("mid");
    expect(sideAgainst(100.03, 100, 100.01, 0.01)).toBe("above_ask");
  });
});
