/**
 * The one HTTP GET every sync job uses: a time limit, a size limit, retries with exponential backoff on
 * throttling and server errors (Retry-After honoured, capped), and "not published" for 403/404 (FINRA's
 * CDN answers 403 AccessDenied for a day without a file: weekend, holiday, not yet posted). URLs are built
 * by the jobs from a base URL that only the environment sets and from validated dates, CIKs and
 * accession numbers; nothing a caller sends becomes part of a URL.
 */

export interface BoundedFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  headers?: Record<string, string>;
  /** GET unless given; a POST query (FINRA's Query API) is safe to retry: it changes nothing upstream. */
  method?: "GET" | "POST";
  body?: string;
  /** Attempts after the first on 429/5xx/network errors. */
  retries?: number;
  backoffBaseMs?: number;
  /** Longest single wait, whatever Retry-After says. */
  maxBackoffMs?: number;
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each request (the SEC's shared rate limiter). */
  beforeRequest?: () => Promise<void>;
}

export type FetchOutcome =
  | { kind: "ok"; body: Buffer; lastModified: Date | null; headers: Headers }
  | { kind: "not_published"; status: number };

/** A fetch that failed after its retries, or a response refused (too large, truncated). */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Joins a configured base URL and a path built by a job (never from request input). */
export function underBase(base: string, path: string): string {
  const url = new URL(`${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`);
  const root = new URL(base);
  if (url.origin !== root.origin) throw new Error(`${path} leaves ${root.origin}`);
  return url.toString();
}

export async function fetchBounded(url: string, o: BoundedFetchOptions): Promise<FetchOutcome> {
  const retries = o.retries ?? 4;
  const base = o.backoffBaseMs ?? 1000;
  const cap = o.maxBackoffMs ?? 60_000;
  const sleep = o.sleep ?? defaultSleep;
  const doFetch = o.fetchImpl ?? fetch;
  let problem = "";
  let lastStatus: number | null = null;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(cap, backoffMs(problem, base, attempt)));
    await o.beforeRequest?.();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), o.timeoutMs);
    try {
      const res = await doFetch(url, {
        method: o.method ?? "GET",
        body: o.body,
        headers: o.headers,
        signal: controller.signal,
        redirect: "error",
      });
      lastStatus = res.status;
      if (res.status === 403 || res.status === 404) {
        await res.body?.cancel().catch(() => undefined);
        return { kind: "not_published", status: res.status };
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        if (!RETRYABLE.has(res.status)) throw new UpstreamError(`${url}: HTTP ${res.status}`, res.status);
        const retryAfterS = Number(res.headers.get("retry-after"));
        problem = Number.isFinite(retryAfterS) && retryAfterS > 0 ? `retry-after:${retryAfterS}` : "";
        problem ||= `HTTP ${res.status}`;
        continue;
      }
      const declared = Number(res.headers.get("content-length"));
      if (Number.isFinite(declared) && declared > o.maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new UpstreamError(`${url}: ${declared} bytes is over the ${o.maxBytes}-byte limit`, res.status);
      }
      const body = await readCapped(res, o.maxBytes, url);
      const lm = res.headers.get("last-modified");
      const lastModified = lm ? new Date(lm) : null;
      return {
        kind: "ok",
        body,
        lastModified: lastModified && Number.isFinite(lastModified.getTime()) ? lastModified : null,
        headers: res.headers,
      };
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      problem = controller.signal.aborted
        ? `no complete answer within ${o.timeoutMs} ms`
        : `network error: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      clearTimeout(timer);
    }
  }
  throw new UpstreamError(
    `${url}: gave up after ${retries + 1} attempts (${problem.startsWith("retry-after") ? `HTTP ${lastStatus}` : problem})`,
    lastStatus,
  );
}

function backoffMs(problem: string, base: number, attempt: number): number {
  if (problem.startsWith("retry-after:")) return Number(problem.slice(12)) * 1000;
  return base * 2 ** (attempt - 1);
}

/** Reads a body, refusing it once it passes `maxBytes`. */
export async function readCapped(res: Response, maxBytes: number, url: string): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new UpstreamError(`${url}: body over the ${maxBytes}-byte limit`, res.status);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}
