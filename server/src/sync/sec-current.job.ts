/**
 * `sec-current`: EDGAR's latest-filings feed for Forms 4 and 13F-HR (amendments included), polled every
 * `SEC_POLL_INTERVAL_S` during EDGAR's filing hours (06:00-22:00 ET on EDGAR business days), each new
 * filing fetched once as its full submission (`/Archives/edgar/data/<cik>/<accession>/<accession>.txt`:
 * one request, every document and the acceptance time) and stored through the Form 4 and 13F ingest.
 *
 * Two steps, so a node killed anywhere loses nothing: (1) discovery reads the feed pages, newest first,
 * until a page holds an accession already known (or the page limit), and records each new accession as a
 * `queued` item; (2) draining claims queued items one at a time under a lease (`fetching`), fetches,
 * stores, and marks each `stored` (or `failed`, retried with backoff up to a limit). A re-run finds
 * everything known and stores nothing; a restart drains what was queued; an item whose node died is
 * claimed again once its lease lapses, and a filing stored but not marked is stored again as duplicates
 * only. Several nodes draining at once take different items.
 */
import type { Env } from "../env";
import { type EdgarClient, isAccession, isCik } from "../institutional/edgar.client";
import { ingestSubmissionText } from "../institutional/institutional.cli";
import { etDateOf, etWallTimeToUtc } from "../lib/et-time";
import { describeError } from "../lib/log";
import type { FilingStored } from "../realtime/bus";
import type { JobContext, JobStats, SyncJob } from "./runner";
import { everyDuring } from "./schedule";
import { isEdgarBusinessDay, latestEdgarDayAt, nextEdgarDay } from "./sec-calendar";
import { type SecSyncOptions, secClientFor, secOffReason, secSyncOptionsFrom } from "./sec-client";
import { type FeedEntry, parseCurrentFeed } from "./sec-feed";
import { claimItem, itemsByKey, pruneRuns, queueItems, type SyncItemRow, settleItem } from "./sync.store";

export const SEC_CURRENT_SOURCE = "sec-current";
/** The feed's `type` parameter and the forms kept from its answer (EDGAR matches the type as a prefix). */
export const SEC_FEED_FORMS: Record<"4" | "13F-HR", readonly string[]> = {
  "4": ["4", "4/A"],
  "13F-HR": ["13F-HR", "13F-HR/A"],
};
/** By this time ET every EDGAR business day has Form 4s on the feed: the lag counts from here. */
const EXPECTED_BY_HOUR = 10;

export interface SecCurrentOptions extends SecSyncOptions {
  intervalS: number;
  /** Entries per feed page (EDGAR allows up to 100) and pages read per form type at most. */
  pageSize?: number;
  maxPages?: number;
  /** Filings fetched per run at most; the rest wait for the next run. */
  maxFilingsPerRun?: number;
  /** How long a node holds a filing it is fetching before another may take it. */
  itemLeaseMs?: number;
  itemMaxAttempts?: number;
  /** First wait before a failed filing is tried again; doubles per attempt. */
  itemRetryBaseMs?: number;
  /** Finished runs older than this are deleted (one run a minute). */
  runRetentionMs?: number;
  /** Called after each filing is stored (the sync plugin announces it on the live bus). */
  onFilingStored?: (filing: StoredFiling) => void;
}

/** A filing the job stored, as announced on the live bus. */
export type StoredFiling = FilingStored;

interface ItemDetail {
  form: string;
  cik: string;
  name: string;
  filed: string | null;
}

export function secCurrentJob(o: SecCurrentOptions, switchedOff: string | null = null): SyncJob {
  return {
    source: SEC_CURRENT_SOURCE,
    title: "SEC EDGAR latest filings: Forms 4 and 13F-HR (with amendments)",
    schedule: everyDuring(o.intervalS, "06:00", "22:00", {
      label: "EDGAR business days",
      includes: isEdgarBusinessDay,
    }),
    disabledReason: secOffReason(o.userAgent) ?? switchedOff,
    // One attempt: the next poll, a minute later, is the retry.
    maxAttempts: 1,
    retryBaseMs: o.intervalS * 1000,
    expectedLatest(nowMs) {
      const dataDate = latestEdgarDayAt(nowMs, EXPECTED_BY_HOUR);
      return { dataDate, dueAt: etWallTimeToUtc(dataDate, EXPECTED_BY_HOUR).getTime() };
    },
    nextDueAfter: (dataDate) => etWallTimeToUtc(nextEdgarDay(dataDate), EXPECTED_BY_HOUR).getTime(),
    run: (ctx) => runSecCurrent(ctx, o),
  };
}

