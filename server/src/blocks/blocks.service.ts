/**
 * The blocks answers as plain functions of the database: recent blocks, unusual option contracts, options
 * positioning, volume spikes and price/flow divergence. Stored data goes through the same pure signals
 * the live detectors use; each answer carries its parameter version and `as_of`. The REST handlers, the
 * analytics and any other caller use these, so they all see the same numbers.
 */
import type { Db } from "@smt/db";
import {
  dailyPrintVolumes,
  intradayVolumeBuckets,
  largePrints,
  priceFlowWindow,
} from "../darkpool/darkpool.service";
import { addDays, etDateOf, etDayBounds } from "../lib/et-time";
import { roundMoneyFields } from "../lib/round";
import { requireKnownSymbol } from "../lib/symbols";
import { DEFAULT_BLOCKS_PARAMS } from "./blocks.params";
import type {
  DivergencePayload,
  OptionContracts,
  OptionsPositioningPayload,
  RecentBlocks,
  VolumeSpikePayload,
} from "./blocks.schemas";
import {
  optionsPositioning,
  priceFlowDivergence,
  toBlockTrade,
  unusualOption,
  volumeSpike,
} from "./blocks.signals";
import { optionPremiumFlow } from "./divergence.store";
import { parseOptionSymbol } from "./occ";
import { type ContractDayStats, contractDayStats, latestOptionPrint, optionPrintsFor } from "./options.store";

const params = DEFAULT_BLOCKS_PARAMS;

/**
 * Equity prints of at least `minValueUsd` (default the tracked-block floor), newest first, classified as
 * blocks. Throws NOT_FOUND for a symbol without data.
 */
export async function getRecentBlocks(
  db: Db,
  symbolInput: string,
  q: { since?: Date | undefined; minValueUsd?: number | undefined; limit: number },
  now: Date,
): Promise<RecentBlocks> {
  const symbol = await requireKnownSymbol(db, symbolInput);
  const prints = await largePrints(db, symbol, q.minValueUsd ?? params.blockTrackedMinUsd, q.since, q.limit);
  const blocks = prints.flatMap((p) => {
    const b = toBlockTrade(p, { blockTrackedMinUsd: 0 });
    if (b === null) return [];
    const alertable =
      (b.trade_type === "block" || b.trade_type === "sweep") && b.value >= params.blockAlertMinUsd;
    return [{ ...b, is_alertable: alertable }];
  });
  return {
    symbol,
    blocks,
    alert_threshold_usd: params.blockAlertMinUsd,
    params_version: params.version,
    as_of: now.toISOString(),
  };
}

function contractActivity(s: ContractDayStats) {
  const u = unusualOption(
    {
      contract: s.contract,
      volumeContracts: s.volume,
      premiumUsd: s.premiumUsd,
      averageVolumeContracts: s.averageVolume,
      openInterestContracts: s.openInterest,
    },
    params,
  );
  const parsed = parseOptionSymbol(s.contract);
  return {
    contract: s.contract,
    expiry: parsed?.expiry ?? "",
    right: parsed?.right ?? "",
    strike: parsed?.strikeUsd ?? 0,
    volume: s.volume,
    premium: s.premiumUsd,
    average_volume: s.averageVolume,
    history_days: s.historyDays,
    open_interest: s.openInterest,
    volume_ratio: u.volume_ratio,
    volume_oi_ratio: u.volume_oi_ratio,
    is_unusual: u.is_unusual,
    reason: u.reason,
  };
}

/**
 * Per contract on one New York day (default the last day with option prints), by premium: volume against
 * its trailing average and open interest, and whether that is unusual. Throws NOT_FOUND for a symbol
 * without data.
 */
export async function getOptionContracts(
  db: Db,
  symbolInput: string,
  q: { date?: string | undefined; unusualOnly: boolean; limit: number },
  now: Date,
): Promise<OptionContracts> {
  const symbol = await requireKnownSymbol(db, symbolInput);
  const latest = await latestOptionPrint(db, symbol);
  const day = q.date ?? (latest ? etDateOf(latest.getTime()) : null);
  const stats = day ? await contractDayStats(db, symbol, day, params.optionsLookbackDays) : [];
  const contracts = stats.map(contractActivity);
  const shown = q.unusualOnly ? contracts.filter((x) => x.is_unusual) : contracts;
  return {
    symbol,
    date: day,
    contracts: shown.slice(0, q.limit),
    unusual_count: contracts.filter((x) => x.is_unusual).length,
    threshold_ratio: params.optionsVolumeRatio,
    params_version: params.version,
    as_of: now.toISOString(),
  };
}

/**
 * Call/put premium and volume, NBBO-side sentiment and top contracts of the option prints known at
 * `asOf` (at or before it, published by then). The window defaults to the last New York day with such
 * prints, up to just after the newest one, and never reaches past `asOf`. Throws NOT_FOUND for a symbol
 * without data; a symbol without option prints answers with `prints: 0`.
 */
export async function getOptionsPositioning(
  db: Db,
  symbolInput: string,
  asOf: Date,
  window: { since?: Date | undefined; until?: Date | undefined; top?: number | undefined } = {},
): Promise<OptionsPositioningPayload> {
  const symbol = await requireKnownSymbol(db, symbolInput);
  const latest = await latestOptionPrint(db, symbol, asOf);
  let since = window.since ?? null;
  let until = window.until ?? null;
  if (since === null && latest !== null) since = etDayBounds(etDateOf(latest.getTime())).start;
  if (until === null) until = latest ? new Date(latest.getTime() + 1) : asOf;
  // Nothing after as_of, whatever the window says.
  if (until.getTime() > asOf.getTime() + 1) until = new Date(asOf.getTime() + 1);
  const prints = since ? await optionPrintsFor(db, symbol, since, until, 200_000, asOf) : [];
  const pos = roundMoneyFields(optionsPositioning(symbol, prints, window.top ?? 10));
  return {
    ...pos,
    top_contracts: pos.top_contracts.map((t) => ({ ...t })),
    window_start: since?.toISOString() ?? null,
    window_end: since ? until.toISOString() : null,
    prints: prints.length,
    params_version: params.version,
    as_of: asOf.toISOString(),
  };
}

