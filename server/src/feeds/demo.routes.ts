import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";
import { errorResponses, newRouter, SymbolParams } from "../core/http";
import { normalizeSymbol } from "../lib/symbols";
import { generateDemo } from "./demo";

const generateRoute = createRoute({
  method: "post",
  path: "/smart-money/demo/{symbol}/generate-data",
  tags: ["Demo"],
  summary: "Generate demo history for a symbol (stored with source = demo)",
  request: {
    params: SymbolParams,
    query: z.object({ days: z.coerce.number().int().min(1).max(365).default(7) }),
  },
  responses: {
    200: {
      description: "What was generated",
      content: {
        "application/json": {
          schema: z.object({
            symbol: z.string(),
            days: z.number(),
            prints: z.number(),
            bars: z.number(),
            short_volume_rows: z.number(),
            ats_rows: z.number(),
            extra: z.record(z.string(), z.unknown()),
            message: z.string(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

export function demoRoutes(deps: AppDeps) {
  return newRouter().openapi(generateRoute, async (c) => {
    const symbol = normalizeSymbol(c.req.valid("param").symbol);
    const { days } = c.req.valid("query");
    const summary = await generateDemo({
      db: deps.db.db,
      pipeline: deps.pipeline,
      symbol,
      days,
      now: deps.now?.(),
    });
    return c.json({ ...summary, message: `Generated ${summary.days} days of demo data for ${symbol}` }, 200);
  });
}
