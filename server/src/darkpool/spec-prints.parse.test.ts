import { describe, expect, it } from "vitest";
import { collectorOf, lineElement } from "../../../test/support/collect";
import type { RawPrint } from "./print";
import { parseSpecPrints } from "./spec-prints.parse";

const collect = collectorOf(lineElement);

/** The specification's Dark Pool Print example (original-spec.md, "Data Models"), as one NDJSON line. */
const SPEC_EXAMPLE = JSON.stringify(
  JSON.parse(`{
    "symbol": "AAPL",
    "timestamp": "2025-11-18T10:30:00",
    "price": 178.50,
    "size": 500000,
    "value": 89250000.0,
    "premium_discount": 0.5,
    "market_price": 178.00,
    "is_premium": true,
    "sentiment": "bullish"
}`),
);

async function* text(s: string): AsyncGenerator<string> {
  yield s;
}

describe("specification-shaped print NDJSON", () => {
  it("reads the specification's example as an off-exchange print at 10:30 UTC with its market price", async () => {
    const { records, errors } = await collect(
      parseSpecPrints(text(`${SPEC_EXAMPLE}\n`), { sourceName: "spec.ndjson" }),
    );
    expect(errors).toEqual([]);
    expect(records).toHaveLength(1);
    const p = records[0] as RawPrint;
    expect(p.ts.toISOString()).toBe("2025-11-18T10:30:00.000Z");
    expect(p).toMatchObject({
      symbol: "AAPL",
      price: 178.5,
      sizeShares: 500000,
      exchange: "D",
      isOffExchange: true,
      marketPrice: 178,
      tradeId: null,
      conditionScheme: "sip_letter",
      source: "spec_ndjson",
      sourceRef: "spec.ndjson:1",
    });
  });

  it("keeps an explicit exchange, id, conditions and zone", async () => {
    const line = JSON.stringify({
      symbol: "msft",
      timestamp: "2025-11-18T10:30:00.250-05:00",
      price: 400,
      size: 25000,
      id: 991,
      exchange: "N",
      conditions: ["@", "F"],
    });
    const { records } = await collect(parseSpecPrints(text(line), { sourceName: "s" }));
    expect(records[0]).toMatchObject({ symbol: "MSFT", exchange: "N", isOffExchange: false, tradeId: "991" });
    expect(records[0]?.conditions).toEqual(["@", "F"]);
    expect(records[0]?.ts.toISOString()).toBe("2025-11-18T15:30:00.250Z");
  });

  it("rejects wrong types, impossible sizes and inconsistent values with their line and field", async () => {
    const base = JSON.parse(SPEC_EXAMPLE) as Record<string, unknown>;
    const variant = (patch: Record<string, unknown>) => JSON.stringify({ ...base, ...patch });
    const file = [
      SPEC_EXAMPLE,
      variant({ size: "500000" }),
      variant({ size: -500000, value: -89250000 }),
      variant({ symbol: undefined }),
      variant({ timestamp: undefined }),
      variant({ value: 90000000 }),
      variant({ timestamp: "18/11/2025 10:30" }),
      '{"symbol":"AAPL","timestamp":"2025-11-18T10:30:00","price":NaN,"size":1}',
      variant({ market_price: "178" }),
      variant({ sentiment: "happy" }),
      '{"symbol":"AAPL","timestamp":"2025-11-',
      "",
      SPEC_EXAMPLE,
    ].join("\n");
    const { records, errors } = await collect(parseSpecPrints(text(file), { sourceName: "s" }));
    expect(records.map((r) => r.sourceRef)).toEqual(["s:1", "s:13"]);
    expect(errors).toEqual([
      '2 <size> size: "500000" is not a positive number',
      "3 <size> size: -500000 is not a positive number",
      "4 <symbol> symbol: missing is not a symbol",
      "5 <timestamp> timestamp: missing is not an ISO 8601 timestamp",
      "6 <value> value: 90000000 differs from price * size = 89250000 by more than 0.5%",
      '7 <timestamp> timestamp: "18/11/2025 10:30" is not an ISO 8601 timestamp',
      expect.stringMatching(/^8 <> not valid JSON/),
      '9 <market_price> market_price: "178" is not a number',
      '10 <sentiment> sentiment: "happy" is not bullish, bearish, neutral or unknown',
      expect.stringMatching(/^11 <> not valid JSON/),
    ]);
  });

  it("accepts a value within 0.5% of price times size (producer rounding)", async () => {
    const line = JSON.stringify({
      symbol: "X",
      timestamp: "2025-01-02T15:00:00Z",
      price: 10.005,
      size: 1000,
      value: 10000,
    });
    const { records, errors } = await collect(parseSpecPrints(text(line), { sourceName: "s" }));
    expect(errors).toEqual([]);
    expect(records).toHaveLength(1);
  });
});
