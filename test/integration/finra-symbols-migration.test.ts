import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalSymbol } from "../../server/src/lib/symbol-form";
import { engines, openTestDb } from "../support/db";

const root = join(import.meta.dirname, "..", "..");
const MIGRATION = readFileSync(join(root, "db/migrations/0011_finra_symbols_canonical.sql"), "utf8");
const fixture = (name: string) => readFileSync(join(root, "test/fixtures/finra", name), "utf8");

/** Every symbol spelling in the FINRA daily samples, read here with a plain split. */
const finraSpellings = [
  ...new Set(
    ["CNMSshvol20210104.txt", "CNMSshvol20210125.txt"].flatMap((f) =>
      fixture(f)
        .split("\n")
        .slice(1)
        .map((l) => l.split("|"))
        .filter((p) => p.length === 6)
        .map((p) => p[1] as string),
    ),
  ),
];

/**
 * Migration 0011 rewrites FINRA rows stored under the old spellings (`BRK/B`, `AAICpB`) to the canonical
 * form the parsers now produce. It runs here over rows written the old way into a migrated database; its
 * SQL mapping must agree with `canonicalSymbol` on every spelling in the real files.
 */
describe.each(engines())("migration 0011 (FINRA symbols canonical) on %s", (engine) => {
  let handle: Awaited<ReturnType<typeof openTestDb>>;
  beforeAll(async () => {
    handle = await openTestDb(engine);
    // As stored before: every spelling as FINRA wrote it, one CNMS row each; BRK/B also already stored
    // canonically (the file loaded again after the upgrade), which must not become a duplicate.
    const rows = finraSpellings.map(
      (s, i) => sql`('2021-01-04', ${s}, 'CNMS', 'B,Q,N', ${i}, 0, ${i * 2}, 'finra_regsho', 'old', now())`,
    );
    rows.push(sql`('2021-01-04', 'BRK.B', 'CNMS', 'B,Q,N', 1, 0, 2, 'finra_regsho', 'new', now())`);
    await handle.db.execute(
      sql`insert into short_volume (day, symbol, facility, market, short_volume, short_exempt_volume, total_volume, source, source_ref, published_at)
          values ${sql.join(rows, sql`, `)}`,
    );
    await handle.db.execute(sql`insert into ats_weekly (week_start, tier, symbol, mpid, summary_type, shares, source, source_ref, published_at)
          values ('2025-12-29', 'OTC', 'AAICpB', 'OTCN', 'OTC_W_SMBL_FIRM', 5, 'finra_ats', 'old', now())`);
    await handle.db.execute(sql`insert into symbols (symbol, kinds) values ('AAICpB', array['short-volume']),
          ('AAIC.PRB', array['prints']), ('BRK/B', array['short-volume']), ('XYZ/A', array['prints'])`);
    for (const statement of MIGRATION.split("--> statement-breakpoint"))
      await handle.db.execute(sql.raw(statement));
  });
  afterAll(async () => handle?.close());

  it("stores every FINRA spelling of the samples as canonicalSymbol writes it", async () => {
    expect(finraSpellings.length).toBeGreaterThan(9000);
    const stored = await handle.query<{ symbol: string; source_ref: string; short_volume: number }>(
      sql`select symbol, source_ref, short_volume from short_volume where source_ref = 'old'`,
    );
    const expected = finraSpellings
      .filter((s) => s !== "BRK/B")
      .map((s) => {
        const c = canonicalSymbol(s);
        return c.ok ? c.symbol : `invalid ${s}`;
      })
      .sort();
    expect(stored.map((r) => r.symbol).sort()).toEqual(expected);
    expect(stored.map((r) => r.symbol)).toContain("AAIC.PRB");
    expect(stored.map((r) => r.symbol)).toContain("ACIC.WS");
  });

  it("drops an old row whose canonical twin is already stored", async () => {
    const brk = await handle.query<{ source_ref: string }>(
      sql`select source_ref from short_volume where symbol in ('BRK.B', 'BRK/B')`,
    );
    expect(brk).toEqual([{ source_ref: "new" }]);
  });

  it("rewrites ATS rows and the symbol picker, merging kinds and leaving other sources alone", async () => {
    const ats = await handle.query<{ symbol: string }>(sql`select symbol from ats_weekly`);
    expect(ats).toEqual([{ symbol: "AAIC.PRB" }]);
    const picker = await handle.query<{ symbol: string; kinds: string[] }>(
      sql`select symbol, kinds from symbols order by symbol`,
    );
    expect(picker).toEqual([
      { symbol: "AAIC.PRB", kinds: ["prints", "short-volume"] },
      { symbol: "BRK.B", kinds: ["short-volume"] },
      { symbol: "XYZ/A", kinds: ["prints"] },
    ]);
  });
});
