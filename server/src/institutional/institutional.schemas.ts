/**
 * The payloads of the institutional area (13F holders, changes and flow; Form 4 transactions and
 * sentiment), one zod schema each with its TypeScript type inferred from it. The REST routes document
 * them; `institutional.service.ts` returns them to every caller (REST, analytics, CLI).
 */
import { z } from "@hono/zod-openapi";
import { Freshness, Source } from "../lib/openapi";

const Common = {
  as_of: z.string(),
  params_version: z.string(),
  freshness: z.array(Freshness),
  sources: z.array(Source),
};

const Holder = z.object({
  holder_cik: z.string(),
  holder_name: z.string().nullable(),
  shares: z.number().openapi({ description: "Shares in share positions (puts/calls and PRN excluded)" }),
  value: z.number().openapi({ description: "USD" }),
  percent_of_shares_outstanding: z.number().nullable(),
  percent_of_portfolio: z.number().nullable(),
  change_shares: z
    .number()
    .nullable()
    .openapi({ description: "vs prior quarter; null when the holder has no prior report" }),
  change_percentage: z.number().nullable(),
  put_value: z.number(),
  call_value: z.number(),
  value_unit: z
    .string()
    .openapi({ description: "Unit of `value` as filed: usd or thousands_usd (by filing date)" }),
  value_unit_suspect: z.boolean().openapi({
    description: "The filing as a whole, or a row, looks filed in another unit; see value_unit_flags",
  }),
  value_unit_flags: z.array(z.string()),
  filed_at: z.string(),
  accessions: z.array(z.string()),
});

const PeriodSelectionSchema = z.object({
  rule: z.enum(["requested", "latest_with_data", "latest_complete_quarter"]),
  reason: z.string(),
  latest_complete_quarter: z.string(),
  filing_window_open: z.boolean(),
});

const ValueUnitFlag = z.object({
  accession: z.string(),
  filer_cik: z.string(),
  value_unit: z.string(),
  flags: z.array(z.string()),
  evidence: z.record(z.string(), z.unknown()),
});

/** Fields every quarter answer carries: which quarter and why, and the filings whose unit is in doubt. */
const QuarterCommon = {
  symbol: z.string(),
  period: z.string(),
  prior_period: z.string(),
  period_selection: PeriodSelectionSchema,
  value_unit_flags: z.array(ValueUnitFlag).openapi({
    description: "Filings counted here whose values look filed in another unit, with the evidence",
  }),
};

export const UnmappedCusipsPayload = z.object({
  cusips: z.array(
    z.object({
      cusip: z.string(),
      name_of_issuer: z.string().nullable(),
      rows: z.number(),
      value_usd: z.number().nullable(),
    }),
  ),
});
export type UnmappedCusipsPayload = z.infer<typeof UnmappedCusipsPayload>;

export const HoldersPayload = z
  .object({
    ...QuarterCommon,
    total_holders: z.number(),
    shares_outstanding: z.number().nullable(),
    shares_outstanding_as_of: z.string().nullable(),
    cusips: z.array(z.string()),
    holders: z.array(Holder),
    ...Common,
  })
  .openapi("InstitutionalHolders");
export type HoldersPayload = z.infer<typeof HoldersPayload>;

const Change = z.object({
  holder_cik: z.string(),
  holder_name: z.string().nullable(),
  change_type: z.enum(["new", "increased", "decreased", "sold_out", "unchanged", "not_reported", "unknown"]),
  shares: z.number(),
  prior_shares: z.number(),
  change_shares: z.number(),
  change_percentage: z.number().nullable(),
});
const Bucket = z.object({ count: z.number(), shares: z.number() });

export const ChangesPayload = z
  .object({
    ...QuarterCommon,
    increased: Bucket,
    decreased: Bucket,
    new_positions: Bucket,
    sold_out: Bucket,
    unchanged: z.number(),
    not_reported: z.number().openapi({ description: "Prior holders with no report for this quarter yet" }),
    unknown: z.number().openapi({
      description: "Current holders whose prior-quarter report is not loaded (not counted as new)",
    }),
    changes: z.array(Change),
    ...Common,
  })
  .openapi("InstitutionalChanges");
