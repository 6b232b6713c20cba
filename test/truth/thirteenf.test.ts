/**
 * Truth of the 13F figures (issue 10, items 5, 6, 7, 9): the real SEC files (test/fixtures/sec, copied
 * byte-for-byte from ../shared/samples/sec_13f) go through the product (HTTP ingest, store, endpoints)
 * and every figure is compared with one computed here from the raw XML by a few regular expressions,
 * not by the project's parsers.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/src/app";
import { PrintPipeline } from "../../server/src/darkpool/pipeline";
import { loadEnv } from "../../server/src/env";
import { ingestSecuritiesCsv, read13F, store13F } from "../../server/src/institutional/institutional.ingest";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import { api, ok, upload } from "../support/app";
import { engines, openTestDb } from "../support/db";

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/sec/${name}`, import.meta.url)), "latin1");

const ACORN = fixture("0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt");
const EDGARTOOLS_TABLE = fixture("edgartools_13F-HR.infotable.xml");
const SEC_COVER = fixture("SEC_official_Sample_13F-HR_primary_doc.xml");

// ---- independent reading of the raw XML -------------------------------------------------------------
interface RawRow {
  cusip: string;
  value: number;
  shares: number;
  type: string;
  putCall: string | null;
}
const field = (block: string, name: string): string | null =>
  new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(block)?.[1]?.trim() ?? null;
const rawRows = (xml: string): RawRow[] =>
  [...xml.matchAll(/<(?:\w+:)?infoTable>([\s\S]*?)<\/(?:\w+:)?infoTable>/g)].map((m) => {
    const b = m[1] as string;
    return {
      cusip: (field(b, "cusip") as string).toUpperCase(),
      value: Number(field(b, "value")),
      shares: Number(field(b, "sshPrnamt")),
      type: field(b, "sshPrnamtType") as string,
      putCall: field(b, "putCall"),
    };
  });
const coverNumber = (xml: string, name: string) => Number(field(xml, name));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
/** Median of value / shares over share rows (no options), with values multiplied by `scale`. */
const medianPrice = (rows: RawRow[], scale: number) =>
  median(
    rows
      .filter((r) => r.type === "SH" && !r.putCall && r.shares > 0)
      .map((r) => (r.value * scale) / r.shares),
  );

const acornRows = rawRows(ACORN);
const acornApple = acornRows.find((r) => r.cusip === "037833100") as RawRow;
const tableRows = rawRows(EDGARTOOLS_TABLE);
const tableApple = tableRows.find((r) => r.cusip === "037833100") as RawRow;
const tableMmm = tableRows.filter((r) => r.cusip === "88579Y101");

/** The Acorn Creek submission without its INFORMATION TABLE document (a cover page alone). */
const coverOnly = (accession: string, filingDate: string) =>
  ACORN.replace(/<DOCUMENT>\s*<TYPE>INFORMATION TABLE[\s\S]*?<\/DOCUMENT>/, "")
    .replace("<ACCESSION-NUMBER>0001951757-25-000093", `<ACCESSION-NUMBER>${accession}`)
    .replace("<FILING-DATE>20250122", `<FILING-DATE>${filingDate}`)
    .replace("<PUBLIC-DOCUMENT-COUNT>2", "<PUBLIC-DOCUMENT-COUNT>1");

const bytes = (text: string) =>
  (async function* () {
    yield Buffer.from(text, "latin1");
  })();

const SECURITIES = ["symbol,cusip,name", "AAPL,037833100,Apple Inc.", "MMM,88579Y101,3M Co"].join("\n");

