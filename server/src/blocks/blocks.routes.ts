/**
 * `/smart-money/blocks/{symbol}/recent|options|options-positioning|volume-spike|divergence`: stored data
 * through the same pure signals the live detectors use, each answer with its parameter version and `as_of`.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";
import { addDays, etDateOf, etDayBounds } from "../lib/et-time";
import { errorResponses, newRouter, SymbolParams } from "../lib/openapi";
import { roundMoneyFields } from "../lib/round";
import { requireKnownSymbol } from "../lib/symbols";
import { IsoDay, IsoTimestamp } from "../lib/time-params";
import { DEFAULT_BLOCKS_PARAMS } from "./blocks.params";
import {
  optionsPositioning,
  priceFlowDivergence,
  toBlockTrade,
  unusualOption,
  volumeSpike,
} from "./blocks.signals";
import {
  contractDayStats,
  dailyPrintVolumes,
  divergenceWindow,
  intradayBuckets,
  latestOptionPrint,
  optionPrintsFor,
  printRowToEnriched,
  recentBlockPrints,
} from "./blocks.store";
import { parseOptionSymbol } from "./occ";

const BlockTradeSchema = z
  .object({
    symbol: z.string(),
    timestamp: z.string(),
    trade_type: z.enum(["block", "sweep", "odd_lot_excluded", "late", "excluded"]),
    price: z.number(),
    size: z.number(),
    value: z.number(),
    is_options: z.boolean(),
    sentiment: z.string().openapi({ description: "Estimate from the print's place against the NBBO" }),
    volume_ratio: z.number().nullable(),
    is_off_exchange: z.boolean(),
    exchange: z.string(),
    conditions: z.array(z.string()),
    exclusion_reason: z.string().nullable(),
    trade_key: z.string(),
    is_alertable: z.boolean(),
  })
  .openapi("BlockTrade");

const recentRoute = createRoute({
  method: "get",
  path: "/smart-money/blocks/{symbol}/recent",
  tags: ["Blocks"],
  summary: "Recent equity blocks (prints of at least min_value, default $1M), newest first",
  request: {
    params: SymbolParams,
    query: z.object({
      since: IsoTimestamp.optional(),
      min_value: z.coerce.number().min(0).optional().openapi({ description: "USD, default 1,000,000" }),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: {
      description: "Blocks",
      content: {
        "application/json": {
          schema: z.object({
            symbol: z.string(),
            blocks: z.array(BlockTradeSchema),
            alert_threshold_usd: z.number(),
            params_version: z.string(),
            as_of: z.string(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const ContractSchema = z
  .object({
    contract: z.string(),
    expiry: z.string(),
    right: z.string(),
    strike: z.number(),
    volume: z.number(),
    premium: z.number(),
    average_volume: z.number().nullable(),
    history_days: z.number(),
    open_interest: z.number().nullable(),
    volume_ratio: z.number().nullable(),
    volume_oi_ratio: z.number().nullable(),
    is_unusual: z.boolean(),
    reason: z.string().nullable(),
  })
  .openapi("OptionContractActivity");

const optionsRoute = createRoute({
  method: "get",
  path: "/smart-money/blocks/{symbol}/options",
  tags: ["Blocks"],
  summary: "Unusual options activity per contract on one day (volume vs 30-day average, volume/OI)",
  request: {
    params: SymbolParams,
    query: z.object({
      date: IsoDay.optional().openapi({
        description: "Trading day (ET); default the last day with option prints",
      }),
      unusual_only: z.enum(["true", "false"]).default("false"),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: {
      description: "Contracts by premium",
      content: {
        "application/json": {
          schema: z.object({
            symbol: z.string(),
            date: z.string().nullable(),
            contracts: z.array(ContractSchema),
            unusual_count: z.number(),
            threshold_ratio: z.number(),
            params_version: z.string(),
            as_of: z.string(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const positioningRoute = createRoute({
  method: "get",
  path: "/smart-money/blocks/{symbol}/options-positioning",
  tags: ["Blocks"],
  summary: "Call/put premium and volume, ratios, sentiment and top contracts",
  request: {
    params: SymbolParams,
    query: z.object({
      since: IsoTimestamp.optional().openapi({
        description: "Default: start of the last New York day with option prints known at as_of",
      }),
      until: IsoTimestamp.optional().openapi({ description: "Default: just after the newest such print" }),
      as_of: IsoTimestamp.optional().openapi({
        description:
          "Point in time: only prints at or before this moment and published by then (default now)",
      }),
      top: z.coerce.number().int().min(1).max(100).default(10),
    }),
  },
  responses: {
    200: {
      description: "Positioning",
      content: {
        "application/json": {
          schema: z
            .object({
              symbol: z.string(),
              call_premium: z.number(),
              put_premium: z.number(),
              call_volume: z.number(),
              put_volume: z.number(),
              call_put_ratio: z.number().nullable(),
              call_put_premium_ratio: z.number().nullable(),
              bullish_premium: z.number(),
              bearish_premium: z.number(),
              classified_prints: z.number(),
              net_sentiment_score: z.number().nullable(),
              sentiment: z.enum(["bullish", "bearish", "neutral", "unknown"]),
              sentiment_basis: z.enum(["nbbo_side", "none"]),
              unclassified_premium_share: z.number(),
              multi_leg_premium: z.number(),
              multi_leg_volume: z.number(),
              top_contracts: z.array(z.record(z.string(), z.unknown())),
              window_start: z.string().nullable(),
              window_end: z.string().nullable(),
              prints: z.number(),
              params_version: z.string(),
              as_of: z.string(),
            })
            .openapi("OptionsPositioning"),
        },
      },
    },
    ...errorResponses,
  },
});

const spikeRoute = createRoute({
  method: "get",
  path: "/smart-money/blocks/{symbol}/volume-spike",
  tags: ["Blocks"],
  summary: "Day volume vs the trailing average, and intraday buckets above 2x their same-time-of-day average",
  request: {
    params: SymbolParams,
    query: z.object({
      date: IsoDay.optional(),
      total_volume: z.coerce
        .number()
        .min(0)
        .optional()
        .openapi({ description: "Override of the day's volume" }),
    }),
  },
  responses: {
    200: {
      description: "Volume spike",
      content: {
        "application/json": {
          schema: z.object({
            symbol: z.string(),
            date: z.string(),
            daily: z.object({
              volume: z.number(),
              average_volume: z.number(),
              volume_ratio: z.number(),
              is_spike: z.boolean(),
              history_days: z.number(),
              threshold_ratio: z.number(),
            }),
            intraday_spikes: z.array(
              z.object({
                window_start: z.string(),
                window_minutes: z.number(),
                volume: z.number(),
                average_volume: z.number(),
                volume_ratio: z.number(),
              }),
            ),
            params_version: z.string(),
            as_of: z.string(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const divergenceRoute = createRoute({
  method: "get",
  path: "/smart-money/blocks/{symbol}/divergence",
  tags: ["Blocks"],
  summary:
    "Price change vs net smart-money flow (dark pool, blocks, options) over one window, with its parts",
  request: {
    params: SymbolParams,
    query: z.object({
      until: IsoTimestamp.optional().openapi({ description: "Window end; default the newest print" }),
      window_minutes: z.coerce
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60)
        .default(30),
      price_change: z.coerce
        .number()
        .optional()
        .openapi({ description: "Override of the window's price change, %" }),
    }),
  },
  responses: {
    200: {
      description: "Divergence",
      content: {
        "application/json": {
          schema: z
            .object({
              symbol: z.string(),
              window_start: z.string(),
              window_end: z.string(),
              price_change_pct: z.number().nullable(),
              parts: z.object({
                dark_pool: z.number().nullable(),
                blocks: z.number().nullable(),
                options: z.number().nullable(),
              }),
              net_flow_score: z.number().nullable(),
              price_score: z.number().nullable(),
              divergence_score: z.number(),
              divergence_type: z.string(),
              is_divergent: z.boolean(),
              inputs: z.record(z.string(), z.number().nullable()),
              params_version: z.string(),
              as_of: z.string(),
            })
            .openapi("Divergence"),
        },
      },
    },
    ...errorResponses,
  },
});

export function blocksRoutes(deps: AppDeps) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();
  const params = DEFAULT_BLOCKS_PARAMS;

  return newRouter()
    .openapi(recentRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const rows = await recentBlockPrints(
        db,
        symbol,
        q.min_value ?? params.blockTrackedMinUsd,
        q.since ? new Date(q.since) : undefined,
        q.limit,
      );
      const blocks = rows.flatMap((r) => {
        const b = toBlockTrade(printRowToEnriched(r), { blockTrackedMinUsd: 0 });
        if (b === null) return [];
        const alertable =
          (b.trade_type === "block" || b.trade_type === "sweep") && b.value >= params.blockAlertMinUsd;
        return [{ ...b, is_alertable: alertable }];
      });
      return c.json(
        {
          symbol,
          blocks,
          alert_threshold_usd: params.blockAlertMinUsd,
          params_version: params.version,
          as_of: now().toISOString(),
        },
        200,
      );
    })
    .openapi(optionsRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const latest = await latestOptionPrint(db, symbol);
      const day = q.date ?? (latest ? etDateOf(latest.getTime()) : null);
      const stats = day ? await contractDayStats(db, symbol, day, params.optionsLookbackDays) : [];
      const contracts = stats.map((s) => {
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
      });
      const shown = (q.unusual_only === "true" ? contracts.filter((x) => x.is_unusual) : contracts).slice(
        0,
        q.limit,
      );
      return c.json(
        {
          symbol,
          date: day,
          contracts: shown,
          unusual_count: contracts.filter((x) => x.is_unusual).length,
          threshold_ratio: params.optionsVolumeRatio,
          params_version: params.version,
          as_of: now().toISOString(),
        },
        200,
      );
    })
    .openapi(positioningRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const asOf = q.as_of ? new Date(q.as_of) : now();
      const latest = await latestOptionPrint(db, symbol, asOf);
      let since = q.since ? new Date(q.since) : null;
      let until = q.until ? new Date(q.until) : null;
      if (since === null && latest !== null) since = etDayBounds(etDateOf(latest.getTime())).start;
      if (until === null) until = latest ? new Date(latest.getTime() + 1) : asOf;
      // Nothing after as_of, whatever the window says.
      if (until.getTime() > asOf.getTime() + 1) until = new Date(asOf.getTime() + 1);
      const prints = since ? await optionPrintsFor(db, symbol, since, until, 200_000, asOf) : [];
      const pos = roundMoneyFields(optionsPositioning(symbol, prints, q.top));
      return c.json(
        {
          ...pos,
          top_contracts: pos.top_contracts.map((t) => ({ ...t })),
          window_start: since?.toISOString() ?? null,
          window_end: since ? until.toISOString() : null,
          prints: prints.length,
          params_version: params.version,
          as_of: asOf.toISOString(),
        },
        200,
      );
    })
    .openapi(spikeRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const lookback = params.volumeLookbackDays;
      // Calendar days back that hold about `lookback` trading days.
      const calendarBack = Math.ceil(lookback * 1.5);
      const recent = await dailyPrintVolumes(
        db,
        symbol,
        addDays(etDateOf(now().getTime()), -400),
        etDateOf(now().getTime()),
      );
      const day = q.date ?? recent.at(-1)?.day ?? etDateOf(now().getTime());
      const history = recent
        .filter((r) => r.day < day && r.day >= addDays(day, -calendarBack))
        .slice(-lookback);
      const todayVolume = q.total_volume ?? recent.find((r) => r.day === day)?.volume ?? 0;
      const daily = volumeSpike(
        todayVolume,
        history.map((h) => h.volume),
        params,
      );
      const bucketMinutes = params.volumeBucketMs / 60_000;
      const buckets = await intradayBuckets(db, symbol, day, calendarBack, bucketMinutes);
      const start = etDayBounds(day).start.getTime();
      const intraday = buckets
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
      return c.json(
        {
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
          intraday_spikes: intraday,
          params_version: params.version,
          as_of: now().toISOString(),
        },
        200,
      );
    })
    .openapi(divergenceRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const latestEquity = await recentBlockPrints(db, symbol, 0, undefined, 1);
      const until = q.until ? new Date(q.until) : new Date((latestEquity[0]?.ts ?? now()).getTime() + 1);
      const since = new Date(until.getTime() - q.window_minutes * 60_000);
      const w = await divergenceWindow(db, symbol, since, until, params.blockTrackedMinUsd);
      const computed =
        w.firstPrice !== null && w.lastPrice !== null && w.firstPrice > 0
          ? ((w.lastPrice - w.firstPrice) / w.firstPrice) * 100
          : null;
      const overridden = q.price_change !== undefined;
      const result = priceFlowDivergence(
        {
          symbol,
          windowStart: since.toISOString(),
          windowEnd: until.toISOString(),
          priceChangePct: overridden ? (q.price_change ?? null) : computed,
          // An explicit price change is trusted as given.
          pricePrints: overridden ? Number.MAX_SAFE_INTEGER : w.pricePrints,
          darkPoolBullishUsd: w.darkPoolBullishUsd,
          darkPoolBearishUsd: w.darkPoolBearishUsd,
          blockBullishUsd: w.blockBullishUsd,
          blockBearishUsd: w.blockBearishUsd,
          optionsBullishPremiumUsd: w.optionsBullishPremiumUsd,
          optionsBearishPremiumUsd: w.optionsBearishPremiumUsd,
        },
        { ...params, divergenceWindowMs: q.window_minutes * 60_000 },
      );
      return c.json(
        {
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
          as_of: now().toISOString(),
        },
        200,
      );
    });
}
