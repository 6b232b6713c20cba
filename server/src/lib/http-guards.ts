import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { AppError } from "../errors";
import { isWriteMethod } from "./auth";

/** Largest body of a JSON request (webhook registration and the like); file uploads have MAX_UPLOAD_BYTES. */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

/** Routes whose body is a file streamed through ingest, capped by MAX_UPLOAD_BYTES instead. */
const isUpload = (path: string) => path.startsWith("/smart-money/ingest/");

/**
 * Whether a browser origin may write: the page is served by this server (same host and port as the
 * request), or it is listed in ALLOWED_ORIGINS. The scheme is not compared, so a TLS proxy in front works.
 */
export function isTrustedOrigin(c: Context, origin: string, allowedOrigins: readonly string[]): boolean {
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === new URL(c.req.url).host;
  } catch {
    return false; // "null" (sandboxed frames, file:) and garbage
  }
}

/**
 * Refuses a write (POST, PUT, PATCH, DELETE) sent by a web page of another origin, with 403. A browser
 * sends `Origin` on every cross-site write, including the "simple" `text/plain` POSTs that skip the CORS
 * preflight; `Sec-Fetch-Site: cross-site` covers the rare browser request without it. Requests without
 * either (curl, the CLI, bots) are not from a page and pass to the API-key check.
 */
export function refuseForeignWrites(allowedOrigins: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    if (!isWriteMethod(c.req.method)) return next();
    const origin = c.req.header("origin");
    const foreign =
      origin !== undefined
        ? !isTrustedOrigin(c, origin, allowedOrigins)
        : c.req.header("sec-fetch-site") === "cross-site";
    if (foreign) {
      throw new AppError(
        "FORBIDDEN",
        `Writes from the web origin ${origin ?? "(cross-site)"} are refused; serve the page from this server or list its origin in ALLOWED_ORIGINS`,
        { origin: origin ?? null },
      );
    }
    return next();
  };
}

/**
 * CORS: any origin may read (GET/HEAD, `Access-Control-Allow-Origin: *`), since reads are open; only a
 * trusted origin (see `isTrustedOrigin`) is offered the write methods in a preflight and has its origin
 * echoed. Preflights (`OPTIONS`) are answered with 204 on every path.
 */
export function corsHeaders(allowedOrigins: readonly string[]): MiddlewareHandler {
  return cors({
    origin: (origin, c) => (origin && isTrustedOrigin(c, origin, allowedOrigins) ? origin : "*"),
    allowMethods: (origin, c) =>
      origin && isTrustedOrigin(c, origin, allowedOrigins)
        ? ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        : ["GET", "HEAD"],
    allowHeaders: ["content-type", "x-api-key", "authorization"],
    exposeHeaders: ["RateLimit-Limit", "RateLimit-Remaining", "Retry-After"],
    maxAge: 600,
  });
}

/**
 * Caps the body of every write except file uploads at `maxBytes` (413 PAYLOAD_TOO_LARGE, nothing read
 * past the limit): a JSON body is parsed whole in memory, so without a cap one request can take hundreds
 * of megabytes.
 */
export function jsonBodyLimit(maxBytes = JSON_BODY_LIMIT_BYTES): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds ${maxBytes} bytes`, {
        limit_bytes: maxBytes,
      });
    },
  });
  return async (c, next) => {
    if (!isWriteMethod(c.req.method) || isUpload(c.req.path)) return next();
    return limit(c, next);
  };
}
