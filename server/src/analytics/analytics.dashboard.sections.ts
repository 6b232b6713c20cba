/** The dashboard's sections, each a pure function of what `buildDashboard` read (analytics.dashboard.ts). */
import type {
  DailyBar,
  PrintWindowAggregate,
  ShortVolumeDay,
  StoredPrint,
} from "../darkpool/darkpool.service";
import { avgPremiumDiscountOf, type dailyPrintStats } from "../darkpool/darkpool.service";
import { sentimentOf } from "../darkpool/darkpool.signals";
import { offExchangeRatio } from "../darkpool/ratio";
import { roundTo, toTick } from "../lib/round";
import type { DashboardPayload, DashboardPrint, MetricCard } from "./analytics.dashboard.types";
import type { GatheredInputs } from "./analytics.inputs";
import type { ScoreComponent, SmartMoneyFlow, SmartMoneyIndicators } from "./analytics.types";

export const NOT_WIRED = "no store for this area is wired into the analytics yet";

const pct = (part: number, whole: number): number | null =>
  whole > 0 ? roundTo((100 * part) / whole, 2) : null;

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

/** The institutional-ownership card's label: the quarter's 13F flow band, named as a flow. */
export function ownershipFlowLabel(
  flow: { band: string; label: string } | null,
): { band: string; label: string } | null {
  return flow === null
    ? null
    : { band: flow.band, label: `13F flow this quarter: ${flow.label.toLowerCase()}` };
}

/** 1. Key metric cards. */
export function metricsSection(indicators: SmartMoneyIndicators): DashboardPayload["metrics"] {
  const smi = indicators.components.smart_money_index;
  const find = (name: string) => smi.filter((c) => c.name === name);
  return {
    smart_money_index: card(indicators.smart_money_index, indicators.bands.smart_money_index, smi),
    dark_pool_ratio: card(indicators.dark_pool_ratio, indicators.bands.dark_pool_ratio, find("dark_pool")),
    // The ownership level has no band of its own; the label beside it names the quarter's 13F flow as
    // what it is, so "65% ... Institutional buying" does not read as if the level were the buying.
    institutional_ownership: card(
      indicators.institutional_ownership,
      ownershipFlowLabel(indicators.bands.flow_direction),
      find("institutional"),
    ),
    accumulation_score: card(
      indicators.accumulation_score,
      indicators.bands.accumulation_score,
      indicators.components.accumulation_score,
    ),
    confidence: indicators.confidence.score,
  };
}

const toDashboardPrint = (p: StoredPrint): DashboardPrint => ({
  timestamp: p.ts.toISOString(),
  price: toTick(p.price),
  size: p.sizeShares,
  value: roundTo(p.valueUsd, 2),
  premium_discount: p.premiumDiscountPct === null ? null : roundTo(p.premiumDiscountPct, 4),
  market_price: p.marketPrice === null ? null : toTick(p.marketPrice),
  is_premium: p.premiumDiscountPct === null ? null : p.premiumDiscountPct > 0,
  sentiment: p.sentiment,
  side: p.side,
  source: p.source,
});

