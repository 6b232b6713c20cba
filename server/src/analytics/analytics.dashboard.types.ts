/**
 * The dashboard payload's types (the client imports them through analytics.dashboard.ts): the page's seven
 * sections (original specification, "Dashboard Sections").
 */
import type { Db } from "@smt/db";
import type { PrintWire } from "../darkpool/print-wire";
import type { GatherOptions, InputProviders } from "./analytics.inputs";
import type { SmartMoneyFlow, SmartMoneyIndicators } from "./analytics.types";

export interface MetricCard {
  value: number | null;
  band: string | null;
  label: string | null;
  /** Newest input behind the number, and its age at `as_of`. */
  as_of: string | null;
  age_ms: number | null;
  sources: string[];
}

export interface DashboardAlert {
  id: string;
  type: string;
  severity: string;
  timestamp: string;
  title: string;
}

export interface TopHolder {
  filer_name: string;
  shares: number;
  value_usd: number | null;
  percent_of_outstanding: number | null;
  change_shares: number | null;
}

export interface DashboardProviders extends InputProviders {
  alerts?: (db: Db, symbol: string, asOf: Date, limit: number) => Promise<DashboardAlert[]>;
  topHolders?: (db: Db, symbol: string, asOf: Date, limit: number) => Promise<TopHolder[]>;
}

/** A recent print on the dashboard: the print wire shape (darkpool/print-wire.ts), fewer fields. */
export type DashboardPrint = Pick<
  PrintWire,
  | "timestamp"
  | "price"
  | "size"
  | "value"
  | "premium_discount"
  | "market_price"
  | "is_premium"
  | "sentiment"
  | "side"
  | "source"
>;

export interface DashboardBlock {
  timestamp: string;
  /** `sweep` (intermarket sweep condition), `late` (reported out of sequence) or `block`. */
  trade_type: "block" | "sweep" | "late";
  price: number;
  size: number;
  value: number;
  is_options: false;
  sentiment: string;
}

export interface DashboardPayload {
  symbol: string;
  as_of: string;
  params_version: string;
  /** 1. Key metric cards. */
  metrics: {
    smart_money_index: MetricCard;
    dark_pool_ratio: MetricCard;
    institutional_ownership: MetricCard;
    accumulation_score: MetricCard;
    confidence: number;
  };
  indicators: SmartMoneyIndicators;
  /** 2. Alerts panel. */
  alerts: { available: boolean; note: string | null; items: DashboardAlert[] };
  /** 3. Dark-pool activity. */
  dark_pool: {
    available: boolean;
    date: string | null;
    recent_prints: DashboardPrint[];
    summary: {
      total_prints: number;
      total_volume: number;
      total_value: number;
      market_volume: number | null;
      market_volume_source: string | null;
      dark_pool_ratio: number | null;
      large_blocks: number;
      large_blocks_value: number;
      /** Off-exchange volume by estimated sentiment, as shares of the day's off-exchange volume. */
      sentiment_volume_share: { bullish: number; bearish: number; neutral: number; unknown: number } | null;
      /** The dark-pool sentiment (bullish - bearish) / classified volume, the figure `/summary` shows. */
      sentiment_net: number | null;
    } | null;
    premium_discount: {
      premium_percentage: number | null;
      discount_percentage: number | null;
      average_premium_discount: number | null;
      histogram: { low_pct: number; high_pct: number; prints: number; volume: number }[];
    } | null;
    /** Daily history for the charts: off-exchange volume, dark-pool ratio, FINRA short-volume ratio. */
    history: {
      date: string;
      dark_pool_volume: number | null;
      market_volume: number | null;
      dark_pool_ratio: number | null;
      short_volume_ratio: number | null;
      close: number | null;
    }[];
  };
  /** 4. Institutional holdings. */
  institutional: {
    available: boolean;
    note: string | null;
    top_holders: TopHolder[];
    institutional_ownership: number | null;
    net_change_percentage: number | null;
    flow_direction: string | null;
    new_positions: number | null;
    sold_out_positions: number | null;
  };
  /** 5. Block trades. */
  blocks: { available: boolean; threshold_usd: number; recent: DashboardBlock[] };
  /** 6. Options positioning. */
  options: {
    available: boolean;
    note: string | null;
    call_premium: number | null;
    put_premium: number | null;
    call_put_ratio: number | null;
    /** From NBBO sides only; `unknown` when the premium had none (a put may be bought or sold). */
    sentiment: "bullish" | "bearish" | "neutral" | "unknown" | null;
  };
  /** 7. Flow analysis. */
  flow: SmartMoneyFlow;
}

export interface DashboardOptions extends GatherOptions {
  providers?: DashboardProviders | undefined;
  historyDays?: number | undefined;
  printLimit?: number | undefined;
}
