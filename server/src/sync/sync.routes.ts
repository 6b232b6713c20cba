/** `GET /smart-money/sources`: each public source's schedule, last runs, newest data and lag. */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";
import { errorResponses, newRouter } from "../core/http";
import { sourceStatuses, syncJobsFrom } from "./jobs";

const SourceSchema = z
  .object({
    source: z.string(),
    title: z.string(),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    schedule: z.string(),
    next_run_at: z.string().nullable(),
    last_success_at: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    last_status: z.string().nullable(),
    last_error: z.string().nullable(),
    newest_data_date: z.string().nullable(),
    expected_data_date: z.string().nullable(),
    expected_published_at: z.string().nullable(),
    lag_seconds: z.number().nullable(),
    state: z.enum(["current", "late", "off", "never_run"]),
    dead_runs: z.number(),
    queued_runs: z.number(),
  })
  .openapi("SyncSource");

const route = createRoute({
  method: "get",
  path: "/smart-money/sources",
  tags: ["sources"],
  summary: "Public data sources kept current by scheduled sync: schedule, last success and error, lag",
  responses: {
    200: {
      description: "One entry per source",
      content: {
        "application/json": { schema: z.object({ as_of: z.string(), sources: z.array(SourceSchema) }) },
      },
    },
    ...errorResponses,
  },
});

export function syncRoutes(deps: AppDeps) {
  const jobs = syncJobsFrom(deps.env);
  return newRouter().openapi(route, async (c) => {
    const now = deps.now?.() ?? new Date();
    const sources = await sourceStatuses(deps.db.db, jobs, now.getTime());
    return c.json({ as_of: now.toISOString(), sources }, 200);
  });
}
