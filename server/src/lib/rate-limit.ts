import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { AppError } from "../errors";
import { isValidApiKey, presentedKey } from "./auth";

export interface RateLimitOptions {
  /** Requests a minute per bucket; 0 disables the limit. */
  limitPerMinute: number;
  /** Configured keys: a request with one of them counts against its key, any other against its address. */
  apiKeys: readonly string[];
  now?: () => number;
  /** Most buckets kept at once; past it the oldest window is evicted (not everyone's). */
  maxBuckets?: number;
}

export const DEFAULT_MAX_BUCKETS = 50_000;
const WINDOW_MS = 60_000;

/**
 * Fixed-window rate limit per valid API key, else per client address (an IPv6 client per /64, which one
 * host can rotate through): `limitPerMinute` requests a minute, then 429 with `Retry-After` (seconds to
 * the next window). A made-up key does not earn a bucket of its own, so rotating keys does not help.
 * State is per process; with several nodes each enforces its own share (docs/operations.md).
 */
export function rateLimit(o: RateLimitOptions): MiddlewareHandler {
  const windows = new FixedWindows(WINDOW_MS, o.maxBuckets ?? DEFAULT_MAX_BUCKETS);
  const now = o.now ?? Date.now;
  return async (c, next) => {
    if (o.limitPerMinute <= 0) return next();
    const t = now();
    const w = windows.hit(bucketOf(c, o.apiKeys), t);
    c.header("RateLimit-Limit", String(o.limitPerMinute));
    c.header("RateLimit-Remaining", String(Math.max(0, o.limitPerMinute - w.count)));
    if (w.count > o.limitPerMinute) {
      const retry = Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000));
      throw new AppError("RATE_LIMITED", `Rate limit of ${o.limitPerMinute} requests per minute exceeded`, {
        retry_after_s: retry,
      });
    }
    return next();
  };
}

/**
 * Request counts per bucket in fixed windows. The map is kept in window-start order (a renewed window
 * moves to the end), so stale windows are swept from the front in time proportional to what is removed,
 * and when there are more than `maxBuckets` the oldest window goes first.
 */
export class FixedWindows {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxBuckets: number,
  ) {}

  /** Counts one request of `bucket` at `t` and returns its window. */
  hit(bucket: string, t: number): { start: number; count: number } {
    this.sweep(t);
    let w = this.windows.get(bucket);
    if (w === undefined || t - w.start >= this.windowMs) {
      this.windows.delete(bucket);
      w = { start: t, count: 0 };
      this.windows.set(bucket, w);
      for (const oldest of this.windows.keys()) {
        if (this.windows.size <= this.maxBuckets) break;
        this.windows.delete(oldest);
      }
    }
    w.count++;
    return w;
  }

  get size(): number {
    return this.windows.size;
  }

  private sweep(t: number): void {
    for (const [bucket, w] of this.windows) {
      if (t - w.start < this.windowMs) break;
      this.windows.delete(bucket);
    }
  }
}

function bucketOf(c: Context, apiKeys: readonly string[]): string {
  const key = presentedKey(c);
  if (key !== null && isValidApiKey(key, apiKeys)) return `key:${key}`;
  let address: string | undefined;
  try {
    address = getConnInfo(c).remote.address;
  } catch {
    // `app.request` in tests has no socket.
  }
  return `ip:${address === undefined ? "local" : addressBucket(address)}`;
}

/**
 * The part of a client address that one client controls as a unit: an IPv4 address whole, an IPv6
 * address by its /64 network (a host is usually handed a whole /64), an IPv4-mapped IPv6 address as IPv4.
 */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]?.split("::") ?? [];
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
