import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";
import { AppError } from "../errors";
import { addDays, etDateOf, etDayBounds, mondayOf } from "../lib/et-time";
import {
  ErrorBody,
  errorResponses,
  Freshness,
  freshness,
  newRouter,
  Source,
  SymbolParams,
} from "../lib/openapi";
import type { ResponseCache } from "../lib/response-cache";
import { normalizeSymbol, requireKnownSymbol } from "../lib/symbols";
import { IsoDay, IsoTimestamp } from "../lib/time-params";
import {
  DARKPOOL_PARAMS,
  dix,
  priceBandUsd,
  sentimentOf,
  shortVolumeRatio,
  trailingRatios,
} from "./darkpool.signals";
import {
  aggregateWindow,
  atsByWeek,
  barsByDay,
  dailyPrintStats,
  intradayWindows,
  latestDataDay,
  latestPrintDay,
  priceLevels,
  printSources,
  queryPrints,
  shortVolumeByDay,
  sizeBuckets,
  topAtsVenues,
} from "./darkpool.store";
import { dixInputs, latestShortVolumeDay } from "./dix";
import { type Constituents, dixCoverage, loadConstituents } from "./dix-basket";
import { ExtendedHoursSchema, extendedHoursPayload } from "./extended-hours";
import { rowToPrintWire } from "./print-wire";
import { offExchangeBand, offExchangeRatio } from "./ratio";
import { type DayVolume, dayVolumes, ratioHistory, weekConsolidatedVolume } from "./ratio-history";
import { readScope } from "./rollups";
import { extendedHoursVolume } from "./sessions.store";

const AsOf = IsoTimestamp.optional().openapi({ description: "Point in time (ISO 8601)" });

const PrintSchema = z
  .object({
    symbol: z.string(),
    timestamp: z.string(),
    price: z.number(),
    size: z.number(),
    value: z.number(),
    premium_discount: z
      .number()
      .nullable()
      .openapi({ description: "% above (+) or below (-) the market price" }),
    market_price: z.number().nullable(),
    market_price_source: z.string().nullable().openapi({ description: "nbbo_mid, last_lit or provided" }),
    is_premium: z.boolean().nullable(),
    sentiment: z.string().openapi({ description: "Estimate from the print's place against the NBBO" }),
    side: z.string(),
    exchange: z.string(),
    trf_id: z.number().nullable(),
    is_off_exchange: z.boolean(),
    conditions: z.array(z.string()),
    block_eligible: z.boolean(),
    exclusion_reason: z.string().nullable(),
    is_iso: z.boolean(),
    is_late: z.boolean(),
    trade_key: z.string(),
    source: z.string(),
    source_ref: z.string(),
  })
  .openapi("DarkPoolPrint");

const printsRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/{symbol}/prints",
  tags: ["Dark pool"],
  summary: "Off-exchange prints, newest first",
  request: {
    params: SymbolParams,
    query: z.object({
      since: IsoTimestamp.optional(),
      until: IsoTimestamp.optional(),
      min_value: z.coerce.number().min(0).optional().openapi({ description: "Minimum print value, USD" }),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.string().optional().openapi({ description: "next_cursor of the previous page" }),
      include_lit: z.enum(["true", "false"]).default("false"),
    }),
  },
  responses: {
    200: {
      description: "A page of prints",
      content: {
        "application/json": {
          schema: z.object({
            symbol: z.string(),
            prints: z.array(PrintSchema),
            next_cursor: z.string().nullable(),
            as_of: z.string(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

const OffExchangeBandSchema = z
  .object({
    band: z.enum(["very_high", "high", "typical", "low", "very_low"]),
    basis: z.enum(["symbol_history", "fixed_fallback"]),
    percentile: z.number().nullable(),
    history_days: z.number(),
    label: z.string(),
  })
  .openapi("OffExchangeRatioBand");
const AtsWeekSchema = z.object({
  week_start: z.string(),
  published_at: z.string(),
  shares: z.number(),
  venues: z.number(),
  week_consolidated_volume: z.number().nullable(),
  ats_share: z.number().nullable(),
});

const SentimentBucket = z.object({ prints: z.number(), volume: z.number(), percentage: z.number() });
const summaryRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/{symbol}/summary",
  tags: ["Dark pool"],
  summary: "One trading day of off-exchange activity",
  request: {
    params: SymbolParams,
    query: z.object({
      date: IsoDay.optional().openapi({
        description: "Trading day (ET); default: the latest day with off-exchange prints as of `as_of`",
      }),
      total_volume: z.coerce
        .number()
        .positive()
        .optional()
        .openapi({ description: "Override: consolidated volume (shares) for the dark-pool ratio" }),
      as_of: AsOf,
    }),
  },
  responses: {
    200: {
      description: "Summary",
      content: {
        "application/json": {
          schema: z
            .object({
              symbol: z.string(),
              date: z.string().nullable(),
              date_basis: z.enum(["requested", "latest_print_day_as_of", "as_of_date_no_prints"]).openapi({
                description:
                  "Why this date: the `date` asked for, the latest day with prints on or before `as_of`, or (no prints by then) the ET date of `as_of`",
              }),
              total_prints: z.number(),
              total_volume: z.number().openapi({ description: "Off-exchange shares" }),
              total_value: z.number().openapi({ description: "Off-exchange value, USD" }),
              vwap: z.number().nullable(),
              average_size: z.number().nullable(),
              market_volume: z
                .number()
                .nullable()
                .openapi({ description: "Consolidated shares, all venues" }),
              market_volume_source: z.string().nullable(),
              dark_pool_ratio: z.number().nullable().openapi({
                description:
                  "Off-exchange (TRF/ADF) share of consolidated volume: all off-exchange volume, mostly wholesaler internalisation, not only dark pools (see `ats`). Denominator rule in docs/methodology.md",
              }),
              dark_pool_ratio_reason: z.string().nullable().openapi({
                description: "Why the ratio is null: no_consolidated_volume or tape_incomplete",
              }),
              dark_pool_ratio_band: z
                .string()
                .nullable()
                .openapi({ description: "off_exchange_ratio_band.band" }),
              off_exchange_ratio_band: OffExchangeBandSchema.nullable(),
              ats: AtsWeekSchema.nullable().openapi({
                description:
                  "True dark pools: FINRA weekly ATS volume of the latest published week on or before `date`",
              }),
              premium_percentage: z
                .number()
                .nullable()
                .openapi({ description: "% of priced prints above market" }),
              discount_percentage: z.number().nullable(),
              average_premium_discount: z.number().nullable(),
              sentiment: z.string(),
              sentiment_net: z.number().nullable(),
              unclassified_share: z.number().nullable(),
              sentiment_distribution: z.object({
                bullish: SentimentBucket,
                bearish: SentimentBucket,
                neutral: SentimentBucket,
                unknown: SentimentBucket,
              }),
              large_blocks: z.object({ threshold_usd: z.number(), count: z.number(), value: z.number() }),
              size_buckets: z.array(
                z.object({
                  bucket: z.string(),
                  min_shares: z.number(),
                  max_shares: z.number().nullable(),
                  prints: z.number(),
                  volume: z.number(),
                  value: z.number(),
                }),
              ),
              price_levels: z.object({
                band_usd: z.number().nullable(),
                levels: z.array(
                  z.object({
                    price_low: z.number(),
                    price_high: z.number(),
                    prints: z.number(),
                    volume: z.number(),
                    value: z.number(),
                    large_prints: z.number(),
                    large_value: z.number(),
                  }),
                ),
                clusters: z.array(
                  z.object({ price_low: z.number(), price_high: z.number(), large_value: z.number() }),
                ),
              }),
              extended_hours: ExtendedHoursSchema,
              params_version: z.string(),
              as_of: z.string(),
              freshness: z.array(Freshness),
              sources: z.array(Source),
            })
            .openapi("DarkPoolSummary"),
        },
      },
    },
    ...errorResponses,
  },
});

const patternsRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/{symbol}/patterns",
  tags: ["Dark pool"],
  summary: "Daily history: off-exchange volume, ratio, FINRA short ratio, ATS share",
  request: {
    params: SymbolParams,
    query: z.object({
      days: z.coerce
        .number()
        .int()
        .min(1)
        .max(365)
        .default(30)
        .openapi({ description: "Days ending at the latest day with data on or before `as_of`" }),
      as_of: AsOf,
    }),
  },
  responses: {
    200: {
      description: "Daily history",
      content: {
        "application/json": {
          schema: z
            .object({
              symbol: z.string(),
              days: z.array(
                z.object({
                  date: z.string(),
                  dark_pool_volume: z.number(),
                  dark_pool_value: z.number(),
                  prints: z.number(),
                  large_blocks: z.number(),
                  market_volume: z.number().nullable(),
                  market_volume_source: z.string().nullable(),
                  dark_pool_ratio: z
                    .number()
                    .nullable()
                    .openapi({ description: "Off-exchange / consolidated volume (one rule, see summary)" }),
                  average_premium_discount: z.number().nullable(),
                  bullish_percentage: z.number().nullable(),
                  bearish_percentage: z.number().nullable(),
                  close: z.number().nullable(),
                  finra_short_volume: z.number().nullable(),
                  finra_total_volume: z
                    .number()
                    .nullable()
                    .openapi({ description: "FINRA off-exchange volume" }),
                  short_ratio: z
                    .number()
                    .nullable()
                    .openapi({ description: "FINRA short / FINRA total (DPI)" }),
                  ats_week_start: z.string().nullable(),
                  ats_week_shares: z.number().nullable(),
                  ats_share: z.number().nullable().openapi({
                    description:
                      "FINRA weekly ATS shares / consolidated volume of that whole week (null when a trading day of the week has no consolidated volume)",
                  }),
                }),
              ),
              averages: z.object({
                dark_pool_ratio: z.number().nullable(),
                short_ratio: z.number().nullable(),
                daily_dark_pool_volume: z.number().nullable(),
              }),
              period: z.object({ from: z.string().nullable(), to: z.string().nullable(), days: z.number() }),
              date_basis: z.enum(["latest_data_as_of", "no_data_as_of"]).openapi({
                description:
                  "The period ends at the latest day with prints, bars or FINRA short volume known at `as_of` (none: the ET date of `as_of`)",
              }),
              top_ats_venues: z.array(
                z.object({
                  week_start: z.string(),
                  mpid: z.string(),
                  venue: z.string().nullable(),
                  shares: z.number(),
                  trades: z.number(),
                }),
              ),
              as_of: z.string(),
              freshness: z.array(Freshness),
            })
            .openapi("DarkPoolPatterns"),
        },
      },
    },
    ...errorResponses,
  },
});

const unusualRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/{symbol}/unusual",
  tags: ["Dark pool"],
  summary: "Days and intraday windows above N x their trailing average",
  request: {
    params: SymbolParams,
    query: z.object({
      multiple: z.coerce.number().positive().default(DARKPOOL_PARAMS.unusualMultiple),
      days: z.coerce.number().int().min(1).max(365).default(60),
      window_minutes: z.coerce.number().int().min(5).max(390).default(DARKPOOL_PARAMS.intradayWindowMinutes),
      as_of: AsOf,
    }),
  },
  responses: {
    200: {
      description: "Unusual activity",
      content: {
        "application/json": {
          schema: z
            .object({
              symbol: z.string(),
              multiple: z.number(),
              trailing_days: z.number(),
              unusual_days: z.array(
                z.object({
                  date: z.string(),
                  volume: z.number(),
                  trailing_average: z.number(),
                  ratio: z.number(),
                }),
              ),
              unusual_windows: z.array(
                z.object({
                  date: z.string(),
                  window_start_et: z.string(),
                  window_end_et: z.string(),
                  volume: z.number(),
                  trailing_average: z.number(),
                  ratio: z.number(),
                }),
              ),
              is_unusual: z.boolean(),
              params_version: z.string(),
              as_of: z.string(),
            })
            .openapi("DarkPoolUnusual"),
        },
      },
    },
    ...errorResponses,
  },
});

const dixRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/dix",
  tags: ["Dark pool"],
  summary: "DIX: dollar-weighted FINRA short-volume ratio of a basket",
  request: {
    query: z.object({
      date: IsoDay.optional().openapi({ description: "Trading day; default the newest day with FINRA data" }),
      basket: z.string().optional().openapi({
        description:
          "Comma-separated symbols; default DIX_BASKET, else the S&P 500 constituents list (DIX_CONSTITUENTS_FILE)",
      }),
      as_of: AsOf,
    }),
  },
  responses: {
    200: {
      description:
        "DIX and its members, with basket coverage. Below the coverage floor (DIX_MIN_COVERAGE of members with " +
        "FINRA short volume and a close) no DIX is reported: 422 INSUFFICIENT_COVERAGE with the coverage in details.",
      content: {
        "application/json": {
          schema: z
            .object({
              date: z.string().nullable(),
              dix: z.number().nullable(),
              basket: z.array(z.string()),
              members: z.array(
                z.object({
                  symbol: z.string(),
                  short_volume: z.number(),
                  total_volume: z.number(),
                  short_ratio: z.number().nullable(),
                  price: z.number().nullable(),
                }),
              ),
              members_used: z.number(),
              missing_prices: z.array(z.string()),
              missing_finra: z.array(z.string()),
              coverage: z.object({
                members: z.number(),
                covered: z.number(),
                ratio: z.number(),
                floor: z.number(),
              }),
              basket_source: z.object({ file: z.string(), as_of: z.string() }).nullable(),
              as_of: z.string(),
            })
            .openapi("Dix"),
        },
      },
    },
    ...errorResponses,
    422: {
      description: "INSUFFICIENT_COVERAGE: too few basket members have short volume and a close",
      content: { "application/json": { schema: ErrorBody } },
    },
  },
});

