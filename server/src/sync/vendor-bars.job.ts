/**
 * Daily bars from a market-data vendor when a key is configured, so the dark-pool ratio has a consolidated
 * volume and price changes have a close without anyone loading bar files by hand:
 * - `POLYGON_API_KEY`: Polygon/Massive grouped daily aggregates, the whole US market in one request per day
 *   (`{POLYGON_BASE_URL}/v2/aggs/grouped/locale/us/market/stocks/{date}?adjusted=false`; unadjusted, like the
 *   day-aggregates flat file). The key travels in the `Authorization` header, never in a URL.
 * - else `ALPACA_KEY_ID` + `ALPACA_SECRET_KEY`: Alpaca's multi-symbol daily bars (`/v2/stocks/bars`, SIP
 *   feed, raw prices) for the symbols in `VENDOR_BARS_SYMBOLS` (Alpaca has no market-wide daily endpoint).
 * Without a key the job is off, with that as its status. One item per trading day: the job runs on trading
 * days at 20:30 ET (after the 20:00 end of the extended session, when `published_at` says the day's bar is
 * final) and 07:30 ET, backfilling the trading days of the last VENDOR_BARS_BACKFILL_DAYS not stored yet.
 * An empty answer is "not published" (asked again while among the last 3 trading days). Requests are spaced
 * by VENDOR_BARS_REQUEST_INTERVAL_MS (Polygon's free plan allows 5 a minute). Bars are stored through the
 * existing bars store (key symbol, day, source), so a re-run stores nothing new.
 */
import type { Db } from "@smt/db";
import type { DailyBarRecord } from "../darkpool/bars.parse";
import { dailyBarsStore } from "../darkpool/finra.store";
import type { Env } from "../env";
import { RateLimiter } from "../institutional/edgar.limiter";
import { addDays, etWallTimeToUtc } from "../lib/et-time";
import { runIngest } from "../lib/ingest";
import { formatLocation, type Parsed } from "../lib/records";
import { type BoundedFetchOptions, fetchBounded, UpstreamError, underBase } from "./fetch";
import { describeIngestError } from "./finra-ats.job";
import { tradingDaysBetween } from "./finra-regsho.job";
import { checkRangeParams, type JobContext, type JobStats, type SyncJob, storeEach } from "./runner";
import { tradingDayPublication, tradingDaysAt } from "./schedule";
import { itemsByKey, recordItem } from "./sync.store";
import {
  ALPACA_BARS_SOURCE,
  alpacaBars,
  POLYGON_BARS_SOURCE,
  polygonGroupedBars,
  type VendorDay,
} from "./vendor-bars.parse";

export const VENDOR_BARS_SOURCE = "vendor-bars";
/** A day's bar is final at the end of the extended session (bars.parse.ts `published_at`). */
const FINAL_HOUR = 20;
const RECHECK_TRADING_DAYS = 3;
/** Longest range one run may cover, in trading days (about two years). */
export const MAX_DAYS_PER_RUN = 520;
const ALPACA_SYMBOLS_PER_REQUEST = 100;
const MAX_PAGES = 100;

export type BarsVendor =
  | { kind: "polygon"; baseUrl: string; apiKey: string }
  | { kind: "alpaca"; baseUrl: string; keyId: string; secretKey: string; symbols: string[] };

