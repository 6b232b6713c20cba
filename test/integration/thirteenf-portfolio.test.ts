/**
 * Issue 12 "Scale and speed": a filer's 13F portfolio (the denominator of `percent_of_portfolio` in the holders
 * view and the dashboard's top holders) comes from per-filing totals kept at ingest (migration
 * `*_thirteenf_filing_totals`), not from summing the whole report per request. Filings with every amendment
 * case (NEW HOLDINGS before and after a RESTATEMENT, NEW HOLDINGS without a base, a re-filed original, a
 * 13F NOTICE, option and principal rows, a report large enough for the COPY path on Postgres) go in through
 * the store; the holders' weights at as_of before, at and after each publication are compared with a
 * computation made here from the raw rows alone, and again after rows are deleted and after the migration's
 * back-fill rebuilds the totals from the stored holdings.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestSecuritiesCsv } from "../../server/src/institutional/institutional.ingest";
import { insert13FFilings, insert13FHoldings } from "../../server/src/institutional/thirteenf.store";
import { buildTestApp, jsonGetter } from "../support/app";
import { engines } from "../support/db";
import { backfillOf, coverOf, type FilingKind, holdingOf } from "../support/thirteenf-rows";

const P = "2025-09-30";
const XYZ = "037833100"; // a valid CUSIP (check digit), mapped to AAPL below
const day = (d: number) => new Date(Date.UTC(2025, 9, 1, 21) + d * 86_400_000); // Oct 1 + d days, 21:00Z
type Kind = FilingKind;
/** [cusip, shares, value, type, putCall] */
type Row = [string, number, number, "SH" | "PRN", "Put" | "Call" | null];
const sh = (cusip: string, shares: number, price = 10): Row => [cusip, shares, shares * price, "SH", null];
/** `n` other positions of a filer, values 1,000 + i x 7 (a report of thousands of rows). */
const book = (n: number, from = 0): Row[] =>
  Array.from({ length: n }, (_, i) => [
    `B${String(from + i).padStart(8, "0")}`,
    100 + i,
    1_000 + i * 7,
    "SH",
    null,
  ]);

// filer, kind, publication day, rows
const PLAN: [string, Kind, number, Row[]][] = [
  ["0000000101", "orig", 10, [sh(XYZ, 100), sh("ABC000002", 50, 30), [XYZ, 40, 4_000, "SH", "Put"]]],
  ["0000000101", "NEW HOLDINGS", 20, [sh(XYZ, 50), ["BND000003", 10_000, 9_800, "PRN", null]]],
  ["0000000101", "RESTATEMENT", 30, [sh(XYZ, 80), sh("ABC000002", 10, 30), ...book(3)]],
  ["0000000101", "NEW HOLDINGS", 40, [[XYZ, 20, 2_000, "SH", "Call"], ...book(2, 10)]],
  ["0000000102", "orig", 15, [sh(XYZ, 1_000), ...book(2_500)]],
  // NEW HOLDINGS before any base: not part of a report until one is published, and then only if later.
  ["0000000103", "NEW HOLDINGS", 5, [sh("ABC000002", 999)]],
  ["0000000103", "orig", 12, [sh(XYZ, 7), sh("ABC000002", 3)]],
  ["0000000104", "NOTICE", 12, []],
  // A second original for the period replaces the first (latest original or restatement).
  ["0000000105", "orig", 10, [sh(XYZ, 30), ...book(5, 100)]],
  ["0000000105", "orig", 25, [sh(XYZ, 35), ...book(4, 200)]],
  // Holds the stock only through an option: a holder line with no share position.
  ["0000000106", "orig", 18, [[XYZ, 5, 500, "SH", "Put"], sh("ABC000002", 20)]],
];
const filings = PLAN.map(([filer, kind, d], i) => ({
  acc: `0000000101-25-${String(i).padStart(6, "0")}`,
  filer,
  kind,
  at: day(d),
}));
type Filing = (typeof filings)[number];
let holdings = PLAN.flatMap(([, , , rows], i) =>
  rows.map(([cusip, shares, value, type, putCall], j) => ({
    acc: (filings[i] as Filing).acc,
    row: j + 1,
    cusip,
    shares,
    value,
    type,
    putCall,
  })),
);

