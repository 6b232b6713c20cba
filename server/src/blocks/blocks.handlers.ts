/**
 * The blocks router: each handler reads its validated input, calls blocks.service.ts and answers.
 */
import type { AppDeps } from "../core/deps";
import { newRouter } from "../core/http";
import { divergenceRoute, optionsRoute, positioningRoute, recentRoute, spikeRoute } from "./blocks.routes";
import {
  getDivergence,
  getOptionContracts,
  getOptionsPositioning,
  getRecentBlocks,
  getVolumeSpike,
} from "./blocks.service";

const dateOrUndefined = (iso: string | undefined) => (iso ? new Date(iso) : undefined);

export function blocksRoutes(deps: AppDeps) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();

  return newRouter()
    .openapi(recentRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await getRecentBlocks(
        db,
        c.req.valid("param").symbol,
        { since: dateOrUndefined(q.since), minValueUsd: q.min_value, limit: q.limit },
        now(),
      );
      return c.json(body, 200);
    })
    .openapi(optionsRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await getOptionContracts(
        db,
        c.req.valid("param").symbol,
        { date: q.date, unusualOnly: q.unusual_only === "true", limit: q.limit },
        now(),
      );
      return c.json(body, 200);
    })
    .openapi(positioningRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await getOptionsPositioning(
        db,
        c.req.valid("param").symbol,
        dateOrUndefined(q.as_of) ?? now(),
        {
          since: dateOrUndefined(q.since),
          until: dateOrUndefined(q.until),
          top: q.top,
        },
      );
      return c.json(body, 200);
    })
    .openapi(spikeRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await getVolumeSpike(
        db,
        c.req.valid("param").symbol,
        { date: q.date, totalVolume: q.total_volume },
        now(),
      );
      return c.json(body, 200);
    })
    .openapi(divergenceRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await getDivergence(
        db,
        c.req.valid("param").symbol,
        { until: dateOrUndefined(q.until), windowMinutes: q.window_minutes, priceChangePct: q.price_change },
        now(),
      );
      return c.json(body, 200);
    });
}
