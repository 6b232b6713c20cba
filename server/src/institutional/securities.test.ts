import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { collect, readFixture, secFixture } from "../../../test/support/sec-fixtures";
import { RateLimiter } from "./edgar.client";
import { cusipCheckDigit, mapCusipsWithOpenFigi, normalizeCusip, parseSecuritiesCsv } from "./securities";
import { parse13F } from "./thirteenf.parse";

describe("CUSIP validation", () => {
  it("accepts every CUSIP of a real 13F (Acorn Creek, 77 rows) and computes Apple's check digit", async () => {
    const name = "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt";
    const rows = await collect(parse13F(readFixture(name), { sourceName: name }));
    const cusips = rows.flatMap((r) => (r.ok && r.record.kind === "holding" ? [r.record.holding.cusip] : []));
    expect(cusips).toHaveLength(77);
    expect(cusips.filter((c) => normalizeCusip(c) === null)).toEqual([]);
    expect(cusipCheckDigit("03783310")).toBe(0);
    expect(normalizeCusip("g0403h108")).toBe("G0403H108");
  });

  it("rejects a CUSIP with a wrong check digit or shape", () => {
    expect(normalizeCusip("037833101")).toBeNull();
    expect(normalizeCusip("03783310")).toBeNull();
    expect(normalizeCusip("03783310X")).toBeNull();
  });
});

describe("user-supplied securities CSV", () => {
  it("reads symbol,cusip plus optional columns in any order and reports bad rows with their line", async () => {
    const csv = [
      "cusip,symbol,name,shares_outstanding,shares_as_of,cik",
      "037833100,AAPL,Apple Inc.,15115823000,2024-10-18,320193",
      "88160R101,tsla,TESLA INC,,,",
      "88160R102,TSLA,typo in check digit,,,",
      "02079K305,GOOGL,ALPHABET INC,,,",
    ].join("\n");
    const out = await collect(
      parseSecuritiesCsv([Buffer.from(csv)] as unknown as AsyncIterable<Uint8Array>, "map.csv"),
    );
    const ok = out.flatMap((r) => (r.ok ? [r.record] : []));
    expect(ok[0]).toEqual({
      symbol: "AAPL",
      cusip: "037833100",
      name: "Apple Inc.",
      cik: "0000320193",
      sharesOutstanding: 15115823000,
      sharesAsOf: "2024-10-18",
      source: "user_csv",
    });
    expect(ok.map((r) => r.symbol)).toEqual(["AAPL", "TSLA", "GOOGL"]);
    expect(out.flatMap((r) => (r.ok ? [] : [r.error]))).toEqual([
      { source: "map.csv", line: 4, message: expect.stringContaining("88160R102") },
    ]);
  });

  it("names the missing column and the header names it accepts", async () => {
    await expect(
      collect(
        parseSecuritiesCsv(
          [Buffer.from("Cusip,Company\n037833100,Apple\n")] as unknown as AsyncIterable<Uint8Array>,
          "map.csv",
        ),
      ),
    ).rejects.toThrow(/map\.csv:1: missing column\(s\) symbol \(symbol, ticker,/);
  });

  it("reads the real edgartools Cusip,Ticker map (quoted header, any case) and says which columns it used", async () => {
    const name = "edgartools_cusip_ticker_map.csv";
    const used: Record<string, string>[] = [];
    const out = await collect(parseSecuritiesCsv(readFixture(name), name, (u) => used.push(u)));
    // Independently: every non-empty line after the header is one record, ok or rejected.
    const lines = readFileSync(secFixture(name), "utf8")
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "");
    expect(out).toHaveLength(lines.length - 1);
    expect(used).toEqual([{ cusip: "Cusip", symbol: "Ticker" }]);
    const ok = out.flatMap((r) => (r.ok ? [r.record] : []));
    expect(ok.find((r) => r.cusip === "037833100")).toMatchObject({ symbol: "AAPL", source: "user_csv" });
    expect(ok.length).toBeGreaterThan(60_000);
  });

  it("accepts synonyms in any case: SYMBOL, Issuer Name, CUSIP", async () => {
    const used: Record<string, string>[] = [];
    const out = await collect(
      parseSecuritiesCsv(
        [
          Buffer.from("CUSIP,Issuer Name,SYMBOL\n037833100,Apple Inc.,AAPL\n"),
        ] as unknown as AsyncIterable<Uint8Array>,
        "vendor.csv",
        (u) => used.push(u),
      ),
    );
    expect(used).toEqual([{ symbol: "SYMBOL", cusip: "CUSIP", name: "Issuer Name" }]);
    expect(out[0]).toMatchObject({
      ok: true,
      record: { symbol: "AAPL", cusip: "037833100", name: "Apple Inc." },
    });
  });
});

describe("OpenFIGI mapping client (local server)", () => {
  it("maps CUSIPs it knows, lists the rest as unmapped, sends the key and normalises BRK/B", async () => {
    const seen: { key: string | undefined; body: { idType: string; idValue: string; exchCode: string }[] }[] =
      [];
    const server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => {
        raw += c;
      });
      req.on("end", () => {
        const body = JSON.parse(raw) as { idValue: string; idType: string; exchCode: string }[];
        seen.push({ key: req.headers["x-openfigi-apikey"] as string | undefined, body });
        const known: Record<string, { ticker: string; name: string }> = {
          "037833100": { ticker: "AAPL", name: "APPLE INC" },
          "084670702": { ticker: "BRK/B", name: "BERKSHIRE HATHAWAY INC-CL B" },
        };
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(
            JSON.stringify(
              body.map((j) =>
                known[j.idValue] ? { data: [known[j.idValue]] } : { warning: "No identifier found." },
              ),
            ),
          );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const result = await mapCusipsWithOpenFigi(["037833100", "084670702", "G0403H108"], {
        apiKey: "test-key",
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        limiter: new RateLimiter(1000),
      });
      expect(result.mapped.map((m) => [m.cusip, m.symbol, m.source])).toEqual([
        ["037833100", "AAPL", "openfigi"],
        ["084670702", "BRK.B", "openfigi"],
      ]);
      expect(result.unmapped).toEqual(["G0403H108"]);
      expect(seen[0]?.key).toBe("test-key");
      expect(seen[0]?.body[0]).toEqual({ idType: "ID_CUSIP", idValue: "037833100", exchCode: "US" });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
