/** Handlers of the analytics routes: resolve the symbol and moment, call the service, answer its payload. */
import type { z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";
import { newRouter } from "../core/http";
import type { ResponseCache } from "../lib/response-cache";
import { requireKnownSymbol } from "../lib/symbols";
import type { DashboardProviders } from "./analytics.dashboard";
import { dashboardRoute, flowRoute, indicatorsRoute, type Query } from "./analytics.routes";
import { getDashboard, getFlow, getIndicators } from "./analytics.service";

export function analyticsRoutes(deps: AppDeps, cache: ResponseCache, providers: DashboardProviders = {}) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();
  const context = async (param: { symbol: string }, q: z.infer<typeof Query>) => ({
    symbol: await requireKnownSymbol(db, param.symbol),
    asOf: q.as_of ? new Date(q.as_of) : now(),
    options: { priceChangePct: q.price_change, totalVolumeShares: q.total_volume, providers },
  });

  return newRouter()
    .openapi(indicatorsRoute, async (c) =>
      cache.json(c, c.req.valid("param").symbol, async () => {
        const { symbol, asOf, options } = await context(c.req.valid("param"), c.req.valid("query"));
        return getIndicators(db, symbol, asOf, options);
      }),
    )
    .openapi(flowRoute, async (c) =>
      cache.json(c, c.req.valid("param").symbol, async () => {
        const { symbol, asOf, options } = await context(c.req.valid("param"), c.req.valid("query"));
        return getFlow(db, symbol, asOf, options);
      }),
    )
    .openapi(dashboardRoute, async (c) =>
      cache.json(c, c.req.valid("param").symbol, async () => {
        const { symbol, asOf, options } = await context(c.req.valid("param"), c.req.valid("query"));
        return getDashboard(db, symbol, asOf, options);
      }),
    );
}
