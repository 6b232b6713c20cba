import { createReadStream, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AlpacaEvent, parseAlpacaMessages, parseAlpacaNdjson } from "./alpaca.parse";

const SAMPLE = new URL(
  "../../../test/fixtures/trades/alpaca_v2_stream_official_example_messages.json",
  import.meta.url,
);

async function* lines(text: string): AsyncGenerator<string> {
  yield text;
}

describe("Alpaca v2 stock stream", () => {
  it("turns the documented trade into an off-exchange print and the quote into a Quote", () => {
    const parsed = parseAlpacaMessages(readFileSync(SAMPLE, "utf8"), { sourceName: "alpaca-sip" });
    expect(parsed.every((p) => p.ok)).toBe(true);
    const [trade, quote] = parsed.map((p) => (p.ok ? p.record : null));
    expect(trade).toMatchObject({
      kind: "trade",
      print: {
        symbol: "AAPL",
        price: 126.55,
        sizeShares: 1,
        exchange: "D",
        isOffExchange: true,
        tape: "C",
        conditions: ["@", "I"],
        conditionScheme: "sip_letter",
        tradeId: "96921",
        source: "alpaca_stream",
        sourceRef: "alpaca-sip <[0]>",
      },
    });
    if (trade?.kind !== "trade") throw new Error("expected a trade");
    expect(trade.print.ts.toISOString()).toBe("2021-02-22T15:51:44.208Z");
    expect(quote).toEqual({
      kind: "quote",
      // "2021-02-22T15:51:45.3355677Z": nanosecond text, millisecond Date
      quote: { symbol: "AMD", ts: new Date("2021-02-22T15:51:45.335Z"), bid: 87.66, ask: 87.67 },
    });
  });

  it("reads the pretty-printed documentation file through the NDJSON reader, located at its first line", async () => {
    const events: AlpacaEvent[] = [];
    for await (const p of parseAlpacaNdjson(createReadStream(SAMPLE), { sourceName: "example.json" })) {
      expect(p.ok).toBe(true);
      if (p.ok) {
        events.push(p.record);
        expect(p.at.line).toBe(1);
      }
    }
    expect(events.map((e) => e.kind)).toEqual(["trade", "quote"]);
  });

  it("types corrections, cancels and control messages", () => {
    const frame = JSON.stringify([
      { T: "success", msg: "authenticated" },
      { T: "subscription", trades: ["AAPL"], quotes: ["AMD"], bars: [] },
      { T: "error", code: 402, msg: "auth failed" },
      {
        T: "c",
        S: "AAPL",
        x: "D",
        oi: 52983525033527,
        op: 126.5,
        os: 100,
        oc: ["@"],
        ci: 52983525033528,
        cp: 126.55,
        cs: 100,
        cc: ["@"],
        z: "C",
        t: "2021-02-22T15:51:44.208Z",
      },
      { T: "x", S: "AAPL", i: 96921, x: "D", p: 126.55, s: 1, a: "C", z: "C", t: "2021-02-22T15:51:44.208Z" },
      { T: "b", S: "AAPL", o: 1, h: 1, l: 1, c: 1, v: 1, t: "2021-02-22T15:51:00Z" },
    ]);
    const events = parseAlpacaMessages(frame, { sourceName: "alpaca-sip" }).map((p) =>
      p.ok ? p.record : p.error,
    );
    expect(events[0]).toEqual({ kind: "success", message: "authenticated" });
    expect(events[1]).toEqual({
      kind: "subscription",
      channels: { trades: ["AAPL"], quotes: ["AMD"], bars: [] },
    });
    expect(events[2]).toEqual({ kind: "error", code: 402, message: "auth failed" });
    expect(events[3]).toMatchObject({
      kind: "correction",
      correction: {
        originalTradeId: "52983525033527",
        correctedTradeId: "52983525033528",
        correctedPrice: 126.55,
      },
    });
    expect(events[4]).toMatchObject({ kind: "cancel", cancel: { tradeId: "96921", action: "cancel" } });
    expect(events[5]).toEqual({ kind: "ignored", type: "b" });
  });

  it("reports each bad message at its line, index and field, and keeps the good ones", async () => {
    const good =
      '{"T":"t","i":1,"S":"AAPL","x":"D","p":126.55,"s":300,"t":"2021-02-22T15:51:44.208Z","c":["@"],"z":"C"}';
    const file = [
      good,
      '[{"T":"t","i":2,"S":"AAPL","x":"D","p":"126.55","s":1,"t":"2021-02-22T15:51:44.208Z"},' + good + "]",
      '{"T":"t","i":3,"S":"AAPL","x":"D","p":126.55,"s":-10,"t":"2021-02-22T15:51:44.208Z"}',
      '{"T":"t","i":4,"S":"AAPL","x":"D","p":126.55,"s":10,"t":"2021-02-22T15:51:44"}',
      '{"T":"t","i":5,"S":"AAPL","x":"D","p":12',
      '{"T":"q","S":"AMD","bp":87.66,"t":"2021-02-22T15:51:45Z"}',
      good,
    ].join("\n");
    const prints: string[] = [];
    const errors: string[] = [];
    for await (const p of parseAlpacaNdjson(lines(file), { sourceName: "rec.ndjson" })) {
      if (p.ok && p.record.kind === "trade") prints.push(`${p.at.line}:${p.record.print.tradeId}`);
      else if (!p.ok) errors.push(`${p.error.line} <${p.error.element ?? ""}> ${p.error.message}`);
    }
    expect(prints).toEqual(["1:1", "2:1", "7:1"]);
    expect(errors).toEqual([
      '2 <[0].p> p: "126.55" is not a positive number',
      "3 <s> s: -10 is not a positive number",
      '4 <t> t: "2021-02-22T15:51:44" is not an RFC 3339 timestamp with zone',
      expect.stringMatching(/^5 <> not valid JSON/),
      "6 <ap> ap: undefined is not a positive number",
    ]);
  });

  it("does not let a truncated multi-line array swallow the lines after it", async () => {
    const file = [
      '[{"T":"t","i":1,"S":"AAPL","x":"D","p":1,"s":1,"t":"2021-02-22T15:51:44Z"},',
      '{"T":"t","i":2,"S":"AA',
      '{"T":"t","i":3,"S":"AAPL","x":"D","p":1,"s":1,"t":"2021-02-22T15:51:44Z"}',
    ].join("\n");
    const out: string[] = [];
    for await (const p of parseAlpacaNdjson(lines(file), { sourceName: "f" })) {
      out.push(p.ok ? `${p.at.line} ok ${p.record.kind}` : `${p.error.line} error`);
    }
    expect(out).toEqual(["1 error", "2 error", "3 ok trade"]);
  });
});
