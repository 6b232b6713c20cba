/**
 * Institutional endpoints on a real database loaded with the recorded SEC filings (test/fixtures/sec).
 * Amendments and a prior quarter are derived from the real Acorn Creek submission by editing its
 * accession, dates, cover-page amendment fields and the Apple row; every other byte is as filed.
 */
import { readFileSync } from "node:fs";
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, ok, refusal } from "../../../test/support/app";
import { engines, openTestDb } from "../../../test/support/db";
import { secFixture } from "../../../test/support/sec-fixtures";
import { createApp } from "../app";
import { PrintPipeline } from "../darkpool/pipeline";
import { loadEnv } from "../env";
import { createLogger } from "../lib/log";
import { LiveBus } from "../realtime/bus";
import { ingestForm4, ingestSecuritiesCsv, read13F, store13F } from "./institutional.ingest";

const ACORN = "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt";
const acornText = readFileSync(secFixture(ACORN), "latin1");
const APPLE_ROW =
  /<ns1:infoTable>(?:(?!<\/ns1:infoTable>)[\s\S])*?<ns1:cusip>037833100<\/ns1:cusip>[\s\S]*?<\/ns1:infoTable>/;

interface Variant {
  accession: string;
  filingDate: string; // YYYYMMDD
  period?: string; // MM-DD-YYYY
  amendmentType?: "RESTATEMENT" | "NEW HOLDINGS";
  appleShares?: number;
  onlyApple?: boolean;
}

function acornVariant(v: Variant): string {
  let t = acornText
    .replace("<ACCESSION-NUMBER>0001951757-25-000093", `<ACCESSION-NUMBER>${v.accession}`)
    .replace("<FILING-DATE>20250122", `<FILING-DATE>${v.filingDate}`);
  if (v.period) t = t.replaceAll("12-31-2024", v.period);
  if (v.amendmentType) {
    t = t
      .replace("<submissionType>13F-HR</submissionType>", "<submissionType>13F-HR/A</submissionType>")
      .replace(
        /(<reportCalendarOrQuarter>[^<]*<\/reportCalendarOrQuarter>)/,
        `$1<isAmendment>true</isAmendment><amendmentNo>1</amendmentNo><amendmentInfo><amendmentType>${v.amendmentType}</amendmentType></amendmentInfo>`,
      );
  }
  const apple = (APPLE_ROW.exec(t)?.[0] ?? "").replace(
    /<ns1:sshPrnamt>18577</,
    `<ns1:sshPrnamt>${v.appleShares ?? 18577}<`,
  );
  if (v.onlyApple) {
    t = t.replace(/(<ns1:informationTable[^>]*>)[\s\S]*(<\/ns1:informationTable>)/, `$1${apple}$2`);
  } else {
    t = t.replace(APPLE_ROW, apple);
  }
  return t;
}

const chunks = (text: string) =>
  (async function* () {
    yield Buffer.from(text, "latin1");
  })();

async function load13F(handle: DbHandle, text: string, name: string) {
  return store13F(handle.db, await read13F([{ source: chunks(text), name }], {}), name, {});
}

const SECURITIES_CSV = [
  "symbol,cusip,name,shares_outstanding,shares_as_of",
  // Apple's 10-K cover (filed 2024-11-01): 15,115,823,000 shares outstanding as of 2024-10-18.
  "AAPL,037833100,Apple Inc.,15115823000,2024-10-18",
  "TSLA,88160R101,Tesla Inc.,,",
].join("\n");

