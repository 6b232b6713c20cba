/**
 * The dashboard payload: everything the page's seven sections (original specification, "Dashboard
 * Sections") need in one response, as of one moment. Sections whose area has no store wired yet come
 * back with `available: false` and a note, never with invented values.
 */

import type { Db } from "@smt/db";
import {
  dailyBars,
  dailyPrintStats,
  premiumDiscountHistogram,
  readScope,
  recentOffExchangePrints,
  type StoredPrint,
  shortVolumeDays,
} from "../darkpool/darkpool.service";
import { sentimentOf } from "../darkpool/darkpool.signals";
import type { PrintWire } from "../darkpool/print-wire";
import { offExchangeRatio } from "../darkpool/ratio";
import { addDays, etDayBounds } from "../lib/et-time";
import { type GatherOptions, gatherInputs, type InputProviders } from "./analytics.inputs";
import { ANALYTICS_PARAMS, type AnalyticsParams } from "./analytics.params";
import { computeFlow, computeIndicators, roundTo } from "./analytics.signals";
import type { ScoreComponent, SmartMoneyFlow, SmartMoneyIndicators } from "./analytics.types";

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

const netOrNull = (x: number | null): number | null => (x === null ? null : roundTo(x, 4));

export interface DashboardOptions extends GatherOptions {
  providers?: DashboardProviders | undefined;
  historyDays?: number | undefined;
  printLimit?: number | undefined;
}

const NOT_WIRED = "no store for this area is wired into the analytics yet";

function card(
  value: number | null,
  band: { band: string; label: string } | null,
  components: ScoreComponent[],
): MetricCard {
  const used = components.filter((c) => c.available && c.as_of !== null && c.name !== "smart_money_flow");
  const newest = used.reduce<ScoreComponent | null>(
    (best, c) => (best === null || (c.age_ms ?? Infinity) < (best.age_ms ?? Infinity) ? c : best),
    null,
  );
  return {
    value,
    band: band?.band ?? null,
    label: band?.label ?? null,
    as_of: newest?.as_of ?? null,
    age_ms: newest?.age_ms ?? null,
    sources: [...new Set(used.map((c) => c.source ?? ""))].filter((s) => s !== ""),
  };
}

const toDashboardPrint = (p: StoredPrint): DashboardPrint => ({
  timestamp: p.ts.toISOString(),
  price: p.price,
  size: p.sizeShares,
  value: roundTo(p.valueUsd, 2),
  premium_discount: p.premiumDiscountPct === null ? null : roundTo(p.premiumDiscountPct, 4),
  market_price: p.marketPrice,
  is_premium: p.premiumDiscountPct === null ? null : p.premiumDiscountPct > 0,
  sentiment: p.sentiment,
  side: p.side,
  source: p.source,
});

const pct = (part: number, whole: number): number | null =>
  whole > 0 ? roundTo((100 * part) / whole, 2) : null;