describe.each(engines())("13F figures against the raw files on %s", (engine) => {
  let handle: DbHandle;
  let app: ReturnType<typeof createApp>;
  const institutional = () => api(app).institutional[":symbol"];
  const holders = (symbol: string, as_of: string, period?: string) =>
    ok(institutional().holders.$get({ param: { symbol }, query: { as_of, period } }));
  const uploadFiling = (text: string, name: string) =>
    upload(app, "13f", Buffer.from(text, "latin1"), "text/plain", { name });

  beforeAll(async () => {
    handle = await openTestDb(engine);
    const log = createLogger("silent");
    const bus = new LiveBus();
    const pipeline = new PrintPipeline({ db: handle.db, bus, log, lastLitWindowMs: 60_000 });
    app = createApp({ env: loadEnv({ LOG_LEVEL: "silent" }), db: handle, bus, pipeline, log });
    await ingestSecuritiesCsv(handle.db, bytes(SECURITIES), "securities.csv");
    const res = await uploadFiling(ACORN, "acorn.nc");
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("a 2025 filing in dollars: rows sum to the cover's tableValueTotal, the unit is usd and nothing is flagged", async () => {
    const total = coverNumber(ACORN, "tableValueTotal");
    expect(acornRows).toHaveLength(coverNumber(ACORN, "tableEntryTotal"));
    expect(acornRows.reduce((s, r) => s + r.value, 0)).toBe(total);
    const [filing] = await handle.query<{
      value_unit: string;
      value_unit_suspect: boolean;
      evidence: unknown;
    }>(
      sql`select value_unit, value_unit_suspect, value_unit_evidence as evidence from thirteenf_filings
        where accession = '0001951757-25-000093'`,
    );
    const evidence = (
      typeof filing?.evidence === "string" ? JSON.parse(filing.evidence) : filing?.evidence
    ) as Record<string, unknown>;
    expect(filing).toMatchObject({ value_unit: "usd", value_unit_suspect: false });
    expect(evidence).toMatchObject({
      flags: [],
      totalCheck: "match",
      tableValueTotal: total,
      rowsValueAsFiled: total,
      rows: acornRows.length,
    });
    expect(evidence.medianImpliedPriceUsd as number).toBeCloseTo(medianPrice(acornRows, 1), 6);
  });

  it("holders without period at as_of 2025-01-23 answer 2024-12-31 (public the evening before) and say why", async () => {
    // Filed 2025-01-22 without an acceptance time: public at the end of that New York day.
    const body = await holders("AAPL", "2025-01-23T12:00:00Z");
    expect(body.period).toBe("2024-12-31");
    expect(body.period_selection).toMatchObject({
      rule: "latest_with_data",
      latest_complete_quarter: "2024-09-30",
      filing_window_open: true,
    });
    expect(body.holders).toEqual([
      expect.objectContaining({
        holder_cik: "0001994827",
        shares: acornApple.shares,
        value: acornApple.value,
        value_unit: "usd",
        value_unit_suspect: false,
        value_unit_flags: [],
      }),
    ]);
    expect(body.value_unit_flags).toEqual([]);
    // Before publication nothing is public: the clock's quarter, empty, and the payload says so.
    const early = await holders("AAPL", "2025-01-22T15:00:00Z");
    expect(early.period_selection.rule).toBe("latest_complete_quarter");
    expect(early.holders).toEqual([]);
  });

  it("a position whose prior quarter was never loaded is unknown, not new, and does not lift conviction", async () => {
    const changes = await ok(
      institutional().changes.$get({ param: { symbol: "AAPL" }, query: { as_of: "2025-01-23T12:00:00Z" } }),
    );
    expect(changes.new_positions.count).toBe(0);
    expect(changes.unknown).toBe(1);
    expect(changes.changes.map((c) => c.change_type)).toEqual(["unknown"]);
    const flow = await ok(
      institutional().flow.$get({ param: { symbol: "AAPL" }, query: { as_of: "2025-01-23T12:00:00Z" } }),
    );
    expect(flow).toMatchObject({
      period: "2024-12-31",
      new_positions: 0,
      unknown_prior_positions: 1,
      institutional_shares: acornApple.shares,
      net_change_percentage: null,
      conviction_score: 50,
    });
  });

  it("a table in dollars filed in 2022 (thousands era) is flagged as a whole with its evidence, not rescaled silently", async () => {
    const summary = await store13F(
      handle.db,
      await read13F(
        [
          { source: bytes(SEC_COVER), name: "primary_doc.xml" },
          { source: bytes(EDGARTOOLS_TABLE), name: "infotable.xml" },
        ],
        { filedDate: "2022-02-14", accession: "0000000000-22-000001" },
      ),
      "2022-folder",
      { filedDate: "2022-02-14", accession: "0000000000-22-000001" },
    );
    expect(summary).toMatchObject({ accepted: tableRows.length, rejected: 0 });
    const body = await holders("AAPL", "2022-03-01T00:00:00Z", "2021-12-31");
    const holder = body.holders[0];
    // The era's unit (thousands) applied and kept visible: $8.24B for 58,228 shares, $141,500 a share.
    expect(holder?.value).toBe(tableApple.value * 1000);
    expect((tableApple.value * 1000) / tableApple.shares).toBeGreaterThan(100_000);
    expect(holder).toMatchObject({
      value_unit: "thousands_usd",
      value_unit_suspect: true,
      value_unit_flags: expect.arrayContaining(["median_implied_price_above_5000_usd"]),
    });
    const [flag] = body.value_unit_flags;
    expect(flag).toMatchObject({ accession: "0000000000-22-000001", value_unit: "thousands_usd" });
    expect(flag?.evidence.medianImpliedPriceUsd as number).toBeCloseTo(medianPrice(tableRows, 1000), 4);
    expect(flag?.evidence.rowsValueAsFiled).toBe(tableRows.reduce((s, r) => s + r.value, 0));
    expect(flag?.evidence.tableValueTotal).toBe(coverNumber(SEC_COVER, "tableValueTotal"));
  });

  it("the same real Acorn Creek rows filed in 2022: the cover total agrees with the rows, the implied prices do not", async () => {
    const as2022 = ACORN.replace(
      "<ACCESSION-NUMBER>0001951757-25-000093",
      "<ACCESSION-NUMBER>0001951757-22-000093",
    )
      .replace("<FILING-DATE>20250122", "<FILING-DATE>20220122")
      .replaceAll("12-31-2024", "12-31-2021");
    expect((await uploadFiling(as2022, "acorn-2022.nc")).status).toBe(200);
    const body = await holders("AAPL", "2022-03-01T00:00:00Z", "2021-12-31");
    const acorn = body.value_unit_flags.find((f) => f.accession === "0001951757-22-000093");
    expect(acorn?.flags).toEqual(["median_implied_price_above_5000_usd"]);
    expect(acorn?.evidence).toMatchObject({
      totalCheck: "match",
      tableValueTotal: coverNumber(ACORN, "tableValueTotal"),
    });
    expect(acorn?.evidence.medianImpliedPriceUsd as number).toBeCloseTo(medianPrice(acornRows, 1000), 4);
  });

  it("a cover page without its information table is refused (400) and replaces nothing", async () => {
    const before = await holders("AAPL", "2025-03-01T00:00:00Z");
    expect(before.holders).toHaveLength(1);
    const mmmBefore = await holders("MMM", "2022-03-01T00:00:00Z", "2021-12-31");
    expect(mmmBefore.holders[0]?.shares).toBe(tableMmm.reduce((s, r) => s + (r.putCall ? 0 : r.shares), 0));
    const [{ n: filingsBefore } = { n: -1 }] = await handle.query<{ n: number }>(
      sql`select count(*)::int as n from thirteenf_filings`,
    );

    const res = await uploadFiling(coverOnly("0001951757-25-000777", "20250201"), "cover-only.nc");
    expect(res.status).toBe(400);
    const error = (await res.json()) as { error: { message: string } } & { message?: string };
    expect(JSON.stringify(error)).toMatch(/incomplete 13F filing.*77 information-table entries/);

    const after = await holders("AAPL", "2025-03-01T00:00:00Z");
    expect(after.holders.map((h) => h.shares)).toEqual([acornApple.shares]);
    const [{ n: filingsAfter } = { n: -2 }] = await handle.query<{ n: number }>(
      sql`select count(*)::int as n from thirteenf_filings`,
    );
    expect(filingsAfter).toBe(filingsBefore);

    // The SEC's own cover page alone (2021Q4, 111 entries) would have emptied the MMM holders: refused too.
    await expect(
      store13F(
        handle.db,
        await read13F([{ source: bytes(SEC_COVER), name: "primary_doc.xml" }], {}),
        "cover-alone",
        { filedDate: "2022-05-01", accession: "0000000000-22-000002" },
      ),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    const mmmAfter = await holders("MMM", "2022-06-01T00:00:00Z", "2021-12-31");
    expect(mmmAfter.holders).toHaveLength(1);
  });

  it("a genuine 13F notice (no information table by the form's instructions) is stored and replaces nothing", async () => {
    const notice = coverOnly("0001951757-25-000888", "20250203")
      .replace(/<TYPE>13F-HR(\s*<PUBLIC)/, "<TYPE>13F-NT$1")
      .replace("<submissionType>13F-HR</submissionType>", "<submissionType>13F-NT</submissionType>")
      .replace("<reportType>13F HOLDINGS REPORT</reportType>", "<reportType>13F NOTICE</reportType>");
    const res = await uploadFiling(notice, "notice.nc");
    expect(res.status).toBe(200);
    const stored = await handle.query<{ report_type: string; rows: number }>(
      sql`select f.report_type, (select count(*)::int from thirteenf_holdings h where h.accession = f.accession) as rows
        from thirteenf_filings f where f.accession = '0001951757-25-000888'`,
    );
    expect(stored).toEqual([{ report_type: "13F NOTICE", rows: 0 }]);
    const after = await holders("AAPL", "2025-03-01T00:00:00Z");
    expect(after.holders.map((h) => h.shares)).toEqual([acornApple.shares]);
  });
});
