import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
} from "drizzle-orm/pg-core";
import { provenance } from "./core";

/**
 * 13F-HR filings (one row per accession), from the XML documents or the SEC 13F data sets.
 * `published_at` is the EDGAR acceptance time when known, else the end of the filing date (New York).
 */
export const thirteenfFilings = pgTable(
  "thirteenf_filings",
  {
    accession: text("accession").primaryKey(),
    filerCik: text("filer_cik").notNull(),
    filerName: text("filer_name"),
    submissionType: text("submission_type"),
    periodOfReport: date("period_of_report", { mode: "string" }).notNull(),
    /** `13F HOLDINGS REPORT`, `13F NOTICE`, `13F COMBINATION REPORT`. */
    reportType: text("report_type"),
    isAmendment: boolean("is_amendment").notNull().default(false),
    amendmentNo: integer("amendment_no"),
    /** `RESTATEMENT` replaces the filer's earlier filing for the period, `NEW HOLDINGS` adds to it. */
    amendmentType: text("amendment_type"),
    filedDate: date("filed_date", { mode: "string" }),
    tableEntryTotal: integer("table_entry_total"),
    tableValueTotal: doublePrecision("table_value_total"),
    /** `usd` or `thousands_usd`, by filing date (SEC switched to dollars for filings from 2023-01-03). */
    valueUnit: text("value_unit").notNull(),
    /**
     * The filing as a whole looks reported in another unit than its era's (cover total vs rows, implied
     * share prices); values are never rescaled, the flag and `value_unit_evidence` travel with them.
     */
    valueUnitSuspect: boolean("value_unit_suspect").notNull().default(false),
    /** The facts behind `value_unit_suspect` (thirteenf.unit.ts); null until assessed. */
    valueUnitEvidence: jsonb("value_unit_evidence"),
    ...provenance(),
  },
  (t) => [
    index("thirteenf_filings_filer_period_idx").on(t.filerCik, t.periodOfReport),
    index("thirteenf_filings_period_idx").on(t.periodOfReport, t.publishedAt),
    // institutionalSources (holdings.store.ts): per source, count, newest published_at and its source_ref,
    // as an index-only scan instead of reading every filing row.
    index("thirteenf_filings_source_idx").on(t.source, t.publishedAt, t.sourceRef),
  ],
);

/** Information-table rows of 13F filings: natural key accession + row position. */
export const thirteenfHoldings = pgTable(
  "thirteenf_holdings",
  {
    accession: text("accession").notNull(),
    rowIndex: integer("row_index").notNull(),
    filerCik: text("filer_cik").notNull(),
    periodOfReport: date("period_of_report", { mode: "string" }).notNull(),
    cusip: text("cusip").notNull(),
    nameOfIssuer: text("name_of_issuer").notNull(),
    titleOfClass: text("title_of_class"),
    figi: text("figi"),
    valueAsFiled: doublePrecision("value_as_filed").notNull(),
    valueUsd: doublePrecision("value_usd").notNull(),
    valueUnit: text("value_unit").notNull(),
    /** value/shares disagrees with a known price by 20x or more: probably reported in the wrong unit. */
    valueUnitSuspect: boolean("value_unit_suspect").notNull().default(false),
    sharesOrPrincipal: doublePrecision("shares_or_principal").notNull(),
    /** `SH` or `PRN` (principal amount of bonds, not shares). */
    sharesType: text("shares_type").notNull(),
    /** `Put` / `Call` for option positions (value is the underlying's), null for share positions. */
    putCall: text("put_call"),
    investmentDiscretion: text("investment_discretion"),
    otherManager: text("other_manager"),
    votingSole: doublePrecision("voting_sole").notNull().default(0),
    votingShared: doublePrecision("voting_shared").notNull().default(0),
    votingNone: doublePrecision("voting_none").notNull().default(0),
    ...provenance(),
  },
  (t) => [
    primaryKey({ columns: [t.accession, t.rowIndex] }),
    index("thirteenf_holdings_cusip_period_idx").on(t.cusip, t.periodOfReport),
    index("thirteenf_holdings_filer_period_idx").on(t.filerCik, t.periodOfReport),
  ],
);

