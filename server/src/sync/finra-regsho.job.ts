/**
 * FINRA Reg SHO daily short-sale volume, consolidated NMS file `CNMSshvol<YYYYMMDD>.txt` from
 * `FINRA_REGSHO_BASE_URL` (default FINRA's CDN folder). FINRA posts each trading day's file "no later than
 * 6:00 pm ET" (Daily Short Sale Volume Files page), so the job runs on trading days at 18:00 and again at
 * 21:00 ET, and every run backfills the trading days of the last FINRA_REGSHO_BACKFILL_DAYS that have no
 * stored file. A day FINRA answers 403/404 for is "not published" (the CDN's answer for holidays and files
 * not posted yet), not a failure; it is asked again while it is within the recheck window.
 *
 * Each day is stored through the existing short-volume parser and store in one transaction (strict:
 * a truncated file, whose trailer count does not match, stores nothing), and only then marked stored in
 * `sync_items`. A node killed mid-day leaves that day unmarked; the next run stores it again, its rows
 * already there count as duplicates, so there are no duplicates and no gaps.
 */
import { Readable } from "node:stream";
import type { Db } from "@smt/db";
import { shortVolumeStore } from "../darkpool/finra.store";
import { parseShortVolume } from "../darkpool/short-volume.parse";
import type { Env } from "../env";
import { addDays, etWallTimeToUtc } from "../lib/et-time";
import { runIngest } from "../lib/ingest";
import { isTradingDay } from "../lib/trading-calendar";
import { fetchBounded, underBase } from "./fetch";
import { checkRangeParams, type JobContext, type JobStats, type SyncJob, storeEach } from "./runner";
import { tradingDayPublication, tradingDaysAt } from "./schedule";
import { itemsByKey, recordItem } from "./sync.store";

export const FINRA_REGSHO_SOURCE = "finra-regsho";
/** Publication deadline on the trade date, New York time. */
const PUBLISH_HOUR = 18;
/** A day not published yet is asked again while it is at most this many trading days old. */
const RECHECK_TRADING_DAYS = 5;

export interface FinraRegShoOptions {
  baseUrl: string;
  backfillDays: number;
  maxBytes: number;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Waits between retries of one fetch (tests shorten them). */
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const regShoFileName = (day: string) => `CNMSshvol${day.replaceAll("-", "")}.txt`;

/** Trading days in [from, to], oldest first. */
export function tradingDaysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) if (isTradingDay(d)) out.push(d);
  return out;
}

/** The newest trade date whose file is due by `nowMs` (its 18:00 ET has passed). */
const publication = tradingDayPublication((day) => etWallTimeToUtc(day, PUBLISH_HOUR).getTime());
/** The newest trading day whose file is due by `nowMs` (18:00 ET). */
export const latestDueDay = publication.latestDueDay;

export function finraRegShoJob(o: FinraRegShoOptions, disabledReason: string | null = null): SyncJob {
  return {
    source: FINRA_REGSHO_SOURCE,
    title: "FINRA Reg SHO daily short-sale volume (CNMS)",
    schedule: tradingDaysAt(["18:00", "21:00"]),
    disabledReason,
    maxAttempts: 5,
    retryBaseMs: 5 * 60_000,
    expectedLatest: publication.expectedLatest,
    nextDueAfter: publication.nextDueAfter,
    run: (ctx) => syncRegSho(ctx, o),
  };
}

async function syncRegSho(ctx: JobContext, o: FinraRegShoOptions): Promise<JobStats> {
  const nowMs = ctx.now().getTime();
  const explicit = ctx.params.since !== undefined || ctx.params.until !== undefined;
  checkRangeParams(ctx.params);
  const due = latestDueDay(nowMs);
  const until = ctx.params.until !== undefined && ctx.params.until < due ? ctx.params.until : due;
  const since = ctx.params.since ?? addDays(until, -(o.backfillDays - 1));
  const days = tradingDaysBetween(since, until);
  const known = await itemsByKey(ctx.db, FINRA_REGSHO_SOURCE, days);
  const recheckFrom = days[Math.max(0, days.length - RECHECK_TRADING_DAYS)] ?? until;
  const todo = days.filter((d) => {
    const item = known.get(d);
    if (!item || item.status === "failed") return true;
    if (item.status === "not_published") return explicit || d >= recheckFrom;
    return false;
  });
  const totals = await storeEach(
    ctx,
    todo,
    (d) => d,
    { accepted: 0, duplicates: 0 },
    (d) => storeDay(ctx.db, d, o, ctx.now),
  );
  return { days: days.length, already: days.length - todo.length, ...totals };
}

/** Fetches and stores one trade date; the item is marked only after the day's rows are committed. */
export async function storeDay(
  db: Db,
  day: string,
  o: FinraRegShoOptions,
  now: () => Date,
): Promise<"not_published" | { accepted: number; duplicates: number }> {
  const name = regShoFileName(day);
  const got = await fetchBounded(underBase(o.baseUrl, name), {
    maxBytes: o.maxBytes,
    timeoutMs: o.timeoutMs,
    fetchImpl: o.fetchImpl,
    backoffBaseMs: o.retryBaseMs ?? 2000,
    sleep: o.sleep,
  });
  if (got.kind === "not_published") {
    await recordItem(db, {
      source: FINRA_REGSHO_SOURCE,
      itemKey: day,
      status: "not_published",
      dataDate: day,
      detail: { http_status: got.status },
      at: now(),
    });
    return "not_published";
  }
  try {
    const summary = await runIngest({
      db,
      kind: "short-volume",
      source: "finra_regsho",
      sourceRef: name,
      records: parseShortVolume(Readable.from([got.body]), { sourceName: name }),
      insert: shortVolumeStore.insert,
      symbolOf: (r) => r.symbol,
      transactional: true,
      strict: true,
    });
    await recordItem(db, {
      source: FINRA_REGSHO_SOURCE,
      itemKey: day,
      status: "stored",
      dataDate: day,
      detail: {
        file: name,
        accepted: summary.accepted,
        duplicates: summary.duplicates,
        bytes: got.body.length,
      },
      publishedAt: got.lastModified ?? etWallTimeToUtc(day, PUBLISH_HOUR),
      at: now(),
    });
    return { accepted: summary.accepted, duplicates: summary.duplicates };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await recordItem(db, {
      source: FINRA_REGSHO_SOURCE,
      itemKey: day,
      status: "failed",
      dataDate: day,
      detail: { file: name, error: message },
      at: now(),
    });
    throw new Error(`${name}: ${message}`);
  }
}

export function finraRegShoOptionsFrom(env: Env): FinraRegShoOptions {
  return {
    baseUrl: env.FINRA_REGSHO_BASE_URL,
    backfillDays: env.FINRA_REGSHO_BACKFILL_DAYS,
    maxBytes: env.SYNC_MAX_FETCH_BYTES,
    timeoutMs: env.SYNC_FETCH_TIMEOUT_MS,
  };
}
