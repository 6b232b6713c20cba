/**
 * FINRA revises weekly ATS data after publication (a re-published week carries a later `lastUpdateDate`).
 * The ATS job re-asks the newest stored weeks of each tier on every run (`recheckWeeks`) and hands the
 * answer here: a week whose venues, shares and trades equal the stored ones writes nothing; a week that
 * differs replaces the stored (week, tier) in one transaction (its ATS rows deleted, the fetched ones
 * inserted through the same strict ingest), so a reader sees the old week or the new one, never a mix,
 * and a venue no longer listed is gone. The delete and the insert bump `data_versions` (triggers on
 * `ats_weekly`), so cached reads and the ATS share computed at read time follow the revision.
 */
import type { Db } from "@smt/db";
import { schema } from "@smt/db";
import { and, eq } from "drizzle-orm";
import type { AtsWeeklyRecord } from "../darkpool/ats.parse";
import { atsWeeklyStore } from "../darkpool/finra.store";
import { type IngestSummary, runIngest } from "../lib/ingest";
import type { Parsed } from "../lib/records";
import { ATS_SUMMARY_TYPE } from "./finra-ats.fetch";

/** What a stored or re-checked (week, tier) did. */
export type AtsWeekCounts = {
  accepted: number;
  duplicates: number;
  /** 1 when a stored week differed from FINRA's answer and was replaced. */
  revised: number;
  /** 1 when a re-checked week equalled the stored one (nothing written). */
  unchanged: number;
};

const figures = (shares: number, trades: number | null | undefined) => `${shares}|${trades ?? ""}`;

/** True when the fetched records hold exactly the stored venues of the (week, tier) with the same figures. */
export async function sameAsStored(
  db: Db,
  week: string,
  tier: string,
  records: readonly AtsWeeklyRecord[],
): Promise<boolean> {
  const t = schema.atsWeekly;
  const rows = await db
    .select({ symbol: t.symbol, mpid: t.mpid, shares: t.shares, trades: t.trades })
    .from(t)
    .where(and(eq(t.weekStart, week), eq(t.tier, tier), eq(t.summaryType, ATS_SUMMARY_TYPE)));
  if (rows.length !== records.length) return false;
  const stored = new Map(rows.map((r) => [`${r.symbol}|${r.mpid}`, figures(r.shares, r.trades)]));
  return records.every((r) => stored.get(`${r.symbol}|${r.mpid}`) === figures(r.shares, r.trades));
}

/** Replaces the stored ATS rows of a (week, tier) with `parsed` in one transaction (strict: all or none). */
export async function replaceAtsWeek(
  db: Db,
  week: string,
  tier: string,
  sourceRef: string,
  parsed: readonly Parsed<AtsWeeklyRecord>[],
): Promise<IngestSummary> {
  const t = schema.atsWeekly;
  return db.transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    await txDb
      .delete(t)
      .where(and(eq(t.weekStart, week), eq(t.tier, tier), eq(t.summaryType, ATS_SUMMARY_TYPE)));
    return runIngest({
      db: txDb,
      kind: "ats",
      source: "finra_otc_transparency",
      sourceRef: `${sourceRef} (revision)`,
      records: (async function* () {
        yield [...parsed];
      })(),
      insert: atsWeeklyStore.insert,
      symbolOf: (r) => r.symbol,
      transactional: true,
      strict: true,
    });
  });
}