/** Form 3/4/5 filings, keyed by accession, with the issuer they are about. */
export const insiderFilings = pgTable(
  "insider_filings",
  {
    accession: text("accession").primaryKey(),
    issuerCik: text("issuer_cik").notNull(),
    issuerName: text("issuer_name"),
    issuerSymbol: text("issuer_symbol"),
    documentType: text("document_type"),
    periodOfReport: date("period_of_report", { mode: "string" }),
    filedDate: date("filed_date", { mode: "string" }),
    aff10b5One: boolean("aff10b5_one"),
    /** Reporting owners with their relationship boxes, as filed. */
    reportingOwners: jsonb("reporting_owners").notNull(),
    footnotes: jsonb("footnotes").notNull(),
    ...provenance(),
  },
  (t) => [
    index("insider_filings_issuer_idx").on(t.issuerCik, t.publishedAt),
    // institutionalSources, as for thirteenf_filings.
    index("insider_filings_source_idx").on(t.source, t.publishedAt, t.sourceRef),
    // The insider leaderboards' issuer names: an issuer's greatest filed name first, latest filing first.
    index("insider_filings_issuer_name_idx").on(t.issuerCik, t.issuerName, t.publishedAt),
  ],
);

/** Open-market trades: non-derivative purchases (P) and sales (S). */
const OPEN_MARKET_ROWS = sql.raw(
  "code in ('P', 'S') and not is_derivative and table_name like '%Transaction'",
);

/**
 * Rows of the Form 4 tables, keyed by issuer, accession, table (`nonDerivativeTransaction`,
 * `nonDerivativeHolding`, `derivativeTransaction`, `derivativeHolding`) and row position: never by
 * the reporting owner, so a joint filing's row is stored once.
 */
