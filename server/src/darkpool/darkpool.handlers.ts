/** Handlers of the dark-pool REST routes: parse the request, call a service, answer its payload. */
import type { AppDeps } from "../core/deps";
import { newRouter } from "../core/http";
import type { ResponseCache } from "../lib/response-cache";
import { requireKnownSymbol } from "../lib/symbols";
import {
  dixRoute,
  dixSeriesRoute,
  patternsRoute,
  printsRoute,
  summaryRoute,
  unusualRoute,
} from "./darkpool.routes";
import { getPrintsPage, getSummary } from "./darkpool.service";
import { getDix } from "./dix";
import { getDixSeries } from "./dix-series";
import { getPatterns, getUnusual } from "./patterns.service";

const dateOr = (iso: string | undefined, fallback: () => Date) => (iso ? new Date(iso) : fallback());

export function darkpoolRoutes(deps: AppDeps, cache: ResponseCache) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();

  return newRouter()
    .openapi(dixRoute, async (c) => {
      const q = c.req.valid("query");
      return c.json(await getDix(db, { ...q, asOf: dateOr(q.as_of, now) }, deps.env), 200);
    })
    .openapi(dixSeriesRoute, async (c) => {
      const q = c.req.valid("query");
      return c.json(await getDixSeries(db, { ...q, asOf: dateOr(q.as_of, now) }, deps.env), 200);
    })
    .openapi(printsRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const page = await getPrintsPage(
        db,
        symbol,
        {
          since: q.since ? new Date(q.since) : undefined,
          until: q.until ? new Date(q.until) : undefined,
          minValueUsd: q.min_value,
          limit: q.limit,
          cursor: q.cursor,
          includeLit: q.include_lit === "true",
        },
        now(),
      );
      return c.json(page, 200);
    })
    .openapi(summaryRoute, async (c) =>
      cache.json(c, c.req.valid("param").symbol, async () => {
        const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
        const q = c.req.valid("query");
        return getSummary(db, symbol, {
          date: q.date,
          totalVolume: q.total_volume,
          asOf: dateOr(q.as_of, now),
        });
      }),
    )
    .openapi(patternsRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      return c.json(await getPatterns(db, symbol, q.days, dateOr(q.as_of, now)), 200);
    })
    .openapi(unusualRoute, async (c) => {
      const symbol = await requireKnownSymbol(db, c.req.valid("param").symbol);
      const q = c.req.valid("query");
      const asOf = dateOr(q.as_of, now);
      return c.json(
        await getUnusual(db, symbol, {
          multiple: q.multiple,
          days: q.days,
          windowMinutes: q.window_minutes,
          asOf,
        }),
        200,
      );
    });
}
