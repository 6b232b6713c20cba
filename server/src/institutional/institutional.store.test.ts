import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { insert13FHoldings, insert13FHoldingsCount, type ThirteenFHoldingRow } from "./thirteenf.store";

const row = (i: number, nameOfIssuer: string): ThirteenFHoldingRow => ({
  accession: "0009000000-25-000001",
  filerCik: "0009000000",
  periodOfReport: "2025-09-30",
  source: "test",
  publishedAt: new Date("2025-11-14T21:00:00Z"),
  holding: {
    rowIndex: i,
    nameOfIssuer,
    titleOfClass: i % 2 ? "COM" : null,
    cusip: "037833100",
    figi: null,
    valueAsFiled: i * 10,
    valueUsd: i * 10,
    valueUnit: "usd",
    valueUnitBasis: "filing_date",
    valueUnitSuspect: i % 3 === 0,
    impliedPriceUsd: 10,
    sharesOrPrincipal: i,
    sharesOrPrincipalType: "SH",
    putCall: i % 5 === 0 ? "Put" : null,
    investmentDiscretion: "SOLE",
    otherManager: null,
    votingSole: i,
    votingShared: 0,
    votingNone: 0,
  },
});

const AWKWARD = [
  "AT&T INC",
  'SAY "CHEESE" CORP',
  "BACK\\SLASH LTD",
  "TAB\tAND\nNEWLINE",
  "{BRACES}, COMMA",
  "NULL",
];

describe.each(engines())("13F holdings store on %s", (engine) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(engine);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("stores a large batch exactly (quotes, backslashes, tabs, newlines, the word NULL) and a re-run stores nothing", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => row(i + 1, AWKWARD[i % AWKWARD.length] as string));
    expect(await insert13FHoldings(handle.db, rows)).toHaveLength(5000);
    expect(await insert13FHoldings(handle.db, rows)).toEqual([]);
    const back = await handle.query<{
      row_index: number;
      name_of_issuer: string;
      title_of_class: string | null;
      value_unit_suspect: boolean;
      put_call: string | null;
      published_at: string;
    }>(
      sql`select row_index, name_of_issuer, title_of_class, value_unit_suspect, put_call, published_at::text from thirteenf_holdings where row_index <= 6 order by row_index`,
    );
    expect(back.map((r) => r.name_of_issuer)).toEqual(AWKWARD);
    expect(back[0]).toMatchObject({
      row_index: 1,
      title_of_class: "COM",
      value_unit_suspect: false,
      put_call: null,
    });
    expect(back[4]).toMatchObject({ row_index: 5, title_of_class: "COM", put_call: "Put" });
    expect(back[5]).toMatchObject({ title_of_class: null, value_unit_suspect: true });
    const [count] = await handle.query<{ n: number }>(sql`select count(*)::int as n from thirteenf_holdings`);
    expect(count?.n).toBe(5000);
  });

  it("a large batch that is partly stored already stores and returns only the missing rows", async () => {
    const accession = "0009000000-25-000002";
    const rows = Array.from({ length: 3000 }, (_, i) => ({ ...row(i + 1, "PART"), accession }));
    expect(
      await insert13FHoldings(
        handle.db,
        rows.filter((r) => r.holding.rowIndex % 7 === 0),
      ),
    ).toHaveLength(428);
    const fresh = await insert13FHoldings(handle.db, rows);
    expect(fresh).toHaveLength(3000 - 428);
    expect(fresh.every((r) => r.holding.rowIndex % 7 !== 0)).toBe(true);
    expect(await insert13FHoldingsCount(handle.db, rows)).toBe(0);
    const [count] = await handle.query<{ n: number }>(
      sql`select count(*)::int as n from thirteenf_holdings where accession = ${accession}`,
    );
    expect(count?.n).toBe(3000);
  });

  it("a large batch that repeats one of its own rows stores it once and the rest normally", async () => {
    const accession = "0009000000-25-000003";
    const rows = Array.from({ length: 2500 }, (_, i) => ({ ...row(i + 1, "DUP"), accession }));
    // Once right away (refused while the data still flows) and once as the very last row (refused after it).
    rows.splice(1, 0, { ...row(1, "DUP AGAIN"), accession });
    rows.push({ ...row(17, "DUP AGAIN"), accession });
    expect(await insert13FHoldingsCount(handle.db, rows)).toBe(2500);
    const [count] = await handle.query<{ n: number }>(
      sql`select count(*)::int as n from thirteenf_holdings where accession = ${accession}`,
    );
    expect(count?.n).toBe(2500);
    // The database is still usable on the same pool after the refused first attempt.
    const more = Array.from({ length: 2500 }, (_, i) => ({ ...row(i + 2501, "MORE"), accession }));
    expect(await insert13FHoldingsCount(handle.db, more)).toBe(2500);
  });

  it("a small batch with a mix of new and known rows returns only the new ones", async () => {
    const fresh = await insert13FHoldings(handle.db, [row(1, "X"), row(6001, "NEW ROW")]);
    expect(fresh.map((r) => r.holding.rowIndex)).toEqual([6001]);
  });
});
