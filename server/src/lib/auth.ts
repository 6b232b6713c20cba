import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../errors";

/** Longest API key accepted (configured or presented); a longer one is never valid. */
export const MAX_API_KEY_LENGTH = 256;

/** The API key a request presents: `x-api-key` header or `Authorization: Bearer <key>`. */
export function presentedKey(c: Context): string | null {
  const header = c.req.header("x-api-key");
  if (header) return header;
  const auth = c.req.header("authorization");
  return auth?.startsWith("Bearer ") ? auth.slice(7) : null;
}

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();

/**
 * Whether `presented` is one of the configured `keys`, in time that does not depend on how much of a key
 * matches: both sides are hashed to 32 bytes (so lengths never differ) and compared with
 * `crypto.timingSafeEqual`, against every configured key without stopping at the first match. The one
 * check used by REST, Socket.IO and the rate limiter.
 */
export function isValidApiKey(presented: unknown, keys: readonly string[]): boolean {
  if (typeof presented !== "string" || presented.length === 0 || presented.length > MAX_API_KEY_LENGTH)
    return false;
  const digest = sha256(presented);
  let match = false;
  for (const key of keys) match = timingSafeEqual(digest, sha256(key)) || match;
  return match;
}

/**
 * Whether a request needs an API key (when keys are configured): every write (uploads, demo generation,
 * webhook registration and removal) and everything under `/smart-money/webhooks` (the list and dead
 * letters show where alerts go). Reads are open, the service being a local tool by default. `/mcp` is
 * a read although it is POSTed: every MCP tool is a read (server/src/mcp, docs/mcp.md).
 */
export function needsApiKey(method: string, path: string): boolean {
  if (path === "/mcp") return false;
  return (
    isWriteMethod(method) || path === "/smart-money/webhooks" || path.startsWith("/smart-money/webhooks/")
  );
}

export const isWriteMethod = (method: string) =>
  method === "POST" || method === "PUT" || method === "PATCH" || method === "DELETE";

/**
 * Refuses a request that needs a key (see `needsApiKey`) without a valid one, with 401, before its body
 * is read or validated: a wrong key with a bad body is told about the key. No keys configured: open.
 */
export function requireApiKey(apiKeys: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    if (apiKeys.length === 0 || !needsApiKey(c.req.method, c.req.path)) return next();
    const key = presentedKey(c);
    if (key === null) throw new AppError("UNAUTHORIZED", "This route needs an API key (x-api-key header)");
    if (!isValidApiKey(key, apiKeys)) throw new AppError("UNAUTHORIZED", "The API key is not valid");
    return next();
  };
}
