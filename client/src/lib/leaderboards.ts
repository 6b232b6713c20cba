/**
 * How the Market page shows each leaderboard metric of `/market/leaders` (definitions in
 * docs/methodology.md "Market"; the server sends each one's `definition` and `unit` too): a tab label and
 * the columns that explain the value, each with its unit. Typed against the server's own metric list, so a
 * metric added there fails the client's type check until it has a tab here.
 */

import { DASH, fmtCount, fmtFraction, fmtNumber, fmtShares, fmtSigned, fmtUsd, humanize } from "./format";
import type { Metric } from "./market-api";

/** How a number is written: every kind carries its unit. */
export type Kind =
  | "usd"
  | "signed_usd"
  | "shares"
  | "fraction"
  | "skew"
  | "multiple"
  | "count"
  | "filers"
  | "contracts"
  | "score"
  | "text";

export interface Column {
  field: string;
  label: string;
  kind: Kind;
}

export interface MetricTab {
  label: string;
  /** How the value (the ranked number) is written. */
  kind: Kind;
  /** Fields of the row shown beside the value. */
  columns: Column[];
  /** The row names a security by name rather than (only) by ticker. */
  nameField?: string;
}

const col = (field: string, label: string, kind: Kind): Column => ({ field, label, kind });

export const METRIC_TABS = {
  dark_pool_value: {
    label: "Dark-pool value",
    kind: "usd",
    columns: [
      col("off_exchange_volume", "Off-exch. volume", "shares"),
      col("off_exchange_prints", "Prints", "count"),
      col("dark_pool_ratio", "Off-exch. ratio", "fraction"),
    ],
  },
  dark_pool_ratio: {
    label: "Dark-pool ratio",
    kind: "fraction",
    columns: [
      col("off_exchange_volume", "Off-exch. volume", "shares"),
      col("consolidated_volume", "Consolidated volume", "shares"),
    ],
  },
  block_value: {
    label: "Block value",
    kind: "usd",
    columns: [
      col("block_count", "Blocks", "count"),
      col("bullish_value_usd", "Bullish", "usd"),
      col("bearish_value_usd", "Bearish", "usd"),
    ],
  },
  unusual_volume: {
    label: "Unusual volume",
    kind: "multiple",
    columns: [
      col("off_exchange_volume", "Off-exch. volume", "shares"),
      col("trailing_avg_volume", "Trailing average", "shares"),
      col("trailing_days", "Days averaged", "count"),
    ],
  },
  short_volume: {
    label: "Short volume",
    kind: "shares",
    columns: [col("total_volume", "Total volume", "shares"), col("short_ratio", "Short ratio", "fraction")],
  },
  short_ratio: {
    label: "Short ratio",
    kind: "fraction",
    columns: [col("short_volume", "Short volume", "shares"), col("total_volume", "Total volume", "shares")],
  },
  options_premium: {
    label: "Options premium",
    kind: "usd",
    columns: [
      col("call_premium_usd", "Calls", "usd"),
      col("put_premium_usd", "Puts", "usd"),
      col("prints", "Prints", "count"),
    ],
  },
  call_put_skew: {
    label: "Call/put skew",
    kind: "skew",
    columns: [
      col("call_premium_usd", "Calls", "usd"),
      col("put_premium_usd", "Puts", "usd"),
      col("call_volume", "Call volume", "contracts"),
      col("put_volume", "Put volume", "contracts"),
    ],
  },
  insider_buys: {
    label: "Insider buys",
    kind: "usd",
    nameField: "issuer_name",
    columns: [
      col("insiders", "Insiders", "count"),
      col("transactions", "Trades", "count"),
      col("shares", "Shares", "shares"),
    ],
  },
  insider_sells: {
    label: "Insider sells",
    kind: "usd",
    nameField: "issuer_name",
    columns: [
      col("insiders", "Insiders", "count"),
      col("transactions", "Trades", "count"),
      col("planned_10b5_1", "10b5-1 planned", "count"),
    ],
  },
  institutional_net_change: {
    label: "13F net change",
    kind: "signed_usd",
    nameField: "name",
    columns: [
      col("change_shares", "Change", "shares"),
      col("holders", "Holders", "filers"),
      col("new_positions", "New", "filers"),
      col("sold_out", "Sold out", "filers"),
    ],
  },
  new_positions: {
    label: "New 13F positions",
    kind: "filers",
    nameField: "name",
    columns: [
      col("holders", "Holders", "filers"),
      col("sold_out", "Sold out", "filers"),
      col("value_usd", "Value held", "usd"),
    ],
  },
  // Scored per symbol by the analytics over the day's most active symbols (docs/methodology.md
  // "Composite metrics"); the row carries the band, the confidence and each component's signal.
  smart_money_index: {
    label: "Smart Money Index",
    kind: "score",
    columns: [col("confidence", "Confidence (/ 100)", "score"), col("activity", "Activity", "shares")],
  },
  accumulation: {
    label: "Accumulation",
    kind: "score",
    columns: [col("confidence", "Confidence (/ 100)", "score"), col("activity", "Activity", "shares")],
  },
} satisfies Record<Metric, MetricTab>;

export const METRICS = Object.keys(METRIC_TABS) as Metric[];
export const DEFAULT_METRIC: Metric = "dark_pool_value";

export function parseMetric(raw: string | null): Metric {
  return raw !== null && Object.hasOwn(METRIC_TABS, raw) ? (raw as Metric) : DEFAULT_METRIC;
}

/** A leaderboard number with its unit ("$55.13M", "1,234,567 sh", "51.1%", "1.18×", "3 filers"). */
export function fmtKind(v: unknown, kind: Kind): string {
  if (kind === "text") return v === null || v === undefined || v === "" ? DASH : String(v);
  if (typeof v !== "number" || !Number.isFinite(v)) return DASH;
  switch (kind) {
    case "usd":
      return fmtUsd(v);
    case "signed_usd":
      return `${v > 0 ? "+" : ""}${fmtUsd(v)}`;
    case "shares":
      return fmtShares(v);
    case "fraction":
      return fmtFraction(v, 1);
    case "skew":
      return `${fmtSigned(v * 100, 1)}%`;
    case "multiple":
      return `${fmtNumber(v, 2)}×`;
    case "count":
      return fmtCount(v);
    case "score":
      return fmtNumber(v, 1);
    case "filers":
      return `${fmtCount(v)} ${v === 1 ? "filer" : "filers"}`;
    case "contracts":
      return `${fmtCount(v)} ct`;
  }
}

/** What the unit of a column is, for a header's note ("shares", "USD", ...). */
export const unitName = (kind: Kind): string =>
  ({
    usd: "USD",
    signed_usd: "USD, + bought / - sold",
    shares: "shares",
    fraction: "percent",
    skew: "percent of call + put premium, -100..+100",
    multiple: "times the trailing average",
    count: "count",
    filers: "13F filers",
    contracts: "option contracts",
    score: "score (SMI 0..100, accumulation -100..100)",
    text: "",
  })[kind] ?? humanize(kind);
