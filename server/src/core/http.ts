/**
 * The HTTP layer every area's routes build on: the router factory (validation failures answer like
 * every other error), the Hono environment carrying `AppDeps`, and the shared error and path schemas.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { isAppError } from "../errors";
import { type Logger, stackFrames } from "../lib/log";
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

/** No route matched: the same error body as every other error. */
export const notFound = (c: Context) =>
  c.json({ error: { code: "NOT_FOUND", message: `No route for ${c.req.method} ${c.req.path}` } }, 404);

/**
 * Every thrown error as `{error: {code, message, details}}`: an `AppError` with its status (and
 * `Retry-After` when rate limited), Hono's own HTTP errors as INVALID_INPUT, anything else logged and
 * answered 500 without details.
 */
export function errorHandler(log: Logger): ErrorHandler {
  return (err, c) => {
    if (isAppError(err)) {
      if (
        err.code === "RATE_LIMITED" &&
        typeof err.details === "object" &&
        err.details &&
        "retry_after_s" in err.details
      ) {
        c.header("Retry-After", String((err.details as { retry_after_s: number }).retry_after_s));
      }
      return c.json(
        { error: { code: err.code, message: err.message, details: err.details ?? null } },
        err.status as 400,
      );
    }
    if (err instanceof HTTPException) {
      return c.json({ error: { code: "INVALID_INPUT", message: err.message, details: null } }, err.status);
    }
    log.error("unhandled error", { path: c.req.path, error: err, stack: stackFrames(err) });
    return c.json({ error: { code: "INTERNAL", message: "Internal error", details: null } }, 500);
  };
}
