// 13F position changes per filer and CUSIP kept at ingest, and their per-security day checkpoints (market views).
import { sql } from "drizzle-orm";
import {
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

/**
 * One filer's quarter-on-quarter change in one CUSIP (docs/methodology.md "13F positions and changes"), kept
 * by triggers on `thirteenf_filings` / `thirteenf_holdings` in the transaction that writes them (migration
 * 0022, `smt_13f_refresh`). A row holds for `as_of` in [valid_from, valid_to): each publication of one of
 * the filer's reports for `period` or its prior quarter starts a version, so the point-in-time rules of
 * `effectiveFilings` (published by as_of, latest original or RESTATEMENT, later NEW HOLDINGS added, no
 * 13F NOTICE) hold for every as_of. `now_*`: the period's position (SH rows without put/call for shares,
 * every non-option row for value; null when not held); `prev_shares`: the prior quarter's, only when > 0.
 */
export const thirteenfPositionChanges = pgTable(
  "thirteenf_position_changes",
  {
    period: date("period", { mode: "string" }).notNull(),
    filerCik: text("filer_cik").notNull(),
    cusip: text("cusip").notNull(),
    validFrom: timestamp("valid_from", { withTimezone: true, mode: "date" }).notNull(),
    /** 'infinity' while no later filing of the filer for the period or its prior quarter is stored. */
    validTo: timestamp("valid_to", { withTimezone: true, mode: "date" }).notNull(),
    nowName: text("now_name"),
    prevName: text("prev_name"),
    nowShares: doublePrecision("now_shares"),
    nowValueUsd: doublePrecision("now_value_usd"),
    prevShares: doublePrecision("prev_shares"),
    /** The filer's report for `period` / its prior quarter is published in this version. */
    inNow: boolean("in_now").notNull(),
    inPrev: boolean("in_prev").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.period, t.filerCik, t.cusip, t.validFrom] }),
    index("thirteenf_position_changes_filer_idx").on(t.filerCik, t.period, t.validFrom),
    // The market view at an as_of before the period's last publication: open versions published later...
    index("thirteenf_position_changes_open_idx").on(t.period, t.validFrom).where(sql`valid_to = 'infinity'`),
    // ...and closed versions still holding at as_of.
    index("thirteenf_position_changes_closed_idx").on(t.period, t.validTo).where(sql`valid_to <> 'infinity'`),
    // ...and, from a checkpoint of thirteenf_security_days, the closed versions beginning before as_of.
    index("thirteenf_position_changes_closed_from_idx")
      .on(t.period, t.validFrom)
      .where(sql`valid_to <> 'infinity'`),
  ],
);

/**
 * The days on which a period's `thirteenf_position_changes` versions begin or end, as UTC midnights
 * (`smt_13f_day`: the first midnight at or after the time): the checkpoints of `thirteenf_security_days`.
 */
export const thirteenfChangeDays = pgTable(
  "thirteenf_change_days",
  {
    period: date("period", { mode: "string" }).notNull(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.at] })],
);

/** `net_change_value_usd` of the market views: (known_now - known_prev) x (value_usd / shares), null without shares. */
export const NET_CHANGE_VALUE_SQL =
  "case when shares > 0 then (known_now::float8 - known_prev::float8) * (value_usd::float8 / shares::float8) end";
/** The order of the newly held list: new positions, then this quarter's value. */
export const NEW_HELD_KEY_SQL = "new_positions::float8 * 1e15 + value_usd::float8 / 1e3";

/**
 * Per period, checkpoint (`thirteenf_change_days`) and security: the sums of the contributions (view
 * `thirteenf_position_contribs`) of the change rows holding at the checkpoint (valid_from <= at <
 * valid_to), with the keys the market views rank by (stored, indexed per checkpoint: a page reads only its
 * rows). Kept by the triggers of migration 0022; the last checkpoint of a period holds the open rows. `rows`
 * counts the contributing rows (the row goes at 0); sums are numeric so adding and removing contributions
 * is exact. A read at `as_of` takes the last checkpoint at or before it and corrects it by the versions
 * beginning or ending between the two (that day's filings only).
 */
export const thirteenfSecurityDays = pgTable(
  "thirteenf_security_days",
  {
    period: date("period", { mode: "string" }).notNull(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
    cusip: text("cusip").notNull(),
    rows: integer("rows").notNull(),
    holders: integer("holders").notNull(),
    newPositions: integer("new_positions").notNull(),
    soldOut: integer("sold_out").notNull(),
    increased: integer("increased").notNull(),
    decreased: integer("decreased").notNull(),
    unknown: integer("unknown").notNull(),
    notReported: integer("not_reported").notNull(),
    shares: numeric("shares").notNull(),
    valueUsd: numeric("value_usd").notNull(),
    knownNow: numeric("known_now").notNull(),
    knownPrev: numeric("known_prev").notNull(),
    netValue: doublePrecision("net_value").generatedAlwaysAs(sql.raw(NET_CHANGE_VALUE_SQL)),
    newKey: doublePrecision("new_key").generatedAlwaysAs(sql.raw(NEW_HELD_KEY_SQL)),
  },
  (t) => [
    primaryKey({ columns: [t.period, t.at, t.cusip] }),
    // smt_13f_days_apply drops the rows no change row contributes to any more.
    index("thirteenf_security_days_empty_idx").on(t.period).where(sql`rows = 0`),
    index("thirteenf_security_days_net_idx").on(t.period, t.at, t.netValue).where(sql`shares > 0`),
    index("thirteenf_security_days_new_idx").on(t.period, t.at, t.newPositions).where(sql`new_positions > 0`),
    index("thirteenf_security_days_new_key_idx").on(t.period, t.at, t.newKey).where(sql`new_positions > 0`),
    index("thirteenf_security_days_sold_idx").on(t.period, t.at, t.soldOut).where(sql`sold_out > 0`),
  ],
);

/** Issuer names of the change rows holding at a checkpoint, per security, with how many rows carry each. */
export const thirteenfSecurityDayNames = pgTable(
  "thirteenf_security_day_names",
  {
    period: date("period", { mode: "string" }).notNull(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
    cusip: text("cusip").notNull(),
    name: text("name").notNull(),
    rows: integer("rows").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.period, t.at, t.cusip, t.name] }),
    index("thirteenf_security_day_names_empty_idx").on(t.period).where(sql`rows = 0`),
  ],
);

/**
 * Per 13F filing (accession): how many information-table rows are stored and the sum of their `value_usd`
 * (every row: shares, principal amounts and options alike), kept by statement triggers on
 * `thirteenf_holdings` in the transaction that writes the rows (migration 0031). A filer's portfolio for a
 * period at `as_of` is the sum over its effective filings (`effectiveFilings`: latest original or
 * RESTATEMENT plus later NEW HOLDINGS), so `percent_of_portfolio` never reads a whole report.
 */
export const thirteenfFilingTotals = pgTable("thirteenf_filing_totals", {
  accession: text("accession").primaryKey(),
  rows: integer("rows").notNull(),
  valueUsd: doublePrecision("value_usd").notNull(),
});
