import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { collectorOf, located } from "../../../test/support/collect";
import {
  type OpenInterestRow,
  type OptionPrint,
  optionConditionFlags,
  optionSentiment,
  optionSide,
  parseOpenInterestCsv,
  parseOptionTradesCsv,
} from "./options.parse";

const collect = collectorOf(located);

const SAMPLE = "polygon_flatfile_us_options_opra_trades_v1_sample_SPY230327P00390000.tsv";
const fixture = (name: string) => new URL(`../../../test/fixtures/options/${name}`, import.meta.url);

async function* fromText(text: string) {
  yield text;
}

describe("Polygon options trades flat file", () => {
  it("parses the vendor's tab-separated OPRA sample into ten SPY 390 put prints with premium = price x size x 100", async () => {
    const { records: ok, errors } = await collect<OptionPrint>(
      parseOptionTradesCsv(createReadStream(fixture(SAMPLE)), SAMPLE),
    );
    expect(errors).toEqual([]);
    expect(ok).toHaveLength(10);
    const first = ok[0]!;
    expect(first).toMatchObject({
      contract: "SPY230327P00390000",
      underlying: "SPY",
      right: "put",
      strikeUsd: 390,
      expiry: "2023-03-27",
      price: 11.82,
      sizeContracts: 1,
      exchangeId: 312,
      exchange: "M",
      conditions: ["232"],
      isMultiLeg: true,
      isIso: false,
      isCancel: false,
      sourceRef: `${SAMPLE}:2`,
    });
    expect(first.premiumUsd).toBeCloseTo(1182, 6);
    expect(first.ts.toISOString()).toBe("2023-03-13T13:53:40.948Z");
    expect(ok[1]!.premiumUsd).toBeCloseTo(11.07 * 15 * 100, 6);
    expect(ok.filter((p) => p.isMultiLeg)).toHaveLength(1);
    expect(ok.reduce((s, p) => s + p.sizeContracts, 0)).toBe(30);
  });

  it("keeps two identical trades in the sample apart with distinct trade keys", async () => {
    const { records: ok } = await collect<OptionPrint>(
      parseOptionTradesCsv(createReadStream(fixture(SAMPLE)), SAMPLE),
    );
    const keys = new Set(ok.map((p) => p.tradeKey));
    expect(keys.size).toBe(10);
    expect(ok[5]!.tradeKey).not.toBe(ok[6]!.tradeKey);
    // A second read gives the same keys: re-ingesting stores nothing new.
    const again = await collect<OptionPrint>(parseOptionTradesCsv(createReadStream(fixture(SAMPLE)), SAMPLE));
    expect(again.records.map((p) => p.tradeKey)).toEqual(ok.map((p) => p.tradeKey));
  });

  it("reads the comma CSV of the real files with quoted condition lists, and flags ISO, cancels and late reports", async () => {
    const csv = [
      "ticker,conditions,correction,exchange,participant_timestamp,price,sip_timestamp,size",
      'O:AAPL251219C00200000,"219,209",0,302,1765000000000000000,5.10,1765000000000100000,250',
      "O:AAPL251219C00200000,201,0,325,1765000000000000000,5.10,1765000000000200000,10",
      "O:AAPL251219C00200000,202,0,325,1765000000000000000,5.10,1765000000000300000,10",
      "O:AAPL251219C00200000,209,8,325,1765000000000000000,5.10,1765000000000400000,10",
    ].join("\n");
    const { records: ok, errors } = await collect<OptionPrint>(
      parseOptionTradesCsv(fromText(csv), "day.csv"),
    );
    expect(errors).toEqual([]);
    expect(ok.map((p) => [p.isIso, p.isCancel, p.isLate])).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, true],
      [false, true, false],
    ]);
    expect(ok[0]!.conditions).toEqual(["219", "209"]);
    expect(ok[0]!.premiumUsd).toBeCloseTo(127_500, 6);
  });

  it("reports each bad line with file and line and carries on", async () => {
    const csv = [
      "ticker,conditions,correction,exchange,participant_timestamp,price,sip_timestamp,size",
      "O:SPY230327P00390000,209,,325,1678716040304000000,11.07,1678716040304000000,15",
      "SPY,209,,325,1678716040304000000,11.07,1678716040304000000,15",
      "O:SPY230327P00390000,209,,325,1678716040304000000,-1,1678716040304000000,15",
      "O:SPY230327P00390000,209,,325,1678716040304000000,11.07,1678716040304000000,-3",
      "O:SPY230327P00390000,209,,325,1678716040304000000,11.07,16787160403,15",
      "O:SPY230327P00390000,209,,325",
      "O:SPY230327P00390000,209,,325,1678716040304000000,11.07,1678716040304000000,2",
    ].join("\r\n");
    const { records: ok, errors } = await collect<OptionPrint>(
      parseOptionTradesCsv(fromText(csv), "bad.csv"),
    );
    expect(ok).toHaveLength(2);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toMatch(/^bad\.csv:3 ticker "SPY" is not an OCC option symbol/);
    expect(errors[1]).toMatch(/^bad\.csv:4 price/);
    expect(errors[2]).toMatch(/^bad\.csv:5 size/);
    expect(errors[3]).toMatch(/^bad\.csv:6 sip_timestamp/);
    expect(errors[4]).toMatch(/^bad\.csv:7 .*truncated/);
  });

  it("reports a contract expiring on 2025-02-31 as a located error naming the date", async () => {
    const csv = [
      "ticker,conditions,correction,exchange,participant_timestamp,price,sip_timestamp,size",
      "O:SPY250231P00390000,209,,325,1678716040304000000,11.07,1678716040304000000,15",
      "O:SPY250228P00390000,209,,325,1678716040304000000,11.07,1678716040304000000,15",
    ].join("\n");
    const { records: ok, errors } = await collect<OptionPrint>(
      parseOptionTradesCsv(fromText(csv), "feb.csv"),
    );
    expect(ok.map((p) => p.expiry)).toEqual(["2025-02-28"]);
    expect(errors).toEqual([
      'feb.csv:2 ticker "O:SPY250231P00390000" has expiry 2025-02-31, which is not a calendar date',
    ]);
  });

  it("names the missing columns of a wrong header", async () => {
    const { errors } = await collect(parseOptionTradesCsv(fromText("ticker,price\nx,1"), "wrong.csv"));
    expect(errors).toEqual([
      "wrong.csv:1 header is missing column(s) conditions, exchange, sip_timestamp, size",
    ]);
  });
});

