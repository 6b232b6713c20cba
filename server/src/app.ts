import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import swaggerUiPath from "swagger-ui-dist/absolute-path.js";
import { alertsRoutes } from "./alerts/alerts.handlers";
import { analyticsRoutes } from "./analytics/analytics.handlers";
import { areaProviders } from "./analytics/analytics.providers";
import { blocksRoutes } from "./blocks/blocks.handlers";
import type { AppDeps } from "./core/deps";
import { type AppEnv, errorHandler, newRouter, notFound } from "./core/http";
import { darkpoolRoutes } from "./darkpool/darkpool.handlers";
import { AppError } from "./errors";
import { demoRoutes } from "./feeds/demo.routes";
import { ingestRoutes } from "./ingest/ingest.routes";
import { institutionalRoutes } from "./institutional/institutional.handlers";
import { requireApiKey } from "./lib/auth";
import { corsHeaders, jsonBodyLimit, refuseForeignWrites } from "./lib/http-guards";
import { rateLimit } from "./lib/rate-limit";
import { ResponseCache } from "./lib/response-cache";
import { staticFile } from "./lib/static";
import { marketRoutes } from "./market/market.handlers";
import { MCP_PATH, mcpRoutes } from "./mcp/mcp.routes";
import { syncRoutes } from "./sync/sync.routes";

export type { AppDeps } from "./core/deps";

export const VERSION = "0.1.0";
const clientDist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "client", "dist");

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["Service"],
  summary: "Liveness and database reachability",
  responses: {
    200: {
      description: "Healthy",
      content: {
        "application/json": {
          schema: z.object({
            status: z.enum(["ok", "degraded"]),
            version: z.string(),
            database: z.object({ engine: z.enum(["pglite", "postgres"]), reachable: z.boolean() }),
            uptime_seconds: z.number(),
          }),
        },
      },
    },
    503: { description: "Database unreachable" },
  },
});

/** Builds the HTTP application. Used by `main.ts` and by tests (through `app.request` or `hc`). */
export function createApp(deps: AppDeps) {
  const started = Date.now();
  const responseCache = new ResponseCache(deps.db.db, {
    ttlMs: deps.env.RESPONSE_CACHE_TTL_MS,
    now: () => deps.now?.() ?? new Date(),
  });
  const base = newRouter();
  const { API_KEYS: apiKeys, ALLOWED_ORIGINS: allowedOrigins } = deps.env;
  const limiter = rateLimit({ limitPerMinute: deps.env.RATE_LIMIT_PER_MINUTE, apiKeys });
  // In this order: CORS (answers preflights), foreign-origin writes (403), rate limit (429), API key
  // (401), then the JSON body cap (413), all before any route reads or validates a body.
  base.use("*", corsHeaders(allowedOrigins));
  base.use("*", refuseForeignWrites(allowedOrigins));
  base.use("/smart-money/*", async (c, next) => {
    // Static dashboard files are not API calls.
    if (c.req.path.startsWith("/smart-money/dashboard")) return next();
    return limiter(c, next);
  });
  base.use(MCP_PATH, limiter);
  base.use("*", requireApiKey(apiKeys));
  base.use("*", jsonBodyLimit());
  const app = base
    .openapi(healthRoute, async (c) => {
      const reachable = await deps.db.ping();
      const body = {
        status: reachable ? ("ok" as const) : ("degraded" as const),
        version: VERSION,
        database: { engine: deps.db.kind, reachable },
        uptime_seconds: Math.round((Date.now() - started) / 1000),
      };
      return c.json(body, 200);
    })
    .route("/", marketRoutes(deps))
    .route("/", darkpoolRoutes(deps, responseCache))
    .route("/", institutionalRoutes(deps))
    .route("/", blocksRoutes(deps))
    .route("/", alertsRoutes(deps))
    .route("/", analyticsRoutes(deps, responseCache, areaProviders))
    .route("/", ingestRoutes(deps))
    .route("/", demoRoutes(deps))
    .route("/", syncRoutes(deps))
    .route("/", mcpRoutes(deps, VERSION));

  mountDocs(app);
  mountMetrics(app, () => [
    `smt_uptime_seconds ${Math.round((Date.now() - started) / 1000)}`,
    ...[...(deps.metrics ?? [])].map(([k, v]) => `${k} ${v}`),
    `smt_response_cache_hits_total ${responseCache.hits}`,
    `smt_response_cache_misses_total ${responseCache.misses}`,
  ]);
  mountDashboard(app, deps.env.SERVE_CLIENT);
  app.notFound(notFound);
  app.onError(errorHandler(deps.log));
  return app;
}

/** The OpenAPI document at /openapi.json and Swagger UI at /docs. */
function mountDocs(app: OpenAPIHono<AppEnv>) {
  app.doc("/openapi.json", {
    openapi: "3.0.3",
    info: {
      title: "Smart Money Tracker API",
      version: VERSION,
      description:
        "Dark-pool prints, FINRA short volume and ATS data, SEC 13F and Form 4, blocks, options flow and smart-money indices. " +
        "Every score comes with its components, parameter version, as_of and sources. Errors: {error: {code, message, details}}.",
    },
  });
  app.get("/docs", (c) =>
    c.html(`<!doctype html><html><head><meta charset="utf-8"><title>Smart Money Tracker API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui", deepLinking: true });</script>
</body></html>`),
  );
  app.get("/docs/assets/:file", async (c) => {
    const res = await staticFile(swaggerUiPath(), c.req.param("file"));
    return res ?? c.json({ error: { code: "NOT_FOUND", message: "no such asset" } }, 404);
  });
}

/** Prometheus text at /metrics: the lines `lines()` gives at the time of the request. */
function mountMetrics(app: OpenAPIHono<AppEnv>, lines: () => string[]) {
  app.get("/metrics", (c) =>
    c.text(`${lines().join("\n")}\n`, 200, { "content-type": "text/plain; version=0.0.4" }),
  );
}

/**
 * The built dashboard (client/dist) under /smart-money/dashboard. Its own routes (`/market`,
 * `/symbol/GME`, `/filer/0001067983`, docs/dashboard.md "Routes") are client-side: any path that is not a
 * file answers index.html, so a deep link or a reload lands on the page; a missing file under `assets/`
 * (where Vite puts every built file) stays a 404 rather than HTML served as a script.
 */
function mountDashboard(app: OpenAPIHono<AppEnv>, serveClient: boolean) {
  const notBuilt = {
    error: { code: "NOT_FOUND", message: "dashboard not built: run `pnpm --filter @smt/client build`" },
  };
  const disabled = { error: { code: "NOT_FOUND", message: "dashboard disabled" } };
  app.get("/", (c) => c.redirect("/smart-money/dashboard"));
  app.get("/smart-money/dashboard", async (c) => {
    if (!serveClient) return c.json(disabled, 404);
    return (await staticFile(clientDist, "index.html")) ?? c.json(notBuilt, 404);
  });
  app.get("/smart-money/dashboard/*", async (c) => {
    if (!serveClient) return c.json(disabled, 404);
    const rest = c.req.path.slice("/smart-money/dashboard/".length);
    const file = await staticFile(clientDist, rest);
    if (file) return file;
    if (rest.startsWith("assets/"))
      return c.json({ error: { code: "NOT_FOUND", message: "no such file" } }, 404);
    return (await staticFile(clientDist, "index.html")) ?? c.json(notBuilt, 404);
  });
}

export type AppType = ReturnType<typeof createApp>;
export { AppError };
