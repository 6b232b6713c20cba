/**
 * The HTTP layer every area's routes build on: the router factory (validation failures answer like
 * every other error), the Hono environment carrying `AppDeps`, and the shared error and path schemas.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppDeps } from "./deps";

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
