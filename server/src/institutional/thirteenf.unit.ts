/**
 * Whether a 13F filing's `value` column is in the unit of its era. The SEC instructed thousands of
 * dollars for filings made before 2023-01-03 and dollars from then on (Release 34-95148; the 13F data-set
 * readme branches on the filing date). Filers got it wrong both ways, so the era unit is only a
 * presumption: the cover page's `tableValueTotal` and the implied share prices are checked against it,
 * and a filing whose evidence disagrees is flagged as a whole. Values are never rescaled on a guess.
 */

/** Facts about one stored filing, gathered from its cover page and its rows. */
export interface ValueUnitFacts {
  /** Unit of the filing's era (`DOLLAR_VALUE_FROM_FILING_DATE`), as stored. */
  valueUnit: "usd" | "thousands_usd";
  filedDate: string | null;
  tableEntryTotal: number | null;
  tableValueTotal: number | null;
  rows: number;
  /** Sum of `value` exactly as filed (the unit of `tableValueTotal`). */
  rowsValueAsFiled: number;
  /** Median of value (era unit, USD) / shares over share rows without put/call. */
  medianImpliedPriceUsd: number | null;
  /** Share rows with a stored close near the period end. */
  rowsWithStoredClose: number;
  /** Of those, rows whose implied price is `UNIT_SUSPECT_FACTOR` times off the close. */
  rowsOffStoredClose: number;
}

export type TotalCheck = "match" | "rows_1000x_total" | "total_1000x_rows" | "mismatch" | "no_total";

export interface ValueUnitAssessment {
  valueUnit: "usd" | "thousands_usd";
  /** Any flag set: the filing's values are probably in another unit than `valueUnit`. */
  suspect: boolean;
  flags: string[];
  evidence: ValueUnitFacts & { totalCheck: TotalCheck; rowsToTotalRatio: number | null };
}

export const VALUE_UNIT_CHECK = {
  /** Rows and cover total agree within this relative gap (thousands-era rows are rounded). */
  totalTolerance: 0.01,
  /** A median implied share price above this is not a portfolio of shares priced in dollars. */
  maxMedianPriceUsd: 5_000,
  /** ...and below this one is not either (a dollars-era table filed in thousands gives ~$0.1). */
  minMedianPriceUsd: 0.5,
  /** Share of the priced rows that must be off their close before the filing (not a row) is flagged. */
  offCloseShare: 0.5,
} as const;

/** How the sum of the rows compares with the cover page's total (both as filed). */
export function totalCheck(
  rowsValue: number,
  total: number | null,
): { check: TotalCheck; ratio: number | null } {
  if (total === null || total <= 0) return { check: "no_total", ratio: null };
  const ratio = rowsValue / total;
  if (Math.abs(ratio - 1) <= VALUE_UNIT_CHECK.totalTolerance) return { check: "match", ratio };
  if (ratio >= 500 && ratio <= 2_000) return { check: "rows_1000x_total", ratio };
  if (ratio >= 1 / 2_000 && ratio <= 1 / 500) return { check: "total_1000x_rows", ratio };
  return { check: "mismatch", ratio };
}

/** Weighs the evidence; each flag names what disagrees with the era unit. */
export function assessValueUnit(facts: ValueUnitFacts, c = VALUE_UNIT_CHECK): ValueUnitAssessment {
  const flags: string[] = [];
  if (facts.filedDate === null) flags.push("unit_assumed_without_filing_date");
  const total = totalCheck(facts.rowsValueAsFiled, facts.tableValueTotal);
  if (total.check === "rows_1000x_total") flags.push("rows_1000x_cover_total");
  if (total.check === "total_1000x_rows") flags.push("cover_total_1000x_rows");
  const median = facts.medianImpliedPriceUsd;
  if (median !== null && median > c.maxMedianPriceUsd) flags.push("median_implied_price_above_5000_usd");
  if (median !== null && median > 0 && median < c.minMedianPriceUsd)
    flags.push("median_implied_price_below_0.50_usd");
  if (
    facts.rowsWithStoredClose > 0 &&
    facts.rowsOffStoredClose >= facts.rowsWithStoredClose * c.offCloseShare
  )
    flags.push("implied_prices_off_stored_closes");
  return {
    valueUnit: facts.valueUnit,
    suspect: flags.length > 0,
    flags,
    evidence: { ...facts, totalCheck: total.check, rowsToTotalRatio: total.ratio },
  };
}
