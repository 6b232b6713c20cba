/** Query and payload schemas of the dark-pool REST routes; each payload type is inferred from its schema. */
import { z } from "@hono/zod-openapi";
import { Freshness, Source } from "../lib/openapi";
import { IsoDay, IsoTimestamp } from "../lib/time-params";
import { DARKPOOL_PARAMS } from "./darkpool.signals";
import { ExtendedHoursSchema } from "./extended-hours";
import { PrintWireSchema } from "./print-wire";

export const AsOf = IsoTimestamp.optional().openapi({ description: "Point in time (ISO 8601)" });

export const PrintsQuery = z.object({
  since: IsoTimestamp.optional(),
  until: IsoTimestamp.optional(),
  min_value: z.coerce.number().min(0).optional().openapi({ description: "Minimum print value, USD" }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().optional().openapi({ description: "next_cursor of the previous page" }),
  include_lit: z.enum(["true", "false"]).default("false"),
});
export const PrintsPageSchema = z.object({
  symbol: z.string(),
  prints: z.array(PrintWireSchema),
  next_cursor: z.string().nullable(),
  as_of: z.string(),
});

export const OffExchangeBandSchema = z
  .object({
    band: z.enum(["very_high", "high", "typical", "low", "very_low"]),
    basis: z.enum(["symbol_history", "fixed_fallback"]),
    percentile: z.number().nullable(),
    history_days: z.number(),
    label: z.string(),
  })
  .openapi("OffExchangeRatioBand");
export const AtsWeekSchema = z.object({
  week_start: z.string(),
  published_at: z.string(),
  shares: z.number(),
  venues: z.number(),
  week_consolidated_volume: z.number().nullable(),
  ats_share: z.number().nullable(),
});

export const SentimentBucket = z.object({ prints: z.number(), volume: z.number(), percentage: z.number() });

export const SummaryQuery = z.object({
  date: IsoDay.optional().openapi({
    description: "Trading day (ET); default: the latest day with off-exchange prints as of `as_of`",
  }),
  total_volume: z.coerce
    .number()
    .positive()
    .optional()
    .openapi({ description: "Override: consolidated volume (shares) for the dark-pool ratio" }),
  as_of: AsOf,
});
export const SummarySchema = z
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
    market_volume: z.number().nullable().openapi({ description: "Consolidated shares, all venues" }),
    market_volume_source: z.string().nullable(),
    dark_pool_ratio: z.number().nullable().openapi({
      description:
        "Off-exchange (TRF/ADF) share of consolidated volume: all off-exchange volume, mostly wholesaler internalisation, not only dark pools (see `ats`). Denominator rule in docs/methodology.md",
    }),
    dark_pool_ratio_reason: z.string().nullable().openapi({
      description: "Why the ratio is null: no_consolidated_volume or tape_incomplete",
    }),
    dark_pool_ratio_band: z.string().nullable().openapi({ description: "off_exchange_ratio_band.band" }),
    off_exchange_ratio_band: OffExchangeBandSchema.nullable(),
    ats: AtsWeekSchema.nullable().openapi({
      description:
        "True dark pools: FINRA weekly ATS volume of the latest published week on or before `date`",
    }),
    premium_percentage: z.number().nullable().openapi({ description: "% of priced prints above market" }),
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
      clusters: z.array(z.object({ price_low: z.number(), price_high: z.number(), large_value: z.number() })),
    }),
    extended_hours: ExtendedHoursSchema,
    params_version: z.string(),
    as_of: z.string(),
    freshness: z.array(Freshness),
    sources: z.array(Source),
  })
  .openapi("DarkPoolSummary");

export const PatternsQuery = z.object({
  days: z.coerce
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .openapi({ description: "Days ending at the latest day with data on or before `as_of`" }),
  as_of: AsOf,
});
export const PatternsSchema = z
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
        finra_total_volume: z.number().nullable().openapi({ description: "FINRA off-exchange volume" }),
        short_ratio: z.number().nullable().openapi({ description: "FINRA short / FINRA total (DPI)" }),
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
  .openapi("DarkPoolPatterns");

export const UnusualQuery = z.object({
  multiple: z.coerce.number().positive().default(DARKPOOL_PARAMS.unusualMultiple),
  days: z.coerce.number().int().min(1).max(365).default(60),
  window_minutes: z.coerce.number().int().min(5).max(390).default(DARKPOOL_PARAMS.intradayWindowMinutes),
  as_of: AsOf,
});
export const UnusualSchema = z
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
  .openapi("DarkPoolUnusual");

export const DixQuery = z.object({
  date: IsoDay.optional().openapi({ description: "Trading day; default the newest day with FINRA data" }),
  basket: z.string().optional().openapi({
    description:
      "Comma-separated symbols; default DIX_BASKET, else the S&P 500 constituents list (DIX_CONSTITUENTS_FILE)",
  }),
  as_of: AsOf,
});
export const DixSchema = z
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
  .openapi("Dix");

export const DixSeriesQuery = z.object({
  from: IsoDay.optional().openapi({ description: "First day (default: `to` minus 28 days)" }),
  to: IsoDay.optional().openapi({ description: "Last day (default: the newest day with FINRA data)" }),
  basket: z.string().max(20_000).optional().openapi({
    description: "Comma-separated symbols (at most 1,000); default as for /dark-pool/dix",
  }),
  as_of: AsOf,
});
export const DixSeriesSchema = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    points: z.array(
      z.object({
        date: z.string(),
        dix: z.number().nullable(),
        coverage: z.number(),
        covered: z.number(),
        members_used: z.number(),
      }),
    ),
    excluded: z.array(
      z.object({
        date: z.string(),
        reason: z.enum(["insufficient_coverage"]),
        coverage: z.number(),
        covered: z.number(),
      }),
    ),
    days_without_data: z.array(z.string()),
    basket_size: z.number(),
    coverage_floor: z.number(),
    basket_source: z.object({ file: z.string(), as_of: z.string() }).nullable(),
    limits: z.object({ default_days: z.number(), max_days: z.number(), max_basket: z.number() }),
    as_of: z.string(),
  })
  .openapi("DixSeries");

export type PrintsPage = z.infer<typeof PrintsPageSchema>;
export type DarkPoolSummary = z.infer<typeof SummarySchema>;
export type DarkPoolPatterns = z.infer<typeof PatternsSchema>;
export type DarkPoolUnusual = z.infer<typeof UnusualSchema>;
export type DixPayload = z.infer<typeof DixSchema>;
