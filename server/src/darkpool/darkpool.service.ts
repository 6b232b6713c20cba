/**
 * The dark-pool computations behind the REST routes, as plain functions of the database: the prints page
 * and the one-day summary. Callable from any transport (REST, sockets, CLI, jobs, the analytics).
 */
import type { Db } from "@smt/db";
import { AppError } from "../errors";
import { addDays, etDateOf, etDayBounds } from "../lib/et-time";
import { freshness } from "../lib/openapi";
import { cents, percent, round, roundMoneyFields } from "../lib/round";
import type { DarkPoolSummary, PrintsPage } from "./darkpool.schemas";
import { DARKPOOL_PARAMS, priceBandUsd, sentimentOf } from "./darkpool.signals";
import { extendedHoursPayload } from "./extended-hours";
import { atsByWeek, barsByDay } from "./market.store";
import { avgPremiumDiscountOf, printWindowAggregate, vwapOf } from "./print-aggregate";
import { priceLevels, printSources, sizeBuckets } from "./print-window.store";
import { rowToPrintWire } from "./print-wire";
import { latestPrintDay, queryPrints } from "./prints.store";
import { offExchangeBand, offExchangeRatio } from "./ratio";
import { type DayVolume, dayVolumes, ratioHistory, weekConsolidatedVolume } from "./ratio-history";
import { readScope } from "./rollups";
import { extendedHoursVolume } from "./sessions.store";

// The reads of dark-pool data other areas use (analytics, alerts, blocks, institutional): no other area
// queries these tables.
export {
  type DailyBar,
  dailyBars,
  lastClosesNear,
  type ShortVolumeDay,
  shortVolumeDays,
} from "./market.store";
export {
  avgPremiumDiscountOf,
  type PrintWindowAggregate,
  printWindowAggregate,
  type SentimentTally,
} from "./print-aggregate";
export { largePrints, type PriceFlowWindow, priceFlowWindow } from "./print-flow.store";
export type { PrintWindow } from "./print-sql";
export { bucketVolumeBaseline, dailyPrintVolumes, intradayVolumeBuckets } from "./print-volume.store";
export { blockSentiment, dailyPrintStats, premiumDiscountHistogram } from "./print-window.store";
export { latestPrintDay, priceAtOrBefore, recentOffExchangePrints, type StoredPrint } from "./prints.store";
export { type ReadScope, readScope } from "./rollups";

export interface PrintsPageQuery {
  since?: Date | undefined;
  until?: Date | undefined;
  minValueUsd?: number | undefined;
  limit: number;
  /** `next_cursor` of the previous page. */
  cursor?: string | undefined;
  includeLit: boolean;
}

/** One page of a symbol's prints, newest first, keyset-paginated on (ts, trade_key). */
export async function getPrintsPage(
  db: Db,
  symbol: string,
  q: PrintsPageQuery,
  now: Date,
): Promise<PrintsPage> {
  const rows = await queryPrints(db, {
    symbol,
    since: q.since,
    until: q.until,
    minValueUsd: q.minValueUsd,
    limit: q.limit,
    before: q.cursor ? decodeCursor(q.cursor) : undefined,
    offExchangeOnly: !q.includeLit,
  });
  const last = rows.at(-1);
  return {
    symbol,
    prints: rows.map(rowToPrintWire),
    next_cursor: rows.length === q.limit && last ? encodeCursor(last.ts, last.tradeKey) : null,
    as_of: now.toISOString(),
  };
}

function encodeCursor(ts: Date, tradeKey: string): string {
  return Buffer.from(`${ts.toISOString()}|${tradeKey}`).toString("base64url");
}
function decodeCursor(cursor: string) {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const bar = text.indexOf("|");
  const ts = new Date(text.slice(0, bar));
  if (bar < 0 || Number.isNaN(ts.getTime()))
    throw new AppError("INVALID_INPUT", "cursor is not one this API issued");
  return { ts, tradeKey: text.slice(bar + 1) };
}

export interface SummaryQuery {
  /** Trading day (ET); default the latest day with off-exchange prints as of `asOf`. */
  date?: string | undefined;
  /** Override: consolidated volume (shares) for the dark-pool ratio. */
  totalVolume?: number | undefined;
  asOf: Date;
}