describe("option conditions and side", () => {
  it("excludes every multi-leg and stock-option code (232-246, f-u) from directional flow", () => {
    for (let id = 232; id <= 246; id++) expect(optionConditionFlags([String(id)]).isMultiLeg).toBe(true);
    expect(optionConditionFlags(["247"]).isMultiLeg).toBe(false);
    for (const l of "fghijklmnopqrstu") expect(optionConditionFlags([l]).isMultiLeg).toBe(true);
    expect(optionConditionFlags(["S"]).isIso).toBe(true);
    expect(optionConditionFlags(["b"]).isIso).toBe(true);
    expect(optionConditionFlags(["d"]).isIso).toBe(true);
    for (const c of ["201", "203", "205", "207", "A", "C", "E", "G"])
      expect(optionConditionFlags([c]).isCancel).toBe(true);
  });

  it("calls a call bought at the ask bullish and a put bought at the ask bearish", () => {
    expect(optionSide(29.25, 28.9, 29.25)).toBe("at_ask");
    expect(optionSide(28.9, 28.9, 29.25)).toBe("at_bid");
    expect(optionSide(29.075, 28.9, 29.25)).toBe("mid");
    expect(optionSide(30, 28.9, 29.25)).toBe("above_ask");
    expect(optionSide(29, null, null)).toBe("unknown");
    expect(optionSentiment("call", "at_ask")).toBe("bullish");
    expect(optionSentiment("put", "at_ask")).toBe("bearish");
    expect(optionSentiment("put", "at_bid")).toBe("bullish");
    expect(optionSentiment("call", "unknown")).toBe("unknown");
  });
});

describe("open interest CSV", () => {
  it("reads OI per contract and day with the contract in any notation, and locates bad rows", async () => {
    const csv = [
      "date,contract,open_interest",
      "2023-03-13,O:SPY230327P00390000,51234",
      "20230313,SPY   230327P00390000,51234",
      "2023-04-28,AAPL230616C00150000,8133",
      "2023-04-28,AAPL,1",
      "2023-04-28,AAPL230616C00150000,-4",
    ].join("\n");
    const { records: ok, errors } = await collect<OpenInterestRow>(
      parseOpenInterestCsv(fromText(csv), "oi.csv"),
    );
    expect(ok.map((r) => [r.day, r.contract, r.openInterestContracts])).toEqual([
      ["2023-03-13", "SPY230327P00390000", 51234],
      ["2023-03-13", "SPY230327P00390000", 51234],
      ["2023-04-28", "AAPL230616C00150000", 8133],
    ]);
    expect(errors).toEqual([
      'oi.csv:5 contract "AAPL" is not an OCC option symbol',
      'oi.csv:6 open_interest "-4" is not a non-negative whole number',
    ]);
  });
});
