/**
 * The leaderboard metrics: a declarative table (one entry per metric, no logic beyond picking fields).
 * Each names the per-symbol rows it ranks, the value, the volume a `min_volume` filter applies to, and
 * the fields that explain the value. docs/methodology.md "Market" states the same definitions.
 */

import type { ScoreComponent, SmartMoneyFlow, SmartMoneyIndicators } from "../analytics/analytics.types";
import type { OptionsDayRow } from "../blocks/market.service";
import type { FinraDayRow, PrintDayRow } from "../darkpool/market.service";
import type { InsiderWindowRow } from "../institutional/market.service";
import type { QuarterChangeRow } from "../institutional/positions.store";

export const METRICS = [
  "short_volume",
  "short_ratio",
  "dark_pool_value",
  "dark_pool_ratio",
  "block_value",
  "unusual_volume",
  "options_premium",
  "call_put_skew",
  "insider_buys",
  "insider_sells",
  "institutional_net_change",
  "new_positions",
  "smart_money_index",
  "accumulation",
] as const;
export type Metric = (typeof METRICS)[number];

export const MARKET_PARAMS_VERSION = "market-1";

/** smart_money_index / accumulation: symbols scored per request by default, and at most (composite.ts). */
export const UNIVERSE_DEFAULT = 100;
export const UNIVERSE_MAX = 500;

export type CompositeMetric = "smart_money_index" | "accumulation";

/** One scored symbol of a composite metric: its activity (the universe's ranking key) and its payload. */
export type CompositeRow = { symbol: string; activity: number } & (
  | { metric: "smart_money_index"; indicators: SmartMoneyIndicators }
  | { metric: "accumulation"; flow: SmartMoneyFlow }
);

interface MetricDef<R> {
  unit: string;
  definition: string;
  value: (r: R) => number | null;
  /** The volume `min_volume` applies to, and its default (0: no floor). */
  volume?: (r: R) => number | null;
  defaultMinVolume?: number;
  explain: (r: R) => Record<string, unknown>;
}

type Defs = {
  finra: Partial<Record<Metric, MetricDef<FinraDayRow>>>;
  prints: Partial<Record<Metric, MetricDef<PrintDayRow>>>;
  options: Partial<Record<Metric, MetricDef<OptionsDayRow>>>;
  insider: Partial<Record<Metric, MetricDef<InsiderWindowRow>>>;
  thirteenf: Partial<Record<Metric, MetricDef<QuarterChangeRow>>>;
  analytics: Partial<Record<Metric, MetricDef<CompositeRow>>>;
};

const finraFields = (r: FinraDayRow) => ({
  short_volume: r.short_volume,
  total_volume: r.total_volume,
  short_ratio: r.total_volume > 0 ? r.short_volume / r.total_volume : null,
  short_exempt_volume: r.short_exempt_volume,
  basis: r.basis,
});

const printFields = (r: PrintDayRow) => ({
  off_exchange_volume: r.off_volume,
  off_exchange_value_usd: r.off_value_usd,
  off_exchange_prints: r.off_prints,
  dark_pool_ratio: r.dark_pool_ratio,
  consolidated_volume: r.consolidated_volume,
  consolidated_volume_source: r.consolidated_volume_source,
});

const optionFields = (r: OptionsDayRow) => ({
  call_premium_usd: r.call_premium_usd,
  put_premium_usd: r.put_premium_usd,
  call_volume: r.call_volume,
  put_volume: r.put_volume,
  multi_leg_premium_usd: r.multi_leg_premium_usd,
  prints: r.prints,
});

/** The fields that explain a composite value: each component's signal and effective weight. */
function componentFields(components: ScoreComponent[]) {
  const out: Record<string, unknown> = {};
  for (const c of components) {
    out[`${c.name}_signal`] = c.available ? c.normalized : null;
    out[`${c.name}_weight`] = c.effective_weight;
    out[`${c.name}_as_of`] = c.as_of;
  }
  out.excluded = components
    .filter((c) => !c.available)
    .map((c) => `${c.name}:${c.excluded_reason ?? "missing"}`);
  return out;
}

function smiFields(r: CompositeRow): Record<string, unknown> {
  if (r.metric !== "smart_money_index") return {};
  const x = r.indicators;
  return {
    band: x.bands.smart_money_index?.band ?? null,
    label: x.bands.smart_money_index?.label ?? null,
    confidence: x.confidence.score,
    confidence_level: x.confidence.level,
    activity: r.activity,
    ...componentFields(x.components.smart_money_index),
    params_version: x.params_version,
  };
}

function accumulationFields(r: CompositeRow): Record<string, unknown> {
  if (r.metric !== "accumulation") return {};
  const x = r.flow;
  return {
    band: x.accumulation_band?.band ?? null,
    net_flow: x.net_flow,
    confidence: x.confidence.score,
    confidence_level: x.confidence.level,
    activity: r.activity,
    ...componentFields(x.components),
    params_version: x.params_version,
  };
}

const positive = (v: number | null) => (v !== null && v > 0 ? v : null);

type Explain<R> = (r: R) => Record<string, unknown>;

/** A metric whose positive amount ranks (no volume floor). */
const amount = <R>(
  unit: string,
  definition: string,
  pick: (r: R) => number | null,
  explain: Explain<R>,
): MetricDef<R> => ({ unit, definition, value: (r) => positive(pick(r)), explain });

/** A metric that ranks only rows whose `volume` reaches min_volume (default `floor`). */
const floored = <R>(
  unit: string,
  definition: string,
  value: (r: R) => number | null,
  volume: (r: R) => number | null,
  floor: number,
  explain: Explain<R>,
): MetricDef<R> => ({ unit, definition, value, volume, defaultMinVolume: floor, explain });