describe.each(engines())("institutional endpoints on %s", (engine) => {
  let handle: DbHandle;
  let app: ReturnType<typeof createApp>;
  const institutional = () => api(app).institutional[":symbol"];
  /** AAPL's 2024Q4 holders as known at `asOf`. */
  const holders = (asOf: string) =>
    ok(
      institutional().holders.$get({
        param: { symbol: "AAPL" },
        query: { as_of: asOf, period: "2024-12-31" },
      }),
    );

  beforeAll(async () => {
    handle = await openTestDb(engine);
    const log = createLogger("silent");
    const bus = new LiveBus();
    const pipeline = new PrintPipeline({ db: handle.db, bus, log, lastLitWindowMs: 60_000 });
    app = createApp({ env: loadEnv({ LOG_LEVEL: "silent" }), db: handle, bus, pipeline, log });
    await ingestSecuritiesCsv(handle.db, chunks(SECURITIES_CSV), "securities.csv");
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("stores the real 13F submission once: 77 positions summing to the cover total; a second load stores nothing new", async () => {
    const first = await load13F(handle, acornText, ACORN);
    expect(first).toMatchObject({ accepted: 77, duplicates: 0, rejected: 0 });
    const again = await load13F(handle, acornText, ACORN);
    expect(again).toMatchObject({ accepted: 0, duplicates: 77, rejected: 0 });
    const [totals] = await handle.query<{ rows: number; value: number; filings: number }>(
      sql`select count(*)::int as rows, sum(value_usd)::float8 as value,
        (select count(*)::int from thirteenf_filings) as filings from thirteenf_holdings`,
    );
    expect(totals).toEqual({ rows: 77, value: 194_611_845, filings: 1 });
    const [filing] = await handle.query<Record<string, unknown>>(
      sql`select accession, filer_cik, period_of_report::text as period, source, source_ref, published_at from thirteenf_filings`,
    );
    // No acceptance time in the feed wrapper: the end of the filing date in New York (EST, UTC-5).
    expect(filing).toMatchObject({
      accession: "0001951757-25-000093",
      filer_cik: "0001994827",
      period: "2024-12-31",
    });
    expect(new Date(filing?.published_at as string).toISOString()).toBe("2025-01-23T04:59:59.000Z");
  });

  it("a hostile document stores nothing and says why", async () => {
    const before = await handle.query<{ n: number }>(sql`select count(*)::int as n from thirteenf_holdings`);
    const hostile = acornText.replace(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>',
    );
    await expect(
      load13F(handle, hostile.replace("0001951757-25-000093", "0001951757-25-999999"), "hostile.nc"),
    ).rejects.toMatchObject({
      code: "UNSAFE_DOCUMENT",
    });
    const after = await handle.query<{ n: number }>(sql`select count(*)::int as n from thirteenf_holdings`);
    expect(after).toEqual(before);
  });

  it("lists top holders with % of shares outstanding and of the filer's portfolio, only once published", async () => {
    const body = await holders("2025-01-24T00:00:00Z");
    expect(body.holders).toHaveLength(1);
    expect(body.holders[0]).toMatchObject({
      holder_name: "ACORN CREEK CAPITAL LLC",
      shares: 18577,
      value: 4652092,
      change_shares: null,
    });
    expect(body.holders[0]?.percent_of_portfolio).toBeCloseTo((4652092 / 194611845) * 100, 4);
    expect(body.holders[0]?.percent_of_shares_outstanding).toBeCloseTo((18577 / 15115823000) * 100, 4);
    expect(body.sources).toEqual([{ source: "sec_13f_xml", rows: 1, latest_ref: "0001951757-25-000093" }]);
    const early = await holders("2025-01-22T15:00:00Z");
    expect(early.holders).toEqual([]);
    expect(await refusal(institutional().holders.$get({ param: { symbol: "ZZZZ" }, query: {} }))).toEqual({
      status: 404,
      code: "NOT_FOUND",
    });
  });

  it("applies amendments point in time: NEW HOLDINGS adds rows, a RESTATEMENT replaces the filing", async () => {
    await load13F(
      handle,
      acornVariant({
        accession: "0001951757-25-000101",
        filingDate: "20250130",
        amendmentType: "NEW HOLDINGS",
        appleShares: 1000,
        onlyApple: true,
      }),
      "new-holdings.nc",
    );
    await load13F(
      handle,
      acornVariant({
        accession: "0001951757-25-000202",
        filingDate: "20250210",
        amendmentType: "RESTATEMENT",
        appleShares: 20000,
      }),
      "restatement.nc",
    );
    const shares = async (asOf: string) => (await holders(asOf)).holders[0];
    expect(await shares("2025-01-25T00:00:00Z")).toMatchObject({
      shares: 18577,
      accessions: ["0001951757-25-000093"],
    });
    expect(await shares("2025-02-01T00:00:00Z")).toMatchObject({
      shares: 19577,
      accessions: ["0001951757-25-000093", "0001951757-25-000101"],
    });
    expect(await shares("2025-03-01T00:00:00Z")).toMatchObject({
      shares: 20000,
      accessions: ["0001951757-25-000202"],
    });
  });

  it("counts the sources and the filer's portfolio of what was published at each as_of, in any order of asking", async () => {
    // Newest first, then back in time: a later answer never stands in for an earlier moment.
    const march = await holders("2025-03-01T00:00:00Z");
    expect(march.sources).toEqual([{ source: "sec_13f_xml", rows: 3, latest_ref: "0001951757-25-000202" }]);
    const feb = await holders("2025-02-01T00:00:00Z");
    expect(feb.sources).toEqual([{ source: "sec_13f_xml", rows: 2, latest_ref: "0001951757-25-000101" }]);
    // The NEW HOLDINGS amendment adds its Apple row to the position and to the portfolio.
    expect(feb.holders[0]?.value).toBe(2 * 4652092);
    expect(feb.holders[0]?.percent_of_portfolio).toBeCloseTo(
      ((2 * 4652092) / (194611845 + 4652092)) * 100,
      4,
    );
    const jan = await holders("2025-01-25T00:00:00Z");
    expect(jan.sources).toEqual([{ source: "sec_13f_xml", rows: 1, latest_ref: "0001951757-25-000093" }]);
    expect((await holders("2025-02-05T00:00:00Z")).sources).toEqual(feb.sources);
  });

  it("classifies changes against the prior quarter and gives the flow direction by the specification's bands", async () => {
    // Prior quarter: the same filer held 25,000 Apple shares on 2024-09-30 (filed 2024-11-12).
    await load13F(
      handle,
      acornVariant({
        accession: "0001951757-24-000050",
        filingDate: "20241112",
        period: "09-30-2024",
        appleShares: 25000,
      }),
      "q3.nc",
    );
    const quarter = { as_of: "2025-01-25T00:00:00Z", period: "2024-12-31" };
    const changes = await ok(institutional().changes.$get({ param: { symbol: "AAPL" }, query: quarter }));
    expect(changes.decreased).toEqual({ count: 1, shares: 25000 - 18577 });
    expect(changes.changes[0]).toMatchObject({ change_type: "decreased", change_shares: 18577 - 25000 });
    const flow = await ok(institutional().flow.$get({ param: { symbol: "AAPL" }, query: quarter }));
    expect(flow.net_change_percentage).toBeCloseTo(((18577 - 25000) / 25000) * 100, 3);
    expect(flow.flow_direction).toBe("strong_outflow");
    expect(flow.institutional_ownership).toBeCloseTo((18577 / 15115823000) * 100, 4);
    expect(flow.conviction_components).toMatchObject({ breadth: -1, magnitude: -1, entries: 0 });
    expect(flow.conviction_score).toBeCloseTo(50 + 50 * (0.4 * -1 + 0.35 * -1), 2);
    // Tesla: Acorn Creek's Q3 (derived) holds it too, so Q4 is unchanged rather than new.
    const tsla = await ok(institutional().flow.$get({ param: { symbol: "TSLA" }, query: quarter }));
    expect(tsla.flow_direction).toBe("neutral");
  });

  it("stores Form 4 rows keyed by issuer and lists them with role, code, value and accession", async () => {
    const load = (name: string, hints = {}) => ingestForm4(handle.db, readFileSyncStream(name), name, hints);
    expect(await load("0001127602-25-001055_AIR_form4_full_submission.txt")).toMatchObject({
      accepted: 1,
      rejected: 0,
    });
    expect(await load("0001127602-25-004598_ARW_form4_full_submission.nc.txt")).toMatchObject({
      accepted: 2,
      rejected: 0,
    });
    const snow = "form4_SNOW_Scarpelli_2022-12-13.xml";
    expect(await load(snow)).toMatchObject({ accepted: 0, rejected: 1 });
    expect(await load(snow, { accession: "0001209191-22-063158", filedDate: "2022-12-15" })).toMatchObject({
      accepted: 15,
      rejected: 0,
    });
    expect(await load(snow, { accession: "0001209191-22-063158", filedDate: "2022-12-15" })).toMatchObject({
      accepted: 0,
      duplicates: 15,
    });

    const insiders = (symbol: string, asOf: string) =>
      ok(institutional().insiders.$get({ param: { symbol }, query: { as_of: asOf } }));
    const air = await insiders("AIR", "2025-02-01T00:00:00Z");
    expect(air.transactions).toEqual([
      expect.objectContaining({
        transaction_code: "S",
        role: "officer",
        officer_title: "Senior VP, GC, CAO & Secretary",
        value: 100354.5,
        is_10b5_1: false,
        accession: "0001127602-25-001055",
        filed_at: "2025-01-10T21:07:30.000Z",
        footnote_ids: { transactionPricePerShare: ["F1"] },
      }),
    ]);
    const beforeAcceptance = await insiders("AIR", "2025-01-10T21:00:00Z");
    expect(beforeAcceptance.transactions).toEqual([]);
    const snowTx = await insiders("SNOW", "2023-01-01T00:00:00Z");
    expect(snowTx.transactions.map((t) => t.transaction_code).sort()).toEqual([
      "M",
      "M",
      "S",
      "S",
      "S",
      "S",
      "S",
    ]);
  });

  it("insider sentiment leaves out awards and tax withholding by default", async () => {
    const sentiment = (symbol: string, asOf: string) =>
      ok(institutional()["insider-sentiment"].$get({ param: { symbol }, query: { as_of: asOf } }));
    const arw = await sentiment("ARW", "2025-03-01T00:00:00Z");
    expect(arw.windows[0]).toMatchObject({
      days: 30,
      buys: { count: 0 },
      sells: { count: 0 },
      excluded: { count: 2 },
    });
    expect(arw.score).toBe(0);
    const snow = await sentiment("SNOW", "2022-12-31T00:00:00Z");
    expect(snow.windows[0]?.sells.count).toBe(5);
    // Each sale sized against the holding before it (shares / (owned after + shares)), from the filing:
    // 73,170 of 301,097, 74,907 of 227,927, 41,986 of 153,020, 5,496 of 111,034, 4,441 of 105,538.
    const sold = 73_170 / 301_097 + 74_907 / 227_927 + 41_986 / 153_020 + 5_496 / 111_034 + 4_441 / 105_538;
    // Sell weight 0.5, full scale 0.5: the CFO sold ~94% of his shares over the day, not "-100 for any sale".
    expect(snow.score).toBeCloseTo((-100 * (0.5 * sold)) / 0.5, 2);
  });

  it("flags a filer still reporting thousands against the stored close, without rescaling", async () => {
    // Apple closed at $250.42 on 2024-12-31; the real filing's value/shares is exactly that.
    await handle.db.execute(sql`insert into daily_bars (symbol, day, open, high, low, close, volume, source, source_ref, published_at)
      values ('AAPL', '2024-12-31', 252.44, 253.28, 249.43, 250.42, 39480700, 'test', 'test', '2024-12-31T21:00:00Z')`);
    const thousands = acornVariant({ accession: "0001951757-25-000303", filingDate: "20250205" })
      .replaceAll("<cik>0001994827</cik>", "<cik>0009999999</cik>")
      .replace("<ns1:value>4652092</ns1:value>", "<ns1:value>4652</ns1:value>");
    expect(await load13F(handle, thousands, "thousands.nc")).toMatchObject({ accepted: 77 });
    const rows = await handle.query<{ accession: string; value_usd: number; value_unit_suspect: boolean }>(
      sql`select accession, value_usd, value_unit_suspect from thirteenf_holdings where cusip = '037833100' and accession in ('0001951757-25-000093', '0001951757-25-000303') order by accession`,
    );
    expect(rows).toEqual([
      { accession: "0001951757-25-000093", value_usd: 4652092, value_unit_suspect: false },
      { accession: "0001951757-25-000303", value_usd: 4652, value_unit_suspect: true },
    ]);
  });
});

function readFileSyncStream(name: string) {
  return chunks(readFileSync(secFixture(name), "latin1"));
}
