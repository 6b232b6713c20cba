/**
 * `cusip-map`: once a day, the CUSIPs held in stored 13F filings that no source maps to a symbol yet are
 * sent to OpenFIGI (`POST /v3/mapping`, through `resolveUnmappedCusips`, the project's CUSIP source
 * besides a user's CSV) and the answers stored in `securities` (source `openfigi`). New 13F filings
 * stored by `sec-current` bring new CUSIPs; this keeps their tickers coming. Opt-in: off without
 * `OPENFIGI_API_KEY` (the CUSIPs leave the service). A CUSIP already mapped is never sent again; one
 * OpenFIGI does not know is asked again the next day (at most `limit` a run, largest holdings first).
 */
import type { Env } from "../env";
import { resolveUnmappedCusips } from "../institutional/institutional.ingest";
import { etDateOf, etWallTimeToUtc } from "../lib/et-time";
import { readCapped, UpstreamError } from "./fetch";
import type { JobContext, JobStats, SyncJob } from "./runner";
import { tradingDayPublication, tradingDaysAt } from "./schedule";
import { recordItem } from "./sync.store";

export const CUSIP_MAP_SOURCE = "cusip-map";
const DUE_HOUR = 7;
const dueAt = (day: string) => etWallTimeToUtc(day, DUE_HOUR).getTime();
const publication = tradingDayPublication(dueAt);

/**
 * Largest OpenFIGI answer read: a mapping request holds at most 100 jobs (with a key), each answer a few
 * hundred bytes per FIGI found, so 4 MiB is far above any honest answer and bounds a hostile one.
 */
export const OPENFIGI_MAX_BYTES = 4 * 1024 * 1024;

export interface CusipMapOptions {
  apiKey: string | undefined;
  baseUrl: string;
  timeoutMs: number;
  /** Largest answer read (default OPENFIGI_MAX_BYTES). */
  maxBytes?: number;
  /** CUSIPs sent per run at most. */
  limit?: number;
  fetchImpl?: typeof fetch;
}

export function cusipMapJob(o: CusipMapOptions, switchedOff: string | null = null): SyncJob {
  return {
    source: CUSIP_MAP_SOURCE,
    title: "CUSIP -> ticker for held 13F CUSIPs not mapped yet (OpenFIGI)",
    schedule: tradingDaysAt(["06:00"]),
    disabledReason: o.apiKey?.trim()
      ? switchedOff
      : "OPENFIGI_API_KEY is not set: mapping held CUSIPs through OpenFIGI is opt-in",
    maxAttempts: 3,
    retryBaseMs: 10 * 60_000,
    expectedLatest: publication.expectedLatest,
    nextDueAfter: publication.nextDueAfter,
    run: (ctx) => mapCusips(ctx, o),
  };
}

async function mapCusips(ctx: JobContext, o: CusipMapOptions): Promise<JobStats> {
  if (ctx.params.since !== undefined || ctx.params.until !== undefined) {
    throw new Error("cusip-map maps what is unmapped now; --since/--until do not apply");
  }
  const doFetch = o.fetchImpl ?? fetch;
  const result = await resolveUnmappedCusips(ctx.db, {
    apiKey: o.apiKey,
    baseUrl: o.baseUrl,
    limit: o.limit ?? 1000,
    // Time-limited, size-capped and never redirected: the only host asked is the configured one.
    fetchImpl: async (url, init) => {
      const res = await doFetch(url, {
        ...init,
        redirect: "error",
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      const maxBytes = o.maxBytes ?? OPENFIGI_MAX_BYTES;
      const declared = Number(res.headers.get("content-length"));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        throw new UpstreamError(
          `OpenFIGI answer of ${declared} bytes is over the ${maxBytes}-byte limit`,
          res.status,
        );
      }
      const body = await readCapped(res, maxBytes, "OpenFIGI /v3/mapping");
      return new Response(new Uint8Array(body), {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    },
  });
  const day = etDateOf(ctx.now().getTime());
  const stats = { mapped: result.mapped, unmapped: result.unmapped.length };
  await recordItem(ctx.db, {
    source: CUSIP_MAP_SOURCE,
    itemKey: day,
    status: "stored",
    dataDate: day,
    detail: { ...stats, unmapped_sample: result.unmapped.slice(0, 20) },
    at: ctx.now(),
  });
  return stats;
}

export function cusipMapOptionsFrom(env: Env): CusipMapOptions {
  return {
    apiKey: env.OPENFIGI_API_KEY,
    baseUrl: env.OPENFIGI_BASE_URL,
    timeoutMs: env.SYNC_FETCH_TIMEOUT_MS,
  };
}