const insiderFields = (r: InsiderWindowRow, side: "buy" | "sell") => ({
  issuer_name: r.issuer_name,
  issuer_cik: r.issuer_cik,
  transactions: side === "buy" ? r.buy_transactions : r.sell_transactions,
  insiders: side === "buy" ? r.buyers : r.sellers,
  shares: side === "buy" ? r.buy_shares : r.sell_shares,
});

export const METRIC_DEFS: Defs = {
  finra: {
    short_volume: amount(
      "shares",
      "FINRA short sale volume of the latest published day (CNMS file, else the facility files, ORF excluded)",
      (r) => r.short_volume,
      finraFields,
    ),
    short_ratio: floored(
      "fraction",
      "ShortVolume / TotalVolume of the latest published FINRA day; TotalVolume >= min_volume (default 100,000)",
      (r) => (r.total_volume > 0 ? r.short_volume / r.total_volume : null),
      (r) => r.total_volume,
      100_000,
      finraFields,
    ),
  },
  prints: {
    dark_pool_value: amount(
      "USD",
      "Off-exchange (TRF/ADF) value of the latest day with prints: sum of price x size",
      (r) => r.off_value_usd,
      printFields,
    ),
    dark_pool_ratio: floored(
      "fraction",
      "Off-exchange volume / consolidated volume (docs/methodology.md 'Off-exchange ratio'); consolidated volume >= min_volume (default 100,000)",
      (r) => r.dark_pool_ratio,
      (r) => r.consolidated_volume,
      100_000,
      printFields,
    ),
    block_value: amount(
      "USD",
      "Value of block-eligible off-exchange prints of at least $1,000,000 on the latest day with prints",
      (r) => r.block_value_usd,
      (r) => ({
        block_count: r.block_count,
        bullish_value_usd: r.block_bullish_value_usd,
        bearish_value_usd: r.block_bearish_value_usd,
        off_exchange_value_usd: r.off_value_usd,
      }),
    ),
    unusual_volume: floored(
      "multiple",
      "Off-exchange volume / mean off-exchange volume of the previous 20 days with prints (at least 5); off-exchange volume >= min_volume (default 10,000)",
      (r) => r.unusual_volume,
      (r) => r.off_volume,
      10_000,
      (r) => ({
        off_exchange_volume: r.off_volume,
        trailing_avg_volume: r.trailing_avg_off_volume,
        trailing_days: r.trailing_days,
      }),
    ),
  },
  options: {
    options_premium: amount(
      "USD",
      "Single-leg call + put premium (price x size x 100) of the latest day with option prints",
      (r) => r.options_premium_usd,
      optionFields,
    ),
    call_put_skew: floored(
      "fraction",
      "(call premium - put premium) / (call + put premium), single-leg, -1..1; contracts traded >= min_volume (default 100)",
      (r) => r.call_put_skew,
      (r) => r.call_volume + r.put_volume,
      100,
      optionFields,
    ),
  },
  insider: {
    insider_buys: amount(
      "USD",
      "Form 4 open-market purchases (code P, non-derivative) dated in the window_days ending at as_of",
      (r) => r.buy_value_usd,
      (r) => insiderFields(r, "buy"),
    ),
    insider_sells: amount(
      "USD",
      "Form 4 open-market sales (code S, non-derivative) dated in the window_days ending at as_of",
      (r) => r.sell_value_usd,
      (r) => ({ ...insiderFields(r, "sell"), planned_10b5_1: r.planned_sell_transactions }),
    ),
  },
  thirteenf: {
    institutional_net_change: {
      unit: "USD",
      definition:
        "13F net change in shares over filers whose both quarters are known, times this quarter's reported price (value / shares); order=asc for the most sold",
      value: (r) => r.net_change_value_usd,
      explain: (r) => ({
        cusip: r.cusip,
        name: r.name,
        change_shares: r.change_shares,
        net_change_percentage: r.net_change_percentage,
        holders: r.holders,
        increased: r.increased,
        decreased: r.decreased,
        new_positions: r.new_positions,
        sold_out: r.sold_out,
      }),
    },
    new_positions: amount(
      "filers",
      "13F filers holding the security this quarter that reported the prior quarter without it",
      (r) => r.new_positions,
      (r) => ({
        cusip: r.cusip,
        name: r.name,
        holders: r.holders,
        sold_out: r.sold_out,
        unknown: r.unknown,
        value_usd: r.value_usd,
      }),
    ),
  },
  analytics: {
    smart_money_index: floored(
      "index 0-100",
      "Smart Money Index of /analytics/{symbol}/indicators at as_of (50 + 50 x sum of weight x signal over the available components), over the `universe` most active symbols of the day; min_volume applies to activity (default 0)",
      (r) => (r.metric === "smart_money_index" ? r.indicators.smart_money_index : null),
      (r) => r.activity,
      0,
      smiFields,
    ),
    accumulation: floored(
      "score -100..100",
      "Accumulation score of /analytics/{symbol}/flow at as_of (100 x sum of weight x signal over institutional, dark_pool, block_flow, insider), over the `universe` most active symbols of the day; order=asc for the most distributed; min_volume applies to activity (default 0)",
      (r) => (r.metric === "accumulation" ? r.flow.accumulation_score : null),
      (r) => r.activity,
      0,
      accumulationFields,
    ),
  },
};

export type MetricSource = keyof Defs;

export function sourceOf(metric: Metric): MetricSource {
  for (const [source, defs] of Object.entries(METRIC_DEFS) as [MetricSource, Record<string, unknown>][])
    if (metric in defs) return source;
  throw new Error(`metric ${metric} has no definition`);
}
