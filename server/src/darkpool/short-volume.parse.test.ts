import { createReadStream } from "node:fs";
import { describe, expect, it } from "vitest";
import { collectParsed as collect } from "../../../test/support/collect";
import { facilityFromFileName, parseShortVolume } from "./short-volume.parse";

const fixture = (name: string) => new URL(`../../../test/fixtures/finra/${name}`, import.meta.url);

async function* text(s: string): AsyncGenerator<string> {
  yield s;
}

describe("FINRA Reg SHO daily short volume", () => {
  it("reads all 9,151 records of CNMSshvol20210104 and finds the trailer count matching", async () => {
    const name = "CNMSshvol20210104.txt";
    const { records, errors } = await collect(
      parseShortVolume(createReadStream(fixture(name)), { sourceName: name }),
    );
    expect(errors).toEqual([]);
    expect(records).toHaveLength(9151);
    const aapl = records.find((r) => r.symbol === "AAPL");
    expect(aapl).toMatchObject({
      day: "2021-01-04",
      facility: "CNMS",
      market: "B,Q,N",
      shortVolume: 35965147,
      shortExemptVolume: 131508,
      totalVolume: 64015641,
      source: "finra_regsho",
      sourceRef: "CNMSshvol20210104.txt:21",
    });
    // 18:00 EST (UTC-5) on the trade date.
    expect(aapl?.publishedAt.toISOString()).toBe("2021-01-04T23:00:00.000Z");
    expect(records[0]).toMatchObject({ symbol: "A", shortVolume: 112839, totalVolume: 355723 });
    expect(records.at(-1)).toMatchObject({
      symbol: "ZYXI",
      shortVolume: 112961,
      shortExemptVolume: 210,
      totalVolume: 254898,
    });
  });

  it("reads GME on the first day of the squeeze week", async () => {
    const name = "CNMSshvol20210125.txt";
    const { records, errors } = await collect(
      parseShortVolume(createReadStream(fixture(name)), { sourceName: name }),
    );
    expect(errors).toEqual([]);
    expect(records.find((r) => r.symbol === "GME")).toMatchObject({
      shortVolume: 27342770,
      shortExemptVolume: 393941,
      totalVolume: 72224899,
    });
  });

  it("accepts fractional volumes, CRLF line ends and the pre-2011 layout, with the facility from Market", async () => {
    const current =
      "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market\r\n20260819|A|656799.067061|7|1138358.086029|B,Q,N\r\n1";
    const a = await collect(parseShortVolume(text(current), { sourceName: "upload.txt" }));
    expect(a.errors).toEqual([]);
    expect(a.records[0]).toMatchObject({
      shortVolume: 656799.067061,
      totalVolume: 1138358.086029,
      facility: "CNMS",
    });
    // Summer: 18:00 EDT = 22:00 UTC.
    expect(a.records[0]?.publishedAt.toISOString()).toBe("2026-08-19T22:00:00.000Z");
    const old = "Date|Symbol|ShortVolume|TotalVolume|Market\n20100104|AAPL|100|250|Q\n1\n";
    const b = await collect(parseShortVolume(text(old), { sourceName: "FNSQshvol20100104.txt" }));
    expect(b.errors).toEqual([]);
    expect(b.records[0]).toMatchObject({
      facility: "FNSQ",
      shortExemptVolume: null,
      totalVolume: 250,
      market: "Q",
    });
    const single = "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market\n20210104|AAPL|1|0|2|N\n1";
    const c = await collect(parseShortVolume(text(single), { sourceName: "upload.txt" }));
    expect(c.records[0]?.facility).toBe("FNYX");
  });

  it("takes the facility from the file-name prefix", () => {
    expect(facilityFromFileName("/data/FNQCshvol20230307.txt")).toBe("FNQC");
    expect(facilityFromFileName("FORFshvol20230307.txt")).toBe("FORF");
    expect(facilityFromFileName("shorts.txt")).toBeNull();
  });

  it("reports bad rows and a trailer that disagrees with the rows read (a truncated file)", async () => {
    const file = [
      "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market",
      "20210104|AAPL|35965147|131508|64015641|B,Q,N",
      "20210104|GME|-5|0|4956196|B,Q,N",
      "20210104|MSFT|abc|0|1|B,Q,N",
      "20210199|TSLA|1|0|2|B,Q,N",
      "20210104|AMC|1|0",
      "20210104|NVDA|1|0|2|B,Q,N",
      "9151",
    ].join("\n");
    const { records, errors } = await collect(
      parseShortVolume(text(file), { sourceName: "CNMSshvol20210104.txt" }),
    );
    expect(records.map((r) => r.symbol)).toEqual(["AAPL", "NVDA"]);
    expect(errors).toEqual([
      'CNMSshvol20210104.txt:3 <ShortVolume> ShortVolume: "-5" is not a non-negative number',
      'CNMSshvol20210104.txt:4 <ShortVolume> ShortVolume: "abc" is not a non-negative number',
      'CNMSshvol20210104.txt:5 <Date> Date: "20210199" is not a YYYYMMDD date',
      "CNMSshvol20210104.txt:6 <> expected 6 fields, found 4",
      "CNMSshvol20210104.txt:8 <> trailer says 9151 records, file holds 6 (truncated or damaged file)",
    ]);
  });

  it("reports a file cut off before its trailer", async () => {
    const file =
      "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market\n20210104|AAPL|1|0|2|B,Q,N\n20210104|GM";
    const { records, errors } = await collect(
      parseShortVolume(text(file), { sourceName: "CNMSshvol20210104.txt" }),
    );
    expect(records).toHaveLength(1);
    expect(errors).toEqual([
      "CNMSshvol20210104.txt:3 <> expected 6 fields, found 2",
      "CNMSshvol20210104.txt:3 <> no record-count trailer after 2 records (truncated file?)",
    ]);
  });
});
