import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../errors";
import { presentedKey } from "./auth";

/**
 * Fixed-window rate limit per API key, or per client address when anonymous: `limitPerMinute` requests a
 * minute, then 429 with `Retry-After` (seconds to the next window). State is per process; with several
 * nodes each enforces its own share (documented in docs/operations.md). 0 disables it.
 */
export function rateLimit(limitPerMinute: number, now: () => number = Date.now): MiddlewareHandler {
  const windows = new Map<string, { start: number; count: number }>();
  const windowMs = 60_000;
  return async (c, next) => {
    if (limitPerMinute <= 0) return next();
    const id = clientId(c);
    const t = now();
    let w = windows.get(id);
    if (!w || t - w.start >= windowMs) {
      if (windows.size > 50_000) windows.clear();
      w = { start: t, count: 0 };
      windows.set(id, w);
    }
    w.count++;
    c.header("RateLimit-Limit", String(limitPerMinute));
    c.header("RateLimit-Remaining", String(Math.max(0, limitPerMinute - w.count)));
    if (w.count > limitPerMinute) {
      const retry = Math.max(1, Math.ceil((w.start + windowMs - t) / 1000));
      throw new AppError("RATE_LIMITED", `Rate limit of ${limitPerMinute} requests per minute exceeded`, {
        retry_after_s: retry,
      });
    }
    return next();
  };
}

function clientId(c: Context): string {
  const key = presentedKey(c);
  if (key) return `key:${key}`;
  try {
    return `ip:${getConnInfo(c).remote.address ?? "unknown"}`;
  } catch {
    return "ip:local";
  }
}