/** Intraday buckets of `day` whose volume is above `volumeSpikeRatio` times their same-time average. */
async function intradaySpikes(db: Db, symbol: string, day: string, calendarBack: number) {
  const bucketMinutes = params.volumeBucketMs / 60_000;
  const buckets = await intradayVolumeBuckets(db, symbol, day, calendarBack, bucketMinutes);
  const start = etDayBounds(day).start.getTime();
  return buckets
    .filter(
      (b) =>
        b.historyDays >= params.volumeMinHistoryDays &&
        b.averageVolume > 0 &&
        b.volume >= params.volumeSpikeMinShares &&
        b.volume / b.averageVolume > params.volumeSpikeRatio,
    )
    .map((b) => ({
      window_start: new Date(start + b.bucket * params.volumeBucketMs).toISOString(),
      window_minutes: bucketMinutes,
      volume: b.volume,
      average_volume: b.averageVolume,
      volume_ratio: b.volume / b.averageVolume,
    }));
}

/**
 * A day's volume (default the last day with prints; `totalVolume` overrides it) against the trailing
 * average, and the intraday buckets that spiked. Throws NOT_FOUND for a symbol without data.
 */
export async function getVolumeSpike(
  db: Db,
  symbolInput: string,
  q: { date?: string | undefined; totalVolume?: number | undefined },
  now: Date,
): Promise<VolumeSpikePayload> {
  const symbol = await requireKnownSymbol(db, symbolInput);
  const lookback = params.volumeLookbackDays;
  // Calendar days back that hold about `lookback` trading days.
  const calendarBack = Math.ceil(lookback * 1.5);
  const today = etDateOf(now.getTime());
  const recent = await dailyPrintVolumes(db, symbol, addDays(today, -400), today);
  const day = q.date ?? recent.at(-1)?.day ?? today;
  const history = recent.filter((r) => r.day < day && r.day >= addDays(day, -calendarBack)).slice(-lookback);
  const dayVolume = q.totalVolume ?? recent.find((r) => r.day === day)?.volume ?? 0;
  const daily = volumeSpike(
    dayVolume,
    history.map((h) => h.volume),
    params,
  );
  return {
    symbol,
    date: day,
    daily: {
      volume: daily.volume,
      average_volume: daily.average_volume,
      volume_ratio: daily.volume_ratio,
      is_spike: daily.is_spike,
      history_days: daily.history_days,
      threshold_ratio: daily.threshold_ratio,
    },
    intraday_spikes: await intradaySpikes(db, symbol, day, calendarBack),
    params_version: params.version,
    as_of: now.toISOString(),
  };
}

/**
 * Price change against net smart-money flow over the `windowMinutes` before `until` (default just after
 * the newest print); `priceChangePct` overrides the measured move and is trusted as given. Throws
 * NOT_FOUND for a symbol without data.
 */
export async function getDivergence(
  db: Db,
  symbolInput: string,
  q: { until?: Date | undefined; windowMinutes: number; priceChangePct?: number | undefined },
  now: Date,
): Promise<DivergencePayload> {
  const symbol = await requireKnownSymbol(db, symbolInput);
  const latestEquity = await largePrints(db, symbol, 0, undefined, 1);
  const until = q.until ?? new Date((latestEquity[0]?.ts ?? now).getTime() + 1);
  const since = new Date(until.getTime() - q.windowMinutes * 60_000);
  const w = {
    ...(await priceFlowWindow(db, { symbol, since, until }, params.blockTrackedMinUsd)),
    ...(await optionPremiumFlow(db, symbol, since, until)),
  };
  const computed =
    w.firstPrice !== null && w.lastPrice !== null && w.firstPrice > 0
      ? ((w.lastPrice - w.firstPrice) / w.firstPrice) * 100
      : null;
  const overridden = q.priceChangePct !== undefined;
  const result = priceFlowDivergence(
    {
      symbol,
      windowStart: since.toISOString(),
      windowEnd: until.toISOString(),
      priceChangePct: overridden ? (q.priceChangePct ?? null) : computed,
      // An explicit price change is trusted as given.
      pricePrints: overridden ? Number.MAX_SAFE_INTEGER : w.pricePrints,
      darkPoolBullishUsd: w.darkPoolBullishUsd,
      darkPoolBearishUsd: w.darkPoolBearishUsd,
      blockBullishUsd: w.blockBullishUsd,
      blockBearishUsd: w.blockBearishUsd,
      optionsBullishPremiumUsd: w.optionsBullishPremiumUsd,
      optionsBearishPremiumUsd: w.optionsBearishPremiumUsd,
    },
    { ...params, divergenceWindowMs: q.windowMinutes * 60_000 },
  );
  return {
    ...result,
    inputs: {
      first_price: w.firstPrice,
      last_price: w.lastPrice,
      price_prints: w.pricePrints,
      dark_pool_bullish_usd: w.darkPoolBullishUsd,
      dark_pool_bearish_usd: w.darkPoolBearishUsd,
      block_bullish_usd: w.blockBullishUsd,
      block_bearish_usd: w.blockBearishUsd,
      options_bullish_premium_usd: w.optionsBullishPremiumUsd,
      options_bearish_premium_usd: w.optionsBearishPremiumUsd,
    },
    params_version: params.version,
    as_of: now.toISOString(),
  };
}
