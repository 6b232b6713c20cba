import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AlpacaEvent } from "./alpaca.parse";
import type { Quote, RawPrint } from "./print";
import { parsePrints, sniffPrintFormat } from "./prints.parse";

const fixture = (name: string) => new URL(`../../../test/fixtures/trades/${name}`, import.meta.url);

describe("print format sniffing", () => {
  it("recognises each supported format from its first line", () => {
    expect(
      sniffPrintFormat(
        "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp",
      ),
    ).toBe("polygon_csv");
    expect(
      sniffPrintFormat(
        "ticker\tconditions\tcorrection\texchange\tid\tparticipant_timestamp\tprice\tsequence_number\tsip_timestamp\tsize\ttape\ttrf_id\ttrf_timestamp",
      ),
    ).toBe("polygon_csv");
    expect(sniffPrintFormat('[{"T":"t","i":96921,"S":"AAPL","x":"D","p":126.55,"s":1,')).toBe(
      "alpaca_ndjson",
    );
    expect(sniffPrintFormat('{"symbol": "AAPL", "timestamp": "2025-11-18T10:30:00"}')).toBe("spec_ndjson");
    expect(sniffPrintFormat("Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market")).toBeNull();
  });
});

describe("parsePrints", () => {
  it("sniffs the Polygon sample and still yields its first data line", async () => {
    const prints: RawPrint[] = [];
    // A tiny highWaterMark makes the header span several chunks: the peeked bytes must be replayed.
    const stream = createReadStream(
      fixture("polygon_flatfile_us_stocks_sip_trades_v1_sample_MSFT_2023-03-28.tsv"),
      {
        highWaterMark: 16,
      },
    );
    for await (const p of parsePrints(stream, { sourceName: "msft.tsv" })) {
      if (p.ok) prints.push(p.record);
    }
    expect(prints).toHaveLength(10);
    expect(prints[0]?.sourceRef).toBe("msft.tsv:2");
    expect(prints[0]?.price).toBe(276.16);
  });

  it("routes an Alpaca recording: trades as prints, quotes and other events to callbacks", async () => {
    const prints: RawPrint[] = [];
    const quotes: Quote[] = [];
    const events: AlpacaEvent[] = [];
    const stream = createReadStream(fixture("alpaca_v2_stream_official_example_messages.json"));
    for await (const p of parsePrints(stream, {
      sourceName: "alpaca.json",
      onQuote: (q) => quotes.push(q),
      onEvent: (e) => events.push(e),
    })) {
      if (p.ok) prints.push(p.record);
    }
    expect(prints.map((p) => [p.symbol, p.exchange, p.tradeId])).toEqual([["AAPL", "D", "96921"]]);
    expect(quotes.map((q) => [q.symbol, q.bid, q.ask])).toEqual([["AMD", 87.66, 87.67]]);
    expect(events).toEqual([]);
  });

  it("reports an unrecognised file at line 1 instead of guessing", async () => {
    const out = [];
    async function* src() {
      yield "Date|Symbol|ShortVolume\n20210104|A|1\n";
    }
    for await (const p of parsePrints(src(), { sourceName: "x.txt" })) out.push(p);
    expect(out).toHaveLength(1);
    expect(out[0]?.ok).toBe(false);
    expect(out[0]?.ok === false && out[0].error.line).toBe(1);
  });
});
