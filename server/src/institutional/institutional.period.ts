import type { Db } from "@smt/db";
import { periodsWithHoldings } from "./holdings.store";
import { latestCompleteQuarter } from "./institutional.signals";

/** Which quarter a holders/changes/flow answer is about, and why (the payload's `period_selection`). */
export interface PeriodSelection {
  /** `requested`: the `period` parameter; `latest_with_data`: the newest quarter with a filing holding the
   * stock public at `as_of`; `latest_complete_quarter`: no such filing, the clock's quarter. */
  rule: "requested" | "latest_with_data" | "latest_complete_quarter";
  reason: string;
  /** The newest quarter whose 45-day filing deadline had passed at `as_of` (New York days). */
  latest_complete_quarter: string;
  /** True while the chosen quarter's filing deadline has not passed: more reports may still arrive. */
  filing_window_open: boolean;
}

/**
 * The default quarter is the latest one with data public at `as_of`, not the clock's latest complete
 * quarter: on 2025-01-23 a 2024Q4 report filed the day before is the news, and a database holding only
 * older quarters should still answer with them.
 */
export async function choosePeriod(
  db: Db,
  cusips: string[],
  asOf: Date,
  requested: string | undefined,
): Promise<{ period: string; selection: PeriodSelection }> {
  const complete = latestCompleteQuarter(asOf);
  const pick = (period: string, rule: PeriodSelection["rule"], reason: string) => ({
    period,
    selection: { rule, reason, latest_complete_quarter: complete, filing_window_open: period > complete },
  });
  if (requested) return pick(requested, "requested", "the period parameter");
  const [latest] = await periodsWithHoldings(db, cusips, asOf);
  if (latest) {
    return pick(
      latest,
      "latest_with_data",
      latest > complete
        ? `newest quarter with a filing holding the stock public at as_of; its filing deadline has not passed (latest complete quarter ${complete}), so reports are partial`
        : "newest quarter with a filing holding the stock public at as_of",
    );
  }
  return pick(complete, "latest_complete_quarter", "no filing holding the stock is public at as_of");
}