export type ChangesPayload = z.infer<typeof ChangesPayload>;

export const FlowPayload = z
  .object({
    ...QuarterCommon,
    institutional_ownership: z.number().nullable().openapi({ description: "% of shares outstanding" }),
    institutional_shares: z.number(),
    prior_institutional_shares: z.number(),
    net_change_percentage: z.number().nullable(),
    flow_direction: z.enum(["strong_inflow", "inflow", "neutral", "outflow", "strong_outflow"]),
    new_positions: z.number(),
    sold_out_positions: z.number(),
    unknown_prior_positions: z
      .number()
      .openapi({ description: "Holders left out of the comparison: prior-quarter report not loaded" }),
    conviction_score: z.number().openapi({ description: "0-100, see docs/institutional.md" }),
    conviction_components: z.object({
      breadth: z.number(),
      magnitude: z.number(),
      entries: z.number(),
      weights: z.object({ breadth: z.number(), magnitude: z.number(), entries: z.number() }),
    }),
    filed_through: z
      .string()
      .nullable()
      .openapi({ description: "Newest filing date counted (points in time are filing dates)" }),
    ...Common,
  })
  .openapi("InstitutionalFlow");
export type FlowPayload = z.infer<typeof FlowPayload>;

const InsiderTx = z.object({
  insider_cik: z.string(),
  insider_name: z.string().nullable(),
  role: z.string().openapi({ description: "director, officer, ten_percent_owner, other (comma list)" }),
  officer_title: z.string().nullable(),
  transaction_date: z.string().nullable(),
  transaction_code: z.string().nullable(),
  acquired_disposed: z.string().nullable(),
  security_title: z.string().nullable(),
  is_derivative: z.boolean(),
  shares: z.number().nullable(),
  price: z.number().nullable(),
  value: z.number().nullable(),
  shares_owned_after: z.number().nullable(),
  direct_indirect: z.string().nullable(),
  is_10b5_1: z.boolean().nullable(),
  footnote_ids: z.record(z.string(), z.array(z.string())),
  accession: z.string(),
  filed_at: z.string(),
  source: z.string(),
});

export const InsiderTransactionsPayload = z
  .object({ symbol: z.string(), transactions: z.array(InsiderTx), ...Common })
  .openapi("InsiderTransactions");
export type InsiderTransactionsPayload = z.infer<typeof InsiderTransactionsPayload>;

const Window = z.object({
  days: z.number(),
  buys: z.object({ count: z.number(), value: z.number() }),
  sells: z.object({ count: z.number(), value: z.number(), planned_10b5_1: z.number() }),
  other: z.object({ count: z.number() }),
  excluded: z.object({ count: z.number() }),
});

export const InsiderSentimentPayload = z
  .object({
    symbol: z.string(),
    windows: z.array(Window),
    cluster_buys: z.array(
      z.object({ start: z.string(), end: z.string(), insiders: z.number(), value: z.number() }),
    ),
    sentiment: z.enum(["bullish", "bearish", "neutral"]),
    score: z.number().openapi({
      description:
        "100 x the insider signal over the 90-day window, -100..100 (docs/methodology.md, Insider signal)",
    }),
    score_window: z.object({ from: z.string(), to: z.string(), days: z.number() }),
    score_components: z
      .object({
        transactions: z.number(),
        buy_count: z.number(),
        sell_count: z.number(),
        planned_sell_count: z.number(),
        buy_value_usd: z.number(),
        sell_value_usd: z.number(),
        buy_holding_share: z.number(),
        sell_holding_share: z.number(),
        weighted_sell_holding_share: z.number(),
        unsized_transactions: z.number(),
        cluster_buys: z.number(),
      })
      .openapi({ description: "The parts of the signal, unrounded" }),
    parameters: z.object({
      exclude_codes: z.array(z.string()),
      cluster_min_insiders: z.number(),
      cluster_window_days: z.number(),
    }),
    ...Common,
  })
  .openapi("InsiderSentiment");
export type InsiderSentimentPayload = z.infer<typeof InsiderSentimentPayload>;