export const insiderTransactions = pgTable(
  "insider_transactions",
  {
    issuerCik: text("issuer_cik").notNull(),
    accession: text("accession").notNull(),
    tableName: text("table_name").notNull(),
    rowIndex: integer("row_index").notNull(),
    issuerSymbol: text("issuer_symbol"),
    /** First reporting owner of the filing (joint filers are listed in `insider_filings`). */
    ownerCik: text("owner_cik").notNull(),
    ownerName: text("owner_name"),
    /** Comma list: director, officer, ten_percent_owner, other. */
    ownerRoles: text("owner_roles").notNull(),
    officerTitle: text("officer_title"),
    securityTitle: text("security_title"),
    transactionDate: date("transaction_date", { mode: "string" }),
    code: text("code"),
    acquiredDisposed: text("acquired_disposed"),
    shares: doublePrecision("shares"),
    priceUsd: doublePrecision("price_usd"),
    /** shares x price, null when either is missing. */
    valueUsd: doublePrecision("value_usd"),
    sharesOwnedAfter: doublePrecision("shares_owned_after"),
    directIndirect: text("direct_indirect"),
    natureOfOwnership: text("nature_of_ownership"),
    isDerivative: boolean("is_derivative").notNull(),
    conversionOrExercisePriceUsd: doublePrecision("conversion_or_exercise_price_usd"),
    expirationDate: date("expiration_date", { mode: "string" }),
    underlyingShares: doublePrecision("underlying_shares"),
    aff10b5One: boolean("aff10b5_one"),
    /** Footnote ids by field, e.g. `{"transactionPricePerShare": ["F3"]}`; texts in `insider_filings.footnotes`. */
    footnoteIds: jsonb("footnote_ids").notNull(),
    ...provenance(),
  },
  (t) => [
    primaryKey({ columns: [t.issuerCik, t.accession, t.tableName, t.rowIndex] }),
    index("insider_transactions_symbol_date_idx").on(t.issuerSymbol, t.transactionDate),
    // Market-wide insider buys/sells and cluster buys: open-market trades by date across issuers, covering
    // every column those windows read as key columns (drizzle has no INCLUDE): index-only scans, no heap or
    // filing lookups per trade.
    index("insider_transactions_open_market_window_idx")
      .on(
        t.transactionDate,
        t.issuerCik,
        t.issuerSymbol,
        t.code,
        t.ownerCik,
        t.ownerName,
        t.shares,
        t.priceUsd,
        t.valueUsd,
        t.aff10b5One,
        t.publishedAt,
        t.source,
        t.accession,
      )
      .where(sql`code in ('P', 'S') and not is_derivative and table_name like '%Transaction'`),
    index("insider_transactions_issuer_published_idx").on(t.issuerCik, t.publishedAt),
    // Point in time over insider_window_sums: the open-market trades of given dates published after as_of
    // (`transaction_date = any(days) and published_at > as_of`: one index range per date), and the latest
    // publication of a window (one backward step per date).
    index("insider_transactions_open_market_published_idx")
      .on(
        t.transactionDate,
        t.publishedAt,
        t.issuerCik,
        t.issuerSymbol,
        t.source,
        t.code,
        t.ownerCik,
        t.shares,
        t.priceUsd,
        t.valueUsd,
        t.aff10b5One,
      )
      .where(sql`${OPEN_MARKET_ROWS} and issuer_symbol is not null`),
    // Cluster buys: the open-market purchases of a date range with every column the rule reads.
    index("insider_transactions_open_market_buys_idx")
      .on(
        t.transactionDate,
        t.issuerCik,
        t.ownerCik,
        t.publishedAt,
        t.source,
        t.accession,
        t.issuerSymbol,
        t.ownerName,
        t.shares,
        t.priceUsd,
        t.valueUsd,
      )
      .where(sql`code = 'P' and not is_derivative and table_name like '%Transaction'`),
    // Cluster buys of one issuer (the clusters of a page): its purchases of a date range, the last one first.
    index("insider_transactions_issuer_buys_idx")
      .on(t.issuerCik, t.transactionDate, t.publishedAt, t.accession, t.ownerCik, t.ownerName, t.issuerSymbol)
      .where(sql`code = 'P' and not is_derivative and table_name like '%Transaction'`),
    // A window's latest accession by source: one backward step per date and source.
    index("insider_transactions_open_market_source_idx")
      .on(t.transactionDate, t.source, t.accession, t.publishedAt)
      .where(sql`${OPEN_MARKET_ROWS} and issuer_symbol is not null`),
  ],
);

/** The dates of insider_window_sums: every trade date and every known date (below) of an open-market trade. */
export const insiderWindowDays = pgTable("insider_window_days", {
  day: date("day", { mode: "string" }).primaryKey(),
});

/**
 * Running totals of the open-market Form 4 trades (non-derivative P and S rows with an issuer symbol) per
 * issuer, symbol and source, on each date of insider_window_days (a row per key from its first date on), in
 * two sets: by trade date (`buy_value_usd`..: the trades dated on or before the date, whenever published) and
 * by known date (`known_*`: the trades dated and published, New York date of `published_at`, on or before
 * it). A window's trades published by the end of its last day are the known totals of that day less the
 * trade-dated totals of the day before the window, plus the trades that straddle the window (dated before
 * it, published after it). Kept by statement triggers on insider_transactions (migrations
 * insider_window_sums, insider_known_sums); exact sums (numeric).
 */