export interface VendorBarsOptions {
  vendor: BarsVendor | null;
  backfillDays: number;
  requestIntervalMs: number;
  maxBytes: number;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The newest trading day whose bar is final by `nowMs`. */
const publication = tradingDayPublication((day) => etWallTimeToUtc(day, FINAL_HOUR).getTime());
/** The newest trading day whose bar is final by `nowMs` (20:00 ET). */
export const latestFinalDay = publication.latestDueDay;

export function vendorBarsJob(o: VendorBarsOptions, disabledReason: string | null = null): SyncJob {
  return {
    source: VENDOR_BARS_SOURCE,
    title:
      o.vendor === null
        ? "Daily bars from a vendor (Polygon or Alpaca)"
        : o.vendor.kind === "alpaca"
          ? "Daily bars (Alpaca)"
          : "Daily bars (Polygon grouped daily)",
    schedule: tradingDaysAt(["07:30", "20:30"]),
    disabledReason: o.vendor === null ? (disabledReason ?? "no vendor key") : disabledReason,
    maxAttempts: 5,
    retryBaseMs: 5 * 60_000,
    expectedLatest: publication.expectedLatest,
    nextDueAfter: publication.nextDueAfter,
    run: (ctx) => syncBars(ctx, o),
  };
}

async function syncBars(ctx: JobContext, o: VendorBarsOptions): Promise<JobStats> {
  if (o.vendor === null) throw new Error("no vendor key configured");
  const explicit = ctx.params.since !== undefined || ctx.params.until !== undefined;
  checkRangeParams(ctx.params);
  const due = latestFinalDay(ctx.now().getTime());
  const until = ctx.params.until !== undefined && ctx.params.until < due ? ctx.params.until : due;
  const since = ctx.params.since ?? addDays(until, -(o.backfillDays - 1));
  const days = tradingDaysBetween(since, until);
  if (days.length > MAX_DAYS_PER_RUN)
    throw new Error(`${days.length} trading days asked for; one run takes at most ${MAX_DAYS_PER_RUN}`);
  const known = await itemsByKey(ctx.db, VENDOR_BARS_SOURCE, days);
  const recheckFrom = days[Math.max(0, days.length - RECHECK_TRADING_DAYS)] ?? until;
  const todo = days.filter((d) => {
    const item = known.get(d);
    if (!item || item.status === "failed") return true;
    return item.status === "not_published" && (explicit || d >= recheckFrom);
  });
  // Every attempt (retries included) at least `requestIntervalMs` apart: the SEC limiter's spacing, one a slot.
  const limiter = new RateLimiter(
    o.requestIntervalMs > 0 ? 1000 / o.requestIntervalMs : Number.POSITIVE_INFINITY,
    undefined,
    o.sleep,
  );
  const pace = () => limiter.take();
  const totals = await storeEach(
    ctx,
    todo,
    (d) => d,
    { accepted: 0, duplicates: 0, rejected: 0 },
    (d) => storeBarsDay(ctx.db, d, o, ctx.now, pace),
  );
  return { vendor: o.vendor.kind, days: days.length, already: days.length - todo.length, ...totals };
}

/** Fetches and stores one day's bars; the item is marked only after the bars are committed. */
export async function storeBarsDay(
  db: Db,
  day: string,
  o: VendorBarsOptions,
  now: () => Date,
  pace: () => Promise<void> = async () => undefined,
): Promise<"not_published" | { accepted: number; duplicates: number; rejected: number }> {
  const vendor = o.vendor as BarsVendor;
  const record = (status: "stored" | "not_published" | "failed", detail: Record<string, unknown>) =>
    recordItem(db, {
      source: VENDOR_BARS_SOURCE,
      itemKey: day,
      status,
      dataDate: day,
      detail: { vendor: vendor.kind, ...detail },
      publishedAt: status === "stored" ? etWallTimeToUtc(day, FINAL_HOUR) : null,
      at: now(),
    });
  const fetchOptions: BoundedFetchOptions = {
    maxBytes: o.maxBytes,
    timeoutMs: o.timeoutMs,
    fetchImpl: o.fetchImpl,
    backoffBaseMs: o.retryBaseMs ?? 2000,
    sleep: o.sleep,
    beforeRequest: pace,
  };
  try {
    const records =
      vendor.kind === "polygon"
        ? await polygonDay(vendor, day, fetchOptions)
        : await alpacaDay(vendor, day, fetchOptions);
    if (records === null) {
      await record("not_published", {});
      return "not_published";
    }
    const summary = await runIngest({
      db,
      kind: "bars",
      source: vendor.kind === "polygon" ? POLYGON_BARS_SOURCE : ALPACA_BARS_SOURCE,
      sourceRef: `${vendor.kind} bars ${day}`,
      records: (async function* () {
        yield records;
      })(),
      insert: dailyBarsStore.insert,
      symbolOf: (r) => r.symbol,
      transactional: true,
    });
    const first = summary.errors[0];
    if (summary.accepted + summary.duplicates === 0)
      throw new Error(
        `every bar rejected${first ? ` (first: ${formatLocation(first)}: ${first.message})` : ""}`,
      );
    const { accepted, duplicates, rejected } = summary;
    await record("stored", {
      accepted,
      duplicates,
      rejected,
      ...(first ? { first_error: `${formatLocation(first)}: ${first.message}` } : {}),
    });
    return { accepted, duplicates, rejected };
  } catch (err) {
    const message = describeIngestError(err);
    await record("failed", { error: message });
    throw new Error(`${vendor.kind} bars ${day}: ${message}`);
  }
}

/** A 401/403/404 from a vendor is a refused key or a wrong base URL, never "not published". */
function vendorAnswer(got: Awaited<ReturnType<typeof fetchBounded>>, url: string): unknown {
  if (got.kind === "not_published")
    throw new UpstreamError(`${url}: HTTP ${got.status} (key refused or wrong base URL?)`, got.status);
  try {
    return JSON.parse(got.body.toString("utf8"));
  } catch {
    throw new UpstreamError(`${url}: answer is not JSON (${got.body.length} bytes; cut off?)`, 200);
  }
}

async function polygonDay(
  v: Extract<BarsVendor, { kind: "polygon" }>,
  day: string,
  fo: BoundedFetchOptions,
): Promise<Parsed<DailyBarRecord>[] | null> {
  const url = underBase(v.baseUrl, `v2/aggs/grouped/locale/us/market/stocks/${day}?adjusted=false`);
  const got = await fetchBounded(url, { ...fo, headers: { authorization: `Bearer ${v.apiKey}` } });
  const parsed = polygonGroupedBars(vendorAnswer(got, url), day, `polygon grouped ${day}`);
  return parsed.kind === "empty" ? null : parsed.records;
}

async function alpacaDay(
  v: Extract<BarsVendor, { kind: "alpaca" }>,
  day: string,
  fo: BoundedFetchOptions,
): Promise<Parsed<DailyBarRecord>[] | null> {
  const headers = { "apca-api-key-id": v.keyId, "apca-api-secret-key": v.secretKey };
  const out: Parsed<DailyBarRecord>[] = [];
  for (let i = 0; i < v.symbols.length; i += ALPACA_SYMBOLS_PER_REQUEST) {
    const symbols = encodeURIComponent(v.symbols.slice(i, i + ALPACA_SYMBOLS_PER_REQUEST).join(","));
    let token: string | null = null;
    for (let page = 0; page === 0 || token !== null; page++) {
      if (page >= MAX_PAGES) throw new UpstreamError(`alpaca bars ${day}: more than ${MAX_PAGES} pages`, 200);
      const query = `symbols=${symbols}&timeframe=1Day&start=${day}&end=${day}&adjustment=raw&feed=sip&limit=10000`;
      const path = `v2/stocks/bars?${query}${token ? `&page_token=${encodeURIComponent(token)}` : ""}`;
      const url = underBase(v.baseUrl, path);
      const got = await fetchBounded(url, { ...fo, headers });
      const parsed: VendorDay = alpacaBars(vendorAnswer(got, url), day, `alpaca bars ${day} @${i}/${page}`);
      if (parsed.kind === "empty") break;
      out.push(...parsed.records);
      token = parsed.nextPageToken;
    }
  }
  return out.length > 0 ? out : null;
}

/** The vendor the environment configures, or why there is none. */
export function vendorBarsOptionsFrom(env: Env): { options: VendorBarsOptions; offReason: string | null } {
  let vendor: BarsVendor | null = null;
  let offReason: string | null = null;
  if (env.POLYGON_API_KEY)
    vendor = { kind: "polygon", baseUrl: env.POLYGON_BASE_URL, apiKey: env.POLYGON_API_KEY };
  else if (env.ALPACA_KEY_ID && env.ALPACA_SECRET_KEY) {
    if (env.VENDOR_BARS_SYMBOLS.length > 0)
      vendor = {
        kind: "alpaca",
        baseUrl: env.ALPACA_DATA_BASE_URL,
        keyId: env.ALPACA_KEY_ID,
        secretKey: env.ALPACA_SECRET_KEY,
        symbols: env.VENDOR_BARS_SYMBOLS,
      };
    else
      offReason = "Alpaca keys set but VENDOR_BARS_SYMBOLS is empty (Alpaca has no market-wide daily bars)";
  } else
    offReason =
      "no vendor key: set POLYGON_API_KEY, or ALPACA_KEY_ID + ALPACA_SECRET_KEY with VENDOR_BARS_SYMBOLS";
  return {
    offReason,
    options: {
      vendor,
      backfillDays: env.VENDOR_BARS_BACKFILL_DAYS,
      requestIntervalMs: env.VENDOR_BARS_REQUEST_INTERVAL_MS,
      maxBytes: env.SYNC_MAX_FETCH_BYTES,
      timeoutMs: env.SYNC_FETCH_TIMEOUT_MS,
    },
  };
}
