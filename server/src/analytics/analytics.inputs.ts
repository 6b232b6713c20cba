/**
 * Gathers the indices' inputs for one symbol as of a moment, from every area's store, seeing only what
 * had been published by then. Areas whose stores are not wired (institutional, insider, options until
 * their stores exist) come in through `InputProviders`; an absent provider is an unavailable input,
 * which the indices exclude and count against confidence.
 */

import type { Db } from "@smt/db";
import {
  blockSentiment,
  type DailyBar,
  dailyBars,
  dailyPrintStats,
  latestPrintDay,
  type PrintWindowAggregate,
  printWindowAggregate,
  type ReadScope,
  readScope,
  type SentimentTally,
  type ShortVolumeDay,
  shortVolumeDays,
} from "../darkpool/darkpool.service";
import { offExchangeRatio } from "../darkpool/ratio";
import { addDays, etDateOf, etDayBounds, etWallTimeToUtc } from "../lib/et-time";
import { ANALYTICS_PARAMS, type AnalyticsParams } from "./analytics.params";
import type {
  ActivityRatioInput,
  InsiderInput,
  InstitutionalInput,
  OptionsInput,
  SmartMoneyInputs,
} from "./analytics.types";

/** Store readers of the other areas, each as of a moment. Absent = that input is unavailable. */
export interface InputProviders {
  institutional?: (db: Db, symbol: string, asOf: Date) => Promise<InstitutionalInput | undefined>;
  insider?: (db: Db, symbol: string, asOf: Date) => Promise<InsiderInput | undefined>;
  options?: (db: Db, symbol: string, asOf: Date) => Promise<OptionsInput | undefined>;
  optionsVolume?: (db: Db, symbol: string, asOf: Date) => Promise<ActivityRatioInput | undefined>;
}

export interface GatherOptions {
  /** The original specification's `price_change` override, %. */
  priceChangePct?: number | undefined;
  /** The original specification's `total_volume` override: consolidated volume of the flow window. */
  totalVolumeShares?: number | undefined;
  providers?: InputProviders | undefined;
  params?: AnalyticsParams | undefined;
  /** The request's read cache (one per request, see darkpool/rollups.ts); made here when absent. */
  scope?: ReadScope | undefined;
}

export interface GatheredInputs {
  inputs: SmartMoneyInputs;
  /** The trading day whose off-exchange flow was read, and its bounds (until is capped at as_of). */
  window: { day: string; since: Date; until: Date } | null;
  flow: PrintWindowAggregate | null;
  totalVolume: { shares: number; source: string } | null;
}

/** The regular session's close of a New York trading day: the moment a daily value describes. */
export const closeOf = (day: string): Date => etWallTimeToUtc(day, 16);

const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Latest value over the mean of up to `trailingDays` values before it, or null without enough of them. */
export function ratioToTrailing(values: number[], params: AnalyticsParams = ANALYTICS_PARAMS): number | null {
  const latest = values.at(-1);
  const trailing = values.slice(-1 - params.trailingDays, -1);
  if (latest === undefined || trailing.length < params.minBaselineDays) return null;
  const avg = mean(trailing);
  return avg > 0 ? latest / avg : null;
}

export async function gatherInputs(
  db: Db,
  symbol: string,
  asOf: Date,
  options: GatherOptions = {},
): Promise<GatheredInputs> {
  const params = options.params ?? ANALYTICS_PARAMS;
  const providers = options.providers ?? {};
  const asOfDay = etDateOf(asOf.getTime());
  // Calendar look-back that holds `trailingDays` trading days with room for holidays.
  const lookbackDay = addDays(asOfDay, -Math.ceil(params.trailingDays * 1.6) - 10);

  // Store reads go through the versioned read cache; the other areas' providers are read as they are.
  const scope = options.scope ?? (await readScope(db, symbol, asOf));
  const [flowDay, bars, shorts, institutional, insider, optionsInput, optionsVolume] = await Promise.all([
    scope.read("latestPrintDay", [asOf], () => latestPrintDay(db, symbol, asOf)),
    scope.read("dailyBars", [lookbackDay, asOfDay, asOf], () =>
      dailyBars(db, symbol, lookbackDay, asOfDay, asOf),
    ),
    scope.read("shortVolumeDays", [lookbackDay, asOfDay, asOf], () =>
      shortVolumeDays(db, symbol, lookbackDay, asOfDay, asOf),
    ),
    providers.institutional?.(db, symbol, asOf),
    providers.insider?.(db, symbol, asOf),
    providers.options?.(db, symbol, asOf),
    providers.optionsVolume?.(db, symbol, asOf),
  ]);

  const inputs: SmartMoneyInputs = { symbol, institutional, insider, options: optionsInput, activity: {} };
  if (optionsVolume) (inputs.activity ?? {}).optionsVolume = optionsVolume;
  const flow = flowDay
    ? await readFlow(db, symbol, flowDay, asOf, bars, inputs, { ...options, params, scope })
    : { window: null, flow: null, totalVolume: null };
  readBars(bars, asOf, inputs, options.priceChangePct, params);
  readShortVolume(shorts, inputs, params);
  return { inputs, ...flow };
}

type FlowOptions = GatherOptions & { params: AnalyticsParams; scope: ReadScope };

