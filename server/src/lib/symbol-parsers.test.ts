import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseOpenInterestCsv } from "../blocks/options.parse";
import { parseAtsApiRows } from "../darkpool/ats.parse";
import { parseDailyBars } from "../darkpool/bars.parse";
import { parsePrints } from "../darkpool/prints.parse";
import { parseShortVolume } from "../darkpool/short-volume.parse";
import { parseForm4 } from "../institutional/form4.parse";
import type { Parsed } from "./records";

/**
 * Issue 9.13: symbols are validated and made canonical where each parser produces its records, so a
 * symbol no route can ask for is never stored: a tab, a quote, 300 characters, non-ASCII are located errors.
 */
const BAD = ["A\tB", 'A"B', "X".repeat(300), "ÄPFEL"];

async function all<T>(gen: AsyncIterable<Parsed<T>>): Promise<Parsed<T>[]> {
  const out: Parsed<T>[] = [];
  for await (const p of gen) out.push(p);
  return out;
}
const symbols = <T extends { symbol: string }>(out: Parsed<T>[]) =>
  out.map((p) => (p.ok ? p.record.symbol : `line ${p.error.line ?? p.error.element}: error`));

describe("symbols at parse time", () => {
  it("FINRA short volume: canonical spellings, bad symbols rejected with their line", async () => {
    const rows = ["AAICpB", "BRK/B", ...BAD.filter((b) => !b.includes("|"))];
    const file = [
      "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market",
      ...rows.map((s) => `20210104|${s}|10|0|20|Q`),
      `${rows.length}`,
    ].join("\n");
    const out = await all(parseShortVolume(Readable.from([file]), { sourceName: "CNMSshvol20210104.txt" }));
    expect(symbols(out)).toEqual([
      "AAIC.PRB",
      "BRK.B",
      "line 4: error",
      "line 5: error",
      "line 6: error",
      "line 7: error",
    ]);
  });

  it("daily bars and specification prints: the same rule", async () => {
    const bars = [
      "date,symbol,open,high,low,close,volume",
      "2025-01-02,brk-b,1,1,1,1,10",
      "2025-01-02,A\tB,1,1,1,1,10",
    ];
    expect(
      symbols(await all(parseDailyBars(Readable.from([bars.join("\n")]), { sourceName: "b.csv" }))),
    ).toEqual(["BRK.B", "line 3: error"]);
    const prints = ["BRK/B", ...BAD].map((s) =>
      JSON.stringify({ symbol: s, timestamp: "2025-11-18T15:30:00Z", price: 1, size: 1 }),
    );
    const out = await all(parsePrints(Readable.from([prints.join("\n")]), { sourceName: "p.ndjson" }));
    expect(symbols(out)).toEqual([
      "BRK.B",
      "line 2: error",
      "line 3: error",
      "line 4: error",
      "line 5: error",
    ]);
  });

  it("FINRA ATS weekly rows: canonical, and a bad symbol is an error naming the field", () => {
    const row = (s: string) => ({
      weekStartDate: "2025-12-29",
      tierIdentifier: "T1",
      issueSymbolIdentifier: s,
      MPID: "ABCD",
      totalWeeklyShareQuantity: 5,
      totalWeeklyTradeCount: 1,
      summaryTypeCode: "ATS_W_SMBL_FIRM",
    });
    const out = parseAtsApiRows([row("AAICpB"), row("A\tB")], {
      sourceName: "api",
      summaryTypeCode: "ATS_W_SMBL_FIRM",
    });
    expect(out[0]).toMatchObject({ ok: true, record: { symbol: "AAIC.PRB" } });
    expect(out[1]).toMatchObject({ ok: false, error: { element: "issueSymbolIdentifier" } });
  });
});

describe("Form 4 issuer symbols at parse time", () => {
  const snow = readFileSync(
    join(import.meta.dirname, "../../../test/fixtures/sec/form4_SNOW_Scarpelli_2022-12-13.xml"),
    "utf8",
  );
  const withSymbol = (s: string) => snow.replace("<issuerTradingSymbol>SNOW", `<issuerTradingSymbol>${s}`);
  const parse = async (xml: string) => all(parseForm4(Readable.from([xml]), { sourceName: "f4.xml" }));

  it("stores the SEC spelling canonically, no symbol for NONE, and rejects a tab with the element", async () => {
    const [brk] = await parse(withSymbol("brk-b"));
    expect(brk).toMatchObject({ ok: true, record: { issuerTradingSymbol: "BRK.B" } });
    const [none] = await parse(withSymbol("NONE"));
    expect(none).toMatchObject({ ok: true, record: { issuerTradingSymbol: null } });
    const [bad] = await parse(withSymbol("A&#9;B"));
    expect(bad?.ok).toBe(false);
    if (bad && !bad.ok) expect(bad.error.message).toContain("issuerTradingSymbol");
  });
});

describe("option underlyings at parse time", () => {
  it("stores the root's underlying only when it is a ticker; a root such as A..B or 1AB is a located error", async () => {
    const csv = [
      "date,contract,open_interest",
      "2023-04-28,O:BRK.B230616C00150000,5",
      "2023-04-28,AMCR1230616C00010000,6",
      "2023-04-28,O:A..B230616C00150000,7",
      "2023-04-28,O:1AB230616C00150000,8",
    ].join("\n");
    const out = await all(parseOpenInterestCsv(Readable.from([csv]), "oi.csv"));
    expect(out.map((p) => (p.ok ? p.record.underlying : `line ${p.error.line}: ${p.error.message}`))).toEqual(
      [
        "BRK.B",
        "AMCR",
        'line 4: contract "O:A..B230616C00150000" has root "A..B", whose underlying "A..B" is not a ticker',
        'line 5: contract "O:1AB230616C00150000" has root "1AB", whose underlying "1AB" is not a ticker',
      ],
    );
  });
});