/** Builds the whole dashboard payload as of `asOf`. */
export async function buildDashboard(
  db: Db,
  symbol: string,
  asOf: Date,
  options: DashboardOptions = {},
): Promise<DashboardPayload> {
  const params: AnalyticsParams = options.params ?? ANALYTICS_PARAMS;
  const providers = options.providers ?? {};
  const historyDays = options.historyDays ?? 30;
  const scope = options.scope ?? (await readScope(db, symbol, asOf));
  const gathered = await gatherInputs(db, symbol, asOf, { ...options, scope });
  const indicators = computeIndicators(gathered.inputs, asOf, params);
  const flow = computeFlow(gathered.inputs, asOf, params);
  const { window, flow: pf } = gathered;

  const lastDay = window?.day ?? null;
  const historyTo = lastDay ?? asOf.toISOString().slice(0, 10);
  const historyFrom = addDays(historyTo, -(historyDays - 1));
  const blocksSince = etDayBounds(historyFrom).start;
  const historyUntil = etDayBounds(addDays(historyTo, 1)).start;
  const printLimit = options.printLimit ?? 50;
  const [prints, blocks, histogram, daily, bars, shorts, alerts, holders] = await Promise.all([
    scope.read("recentOffExchangePrints", [asOf, printLimit], () =>
      recentOffExchangePrints(db, symbol, asOf, printLimit),
    ),
    scope.read("recentBlocks", [asOf, params.blockMinUsd, blocksSince], () =>
      recentOffExchangePrints(db, symbol, asOf, 20, params.blockMinUsd, blocksSince),
    ),
    window
      ? scope.read("premiumDiscountHistogram", [window.since, window.until, asOf], () =>
          premiumDiscountHistogram(db, symbol, window.since, window.until, asOf),
        )
      : Promise.resolve([]),
    scope.read("dailyPrintStats", [blocksSince, historyUntil, asOf], () =>
      dailyPrintStats(db, symbol, blocksSince, historyUntil, asOf),
    ),
    scope.read("dailyBars", [historyFrom, historyTo, asOf], () =>
      dailyBars(db, symbol, historyFrom, historyTo, asOf),
    ),
    scope.read("shortVolumeDays", [historyFrom, historyTo, asOf], () =>
      shortVolumeDays(db, symbol, historyFrom, historyTo, asOf),
    ),
    providers.alerts ? providers.alerts(db, symbol, asOf, 20) : Promise.resolve(null),
    providers.topHolders ? providers.topHolders(db, symbol, asOf, 10) : Promise.resolve(null),
  ]);

  const dailyByDay = new Map(daily.map((d) => [d.day, d]));
  const barByDay = new Map(bars.map((b) => [b.day, b]));
  const shortByDay = new Map(shorts.map((s) => [s.day, s]));
  const days = [...new Set([...dailyByDay.keys(), ...barByDay.keys(), ...shortByDay.keys()])]
    .filter((d) => d >= historyFrom && d <= historyTo)
    .sort();
  const history = days.map((date) => {
    const d = dailyByDay.get(date);
    const b = barByDay.get(date);
    const s = shortByDay.get(date);
    // One denominator rule for every endpoint (server/src/darkpool/ratio.ts).
    const market = offExchangeRatio({
      offExchangeShares: d?.volume ?? 0,
      litShares: d?.litVolume ?? 0,
      bar: b,
    });
    return {
      date,
      dark_pool_volume: d ? d.volume : null,
      market_volume: market.marketVolume,
      dark_pool_ratio: d && market.ratio !== null ? roundTo(market.ratio, 4) : null,
      short_volume_ratio: s && s.totalVolume > 0 ? roundTo(s.shortVolume / s.totalVolume, 4) : null,
      close: b ? b.close : null,
    };
  });

  const value = pf?.offValueUsd ?? 0;
  const inst = flow.institutional;
  const opt = gathered.inputs.options;
  const optionsComponent = indicators.components.smart_money_index.find((c) => c.name === "options");
  // Shown when present and current; its sentiment only when the premium had NBBO sides (else unknown).
  const optionsFresh =
    opt !== undefined &&
    optionsComponent !== undefined &&
    (optionsComponent.available || optionsComponent.excluded_reason === "mostly_unclassified");
  const optionsSignal = optionsComponent?.available ? optionsComponent.normalized : null;
  const find = (name: string) => indicators.components.smart_money_index.filter((c) => c.name === name);

  return {
    symbol,
    as_of: asOf.toISOString(),
    params_version: params.version,
    metrics: {
      smart_money_index: card(
        indicators.smart_money_index,
        indicators.bands.smart_money_index,
        indicators.components.smart_money_index,
      ),
      dark_pool_ratio: card(indicators.dark_pool_ratio, indicators.bands.dark_pool_ratio, find("dark_pool")),
      institutional_ownership: card(
        indicators.institutional_ownership,
        indicators.bands.flow_direction,
        find("institutional"),
      ),
      accumulation_score: card(
        indicators.accumulation_score,
        indicators.bands.accumulation_score,
        indicators.components.accumulation_score,
      ),
      confidence: indicators.confidence.score,
    },
    indicators,
    alerts: alerts
      ? { available: true, note: null, items: alerts }
      : { available: false, note: NOT_WIRED, items: [] },
    dark_pool: {
      available: pf !== null && pf.offPrints > 0,
      date: lastDay,
      recent_prints: prints.map(toDashboardPrint),
      summary: pf
        ? {
            total_prints: pf.offPrints,
            total_volume: pf.offVolume,
            total_value: roundTo(value, 2),
            market_volume: gathered.totalVolume?.shares ?? null,
            market_volume_source: gathered.totalVolume?.source ?? null,
            dark_pool_ratio: indicators.dark_pool_ratio,
            large_blocks: pf.large.count,
            large_blocks_value: roundTo(pf.large.valueUsd, 2),
            sentiment_volume_share:
              pf.offVolume > 0
                ? {
                    bullish: roundTo(pf.volume.bullish / pf.offVolume, 4),
                    bearish: roundTo(pf.volume.bearish / pf.offVolume, 4),
                    neutral: roundTo(pf.volume.neutral / pf.offVolume, 4),
                    unknown: roundTo(pf.volume.unknown / pf.offVolume, 4),
                  }
                : null,
            sentiment_net: netOrNull(sentimentOf(pf.volume).net),
          }
        : null,
      premium_discount: pf
        ? {
            premium_percentage: pct(pf.premiumCount, pf.pdCount),
            discount_percentage: pct(pf.discountCount, pf.pdCount),
            average_premium_discount: pf.pdCount > 0 ? roundTo(pf.pdSum / pf.pdCount, 4) : null,
            histogram: histogram.map((h) => ({
              low_pct: h.lowPct,
              high_pct: roundTo(h.lowPct + 0.25, 2),
              prints: h.prints,
              volume: h.volumeShares,
            })),
          }
        : null,
      history,
    },
    institutional: {
      available: inst.available || holders !== null,
      note: inst.available || holders !== null ? null : NOT_WIRED,
      top_holders: holders ?? [],
      institutional_ownership: inst.institutional_ownership,
      net_change_percentage: inst.net_change_percentage,
      flow_direction: inst.flow_direction,
      new_positions: inst.new_positions,
      sold_out_positions: inst.sold_out_positions,
    },
    blocks: {
      available: pf !== null,
      threshold_usd: params.blockMinUsd,
      recent: blocks
        .filter((b) => b.blockEligible)
        .map((b) => ({
          timestamp: b.ts.toISOString(),
          trade_type: b.isLate ? "late" : b.isIso ? "sweep" : "block",
          price: b.price,
          size: b.sizeShares,
          value: roundTo(b.valueUsd, 2),
          is_options: false,
          sentiment: b.sentiment,
        })),
    },
    options: {
      available: optionsFresh,
      note: optionsFresh ? null : NOT_WIRED,
      call_premium: optionsFresh ? opt.callPremiumUsd : null,
      put_premium: optionsFresh ? opt.putPremiumUsd : null,
      call_put_ratio:
        optionsFresh && opt.putPremiumUsd > 0 ? roundTo(opt.callPremiumUsd / opt.putPremiumUsd, 4) : null,
      sentiment: !optionsFresh
        ? null
        : optionsSignal === null
          ? "unknown"
          : optionsSignal > 0.1
            ? "bullish"
            : optionsSignal < -0.1
              ? "bearish"
              : "neutral",
    },
    flow,
  };
}