// ---- the independent computation from the raw rows --------------------------------------------------
/** The filer's report at `asOf`: latest original/restatement plus the NEW HOLDINGS published after it. */
function effective(filer: string, asOf: Date): string[] {
  const known = filings.filter((f) => f.filer === filer && f.kind !== "NOTICE" && f.at <= asOf);
  const base = known
    .filter((f) => f.kind !== "NEW HOLDINGS")
    .sort((a, b) => b.at.getTime() - a.at.getTime() || b.acc.localeCompare(a.acc))[0];
  if (!base) return [];
  return [base.acc, ...known.filter((f) => f.kind === "NEW HOLDINGS" && f.at > base.at).map((f) => f.acc)];
}
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
/** Per holder of the stock at `asOf`: value of its non-option XYZ rows over every row of its report, %. */
function expectedWeights(asOf: Date): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const filer of new Set(filings.map((f) => f.filer))) {
    const accs = effective(filer, asOf);
    const rows = holdings.filter((h) => accs.includes(h.acc));
    if (!rows.some((h) => h.cusip === XYZ)) continue;
    const portfolio = rows.reduce((s, h) => s + h.value, 0);
    const value = rows.filter((h) => h.cusip === XYZ && !h.putCall).reduce((s, h) => s + h.value, 0);
    out[filer] = portfolio > 0 ? round4((value / portfolio) * 100) : null;
  }
  return out;
}
/** Per filing with stored rows: [rows, sum of value]. */
function expectedTotals(): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const h of holdings) {
    const t = out[h.acc] ?? [0, 0];
    out[h.acc] = [t[0] + 1, t[1] + h.value];
  }
  return out;
}

const AS_OFS = [0, 5, 10, 12, 15, 18, 20, 25, 30, 35, 40, 200].flatMap((d) => [
  new Date(day(d).getTime() - 1),
  day(d),
]);

describe.each(engines())("13F portfolio totals kept at ingest (%s)", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const json = jsonGetter(() => t.app);
  const db = () => t.deps.db.db;

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    const csv = `symbol,cusip,name,shares_outstanding,shares_as_of\nAAPL,${XYZ},Apple Inc.,1000000,2025-06-30\n`;
    await ingestSecuritiesCsv(
      db(),
      (async function* () {
        yield Buffer.from(csv);
      })(),
      "securities.csv",
    );
    // Scrambled: the restatement and a NEW HOLDINGS before the filings they amend; one filing's rows in two batches.
    for (const i of [2, 3, 0, 1, 4, 5, 6, 7, 8, 9, 10]) {
      const f = filings[i] as Filing;
      const rows = holdings.filter((h) => h.acc === f.acc).map((h) => holdingRow(f, h));
      await db().transaction(async (tx) => {
        await insert13FFilings(tx, [
          {
            source: "sec_13f_xml",
            accession: f.acc,
            publishedAt: f.at,
            cover: coverOf(f, `FILER ${f.filer.slice(-3)}`, P),
            filedDate: null,
            valueUnit: "usd",
          },
        ]);
        await insert13FHoldings(tx, rows.slice(0, 2));
        await insert13FHoldings(tx, rows.slice(1)); // one row twice: stored once, counted once
      });
    }
  }, 300_000);
  afterAll(async () => t?.close());

  const checkAll = async () => {
    const stored = await t.handle.query<{ accession: string; rows: number; value_usd: number }>(
      sql`select accession, rows, value_usd from thirteenf_filing_totals`,
    );
    expect(Object.fromEntries(stored.map((r) => [r.accession, [r.rows, Number(r.value_usd)]]))).toEqual(
      expectedTotals(),
    );
    for (const asOf of AS_OFS) {
      const body = await json<{ holders: { holder_cik: string; percent_of_portfolio: number | null }[] }>(
        `/smart-money/institutional/AAPL/holders?period=${P}&limit=100&as_of=${encodeURIComponent(asOf.toISOString())}`,
      );
      const got = Object.fromEntries(body.holders.map((h) => [h.holder_cik, h.percent_of_portfolio]));
      expect(got, `weights at ${asOf.toISOString()}`).toEqual(expectedWeights(asOf));
    }
  };

  it("weights every holder by its report as known at each as_of (restatements replace, NEW HOLDINGS add)", async () => {
    await checkAll();
    // The amendments matter: the restated report is not the original plus its amendments.
    expect(expectedWeights(day(25))["0000000101"]).not.toBe(expectedWeights(day(35))["0000000101"]);
    expect(expectedWeights(day(200))["0000000102"]).toBeGreaterThan(0);
  });

  it("keeps the totals when rows are deleted, and the migration's back-fill rebuilds them", async () => {
    const gone = (filings[4] as Filing).acc;
    await db().execute(sql`delete from thirteenf_holdings where accession = ${gone} and row_index > 1000`);
    const first = (filings[0] as Filing).acc;
    await db().execute(sql`delete from thirteenf_holdings where accession = ${first}`);
    holdings = holdings.filter((h) => !(h.acc === gone && h.row > 1000) && h.acc !== first);
    await checkAll();
    await db().execute(sql`delete from thirteenf_filing_totals`);
    await db().execute(sql.raw(backfillOf("_thirteenf_filing_totals.sql")));
    await checkAll();
  });
});

function holdingRow(f: Filing, h: (typeof holdings)[number]) {
  return {
    accession: h.acc,
    filerCik: f.filer,
    periodOfReport: P,
    source: "sec_13f_xml",
    publishedAt: f.at,
    holding: holdingOf({ ...h, name: `ISSUER ${h.cusip.slice(0, 3)}` }),
  };
}