/** Off-exchange flow of the latest trading day with prints: the dark-pool and block-flow inputs. */
async function readFlow(
  db: Db,
  symbol: string,
  flowDay: string,
  asOf: Date,
  bars: DailyBar[],
  inputs: SmartMoneyInputs,
  { params, scope, totalVolumeShares }: FlowOptions,
): Promise<Omit<GatheredInputs, "inputs">> {
  const bounds = etDayBounds(flowDay);
  const until = bounds.end < asOf ? bounds.end : new Date(asOf.getTime() + 1);
  const window = { day: flowDay, since: bounds.start, until };
  const trailingSince = etDayBounds(addDays(flowDay, -Math.ceil(params.trailingDays * 1.6) - 10)).start;
  const block = params.blockMinUsd;
  const [flow, blocks, daily] = await Promise.all([
    scope.read("printWindowAggregate", [bounds.start, until, asOf, block], () =>
      printWindowAggregate(db, { symbol, since: bounds.start, until }, { asOf, blockMinUsd: block }),
    ),
    scope.read("blockSentiment", [bounds.start, until, asOf, block], () =>
      blockSentiment(db, { symbol, since: bounds.start, until }, asOf, block),
    ),
    scope.read("dailyPrintStats", [trailingSince, until, asOf], () =>
      dailyPrintStats(db, { symbol, since: trailingSince, until }, asOf),
    ),
  ]);
  const dayBar = bars.find((b) => b.day === flowDay);
  // One denominator rule for every endpoint (server/src/darkpool/ratio.ts).
  const market = offExchangeRatio({
    offExchangeShares: flow.offVolume,
    litShares: flow.litVolume,
    bar: dayBar,
    overrideShares: totalVolumeShares,
  });
  const totalVolume =
    market.marketVolume !== null && market.source !== null
      ? { shares: market.marketVolume, source: market.source }
      : null;
  if (flow.offValueUsd > 0) {
    const latestTs = flow.offMaxTs ?? bounds.start;
    flowInputs(inputs, flow, blocks, latestTs, totalVolume?.shares ?? null);
    const offRatio = ratioToTrailing(
      daily.filter((d) => d.day <= flowDay).map((d) => d.volume),
      params,
    );
    if (offRatio !== null && inputs.activity)
      inputs.activity.darkPoolVolume = { asOf: latestTs, source: "prints", ratioToAverage: offRatio };
  }
  return { window, flow, totalVolume };
}

/**
 * The dark-pool component reads the prints that are not blocks; blocks are block_flow's (no print counts in
 * two components).
 */
function flowInputs(
  inputs: SmartMoneyInputs,
  flow: PrintWindowAggregate,
  blocks: { volume: SentimentTally; count: SentimentTally },
  latestTs: Date,
  totalVolumeShares: number | null,
) {
  const minus = (a: SentimentTally, b: SentimentTally): SentimentTally => ({
    bullish: Math.max(0, a.bullish - b.bullish),
    bearish: Math.max(0, a.bearish - b.bearish),
    neutral: Math.max(0, a.neutral - b.neutral),
    unknown: Math.max(0, a.unknown - b.unknown),
  });
  const nonBlockCount = minus(flow.count, blocks.count);
  inputs.darkPool = {
    asOf: latestTs,
    source: "prints",
    observations: nonBlockCount.bullish + nonBlockCount.bearish + nonBlockCount.neutral,
    offExchangeVolumeShares: flow.offVolume,
    totalVolumeShares,
    volumeBySentiment: { ...flow.volume },
    nonBlockVolumeBySentiment: minus(flow.volume, blocks.volume),
  };
  inputs.blockFlow = {
    asOf: latestTs,
    source: "prints",
    observations: flow.large.count,
    bullishValueUsd: flow.large.bullishValueUsd,
    bearishValueUsd: flow.large.bearishValueUsd,
    totalValueUsd: flow.large.valueUsd,
    blockCount: flow.large.count,
  };
  if (inputs.activity)
    inputs.activity.largeBlocks = { asOf: latestTs, source: "prints", count: flow.large.count };
}

/** Consolidated volume against its trailing average, and the price change, from daily bars. */
function readBars(
  bars: DailyBar[],
  asOf: Date,
  inputs: SmartMoneyInputs,
  priceChangePct: number | undefined,
  params: AnalyticsParams,
) {
  const lastBar = bars.at(-1);
  if (lastBar && inputs.activity) {
    const equityRatio = ratioToTrailing(
      bars.map((b) => b.volume),
      params,
    );
    if (equityRatio !== null) {
      inputs.activity.equityVolume = {
        asOf: closeOf(lastBar.day),
        source: `daily_bars:${lastBar.source}`,
        ratioToAverage: equityRatio,
      };
    }
  }
  const prevBar = bars.at(-2);
  if (priceChangePct !== undefined) {
    inputs.priceChange = { asOf, source: "override:price_change", priceChangePct };
  } else if (lastBar && prevBar && prevBar.close > 0) {
    inputs.priceChange = {
      asOf: closeOf(lastBar.day),
      source: `daily_bars:${lastBar.source}`,
      priceChangePct: (lastBar.close / prevBar.close - 1) * 100,
    };
  }
}

/** FINRA short-volume ratio of the latest published day against its trailing average. */
function readShortVolume(shorts: ShortVolumeDay[], inputs: SmartMoneyInputs, params: AnalyticsParams) {
  const ratios = shorts
    .filter((s) => s.totalVolume > 0)
    .map((s) => ({ day: s.day, ratio: s.shortVolume / s.totalVolume }));
  const latestShort = ratios.at(-1);
  if (!latestShort) return;
  const trailing = ratios.slice(-1 - params.trailingDays, -1).map((r) => r.ratio);
  inputs.shortVolume = {
    asOf: closeOf(latestShort.day),
    source: "finra_regsho",
    observations: trailing.length,
    shortVolumeRatio: latestShort.ratio,
    trailingAverageRatio: trailing.length >= params.minBaselineDays ? mean(trailing) : null,
  };
}