export const insiderWindowSums = pgTable(
  "insider_window_sums",
  {
    day: date("day", { mode: "string" }).notNull(),
    issuerCik: text("issuer_cik").notNull(),
    issuerSymbol: text("issuer_symbol").notNull(),
    source: text("source").notNull(),
    buyValueUsd: numeric("buy_value_usd").notNull(),
    buyShares: numeric("buy_shares").notNull(),
    buyTransactions: bigint("buy_transactions", { mode: "number" }).notNull(),
    sellValueUsd: numeric("sell_value_usd").notNull(),
    sellShares: numeric("sell_shares").notNull(),
    sellTransactions: bigint("sell_transactions", { mode: "number" }).notNull(),
    plannedSellTransactions: bigint("planned_sell_transactions", { mode: "number" }).notNull(),
    knownBuyValueUsd: numeric("known_buy_value_usd").notNull().default("0"),
    knownBuyShares: numeric("known_buy_shares").notNull().default("0"),
    knownBuyTransactions: bigint("known_buy_transactions", { mode: "number" }).notNull().default(0),
    knownSellValueUsd: numeric("known_sell_value_usd").notNull().default("0"),
    knownSellShares: numeric("known_sell_shares").notNull().default("0"),
    knownSellTransactions: bigint("known_sell_transactions", { mode: "number" }).notNull().default(0),
    knownPlannedSellTransactions: bigint("known_planned_sell_transactions", { mode: "number" })
      .notNull()
      .default(0),
    /** The last date <= `day` on which the known totals changed (null: none yet). */
    knownChangedOn: date("known_changed_on", { mode: "string" }),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.issuerCik, t.issuerSymbol, t.source] }),
    // A window reads only the keys whose known totals changed inside it (no other has a trade there).
    index("insider_window_sums_changed_idx").on(t.day, t.knownChangedOn),
  ],
);

/**
 * Running counts of the same open-market trades per issuer, symbol, code (P or S) and reporting owner, on
 * each date of insider_window_days, by trade date (`transactions`) and by known date (`known_transactions`):
 * an owner traded in a window when the same difference as for the sums is positive. Read for a leaderboard
 * page's issuers (distinct insiders). Same triggers.
 */
export const insiderOwnerWindowCounts = pgTable(
  "insider_owner_window_counts",
  {
    day: date("day", { mode: "string" }).notNull(),
    issuerCik: text("issuer_cik").notNull(),
    issuerSymbol: text("issuer_symbol").notNull(),
    code: text("code").notNull(),
    ownerCik: text("owner_cik").notNull(),
    transactions: bigint("transactions", { mode: "number" }).notNull(),
    /** The same trades counted on their known date (dated and published by then). */
    knownTransactions: bigint("known_transactions", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    primaryKey({
      name: "insider_owner_window_counts_pk",
      columns: [t.day, t.issuerCik, t.issuerSymbol, t.code, t.ownerCik],
    }),
  ],
);

/** What a CUSIP is, by source (`user_csv` beats `openfigi` beats filings when they disagree). */
export const securities = pgTable(
  "securities",
  {
    cusip: text("cusip").notNull(),
    symbol: text("symbol").notNull(),
    name: text("name"),
    cik: text("cik"),
    sharesOutstanding: doublePrecision("shares_outstanding"),
    sharesAsOf: date("shares_as_of", { mode: "string" }),
    ...provenance(),
  },
  (t) => [primaryKey({ columns: [t.cusip, t.source] }), index("securities_symbol_idx").on(t.symbol)],
);

/**
 * The SEC's ticker list (`company_tickers.json`): which company (CIK) a ticker means today. Refreshed by
 * the `sec-tickers` sync job as a snapshot: a ticker no longer listed is removed, a ticker that moved to
 * another CIK is updated. `symbol` is the tape form (`BRK.B`), `sec_ticker` the SEC's (`BRK-B`).
 */
export const secCompanyTickers = pgTable(
  "sec_company_tickers",
  {
    symbol: text("symbol").primaryKey(),
    secTicker: text("sec_ticker").notNull(),
    /** 10 digits, zero-padded. */
    cik: text("cik").notNull(),
    title: text("title").notNull(),
    ...provenance(),
  },
  (t) => [index("sec_company_tickers_cik_idx").on(t.cik)],
);