function emptyStats() {
  return {
    pages: 0,
    feed_entries: 0,
    malformed: 0,
    other_forms: 0,
    new: 0,
    stored: 0,
    failed: 0,
    rows_accepted: 0,
    rows_duplicate: 0,
    rows_rejected: 0,
    feed_error: null as string | null,
  };
}
type Stats = ReturnType<typeof emptyStats>;

async function runSecCurrent(ctx: JobContext, o: SecCurrentOptions): Promise<JobStats> {
  if (ctx.params.since !== undefined || ctx.params.until !== undefined) {
    throw new Error(
      "sec-current reads EDGAR's latest-filings feed; --since/--until do not apply (older filings: pnpm cli fetch sec)",
    );
  }
  const client = secClientFor(ctx.db, o);
  const stats = emptyStats();
  await pruneRuns(
    ctx.db,
    SEC_CURRENT_SOURCE,
    new Date(ctx.now().getTime() - (o.runRetentionMs ?? 7 * 86_400_000)),
  );
  // A feed that cannot be read fails the run, but only after the filings already queued are drained.
  for (const type of ["4", "13F-HR"] as const) {
    try {
      await discover(ctx, client, type, o, stats);
    } catch (err) {
      stats.feed_error ??= describeError(err);
    }
  }
  await drain(ctx, client, o, stats);
  if (stats.feed_error !== null) throw new Error(`feed not read: ${stats.feed_error}`);
  return stats;
}

/** Reads feed pages of one form type until known ground, queueing each new accession. */
async function discover(
  ctx: JobContext,
  client: EdgarClient,
  type: "4" | "13F-HR",
  o: SecCurrentOptions,
  stats: Stats,
): Promise<void> {
  const pageSize = o.pageSize ?? 100;
  for (let page = 0; page < (o.maxPages ?? 10); page++) {
    const start = page * pageSize;
    const body = await client.currentFilings(type, start, pageSize);
    const parsed = parseCurrentFeed(body, `EDGAR latest filings (type=${type}, start=${start})`);
    stats.pages++;
    stats.feed_entries += parsed.total;
    if (parsed.malformedCount > 0) {
      stats.malformed += parsed.malformedCount;
      ctx.log.warn("malformed feed entries skipped", {
        type,
        start,
        count: parsed.malformedCount,
        examples: parsed.malformed.slice(0, 5),
      });
    }
    const wanted = parsed.entries.filter((e) => SEC_FEED_FORMS[type].includes(e.form));
    stats.other_forms += parsed.entries.length - wanted.length;
    const byAccession = onePerAccession(wanted);
    const known = await itemsByKey(ctx.db, SEC_CURRENT_SOURCE, [...byAccession.keys()]);
    const fresh = [...byAccession.values()].filter((e) => !known.has(e.accession));
    const added = await queueItems(
      ctx.db,
      SEC_CURRENT_SOURCE,
      fresh.map((e) => ({
        itemKey: e.accession,
        dataDate: e.filedDate ?? (e.acceptedAt ? etDateOf(e.acceptedAt.getTime()) : null),
        detail: { form: e.form, cik: e.cik, name: e.name, filed: e.filedDate } satisfies ItemDetail,
        publishedAt: e.acceptedAt,
      })),
      ctx.now(),
    );
    stats.new += added.length;
    if (known.size > 0 || parsed.total < pageSize) return;
  }
}

