/**
 * `sec-tickers`: the SEC's ticker list (`/files/company_tickers.json`, ticker -> CIK and company name)
 * refreshed once a day before EDGAR opens, into `sec_company_tickers` as a snapshot. A list identical to
 * the last one stored (same SHA-256) writes nothing; a changed one writes only the tickers added, changed
 * or removed. A list that would remove more than half of the stored tickers (a truncated or hostile
 * answer) is refused and stores nothing. Each day's outcome is one item (`YYYY-MM-DD`, New York date).
 */
import { createHash } from "node:crypto";
import { etDateOf, etWallTimeToUtc } from "../lib/et-time";
import { underBase } from "./fetch";
import type { JobContext, JobStats, SyncJob } from "./runner";
import { tradingDayPublication, tradingDaysAt } from "./schedule";
import { type SecSyncOptions, secClientFor, secOffReason } from "./sec-client";
import { parseCompanyTickers, replaceTickerList, storedTickerCount } from "./sec-tickers.store";
import { latestStoredItem, recordItem } from "./sync.store";

export const SEC_TICKERS_SOURCE = "sec-tickers";
const FILE = "files/company_tickers.json";
/** Runs at 05:30 ET; the day's list counts as late from 06:30 (after the retries had their chance). */
const RUN_AT = "05:30";
const DUE_HOUR = 6;
const DUE_MINUTE = 30;
const dueAt = (day: string) => etWallTimeToUtc(day, DUE_HOUR, DUE_MINUTE).getTime();
const publication = tradingDayPublication(dueAt);

export function secTickersJob(o: SecSyncOptions, switchedOff: string | null = null): SyncJob {
  const schedule = tradingDaysAt([RUN_AT]);
  return {
    source: SEC_TICKERS_SOURCE,
    title: "SEC company tickers (company_tickers.json: ticker -> CIK)",
    schedule,
    disabledReason: secOffReason(o.userAgent) ?? switchedOff,
    maxAttempts: 3,
    retryBaseMs: 10 * 60_000,
    expectedLatest: publication.expectedLatest,
    nextDueAfter: publication.nextDueAfter,
    run: (ctx) => refreshTickers(ctx, o),
  };
}

async function refreshTickers(ctx: JobContext, o: SecSyncOptions): Promise<JobStats> {
  if (ctx.params.since !== undefined || ctx.params.until !== undefined) {
    throw new Error("sec-tickers refreshes today's list; --since/--until do not apply");
  }
  const day = etDateOf(ctx.now().getTime());
  const client = secClientFor(ctx.db, o);
  const body = await client.get(underBase(o.wwwBaseUrl, FILE), { cache: false });
  const sha256 = createHash("sha256").update(body).digest("hex");
  const last = await latestStoredItem(ctx.db, SEC_TICKERS_SOURCE);
  const base = { file: FILE, sha256, bytes: body.length };
  if ((last?.detail as { sha256?: string } | null)?.sha256 === sha256) {
    const tickers = await storedTickerCount(ctx.db);
    await recordItem(ctx.db, {
      source: SEC_TICKERS_SOURCE,
      itemKey: day,
      status: "stored",
      dataDate: day,
      detail: { ...base, unchanged: true, tickers },
      at: ctx.now(),
    });
    return { unchanged: 1, tickers, added: 0, changed: 0, removed: 0, rejected: 0 };
  }
  const parsed = parseCompanyTickers(body, FILE);
  if (parsed.rejectedCount > 0) {
    ctx.log.warn("ticker list entries skipped", {
      count: parsed.rejectedCount,
      examples: parsed.rejected.slice(0, 5),
    });
  }
  const stored = await storedTickerCount(ctx.db);
  if (parsed.rows.length === 0 || parsed.rows.length < stored / 2) {
    throw new Error(
      `${FILE} lists ${parsed.rows.length} tickers where ${stored} are stored: refused (more than half would be removed)`,
    );
  }
  const change = await replaceTickerList(ctx.db, parsed.rows, {
    source: "sec_company_tickers",
    sourceRef: `${FILE} sha256:${sha256.slice(0, 16)}`,
    publishedAt: ctx.now(),
  });
  const stats = { unchanged: 0, tickers: parsed.rows.length, ...change, rejected: parsed.rejectedCount };
  await recordItem(ctx.db, {
    source: SEC_TICKERS_SOURCE,
    itemKey: day,
    status: "stored",
    dataDate: day,
    detail: { ...base, ...stats },
    at: ctx.now(),
  });
  return stats;
}