/** One trading day of a symbol's off-exchange activity (`/dark-pool/{symbol}/summary`). */
export async function getSummary(db: Db, symbol: string, q: SummaryQuery): Promise<DarkPoolSummary> {
  const r = await readSummary(db, symbol, q);
  const { agg, market, ratio, ratioBand, asOf } = r;
  const p = DARKPOOL_PARAMS;
  const sent = sentimentOf(agg.volume);
  const dist = (k: keyof typeof agg.volume) => ({
    prints: agg.count[k],
    volume: agg.volume[k],
    percentage: round(percent(agg.volume[k], agg.offVolume), 2) ?? 0,
  });
  return {
    symbol,
    date: r.day,
    date_basis: r.dateBasis,
    total_prints: agg.offPrints,
    total_volume: agg.offVolume,
    total_value: round(agg.offValueUsd, 2) ?? 0,
    vwap: round(vwapOf(agg)),
    average_size: agg.offPrints > 0 ? round(agg.offVolume / agg.offPrints, 2) : null,
    market_volume: market.marketVolume,
    market_volume_source: market.source,
    dark_pool_ratio: round(ratio),
    dark_pool_ratio_reason: agg.offPrints === 0 ? "no_off_exchange_prints" : market.reason,
    dark_pool_ratio_band: ratioBand?.band ?? null,
    off_exchange_ratio_band: ratioBand,
    ats: r.ats,
    premium_percentage: round(percent(agg.premiumCount, agg.pdCount), 2),
    discount_percentage: round(percent(agg.discountCount, agg.pdCount), 2),
    average_premium_discount: round(avgPremiumDiscountOf(agg)),
    sentiment: sent.label,
    sentiment_net: round(sent.net),
    unclassified_share: round(sent.unclassified_share),
    sentiment_distribution: {
      bullish: dist("bullish"),
      bearish: dist("bearish"),
      neutral: dist("neutral"),
      unknown: dist("unknown"),
    },
    large_blocks: {
      threshold_usd: p.largeBlockUsd,
      count: agg.large.count,
      value: cents(agg.large.valueUsd),
    },
    size_buckets: roundMoneyFields(r.buckets),
    price_levels: roundMoneyFields({ band_usd: r.band, levels: r.levels, clusters: clustersOf(r.levels) }),
    extended_hours: extendedHoursPayload(r.extended, agg.offVolume),
    params_version: p.version,
    as_of: asOf.toISOString(),
    freshness: [
      freshness("prints", agg.offMaxTs, "live (seconds) or flat files (T+1)", asOf),
      freshness("daily_bars", r.bar?.publishedAt ?? null, "after the close (T)", asOf),
    ],
    sources: r.sources,
  };
}

/** The five price levels with the most block value. */
const clustersOf = (levels: Awaited<ReturnType<typeof priceLevels>>) =>
  levels
    .filter((l) => l.large_value > 0)
    .sort((a, b) => b.large_value - a.large_value)
    .slice(0, 5)
    .map((l) => ({ price_low: l.price_low, price_high: l.price_high, large_value: l.large_value }));

/** Every store read of the summary, through the versioned read cache (exact until the data changes). */
async function readSummary(db: Db, symbol: string, q: SummaryQuery) {
  const { asOf } = q;
  const scope = await readScope(db, symbol, asOf);
  const latest = q.date
    ? null
    : await scope.read("latestPrintDay", [asOf], () => latestPrintDay(db, symbol, asOf));
  const day = q.date ?? latest ?? etDateOf(asOf.getTime());
  const dateBasis = q.date ? "requested" : latest ? "latest_print_day_as_of" : "as_of_date_no_prints";
  const bounds = etDayBounds(day);
  const since = bounds.start;
  const until = new Date(Math.min(bounds.end.getTime(), asOf.getTime()));
  const w = { symbol, since, until };
  const block = DARKPOOL_PARAMS.largeBlockUsd;
  const [agg, buckets, bars, sources, extended] = await Promise.all([
    scope.read("printWindowAggregate", [since, until, block], () =>
      printWindowAggregate(db, w, { blockMinUsd: block }),
    ),
    scope.read("sizeBuckets", [since, until], () => sizeBuckets(db, w)),
    scope.read("barsByDay", [day], () => barsByDay(db, symbol, day, day)),
    scope.read("printSources", [since, until], () => printSources(db, w)),
    scope.read("extendedHours", [since, until], () => extendedHoursVolume(db, w)),
  ]);
  const dayBar = bars.get(day);
  const bar = dayBar && dayBar.publishedAt <= asOf ? dayBar : undefined;
  const market = offExchangeRatio({
    offExchangeShares: agg.offVolume,
    litShares: agg.litVolume,
    bar,
    overrideShares: q.totalVolume,
  });
  const ratio = agg.offPrints > 0 ? market.ratio : null;
  const [history, ats] = await Promise.all([
    ratio === null
      ? Promise.resolve([])
      : scope.read("ratioHistory", [day, asOf], () => ratioHistory(db, symbol, day, asOf)),
    scope.read("atsWeekOf", [day, asOf], () => atsWeekOf(db, symbol, day, asOf)),
  ]);
  const vwap = vwapOf(agg);
  const band = vwap === null ? null : priceBandUsd(vwap);
  const levels =
    band === null
      ? []
      : await scope.read("priceLevels", [since, until, band, block], () => priceLevels(db, w, band, block));
  const ratioBand = ratio === null ? null : offExchangeBand(ratio, history);
  return {
    asOf,
    day,
    dateBasis,
    agg,
    buckets,
    bar,
    sources,
    extended,
    market,
    ratio,
    ratioBand,
    ats,
    band,
    levels,
  } as const;
}

/**
 * FINRA weekly ATS volume of the latest week published as of `asOf` that starts on or before `day`, with
 * that whole week's consolidated volume (`weekConsolidatedVolume`) and the ATS share of it.
 */
async function atsWeekOf(db: Db, symbol: string, day: string, asOf: Date) {
  const week = (await atsByWeek(db, symbol, addDays(day, -120), day, asOf)).at(-1);
  if (!week) return null;
  const volumes: DayVolume[] = await dayVolumes(db, symbol, week.weekStart, addDays(week.weekStart, 4), asOf);
  const whole = weekConsolidatedVolume(week.weekStart, new Map(volumes.map((v) => [v.day, v])));
  return {
    week_start: week.weekStart,
    published_at: week.publishedAt.toISOString(),
    shares: week.shares,
    venues: week.venues,
    week_consolidated_volume: whole?.volume ?? null,
    ats_share: whole && whole.volume > 0 ? round(week.shares / whole.volume) : null,
  };
}