const pct = (part: number, whole: number): number | null => (whole > 0 ? (part / whole) * 100 : null);
const round = (v: number | null, digits = 4): number | null =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;

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

const minutesToHhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;

export function darkpoolRoutes(deps: AppDeps, cache: ResponseCache) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();

  return newRouter()
    .openapi(dixRoute, async (c) => {
      const q = c.req.valid("query");
      const asOf = q.as_of ? new Date(q.as_of) : now();
      const list = q.basket || deps.env.DIX_BASKET ? null : loadConstituents(deps.env.DIX_CONSTITUENTS_FILE);
      const basket = q.basket
        ? [...new Set(q.basket.split(",").map(normalizeSymbol))]
        : (deps.env.DIX_BASKET ?? (list as Constituents).symbols);
      const day = q.date ?? (await latestShortVolumeDay(db, basket, asOf));
      const members = day ? await dixInputs(db, basket, day, asOf) : [];
      const result = dix(members);
      const found = new Set(members.map((m) => m.symbol));
      const coverage = dixCoverage(basket.length, members, deps.env.DIX_MIN_COVERAGE);
      if (coverage.ratio < coverage.floor) {
        throw new AppError(
          "INSUFFICIENT_COVERAGE",
          `DIX for ${day ?? "no day"}: ${coverage.covered} of ${coverage.members} basket members have FINRA short ` +
            `volume and a close (${(coverage.ratio * 100).toFixed(1)}%), under the ${coverage.floor * 100}% floor (DIX_MIN_COVERAGE)`,
          {
            date: day,
            coverage,
            missing_finra: basket.filter((sym) => !found.has(sym)),
            missing_prices: result.missing_prices,
          },
        );
      }
      return c.json(
        {
          date: day,
          dix: round(result.dix),
          basket,
          members: members.map((m) => ({
            symbol: m.symbol,
            short_volume: m.shortVolume,
            total_volume: m.totalVolume,
            short_ratio: round(shortVolumeRatio(m.shortVolume, m.totalVolume)),
            price: m.price,
          })),
          members_used: result.members_used,
          missing_prices: result.missing_prices,
          missing_finra: basket.filter((s) => !found.has(s)),
          coverage: { ...coverage, ratio: round(coverage.ratio) as number },
          basket_source: list ? { file: list.file, as_of: list.asOf } : null,
          as_of: asOf.toISOString(),
        },
        200,
      );
    })
    .openapi(printsRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const rows = await queryPrints(db, {
        symbol,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        minValueUsd: q.min_value,
        limit: q.limit,
        before: q.cursor ? decodeCursor(q.cursor) : undefined,
        offExchangeOnly: q.include_lit === "false",
      });
      const last = rows.at(-1);
      return c.json(
        {
          symbol,
          prints: rows.map(rowToPrintWire),
          next_cursor: rows.length === q.limit && last ? encodeCursor(last.ts, last.tradeKey) : null,
          as_of: now().toISOString(),
        },
        200,
      );
    })
    .openapi(summaryRoute, async (c) =>
      cache.json(c, c.req.valid("param").symbol, async () => {
        const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
        const q = c.req.valid("query");
        const asOf = q.as_of ? new Date(q.as_of) : now();
        // Store reads through the versioned read cache (rollups.ts): exact until the symbol's data changes.
        const scope = await readScope(db, symbol, asOf);
        const latest = q.date
          ? null
          : await scope.read("latestPrintDay", [asOf], () => latestPrintDay(db, symbol, asOf));
        const day = q.date ?? latest ?? etDateOf(asOf.getTime());
        const dateBasis = q.date ? "requested" : latest ? "latest_print_day_as_of" : "as_of_date_no_prints";
        const bounds = etDayBounds(day);
        const until = new Date(Math.min(bounds.end.getTime(), asOf.getTime()));
        const p = DARKPOOL_PARAMS;
        const [agg, buckets, bars, sources, extended] = await Promise.all([
          scope.read("aggregateWindow", [bounds.start, until, p.largeBlockUsd], () =>
            aggregateWindow(db, symbol, bounds.start, until, p.largeBlockUsd),
          ),
          scope.read("sizeBuckets", [bounds.start, until], () =>
            sizeBuckets(db, symbol, bounds.start, until),
          ),
          scope.read("barsByDay", [day], () => barsByDay(db, symbol, day, day)),
          scope.read("printSources", [bounds.start, until], () =>
            printSources(db, symbol, bounds.start, until),
          ),
          scope.read("extendedHours", [bounds.start, until], () =>
            extendedHoursVolume(db, symbol, bounds.start, until),
          ),
        ]);
        const bar = bars.get(day);
        const barUsable = bar && bar.publishedAt <= asOf ? bar : undefined;
        const market = offExchangeRatio({
          offExchangeShares: agg.volume,
          litShares: agg.litVolume,
          bar: barUsable,
          overrideShares: q.total_volume,
        });
        const ratio = agg.prints > 0 ? market.ratio : null;
        const [history, ats] = await Promise.all([
          ratio === null
            ? Promise.resolve([])
            : scope.read("ratioHistory", [day, asOf], () => ratioHistory(db, symbol, day, asOf)),
          scope.read("atsWeekOf", [day, asOf], () => atsWeekOf(db, symbol, day, asOf)),
        ]);
        const ratioBand = ratio === null ? null : offExchangeBand(ratio, history);
        const band = agg.vwap === null ? null : priceBandUsd(agg.vwap);
        const levels =
          band === null
            ? []
            : await scope.read("priceLevels", [bounds.start, until, band, p.largeBlockUsd], () =>
                priceLevels(db, symbol, bounds.start, until, band, p.largeBlockUsd),
              );
        const clusters = levels
          .filter((l) => l.large_value > 0)
          .sort((a, b) => b.large_value - a.large_value)
          .slice(0, 5)
          .map((l) => ({ price_low: l.price_low, price_high: l.price_high, large_value: l.large_value }));
        const sent = sentimentOf(agg.sentimentVolume);
        const dist = (k: keyof typeof agg.sentimentVolume) => ({
          prints: agg.sentimentCount[k],
          volume: agg.sentimentVolume[k],
          percentage: round(pct(agg.sentimentVolume[k], agg.volume), 2) ?? 0,
        });
        return {
          symbol,
          date: day,
          date_basis: dateBasis,
          total_prints: agg.prints,
          total_volume: agg.volume,
          total_value: round(agg.value, 2) ?? 0,
          vwap: round(agg.vwap),
          average_size: agg.prints > 0 ? round(agg.volume / agg.prints, 2) : null,
          market_volume: market.marketVolume,
          market_volume_source: market.source,
          dark_pool_ratio: round(ratio),
          dark_pool_ratio_reason: agg.prints === 0 ? "no_off_exchange_prints" : market.reason,
          dark_pool_ratio_band: ratioBand?.band ?? null,
          off_exchange_ratio_band: ratioBand,
          ats,
          premium_percentage: round(pct(agg.premiumCount, agg.pricedCount), 2),
          discount_percentage: round(pct(agg.discountCount, agg.pricedCount), 2),
          average_premium_discount: round(agg.avgPremiumDiscountPct),
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
            count: agg.largeBlocks,
            value: agg.largeBlocksValue,
          },
          size_buckets: buckets,
          price_levels: { band_usd: band, levels, clusters },
          extended_hours: extendedHoursPayload(extended, agg.volume),
          params_version: p.version,
          as_of: asOf.toISOString(),
          freshness: [
            freshness("prints", agg.latest, "live (seconds) or flat files (T+1)", asOf),
            freshness("daily_bars", barUsable?.publishedAt ?? null, "after the close (T)", asOf),
          ],
          sources,
        };
      }),
    )
    .openapi(patternsRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const asOf = q.as_of ? new Date(q.as_of) : now();
      // The period ends at the latest data known at as_of, not at the clock: history stays visible.
      const latest = await latestDataDay(db, symbol, asOf);
      const lastDay = latest ?? etDateOf(asOf.getTime());
      const firstDay = addDays(lastDay, -(q.days - 1));
      // Whole weeks around the period, so each weekly ATS figure meets its whole week's volume.
      const [volumes, shorts, ats, venues] = await Promise.all([
        dayVolumes(db, symbol, mondayOf(firstDay), addDays(mondayOf(lastDay), 4), asOf),
        shortVolumeByDay(db, symbol, firstDay, lastDay),
        atsByWeek(db, symbol, firstDay, lastDay, asOf),
        topAtsVenues(db, symbol, asOf),
      ]);
      const volumeByDay = new Map(volumes.map((v) => [v.day, v]));
      const allDays = [...new Set([...volumeByDay.keys(), ...shorts.keys()])]
        .filter((d) => d >= firstDay && d <= lastDay)
        .sort();
      const atsByWeekStart = new Map(ats.map((a) => [a.weekStart, a]));
      const days = allDays.map((d) => {
        const v = volumeByDay.get(d);
        const s = v?.stats;
        const bar = v?.bar;
        const sh = shorts.get(d);
        const short = sh && sh.publishedAt <= asOf ? sh : undefined;
        const volume = s?.volume ?? 0;
        const a = atsByWeekStart.get(mondayOf(d));
        const week = a ? weekConsolidatedVolume(a.weekStart, volumeByDay) : null;
        return {
          date: d,
          dark_pool_volume: volume,
          dark_pool_value: round(s?.value ?? 0, 2) ?? 0,
          prints: s?.prints ?? 0,
          large_blocks: s?.largeBlocks ?? 0,
          market_volume: v?.ratio.marketVolume ?? null,
          market_volume_source: v?.ratio.source ?? null,
          dark_pool_ratio: s && s.prints > 0 ? round(v?.ratio.ratio ?? null) : null,
          average_premium_discount: round(s?.avgPremiumDiscountPct ?? null),
          bullish_percentage: s ? round(pct(s.bullishVolume, s.volume), 2) : null,
          bearish_percentage: s ? round(pct(s.bearishVolume, s.volume), 2) : null,
          close: bar?.close ?? null,
          finra_short_volume: short?.shortVolume ?? null,
          finra_total_volume: short?.totalVolume ?? null,
          short_ratio: short ? round(shortVolumeRatio(short.shortVolume, short.totalVolume)) : null,
          ats_week_start: a?.weekStart ?? null,
          ats_week_shares: a?.shares ?? null,
          ats_share: a && week && week.volume > 0 ? round(a.shares / week.volume) : null,
        };
      });
      const mean = (xs: (number | null)[]) => {
        const v = xs.filter((x): x is number => x !== null);
        return v.length > 0 ? round(v.reduce((p, x) => p + x, 0) / v.length) : null;
      };
      const latestShort = [...shorts.values()].filter((s) => s.publishedAt <= asOf).at(-1);
      const latestBar = volumes.filter((v) => v.bar !== undefined).at(-1)?.bar;
      return c.json(
        {
          symbol,
          days,
          averages: {
            dark_pool_ratio: mean(days.map((d) => d.dark_pool_ratio)),
            short_ratio: mean(days.map((d) => d.short_ratio)),
            daily_dark_pool_volume: mean(days.map((d) => (d.prints > 0 ? d.dark_pool_volume : null))),
          },
          period: { from: latest ? firstDay : null, to: latest, days: q.days },
          date_basis: latest ? ("latest_data_as_of" as const) : ("no_data_as_of" as const),
          top_ats_venues: venues,
          as_of: asOf.toISOString(),
          freshness: [
            freshness("finra_short_volume", latestShort?.publishedAt ?? null, "T, after 18:00 ET", asOf),
            freshness(
              "finra_ats_weekly",
              ats.at(-1)?.publishedAt ?? null,
              "2 weeks (Tier 1) or 4 weeks",
              asOf,
            ),
            freshness("daily_bars", latestBar?.publishedAt ?? null, "after the close (T)", asOf),
          ],
        },
        200,
      );
    })
    .openapi(unusualRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const asOf = q.as_of ? new Date(q.as_of) : now();
      const p = DARKPOOL_PARAMS;
      const firstDay = addDays(etDateOf(asOf.getTime()), -(q.days + p.trailingDays * 2));
      const since = etDayBounds(firstDay).start;
      const stats = (await dailyPrintStats(db, symbol, since, asOf)).filter((s) => s.prints > 0);
      const ratios = trailingRatios(
        stats.map((s) => s.volume),
        p.trailingDays,
        p.minBaselineDays,
      );
      const reportFrom = addDays(etDateOf(asOf.getTime()), -(q.days - 1));
      const unusualDays = stats.flatMap((s, i) => {
        const r = ratios[i];
        if (r === null || r === undefined || r < q.multiple || s.day < reportFrom) return [];
        return [
          {
            date: s.day,
            volume: s.volume,
            trailing_average: round(s.volume / r, 2) ?? 0,
            ratio: round(r, 3) ?? 0,
          },
        ];
      });
      // Intraday: each window of the latest day against the same window on the trailing days.
      const windows = await intradayWindows(db, symbol, since, asOf, q.window_minutes);
      const lastDay = stats.at(-1)?.day;
      const unusualWindows: {
        date: string;
        window_start_et: string;
        window_end_et: string;
        volume: number;
        trailing_average: number;
        ratio: number;
      }[] = [];
      if (lastDay) {
        const priorDays = stats
          .map((s) => s.day)
          .filter((d) => d < lastDay)
          .slice(-p.trailingDays);
        if (priorDays.length >= p.minBaselineDays) {
          const prior = new Set(priorDays);
          for (const w of windows.filter((x) => x.day === lastDay)) {
            const same = windows.filter((x) => x.window === w.window && prior.has(x.day));
            const avg = same.reduce((a, x) => a + x.volume, 0) / priorDays.length;
            if (avg > 0 && w.volume / avg >= q.multiple) {
              unusualWindows.push({
                date: w.day,
                window_start_et: minutesToHhmm(w.window * q.window_minutes),
                window_end_et: minutesToHhmm((w.window + 1) * q.window_minutes),
                volume: w.volume,
                trailing_average: round(avg, 2) ?? 0,
                ratio: round(w.volume / avg, 3) ?? 0,
              });
            }
          }
        }
      }
      return c.json(
        {
          symbol,
          multiple: q.multiple,
          trailing_days: p.trailingDays,
          unusual_days: unusualDays,
          unusual_windows: unusualWindows,
          is_unusual: unusualDays.some((d) => d.date === lastDay) || unusualWindows.length > 0,
          params_version: p.version,
          as_of: asOf.toISOString(),
        },
        200,
      );
    });
}

/**
 * FINRA weekly ATS volume of the latest week published as of `asOf` that starts on or before `day`, with
 * that whole week's consolidated volume (`weekConsolidatedVolume`) and the ATS share of it.
 */
async function atsWeekOf(db: AppDeps["db"]["db"], symbol: string, day: string, asOf: Date) {
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
