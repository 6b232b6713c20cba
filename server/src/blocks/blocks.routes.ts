/**
 * `/smart-money/blocks/{symbol}/recent|options|options-positioning|volume-spike|divergence`: the route
 * definitions (paths, query schemas, responses). Handlers are in blocks.handlers.ts, the computations in
 * blocks.service.ts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, SymbolParams } from "../core/http";
import { IsoDay, IsoTimestamp } from "../lib/time-params";
import {
  DivergenceSchema,
  OptionContractsSchema,
  OptionsPositioningSchema,
  RecentBlocksSchema,
  VolumeSpikeSchema,
} from "./blocks.schemas";

const json = <T>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

export const recentRoute = createRoute({
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
  responses: { 200: json("Blocks", RecentBlocksSchema), ...errorResponses },
});

export const optionsRoute = createRoute({
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
  responses: { 200: json("Contracts by premium", OptionContractsSchema), ...errorResponses },
});

export const positioningRoute = createRoute({
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
  responses: { 200: json("Positioning", OptionsPositioningSchema), ...errorResponses },
});

export const spikeRoute = createRoute({
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
  responses: { 200: json("Volume spike", VolumeSpikeSchema), ...errorResponses },
});

export const divergenceRoute = createRoute({
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
  responses: { 200: json("Divergence", DivergenceSchema), ...errorResponses },
});
