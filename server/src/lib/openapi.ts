import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";

export type AppEnv = { Variables: { deps: AppDeps } };

/** Validation failures answer like every other error: `{error: {code, message, details}}` with 400. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
        const first = issues[0];
        return c.json(
          {
            error: {
              code: "INVALID_INPUT",
              message: first
                ? `${result.target} ${first.path || "(root)"}: ${first.message}`
                : "invalid request",
              details: { target: result.target, issues },
            },
          },
          400,
        );
      }
    },
  });
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "NOT_FOUND" }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");

export const errorResponses = {
  400: { description: "Invalid input", content: { "application/json": { schema: ErrorBody } } },
  404: { description: "Unknown symbol or resource", content: { "application/json": { schema: ErrorBody } } },
} as const;

export const SymbolParams = z.object({
  symbol: z
    .string()
    .min(1)
    .max(14)
    .openapi({ param: { name: "symbol", in: "path" }, example: "AAPL" }),
});

/** How old each input is and where it came from (ARCHITECTURE.md invariant 7). */
export const Freshness = z
  .object({
    input: z.string(),
    latest: z.string().nullable().openapi({ description: "Timestamp of the newest input row (ISO 8601)" }),
    age_seconds: z.number().nullable(),
    expected_delay: z
      .string()
      .openapi({ description: "How late this source is by nature, e.g. 'T+1 after 18:00 ET'" }),
  })
  .openapi("Freshness");

export const Source = z
  .object({ source: z.string(), rows: z.number(), latest_ref: z.string().nullable() })
  .openapi("Source");

export const isoOrNull = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : new Date(d).toISOString();

export function freshness(
  input: string,
  latest: Date | string | null,
  expectedDelay: string,
  now = new Date(),
) {
  const iso = isoOrNull(latest);
  return {
    input,
    latest: iso,
    age_seconds: iso === null ? null : Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000)),
    expected_delay: expectedDelay,
  };
}
