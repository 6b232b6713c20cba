/**
 * Gathers the indices' inputs for one symbol as of a moment, from every area's store, seeing only what
 * had been published by then. Areas whose stores are not wired (institutional, insider, options until
 * their stores exist) come in through `InputProviders`; an absent provider is an unavailable input,
 * which the indices exclude and count against confidence.
 */

import type { Db } from "@smt/db";
import { offExchangeRatio } from "../darkpool/ratio";
import { type ReadScope, readScope } from "../darkpool/rollups";
import { addDays, etDateOf, etDayBounds, etWallTimeToUtc } from "../lib/et-time";
import { ANALYTICS_PARAMS, type AnalyticsParams } from "./analytics.params";
import {
  barsAsOf,
  blockSentiment,
  dailyOffExchange,
  latestFlowDay,
  type PrintFlow,
  printFlow,
  type SentimentTally,
  shortVolumeAsOf,
} from "./analytics.store";
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
  flow: PrintFlow | null;
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
    scope.read("latestFlowDay", [asOf], () => latestFlowDay(db, symbol, asOf)),
    scope.read("barsAsOf", [lookbackDay, asOfDay, asOf], () =>
      barsAsOf(db, symbol, lookbackDay, asOfDay, asOf),
    ),
    scope.read("shortVolumeAsOf", [lookbackDay, asOfDay, asOf], () =>
      shortVolumeAsOf(db, symbol, lookbackDay, asOfDay, asOf),
    ),
    providers.institutional?.(db, symbol, asOf),
    providers.insider?.(db, symbol, asOf),
    providers.options?.(db, symbol, asOf),
    providers.optionsVolume?.(db, symbol, asOf),
  ]);

  const inputs: SmartMoneyInputs = { symbol, institutional, insider, options: optionsInput, activity: {} };
  const activity = inputs.activity ?? {};
  if (optionsVolume) activity.optionsVolume = optionsVolume;

  // Off-exchange flow of the latest trading day with prints.
  let window: GatheredInputs["window"] = null;
  let flow: PrintFlow | null = null;
  let totalVolume: GatheredInputs["totalVolume"] = null;
  if (flowDay) {
    const bounds = etDayBounds(flowDay);
    const until = bounds.end < asOf ? bounds.end : new Date(asOf.getTime() + 1);
    window = { day: flowDay, since: bounds.start, until };
    const trailingSince = etDayBounds(addDays(flowDay, -Math.ceil(params.trailingDays * 1.6) - 10)).start;
    const [windowFlow, blocks, daily] = await Promise.all([
      scope.read("printFlow", [bounds.start, until, asOf, params.blockMinUsd], () =>
        printFlow(db, symbol, bounds.start, until, asOf, params.blockMinUsd),
      ),
      scope.read("blockSentiment", [bounds.start, until, asOf, params.blockMinUsd], () =>
        blockSentiment(db, symbol, bounds.start, until, asOf, params.blockMinUsd),
      ),
      scope.read("dailyOffExchange", [trailingSince, until, asOf], () =>
        dailyOffExchange(db, symbol, trailingSince, until, asOf),
      ),
    ]);
    flow = windowFlow;
    const dayBar = bars.find((b) => b.day === flowDay);
    // One denominator rule for every endpoint (server/src/darkpool/ratio.ts).
    const market = offExchangeRatio({
      offExchangeShares: flow.offExchangeVolumeShares,
      litShares: flow.litVolumeShares,
      bar: dayBar ? { volume: dayBar.volumeShares, source: dayBar.source } : undefined,
      overrideShares: options.totalVolumeShares,
    });
    totalVolume =
      market.marketVolume !== null && market.source !== null
        ? { shares: market.marketVolume, source: market.source }
        : null;
    const latestTs = flow.latestTs ?? bounds.start;
    const value = flow.offExchangeValueUsd;
    if (value > 0) {
      // The dark-pool component reads the prints that are not blocks; blocks are block_flow's (no print
      // counts in two components).
      const minus = (a: SentimentTally, b: SentimentTally): SentimentTally => ({
        bullish: Math.max(0, a.bullish - b.bullish),
        bearish: Math.max(0, a.bearish - b.bearish),
        neutral: Math.max(0, a.neutral - b.neutral),
        unknown: Math.max(0, a.unknown - b.unknown),
      });
      const nonBlockCount = minus(flow.countBySentiment, blocks.count);
      inputs.darkPool = {
        asOf: latestTs,
        source: "prints",
        observations: nonBlockCount.bullish + nonBlockCount.bearish + nonBlockCount.neutral,
        offExchangeVolumeShares: flow.offExchangeVolumeShares,
        totalVolumeShares: totalVolume?.shares ?? null,
        volumeBySentiment: flow.volumeBySentiment,
        nonBlockVolumeBySentiment: minus(flow.volumeBySentiment, blocks.volume),
      };
      inputs.blockFlow = {
        asOf: latestTs,
        source: "prints",
        observations: flow.blocks.count,
        bullishValueUsd: flow.blocks.bullishValueUsd,
        bearishValueUsd: flow.blocks.bearishValueUsd,
        totalValueUsd: flow.blocks.valueUsd,
        blockCount: flow.blocks.count,
      };
      activity.largeBlocks = { asOf: latestTs, source: "prints", count: flow.blocks.count };
      const offRatio = ratioToTrailing(
        daily.filter((d) => d.day <= flowDay).map((d) => d.volumeShares),
        params,
      );
      if (offRatio !== null)
        activity.darkPoolVolume = { asOf: latestTs, source: "prints", ratioToAverage: offRatio };
    }
  }

  // Consolidated volume and price change from daily bars.
  const lastBar = bars.at(-1);
  if (lastBar) {
    const equityRatio = ratioToTrailing(
      bars.map((b) => b.volumeShares),
      params,
    );
    if (equityRatio !== null) {
      activity.equityVolume = {
        asOf: closeOf(lastBar.day),
        source: `daily_bars:${lastBar.source}`,
        ratioToAverage: equityRatio,
      };
    }
  }
  const prevBar = bars.at(-2);
  if (options.priceChangePct !== undefined) {
    inputs.priceChange = { asOf, source: "override:price_change", priceChangePct: options.priceChangePct };
  } else if (lastBar && prevBar && prevBar.close > 0) {
    inputs.priceChange = {
      asOf: closeOf(lastBar.day),
      source: `daily_bars:${lastBar.source}`,
      priceChangePct: (lastBar.close / prevBar.close - 1) * 100,
    };
  }

  // FINRA short-volume ratio of the latest published day against its trailing average.
  const ratios = shorts
    .filter((s) => s.totalVolumeShares > 0)
    .map((s) => ({ day: s.day, ratio: s.shortVolumeShares / s.totalVolumeShares }));
  const latestShort = ratios.at(-1);
  if (latestShort) {
    const trailing = ratios.slice(-1 - params.trailingDays, -1).map((r) => r.ratio);
    inputs.shortVolume = {
      asOf: closeOf(latestShort.day),
      source: "finra_regsho",
      observations: trailing.length,
      shortVolumeRatio: latestShort.ratio,
      trailingAverageRatio: trailing.length >= params.minBaselineDays ? mean(trailing) : null,
    };
  }

  return { inputs, window, flow, totalVolume };
}
