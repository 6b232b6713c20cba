/** Raw 13F filings and rows for the tests that compare the kept 13F tables with a computation from raw rows. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { holdingsReportCover, type ThirteenFCover } from "../../server/src/institutional/thirteenf.parse";

export type FilingKind = "orig" | "RESTATEMENT" | "NEW HOLDINGS" | "NOTICE";

/** The last statement (the back-fill) of the migration whose file name ends with `suffix`. */
export function backfillOf(suffix: string): string {
  const dir = join(import.meta.dirname, "..", "..", "db", "migrations");
  const file = readdirSync(dir).find((f) => f.endsWith(suffix));
  if (!file) throw new Error(`no migration *${suffix}`);
  return readFileSync(join(dir, file), "utf8").split("--> statement-breakpoint").at(-1) as string;
}

/** The cover page of a filing of `kind` (an original, an amendment of either type, a notice). */
export function coverOf(
  f: { filer: string; kind: FilingKind },
  name: string,
  period: string,
): ThirteenFCover {
  const amended = f.kind === "RESTATEMENT" || f.kind === "NEW HOLDINGS";
  return holdingsReportCover(f.filer, name, period, {
    submissionType: f.kind === "orig" ? "13F-HR" : f.kind === "NOTICE" ? "13F-NT" : "13F-HR/A",
    reportType: f.kind === "NOTICE" ? "13F NOTICE" : "13F HOLDINGS REPORT",
    isAmendment: amended,
    amendmentNo: amended ? 1 : null,
    amendmentType: f.kind === "RESTATEMENT" || f.kind === "NEW HOLDINGS" ? f.kind : null,
  });
}

/** One information-table row as the store takes it (value in dollars as filed). */
export function holdingOf(h: {
  row: number;
  name: string;
  cusip: string;
  shares: number;
  value: number;
  type: "SH" | "PRN";
  putCall: "Put" | "Call" | null;
}) {
  return {
    rowIndex: h.row,
    nameOfIssuer: h.name,
    titleOfClass: "COM",
    cusip: h.cusip,
    figi: null,
    valueAsFiled: h.value,
    valueUsd: h.value,
    valueUnit: "usd" as const,
    valueUnitBasis: "filing_date" as const,
    valueUnitSuspect: false,
    impliedPriceUsd: null,
    sharesOrPrincipal: h.shares,
    sharesOrPrincipalType: h.type,
    putCall: h.putCall,
    investmentDiscretion: "SOLE" as const,
    otherManager: null,
    votingSole: h.shares,
    votingShared: 0,
    votingNone: 0,
  };
}
