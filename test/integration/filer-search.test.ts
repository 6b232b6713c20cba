/**
 * Issue 12: the 13F filer search (`/institutional/filers?q=`) reads the filer name index (migration
 * `*_filer_name_words`) instead of every filing. Its answers must be those of the definition, computed here
 * from the stored filings with a plain scan: the filings whose lower-cased filer name starts with the text or
 * has a word (after a space) that does, published by as_of, grouped by filer. Checked after filings are
 * inserted, renamed and deleted, and after the migration's back-fill rebuilds the index.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getFilers } from "../../server/src/market/filers.service";
import { buildTestApp } from "../support/app";
import { engines } from "../support/db";

const MIGRATIONS = join(import.meta.dirname, "..", "..", "db", "migrations");
const MIGRATION = readFileSync(
  join(MIGRATIONS, readdirSync(MIGRATIONS).find((f) => f.endsWith("_filer_name_words.sql")) ?? "missing"),
  "utf8",
);
const NAMES = [
  "Capital Group Holdings",
  "Berkshire Hathaway Inc",
  "Bank of  Capital Markets",
  "CAPSTONE partners LLC",
  "Vanguard Group",
  "Fidelity 100% Trust_Co",
  "Müller Kapital AG",
];
const QUERIES = [
  "cap",
  "Capital",
  "bank of",
  "of  cap",
  "group",
  "100%",
  "trust_",
  "müller",
  "kap",
  "z",
  "ber",
  " ",
];

describe.each(engines())("filer search by name on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const asOf = new Date("2026-06-01T00:00:00Z");

  /** The definition, from the stored filings: a plain scan, grouped and ordered as the route orders. */
  const expected = async (q: string) => {
    const text = q.trim().toLowerCase();
    const rows = await t.handle.query<{
      accession: string;
      filer_cik: string;
      filer_name: string | null;
    }>(sql`
      select accession, filer_cik, filer_name from thirteenf_filings where published_at <= ${asOf.toISOString()}::timestamptz`);
    const hit = rows.filter((r) => {
      const name = r.filer_name?.toLowerCase();
      return name !== undefined && (name.startsWith(text) || name.includes(` ${text}`));
    });
    return [...new Set(hit.map((r) => r.filer_cik))].sort();
  };
  const same = async () => {
    for (const q of QUERIES) {
      const got = await getFilers(t.handle.db, { q, asOf, limit: 1000 }, asOf);
      expect(got.filers.map((f) => f.cik).sort(), q).toEqual(await expected(q));
    }
  };
  const file = async (i: number, name: string | null, published: string) => {
    await t.handle.query(sql`
      insert into thirteenf_filings (accession, filer_cik, filer_name, period_of_report, report_type, value_unit,
        source, source_ref, published_at)
      values (${`0000000000-26-00000${i}`}, ${String(1000 + (i % 5)).padStart(10, "0")}, ${name}, '2026-03-31',
        '13F HOLDINGS REPORT', 'usd', 'test', ${`f${i}`}, ${published}::timestamptz)`);
  };

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    for (const [i, name] of NAMES.entries()) await file(i, name, "2026-05-10T12:00:00Z");
    await file(7, null, "2026-05-10T12:00:00Z");
    // Published after as_of: not found at as_of.
    await file(8, "Capital Late Filer", "2026-07-01T12:00:00Z");
  });
  afterAll(async () => t?.close());

  it("finds filers by the start of the name or of a word, as a scan of the filings does", async () => {
    const cap = await getFilers(t.handle.db, { q: "cap", asOf, limit: 50 }, asOf);
    expect(cap.filers.length).toBeGreaterThan(1);
    expect(cap.filers.some((f) => f.name === "Capital Late Filer")).toBe(false);
    await same();
  });

  it("stays exact when filings are renamed and deleted, and after the back-fill", async () => {
    await t.handle.query(
      sql`update thirteenf_filings set filer_name = 'Ocean Capital Advisors' where source_ref = 'f4'`,
    );
    await t.handle.query(sql`delete from thirteenf_filings where source_ref = 'f1'`);
    await same();
    const words = await t.handle.query<{ n: number }>(sql`select count(*)::int as n from filer_name_words`);
    await t.handle.query(sql`delete from filer_name_words`);
    const backfill = MIGRATION.slice(
      MIGRATION.indexOf("INSERT INTO filer_name_words (accession, position, word)\n  SELECT f."),
    );
    for (const statement of backfill.split("--> statement-breakpoint"))
      await t.handle.query(sql.raw(statement));
    const rebuilt = await t.handle.query<{ n: number }>(sql`select count(*)::int as n from filer_name_words`);
    expect(rebuilt[0]?.n).toBe(words[0]?.n);
    await same();
  });
});
