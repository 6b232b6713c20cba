import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";
import { errorResponses, newRouter, SymbolParams } from "../core/http";
import { normalizeSymbol } from "../lib/symbols";
import { generateDemo } from "./demo";
import { demoSymbols } from "./demo.store";

const SimulatorSchema = z.object({
  running: z.boolean(),
  clock: z.enum(["session", "replay"]).openapi({
    description:
      "`session`: the market is open and prints carry the current time; `replay`: the market is closed and the simulator trades through the last regular session on a clock of its own",
  }),
  session_day: z.string().openapi({ description: "New York trading day the simulated prints belong to" }),
  simulated_at: z.string(),
  symbols: z.array(z.string()),
});

const metaRoute = createRoute({
  method: "get",
  path: "/smart-money/meta",
  tags: ["Demo"],
  summary: "Whether demo rows are stored and whether the demo simulator runs (the dashboard's demo banner)",
  responses: {
    200: {
      description: "Demo state",
      content: {
        "application/json": {
          schema: z.object({
            demo: z.object({
              rows: z.boolean().openapi({ description: "Rows with source = demo are stored" }),
              symbols: z.array(z.string()).openapi({ description: "Symbols with stored demo rows" }),
              simulator: SimulatorSchema.nullable().openapi({
                description: "null when the simulator is not the live feed",
              }),
            }),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

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
  return newRouter()
    .openapi(metaRoute, async (c) => {
      const symbols = await demoSymbols(deps.db.db);
      const simulator = deps.demoSimulator?.() ?? null;
      return c.json({ demo: { rows: symbols.length > 0, symbols, simulator } }, 200);
    })
    .openapi(generateRoute, async (c) => {
      const symbol = normalizeSymbol(c.req.valid("param").symbol);
      const { days } = c.req.valid("query");
      const summary = await generateDemo({
        db: deps.db.db,
        pipeline: deps.pipeline,
        symbol,
        days,
        now: deps.now?.(),
      });
      return c.json(
        { ...summary, message: `Generated ${summary.days} days of demo data for ${symbol}` },
        200,
      );
    });
}
