import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../test/support/db";
import { bulkInserter } from "./bulk";
import type { DbHandle } from "./index";
import * as schema from "./schema/index";

type ShortVolumeRow = typeof schema.shortVolume.$inferInsert;
type InsiderFilingRow = typeof schema.insiderFilings.$inferInsert;

const AWKWARD = ['SAY "CHEESE"', "BACK\\SLASH", "TAB\tAND\nNEWLINE", "{BRACES}, COMMA", "NULL", "ÜNÏCODE €"];

const shortVolume = (i: number, market = AWKWARD[i % AWKWARD.length] as string): ShortVolumeRow => ({
  day: `2025-03-${String(3 + (i % 20)).padStart(2, "0")}`,
  symbol: `S${i}`,
  facility: "CNMS",
  market,
  shortVolume: i + 0.125,
  shortExemptVolume: i % 3 === 0 ? null : i,
  totalVolume: 1e6 + i,
  source: "finra_regsho",
  sourceRef: `file.txt:${i + 2}`,
  publishedAt: new Date(Date.UTC(2025, 2, 3, 22, 0, 0, i)),
});

describe.each(engines())("bulk insert on %s", (engine) => {
  let handle: DbHandle;
  const shortVolumes = bulkInserter(schema.shortVolume, { key: ["day", "symbol", "facility"] });
  beforeAll(async () => {
    handle = await openTestDb(engine);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("stores every value exactly (quotes, backslashes, newlines, NULL, the word NULL) and returns only new rows", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => shortVolume(i));
    expect(await shortVolumes.insert(handle.db, rows)).toHaveLength(rows.length);
    const back = await handle.db.select().from(schema.shortVolume).orderBy(schema.shortVolume.sourceRef);
    expect(back).toHaveLength(rows.length);
    const byRef = new Map(back.map((r) => [r.sourceRef, r]));
    for (const row of [rows[0], rows[1], rows[2], rows[3], rows[4], rows[5], rows[2999]]) {
      const stored = byRef.get(row?.sourceRef as string);
      expect(stored).toMatchObject({ ...row, ingestedAt: expect.any(Date) });
    }
    // A second load stores nothing; a mixed batch returns the new rows only, in input order.
    expect(await shortVolumes.insert(handle.db, rows)).toEqual([]);
    const mixed = [shortVolume(3000), rows[10] as ShortVolumeRow, shortVolume(3001)];
    expect(await shortVolumes.insert(handle.db, mixed)).toEqual([mixed[0], mixed[2]]);
    expect(await shortVolumes.insert(handle.db, [])).toEqual([]);
    // A row the batch repeats is stored, and returned, once.
    const repeated = shortVolume(3002);
    expect(await shortVolumes.insert(handle.db, [repeated, { ...repeated, market: "again" }])).toEqual([
      repeated,
    ]);
  });

  it("writes JSON and booleans, and leaves defaulted columns to the database only when no row gives them", async () => {
    const filings = bulkInserter(schema.insiderFilings, { key: ["accession"] });
    const filing = (accession: string, ingestedAt?: Date): InsiderFilingRow => ({
      accession,
      issuerCik: "0000320193",
      issuerName: null,
      issuerSymbol: "AAPL",
      documentType: "4",
      periodOfReport: "2025-03-03",
      filedDate: null,
      aff10b5One: true,
      reportingOwners: [{ cik: "1", name: 'O"Neil \\ Co' }],
      footnotes: { F1: "a\nb" },
      source: "test",
      sourceRef: accession,
      publishedAt: new Date("2025-03-04T21:05:00Z"),
      ingestedAt,
    });
    expect(await filings.insert(handle.db, [filing("a-1"), filing("a-2")])).toHaveLength(2);
    const [stored] = await handle.db
      .select()
      .from(schema.insiderFilings)
      .where(sql`${schema.insiderFilings.accession} = 'a-1'`);
    expect(stored).toMatchObject({ ...filing("a-1"), ingestedAt: expect.any(Date) });
    await expect(
      filings.insert(handle.db, [filing("a-3", new Date("2025-01-01T00:00:00Z")), filing("a-4")]),
    ).rejects.toThrow("bulkInserter(insider_filings): ingested_at is given for 1 of 2 rows");
  });

  it("upserts through onConflict and returns the rows written", async () => {
    const securities = bulkInserter(schema.securities, {
      key: ["cusip", "source"],
      onConflict: sql`(cusip, source) do update set symbol = excluded.symbol`,
    });
    const security = (symbol: string) => ({
      cusip: "037833100",
      symbol,
      source: "user_csv",
      sourceRef: "map.csv",
      publishedAt: new Date("2025-01-01T00:00:00Z"),
    });
    expect(await securities.insert(handle.db, [security("AAPL")])).toHaveLength(1);
    expect(await securities.insert(handle.db, [security("AAPL.X")])).toEqual([security("AAPL.X")]);
    const back = await handle.db.select().from(schema.securities);
    expect(back.map((r) => r.symbol)).toEqual(["AAPL.X"]);
  });

  it("refuses a key it cannot match back and an array column", () => {
    expect(() => bulkInserter(schema.shortVolume, { key: ["publishedAt"] })).toThrow(
      "bulkInserter(short_volume): key publishedAt is not a text, integer or date column",
    );
    expect(() => bulkInserter(schema.prints, { key: ["tradeKey"] })).toThrow(/is an array column/);
  });
});
