import type { Context } from "hono";
import { AppError } from "../errors";

/** The API key a request presents: `x-api-key` header or `Authorization: Bearer <key>`. */
export function presentedKey(c: Context): string | null {
  const header = c.req.header("x-api-key");
  if (header) return header;
  const auth = c.req.header("authorization");
  return auth?.startsWith("Bearer ") ? auth.slice(7) : null;
}

/**
 * Write routes (uploads, demo generation, webhook registration) need a key whenever keys are configured;
 * with none configured the service is a local, open tool.
 */
export function requireWriteKey(c: Context, apiKeys: string[]): void {
  if (apiKeys.length === 0) return;
  const key = presentedKey(c);
  if (key === null) throw new AppError("UNAUTHORIZED", "This route needs an API key (x-api-key header)");
  if (!apiKeys.includes(key)) throw new AppError("UNAUTHORIZED", "The API key is not valid");
}