/** A Form 4 is listed under its owner and its issuer: one entry per accession, the issuer's preferred. */
function onePerAccession(entries: FeedEntry[]): Map<string, FeedEntry> {
  const out = new Map<string, FeedEntry>();
  for (const e of entries) {
    const had = out.get(e.accession);
    if (!had || (had.role !== "Issuer" && e.role === "Issuer")) out.set(e.accession, e);
  }
  return out;
}

/** Claims and stores queued filings until none is left or the run's limit is reached. */
async function drain(
  ctx: JobContext,
  client: EdgarClient,
  o: SecCurrentOptions,
  stats: Stats,
): Promise<void> {
  const limit = o.maxFilingsPerRun ?? 1000;
  for (let n = 0; n < limit; n++) {
    const item = await claimItem(ctx.db, SEC_CURRENT_SOURCE, {
      now: ctx.now(),
      leaseMs: o.itemLeaseMs ?? 10 * 60_000,
      maxAttempts: o.itemMaxAttempts ?? 5,
      retryBaseMs: o.itemRetryBaseMs ?? 30_000,
    });
    if (!item) return;
    ctx.progress({ done: n, total: n + 1, label: item.itemKey });
    await storeFiling(ctx, client, item, o, stats);
  }
}

async function storeFiling(
  ctx: JobContext,
  client: EdgarClient,
  item: SyncItemRow,
  o: SecCurrentOptions,
  stats: Stats,
): Promise<void> {
  const accession = item.itemKey;
  const d = item.detail as ItemDetail;
  try {
    // Checked again here: the queue is a table, and only checked values may reach a URL.
    if (!isAccession(accession) || !isCik(String(d.cik))) throw new Error("accession or CIK out of shape");
    const body = await client.submissionText(String(d.cik), accession);
    refuseIncomplete(body, accession);
    const summary = await ingestSubmissionText(ctx.db, body, {
      accession,
      form: d.form,
      filingDate: d.filed,
    });
    const at = ctx.now();
    await settleItem(ctx.db, SEC_CURRENT_SOURCE, accession, {
      status: "stored",
      detail: {
        ...d,
        bytes: body.length,
        accepted: summary.accepted,
        duplicates: summary.duplicates,
        rejected: summary.rejected,
      },
      at,
    });
    stats.stored++;
    stats.rows_accepted += summary.accepted;
    stats.rows_duplicate += summary.duplicates;
    stats.rows_rejected += summary.rejected;
    o.onFilingStored?.({
      accession,
      form: d.form,
      cik: d.cik,
      name: d.name,
      filed_date: d.filed,
      accepted_at: item.publishedAt?.toISOString() ?? null,
      seen_at: item.firstSeenAt.toISOString(),
      stored_at: at.toISOString(),
      rows_accepted: summary.accepted,
      rows_duplicate: summary.duplicates,
    });
  } catch (err) {
    const error = describeError(err);
    stats.failed++;
    await settleItem(ctx.db, SEC_CURRENT_SOURCE, accession, {
      status: "failed",
      detail: { ...d, error },
      at: ctx.now(),
    });
    ctx.log.warn("filing not stored; tried again later", { accession, attempt: item.attempts, error });
  }
}

/**
 * A submission must end where SGML submissions end (`</SEC-DOCUMENT>` for the archive `.txt`,
 * `</SUBMISSION>` for the dissemination `.nc` form) and name the accession asked for: a body cut short
 * would otherwise store a 13F's first rows as if they were all of them.
 */
export function refuseIncomplete(body: Buffer, accession: string): void {
  const tail = body
    .subarray(Math.max(0, body.length - 64))
    .toString("latin1")
    .trimEnd();
  if (!tail.endsWith("</SEC-DOCUMENT>") && !tail.endsWith("</SUBMISSION>")) {
    throw new Error(
      `${accession}.txt is incomplete (${body.length} bytes, no closing </SEC-DOCUMENT>): truncated`,
    );
  }
  if (!body.subarray(0, 4096).toString("latin1").includes(accession)) {
    throw new Error(`${accession}.txt does not name accession ${accession} in its header`);
  }
}

export function secCurrentOptionsFrom(env: Env): SecCurrentOptions {
  return { ...secSyncOptionsFrom(env), intervalS: env.SEC_POLL_INTERVAL_S };
}
