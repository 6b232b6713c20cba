/**
 * What the SEC sync jobs share: the EDGAR client (institutional/edgar.client.ts) with no disk cache, the
 * time and size limits of every sync fetch, and the fair-access budget shared by every node
 * (sec-fair-access.ts). Jobs that call the SEC stay off without a declared `SEC_USER_AGENT`.
 */
import type { Db } from "@smt/db";
import type { Env } from "../env";
import { EdgarClient, type RequestLimiter } from "../institutional/edgar.client";
import { secFairAccess } from "./sec-fair-access";

export interface SecSyncOptions {
  userAgent: string | undefined;
  wwwBaseUrl: string;
  dataBaseUrl: string;
  maxBytes: number;
  timeoutMs: number;
  /** Retries of one request after the first (429/5xx/network). */
  retries?: number;
  backoffBaseMs?: number;
  /** Longest one request waits before retrying (the shared budget holds the rest of a Retry-After). */
  maxBackoffMs?: number;
  /** Tests: a limiter of their own, a fetch, a sleep. */
  limiterFor?: (db: Db) => RequestLimiter;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** Why an SEC job stays off (shown on /smart-money/sources and `sync --list`), or null. */
export function secOffReason(userAgent: string | undefined): string | null {
  const ua = userAgent?.trim() ?? "";
  if (ua === "") {
    return 'SEC_USER_AGENT is not set: the SEC requires a declared User-Agent such as "Your Company admin@example.com"';
  }
  // The SEC's own sample is "Sample Company Name AdminContact@<sample company domain>.com": a contact address.
  if (!/\S+@\S+\.\S+/.test(ua)) return `SEC_USER_AGENT "${ua.slice(0, 60)}" holds no contact e-mail address`;
  return null;
}

export function secSyncOptionsFrom(env: Env): SecSyncOptions {
  return {
    userAgent: env.SEC_USER_AGENT,
    wwwBaseUrl: env.SEC_WWW_BASE_URL,
    dataBaseUrl: env.SEC_DATA_BASE_URL,
    maxBytes: env.SYNC_MAX_FETCH_BYTES,
    timeoutMs: env.SYNC_FETCH_TIMEOUT_MS,
  };
}

/** A client for one run: no disk cache (the database is the record), the shared budget of `db`. */
export function secClientFor(db: Db, o: SecSyncOptions): EdgarClient {
  return new EdgarClient({
    userAgent: o.userAgent,
    cacheDir: null,
    wwwBaseUrl: o.wwwBaseUrl,
    dataBaseUrl: o.dataBaseUrl,
    limiter: o.limiterFor?.(db) ?? secFairAccess(db),
    maxRetries: o.retries ?? 3,
    backoffBaseMs: o.backoffBaseMs ?? 1000,
    maxBackoffMs: o.maxBackoffMs ?? 60_000,
    timeoutMs: o.timeoutMs,
    maxBytes: o.maxBytes,
    fetchImpl: o.fetchImpl,
    sleep: o.sleep,
  });
}