/** Daily history for the charts: off-exchange volume, dark-pool ratio, FINRA short-volume ratio. */
export function historySection(
  from: string,
  to: string,
  daily: Awaited<ReturnType<typeof dailyPrintStats>>,
  bars: DailyBar[],
  shorts: ShortVolumeDay[],
): DashboardPayload["dark_pool"]["history"] {
  const dailyByDay = new Map(daily.map((d) => [d.day, d]));
  const barByDay = new Map(bars.map((b) => [b.day, b]));
  const shortByDay = new Map(shorts.map((s) => [s.day, s]));
  const days = [...new Set([...dailyByDay.keys(), ...barByDay.keys(), ...shortByDay.keys()])]
    .filter((d) => d >= from && d <= to)
    .sort();
  return days.map((date) => {
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
}

/** 3. Dark-pool activity of the flow day: summary and premium/discount (history set apart). */
export function darkPoolSection(
  gathered: GatheredInputs,
  indicators: SmartMoneyIndicators,
  prints: StoredPrint[],
  histogram: { lowPct: number; prints: number; volumeShares: number }[],
  history: DashboardPayload["dark_pool"]["history"],
): DashboardPayload["dark_pool"] {
  const pf = gathered.flow;
  return {
    available: pf !== null && pf.offPrints > 0,
    date: gathered.window?.day ?? null,
    recent_prints: prints.map(toDashboardPrint),
    summary: pf ? darkPoolSummary(pf, gathered, indicators) : null,
    premium_discount: pf
      ? {
          premium_percentage: pct(pf.premiumCount, pf.pdCount),
          discount_percentage: pct(pf.discountCount, pf.pdCount),
          average_premium_discount: pf.pdCount > 0 ? roundTo(avgPremiumDiscountOf(pf) as number, 4) : null,
          histogram: histogram.map((h) => ({
            low_pct: h.lowPct,
            high_pct: roundTo(h.lowPct + 0.25, 2),
            prints: h.prints,
            volume: h.volumeShares,
          })),
        }
      : null,
    history,
  };
}

function darkPoolSummary(
  pf: PrintWindowAggregate,
  gathered: GatheredInputs,
  indicators: SmartMoneyIndicators,
): NonNullable<DashboardPayload["dark_pool"]["summary"]> {
  const share = (v: number) => roundTo(v / pf.offVolume, 4);
  const net = sentimentOf(pf.volume).net;
  return {
    total_prints: pf.offPrints,
    total_volume: pf.offVolume,
    total_value: roundTo(pf.offValueUsd, 2),
    market_volume: gathered.totalVolume?.shares ?? null,
    market_volume_source: gathered.totalVolume?.source ?? null,
    dark_pool_ratio: indicators.dark_pool_ratio,
    large_blocks: pf.large.count,
    large_blocks_value: roundTo(pf.large.valueUsd, 2),
    sentiment_volume_share:
      pf.offVolume > 0
        ? {
            bullish: share(pf.volume.bullish),
            bearish: share(pf.volume.bearish),
            neutral: share(pf.volume.neutral),
            unknown: share(pf.volume.unknown),
          }
        : null,
    sentiment_net: net === null ? null : roundTo(net, 4),
  };
}

/** 5. Block trades: the recent block-eligible off-exchange prints at or above the threshold. */
export function blocksSection(
  pf: PrintWindowAggregate | null,
  thresholdUsd: number,
  blocks: StoredPrint[],
): DashboardPayload["blocks"] {
  return {
    available: pf !== null,
    threshold_usd: thresholdUsd,
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
  };
}

/** 4. Institutional holdings. */
export function institutionalSection(
  flow: SmartMoneyFlow,
  holders: DashboardPayload["institutional"]["top_holders"] | null,
): DashboardPayload["institutional"] {
  const inst = flow.institutional;
  const available = inst.available || holders !== null;
  return {
    available,
    note: available ? null : NOT_WIRED,
    top_holders: holders ?? [],
    institutional_ownership: inst.institutional_ownership,
    net_change_percentage: inst.net_change_percentage,
    flow_direction: inst.flow_direction,
    new_positions: inst.new_positions,
    sold_out_positions: inst.sold_out_positions,
  };
}

/** 6. Options positioning: shown when present and current; its sentiment only with NBBO sides. */
export function optionsSection(
  gathered: GatheredInputs,
  indicators: SmartMoneyIndicators,
): DashboardPayload["options"] {
  const opt = gathered.inputs.options;
  const component = indicators.components.smart_money_index.find((c) => c.name === "options");
  const fresh =
    opt !== undefined &&
    component !== undefined &&
    (component.available || component.excluded_reason === "mostly_unclassified");
  if (!fresh)
    return {
      available: false,
      note: NOT_WIRED,
      call_premium: null,
      put_premium: null,
      call_put_ratio: null,
      sentiment: null,
    };
  const signal = component.available ? component.normalized : null;
  return {
    available: true,
    note: null,
    call_premium: opt.callPremiumUsd,
    put_premium: opt.putPremiumUsd,
    call_put_ratio: opt.putPremiumUsd > 0 ? roundTo(opt.callPremiumUsd / opt.putPremiumUsd, 4) : null,
    sentiment: signal === null ? "unknown" : signal > 0.1 ? "bullish" : signal < -0.1 ? "bearish" : "neutral",
  };
}
