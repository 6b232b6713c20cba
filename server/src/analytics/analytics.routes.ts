/**
 * `/smart-money/analytics/{symbol}/flow|indicators|dashboard`: the smart-money indices with their parts
 * (docs/methodology.md). `as_of` computes them from what had been published by then; `price_change` and
 * `total_volume` are the original specification's overrides. Route definitions only: the handlers are in
 * analytics.handlers.ts, the computations in analytics.service.ts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, SymbolParams } from "../core/http";
import { IsoTimestamp } from "../lib/time-params";
import type { DashboardPayload } from "./analytics.dashboard";
import type { SmartMoneyFlow } from "./analytics.types";

export const Query = z.object({
  as_of: IsoTimestamp.optional().openapi({
    description: "Compute from what had been published by this moment (ISO 8601); default now",
  }),
  price_change: z.coerce
    .number()
    .optional()
    .openapi({ description: "Override: price change over the flow window, %", example: 2.5 }),
  total_volume: z.coerce.number().positive().optional().openapi({
    description: "Override: consolidated volume (shares) of the flow window for the dark-pool ratio",
  }),
});

const BandSchema = z.object({ band: z.string(), label: z.string() }).nullable();

const ComponentSchema = z
  .object({
    name: z.enum([
      "dark_pool",
      "short_volume",
      "block_flow",
      "options",
      "institutional",
      "insider",
      "dark_pool_volume",
      "equity_volume",
      "options_volume",
      "large_blocks",
      "price_change",
      "smart_money_flow",
    ]),
    value: z.number().nullable(),
    unit: z.string(),
    normalized: z.number().nullable().openapi({ description: "Signal: -1..1 directional, 0..1 activity" }),
    weight: z.number(),
    effective_weight: z.number(),
    available: z.boolean(),
    stale: z.boolean(),
    age_ms: z.number().nullable(),
    as_of: z.string().nullable(),
    source: z.string().nullable(),
    freshness: z.number(),
    excluded_reason: z
      .enum(["missing", "stale", "after_as_of", "mostly_unclassified", "no_baseline"])
      .nullable(),
    observations: z
      .number()
      .nullable()
      .openapi({ description: "Observations behind the reading; null for an aggregate without a count" }),
    sample_factor: z.number().openapi({
      description: "min(1, sqrt(observations / full count)); 1 without a count, 0 when excluded",
    }),
    horizon_days: z.number().nullable().openapi({
      description: "The horizon the input describes, in days (1 for a day's flow, 90 for Form 4)",
    }),
    parts: z.record(z.string(), z.number().nullable()),
  })
  .openapi("ScoreComponent");

const ConfidenceSchema = z
  .object({
    score: z.number(),
    coverage: z.number(),
    agreement: z.number(),
    excluded: z.array(
      z.object({
        name: z.string(),
        reason: z.enum(["missing", "stale", "after_as_of", "mostly_unclassified", "no_baseline"]),
      }),
    ),
  })
  .openapi("Confidence");

const IndicatorsSchema = z
  .object({
    symbol: z.string(),
    smart_money_index: z.number().nullable().openapi({ description: "0-100" }),
    dark_pool_ratio: z
      .number()
      .nullable()
      .openapi({ description: "Off-exchange / consolidated volume (fraction)" }),
    dark_pool_sentiment: z.enum(["bullish", "bearish", "neutral"]).nullable(),
    institutional_ownership: z.number().nullable().openapi({ description: "% of shares outstanding" }),
    institutional_momentum: z
      .enum(["strong_buying", "buying", "neutral", "selling", "strong_selling"])
      .nullable(),
    accumulation_score: z.number().nullable().openapi({ description: "-100..100" }),
    unusual_activity_score: z.number().nullable().openapi({ description: "0-100" }),
    divergence_score: z
      .number()
      .nullable()
      .openapi({ description: "-100..100, positive = flow more bullish than price" }),
    confidence: ConfidenceSchema,
    components: z.object({
      smart_money_index: z.array(ComponentSchema),
      accumulation_score: z.array(ComponentSchema),
      unusual_activity_score: z.array(ComponentSchema),
      divergence_score: z.array(ComponentSchema),
    }),
    bands: z.object({
      smart_money_index: BandSchema,
      accumulation_score: BandSchema,
      dark_pool_ratio: BandSchema,
      flow_direction: BandSchema,
      institutional_momentum: BandSchema,
      divergence_score: BandSchema,
    }),
    params_version: z.string(),
    as_of: z.string(),
  })
  .openapi("SmartMoneyIndicators");

// The flow and dashboard payloads are typed by their TypeScript interfaces (the client imports them);
// their OpenAPI entries describe them in prose.
const FlowSchema = z.custom<SmartMoneyFlow>().openapi("SmartMoneyFlow", {
  type: "object",
  description:
    "institutional, insider, dark_pool and blocks sides (available, stale, signal, direction, age_ms, as_of, source), net_flow, accumulation_score and band, components, confidence, params_version, as_of",
});
const DashboardSchema = z.custom<DashboardPayload>().openapi("SmartMoneyDashboard", {
  type: "object",
  description:
    "metrics (SMI, dark-pool ratio, institutional ownership, accumulation: value, band, as_of, age, sources), indicators, alerts, dark_pool (recent prints, summary, premium/discount, history), institutional, blocks, options, flow",
});

const route = <S extends z.ZodType>(name: "flow" | "indicators" | "dashboard", summary: string, schema: S) =>
  createRoute({
    method: "get",
    path: `/smart-money/analytics/{symbol}/${name}`,
    tags: ["Analytics"],
    summary,
    request: { params: SymbolParams, query: Query },
    responses: {
      200: { description: summary, content: { "application/json": { schema } } },
      ...errorResponses,
    },
  });

export const indicatorsRoute = route(
  "indicators",
  "Smart Money Indicators with components and confidence",
  IndicatorsSchema,
);
export const flowRoute = route(
  "flow",
  "Institutional vs insider flows, net buying/selling, accumulation",
  FlowSchema,
);
export const dashboardRoute = route(
  "dashboard",
  "Everything the dashboard page needs, in one payload",
  DashboardSchema,
);
