import { createReadStream, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { collectParsed as collect } from "../../../test/support/collect";
import type { Parsed } from "../lib/records";
import {
  POLYGON_EXCHANGE_LETTERS,
  POLYGON_TRF_EXCHANGE_ID,
  parsePolygonTradeBatches,
  parsePolygonTrades,
} from "./polygon-trades.parse";
import type { RawPrint } from "./print";

const fixture = (name: string) => new URL(`../../../test/fixtures/trades/${name}`, import.meta.url);
const SAMPLE = "polygon_flatfile_us_stocks_sip_trades_v1_sample_MSFT_2023-03-28.tsv";
const HEADER =
  "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp";

/** Feeds text in small chunks so lines straddle chunk boundaries, as they do on a real stream. */
async function* chunked(text: string, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("Polygon trades flat file", () => {
  it("reads the vendor's tab-separated MSFT sample: 10 prints with SIP time, venue letter and conditions", async () => {
    const { records, errors } = await collect(
      parsePolygonTrades(createReadStream(fixture(SAMPLE)), { sourceName: SAMPLE }),
    );
    expect(errors).toEqual([]);
    expect(records).toHaveLength(10);
    const first = records[0] as RawPrint;
    expect(first.symbol).toBe("MSFT");
    expect(first.exchange).toBe("P"); // id 11 = NYSE Arca
    expect(first.exchangeId).toBe(11);
    expect(first.conditions).toEqual(["12", "37"]);
    expect(first.price).toBe(276.16);
    expect(first.sizeShares).toBe(55);
    // sip_timestamp 1679990400018381329 ns -> ms 1679990400018 (sub-ms digits cannot live in a Date)
    expect(first.ts.getTime()).toBe(1_679_990_400_018);
    expect(first.ts.toISOString()).toBe("2023-03-28T08:00:00.018Z");
    expect(first.tape).toBe("C");
    expect(first.trfId).toBeNull();
    expect(first.correction).toBe(0);
    expect(first.isOffExchange).toBe(false);
    expect(first.tradeId).toBe("1");
    expect(first.sourceRef).toBe(`${SAMPLE}:2`);
    expect(first.publishedAt?.getTime()).toBe(first.ts.getTime());
    const last = records[9] as RawPrint;
    expect(last.exchange).toBe("K"); // id 8 = Cboe EDGX
    expect(last.price).toBe(276.52);
    expect(last.sizeShares).toBe(27);
    expect(last.tradeId).toBe("9");
    expect(records[1]?.conditions).toEqual(["12"]);
  });

  it("reads the real comma CSV layout with quoted condition lists and fractional sizes as a TRF print", async () => {
    // The documented flat-file line (data-formats.md §6.3): exchange 4, trf_id 202 = FINRA/Nasdaq TRF Carteret.
    const text = `${HEADER}\nA,"12,37",0,4,71675222901845,1789718400814766587,157.350000,3372,1789718400831008119,10.000000,1,202,1789718400830651291\n`;
    const { records, errors } = await collect(
      parsePolygonTrades(chunked(text), { sourceName: "2026-09-18.csv" }),
    );
    expect(errors).toEqual([]);
    const p = records[0] as RawPrint;
    expect(p.symbol).toBe("A");
    expect(p.conditions).toEqual(["12", "37"]);
    expect(p.exchange).toBe("D");
    expect(p.isOffExchange).toBe(true);
    expect(p.trfId).toBe(202);
    expect(p.tape).toBe("A");
    expect(p.price).toBe(157.35);
    expect(p.sizeShares).toBe(10);
    expect(p.tradeId).toBe("71675222901845");
  });

  it("maps every exchange id of the vendor's reference list to its participant letter", () => {
    const reference = JSON.parse(
      readFileSync(fixture("polygon_v3_reference_exchanges_stocks.json"), "utf8"),
    ) as {
      results: { id: number; participant_id: string; mic?: string }[];
    };
    for (const venue of reference.results) {
      expect(POLYGON_EXCHANGE_LETTERS.get(venue.id), `id ${venue.id}`).toBe(venue.participant_id);
    }
    // Id 4 covers the three TRFs and the ADF: every one of them is participant D.
    const trfMics = reference.results.filter((v) => v.id === POLYGON_TRF_EXCHANGE_ID).map((v) => v.mic);
    expect(trfMics.sort()).toEqual(["FINC", "FINN", "FINY", "XADF"]);
  });

  it("reports hostile lines with file, line and field while the good lines around them still parse", async () => {
    const good = "MSFT,12,0,4,7,1,276.1,1,1679990400018381329,100,3,202,0";
    const text = [
      HEADER,
      good,
      "MSFT,12,0,4,8,1,abc,1,1679990400018381329,100,3,202,0", // bad price
      "MSFT,12,0,4,9,1,276.1,1,1679990400018381329,-5,3,202,0", // negative size
      "MSFT,12,0,99,10,1,276.1,1,1679990400018381329,100,3,,0", // unknown exchange id
      "MSFT,12,0,4,11,1,276.1,1,16799904", // truncated
      "MSFT,12,0,4,12,1,276.1,1,1679990400018381329,0,3,202,0", // zero size
      "MSFT,1x,0,4,13,1,276.1,1,1679990400018381329,100,3,202,0", // bad condition code
      "MSFT,12,0,4,14,1,276.1,1,2023-03-28,100,3,202,0", // timestamp not in ns
      "MSFT,12,0,4,15,1,0,1,1679990400018381329,100,3,202,0", // zero price
      good.replace(",7,", ",16,"),
    ].join("\n");
    const { records, errors } = await collect(
      parsePolygonTrades(chunked(text, 13), { sourceName: "day.csv" }),
    );
    expect(records.map((r) => r.tradeId)).toEqual(["7", "16"]);
    expect(errors).toEqual([
      'day.csv:3 <price> price: "abc" is not a positive number',
      'day.csv:4 <size> size: "-5" is not a positive number',
      'day.csv:5 <exchange> exchange: unknown exchange id "99" (see docs/conditions.md)',
      "day.csv:6 <> expected at least 10 fields, found 9 (truncated line?)",
      'day.csv:7 <size> size: "0" is not a positive number',
      'day.csv:8 <conditions> conditions: "1x" holds a code that is not a number',
      'day.csv:9 <sip_timestamp> sip_timestamp: "2023-03-28" is not a nanosecond Unix timestamp',
      'day.csv:10 <price> price: "0" is not a positive number',
    ]);
  });

  it("reads a line with escaped quotes and reports an unterminated quote", async () => {
    const text = [
      HEADER,
      'MSFT,"12,37",0,4,"a""b",1,276.1,1,1679990400018381329,100,3,202,0',
      'MSFT,"12,37,0,4,7,1,276.1,1,1679990400018381329,100,3,202,0',
    ].join("\n");
    const { records, errors } = await collect(parsePolygonTrades(chunked(text), { sourceName: "q.csv" }));
    expect(records.map((r) => [r.tradeId, r.conditions])).toEqual([['a"b', ["12", "37"]]]);
    expect(errors).toEqual(["q.csv:3 <> unterminated quote (truncated line?)"]);
  });

  it("gives the same prints and located errors whether the file arrives whole or one byte at a time", async () => {
    // CRLF endings, quoted and empty conditions, a quoted id with an escaped quote, a bad line between good
    // ones, a blank line and no final newline: what a per-chunk fast path could get wrong at a chunk edge.
    const text = [
      HEADER,
      'MSFT,"12,37",0,4,1,1,276.1,1,1679990400018381329,55,3,202,0',
      "MSFT,,0,11,2,1,276.2,2,1679990400019381329,100,3,,",
      'AAPL,"",1,4,"x""y",1,190.5,3,1679990400020381329,200.000000,1,201,0',
      "AAPL,12,0,4,4,1,abc,4,1679990400021381329,100,1,201,0",
      "",
      "AAPL,37,0,12,5,1,190.25,5,1679990400022381329,10,3,,",
    ].join("\r\n");
    const whole = async function* () {
      yield new TextEncoder().encode(text);
    };
    const batches: Parsed<RawPrint>[][] = [];
    for await (const batch of parsePolygonTradeBatches(chunked(text, 1), { sourceName: "t.csv" })) {
      batches.push(batch);
    }
    const byteByByte = await collect(
      (async function* () {
        for (const batch of batches) yield* batch;
      })(),
    );
    const { records, errors } = await collect(parsePolygonTrades(whole(), { sourceName: "t.csv" }));
    expect(byteByByte).toEqual({ records, errors });
    expect(records.map((r) => [r.tradeId, r.conditions, r.sourceRef])).toEqual([
      ["1", ["12", "37"], "t.csv:2"],
      ["2", [], "t.csv:3"],
      ['x"y', [], "t.csv:4"],
      ["5", ["37"], "t.csv:7"],
    ]);
    expect(records.map((r) => r.symbol)).toEqual(["MSFT", "MSFT", "AAPL", "AAPL"]);
    expect(records[2]?.correction).toBe(1);
    expect(records[2]?.sizeShares).toBe(200);
    expect(records[3]?.price).toBe(190.25);
    expect(errors).toEqual(['t.csv:5 <price> price: "abc" is not a positive number']);
  });

  it("refuses a file whose header lacks required columns, naming them", async () => {
    const { records, errors } = await collect(
      parsePolygonTrades(chunked("ticker,price,size\nMSFT,1,1\n"), { sourceName: "x.csv" }),
    );
    expect(records).toEqual([]);
    expect(errors).toEqual(["x.csv:1 <> header lacks column(s) conditions, exchange, id, sip_timestamp"]);
  });
});
