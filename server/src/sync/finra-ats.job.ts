/**
 * FINRA OTC Transparency weekly ATS data per venue (`ATS_W_SMBL_FIRM`: shares and trades per symbol and
 * dark pool), one item per week and tier, from FINRA's Query API (`finra-ats.fetch.ts`). FINRA publishes a
 * week of NMS Tier 1 data two weeks after the week starts and NMS Tier 2 and OTC equities four weeks after,
 * on that Monday or the next business day, from about 06:00 ET (FINRA Technical Notices 2016-04-20 and
 * 2016-09-29; `atsPublishedAt` in darkpool/ats.parse.ts). The job runs on trading days at 07:00 and 12:00
 * ET and asks only for (week, tier) pairs that are due and not stored, within the last
 * FINRA_OTC_BACKFILL_WEEKS weeks (or the CLI's --since/--until range). An empty answer or a 403/404 is
 * "not published" and asked again on the next run; it is not a failure.
 * It also asks again for the newest FINRA_OTC_RECHECK_WEEKS stored weeks of each tier and replaces a
 * week FINRA revised (`finra-ats.revise.ts`).
 *
 * Each (week, tier) is stored through the existing ATS parser and store in one strict transaction and only
 * then marked stored, so a re-run stores nothing new and a killed run leaves no gap. ATS share is computed
 * when read (darkpool.service.ts `atsWeekOf`, patterns.service.ts), so a week that lands shows in the
 * affected days' ATS share at the next read; the response cache sees the write through `data_versions`.
 */
import { Readable } from "node:stream";
import type { Db } from "@smt/db";
import { atsPublishedAt, parseAtsWeekly } from "../darkpool/ats.parse";
import { atsWeeklyStore } from "../darkpool/finra.store";
import type { Env } from "../env";
import { AppError } from "../errors";
import { addDays, mondayOf } from "../lib/et-time";
import { runIngest } from "../lib/ingest";
import { formatLocation, type LocatedError } from "../lib/records";
import { ATS_SUMMARY_TYPE, type AtsTier, fetchAtsWeek } from "./finra-ats.fetch";
import { type AtsWeekCounts, replaceAtsWeek, sameAsStored } from "./finra-ats.revise";
import { checkRangeParams, type JobContext, type JobStats, type SyncJob, storeEach } from "./runner";
import { tradingDaysAt } from "./schedule";
import { itemsByKey, recordItem } from "./sync.store";

export const FINRA_ATS_SOURCE = "finra-ats-weekly";
/** Longest range one run may cover (FINRA's ATS data starts in 2014; a range is walked week by week). */
export const MAX_WEEKS_PER_RUN = 260;
/** Newest stored weeks per tier each run asks again for FINRA's revisions. */
export const DEFAULT_RECHECK_WEEKS = 2;

export interface FinraAtsOptions {
  baseUrl: string;
  /** Tiers asked for, fastest first is not required. */
  tiers: AtsTier[];
  backfillWeeks: number;
  /** Newest stored weeks of each tier asked again on every run, to pick up FINRA's revisions (default 2). */
  recheckWeeks?: number;
  maxBytes: number;
  timeoutMs: number;
  pageRows?: number;
  fetchImpl?: typeof fetch;
  retryBaseMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export const atsItemKey = (weekStart: string, tier: AtsTier) => `${weekStart}:${tier}`;

/** The newest week of a tier whose publication is due by `nowMs`. */
export function latestPublishedWeek(nowMs: number, tier: AtsTier): string {
  let week = mondayOf(addDays(new Date(nowMs).toISOString().slice(0, 10), -14));
  while (atsPublishedAt(week, tier).getTime() > nowMs) week = addDays(week, -7);
  return week;
}

/** Weeks (Mondays) in [from, to], oldest first. */
export function weeksBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let w = mondayOf(from); w <= to; w = addDays(w, 7)) out.push(w);
  return out;
}

interface Pair {
  week: string;
  tier: AtsTier;
  dueAt: number;
}

/** (week, tier) pairs of the run's range that are due by `nowMs`, oldest first. */
function duePairs(o: FinraAtsOptions, nowMs: number, since?: string, until?: string): Pair[] {
  const newest = o.tiers
    .map((t) => latestPublishedWeek(nowMs, t))
    .sort()
    .at(-1) as string;
  const last = until !== undefined && mondayOf(until) < newest ? mondayOf(until) : newest;
  const first = since !== undefined ? mondayOf(since) : addDays(last, -7 * (o.backfillWeeks - 1));
  const weeks = weeksBetween(first, last);
  if (weeks.length > MAX_WEEKS_PER_RUN)
    throw new Error(`${weeks.length} weeks asked for; one run takes at most ${MAX_WEEKS_PER_RUN}`);
  const out: Pair[] = [];
  for (const week of weeks)
    for (const tier of o.tiers) {
      const dueAt = atsPublishedAt(week, tier).getTime();
      if (dueAt <= nowMs) out.push({ week, tier, dueAt });
    }
  return out;
}

export function finraAtsJob(o: FinraAtsOptions, disabledReason: string | null = null): SyncJob {
  const fastest = (nowMs: number) =>
    o.tiers
      .map((tier) => ({ tier, week: latestPublishedWeek(nowMs, tier) }))
      .sort((a, b) => (a.week < b.week ? 1 : -1))[0];
  return {
    source: FINRA_ATS_SOURCE,
    title: "FINRA OTC Transparency weekly ATS volume per venue",
    schedule: tradingDaysAt(["07:00", "12:00"]),
    disabledReason,
    maxAttempts: 5,
    retryBaseMs: 10 * 60_000,
    expectedLatest(nowMs) {
      const f = fastest(nowMs);
      return f ? { dataDate: f.week, dueAt: atsPublishedAt(f.week, f.tier).getTime() } : null;
    },
    nextDueAfter(week) {
      const next = addDays(week, 7);
      return Math.min(...o.tiers.map((t) => atsPublishedAt(next, t).getTime()));
    },
    dataState: (db, nowMs) => atsDataState(db, o, nowMs),
    run: (ctx) => syncAts(ctx, o),
  };
}

/**
 * How current the stored weeks are: the newest week whose every due tier is stored, and since when the
 * oldest due but missing (week, tier) of the backfill window has been due (null when none is missing).
 */
export async function atsDataState(db: Db, o: FinraAtsOptions, nowMs: number) {
  const pairs = duePairs(o, nowMs);
  const items = await itemsByKey(
    db,
    FINRA_ATS_SOURCE,
    pairs.map((p) => atsItemKey(p.week, p.tier)),
  );
  let newest: string | null = null;
  let missingSince: number | null = null;
  const complete = new Map<string, boolean>();
  for (const p of pairs) {
    const stored = items.get(atsItemKey(p.week, p.tier))?.status === "stored";
    complete.set(p.week, (complete.get(p.week) ?? true) && stored);
    if (!stored) missingSince = Math.min(missingSince ?? p.dueAt, p.dueAt);
  }
  for (const [week, whole] of complete) if (whole && (newest === null || week > newest)) newest = week;
  return { newestDataDate: newest, missingSince };
}

/** Per tier, the newest `n` pairs of `pairs` that are stored: the weeks re-asked for revisions. */
function recheckPairs(pairs: Pair[], stored: (p: Pair) => boolean, n: number): Pair[] {
  const out: Pair[] = [];
  const taken = new Map<AtsTier, number>();
  for (const p of [...pairs].reverse()) {
    if (!stored(p) || (taken.get(p.tier) ?? 0) >= n) continue;
    taken.set(p.tier, (taken.get(p.tier) ?? 0) + 1);
    out.unshift(p);
  }
  return out;
}

async function syncAts(ctx: JobContext, o: FinraAtsOptions): Promise<JobStats> {
  checkRangeParams(ctx.params);
  const pairs = duePairs(o, ctx.now().getTime(), ctx.params.since, ctx.params.until);
  const known = await itemsByKey(
    ctx.db,
    FINRA_ATS_SOURCE,
    pairs.map((p) => atsItemKey(p.week, p.tier)),
  );
  const isStored = (p: Pair) => known.get(atsItemKey(p.week, p.tier))?.status === "stored";
  const todo = pairs.filter((p) => !isStored(p));
  const recheck = recheckPairs(pairs, isStored, o.recheckWeeks ?? DEFAULT_RECHECK_WEEKS);
  const zero = { accepted: 0, duplicates: 0, revised: 0, unchanged: 0 };
  const label = (p: Pair) => atsItemKey(p.week, p.tier);
  const totals = await storeEach(ctx, todo, label, zero, (p) =>
    storeAtsWeek(ctx.db, p.week, p.tier, o, ctx.now),
  );
  const rechecked = await storeEach(
    ctx,
    recheck,
    (p) => `recheck ${label(p)}`,
    zero,
    (p) => storeAtsWeek(ctx.db, p.week, p.tier, o, ctx.now, true),
  );
  const { revised, unchanged, accepted } = rechecked;
  return {
    weeks: pairs.length,
    already: pairs.length - todo.length,
    ...totals,
    rechecked: recheck.length,
    revised,
    unchanged,
    revised_accepted: accepted,
    summary: `stored ${totals.stored} weeks, revised ${revised} weeks (${recheck.length} re-checked)`,
    first_week: pairs[0]?.week ?? null,
    last_week: pairs.at(-1)?.week ?? null,
  };
}

type AtsPages = Extract<Awaited<ReturnType<typeof fetchAtsWeek>>, { kind: "ok" }>;

/** The parsed records of a week's pages (each checked against the asked week by the parser). */
async function* atsRecords(got: AtsPages, week: string) {
  for (const page of got.pages)
    yield* parseAtsWeekly(Readable.from([page.text]), {
      sourceName: page.name,
      weekStart: week,
      summaryType: ATS_SUMMARY_TYPE,
    });
}

/**
 * Stores a fetched week: a new (week, tier) through the strict ATS ingest; a re-checked one (`recheck`)
 * only when it differs from the stored rows, replacing them in one transaction.
 */
async function ingestAtsWeek(
  db: Db,
  got: AtsPages,
  week: string,
  tier: AtsTier,
  recheck: boolean,
): Promise<AtsWeekCounts> {
  const sourceRef = `weeklySummary ${atsItemKey(week, tier)}`;
  if (recheck) {
    const parsed = [];
    for await (const p of atsRecords(got, week)) parsed.push(p);
    const ok = parsed.flatMap((p) => (p.ok ? [p.record] : []));
    if (ok.length === parsed.length && (await sameAsStored(db, week, tier, ok)))
      return { accepted: 0, duplicates: 0, revised: 0, unchanged: 1 };
    const summary = await replaceAtsWeek(db, week, tier, sourceRef, parsed);
    return { accepted: summary.accepted, duplicates: summary.duplicates, revised: 1, unchanged: 0 };
  }
  const summary = await runIngest({
    db,
    kind: "ats",
    source: "finra_otc_transparency",
    sourceRef,
    records: atsRecords(got, week),
    insert: atsWeeklyStore.insert,
    symbolOf: (r) => r.symbol,
    transactional: true,
    strict: true,
  });
  return { accepted: summary.accepted, duplicates: summary.duplicates, revised: 0, unchanged: 0 };
}

/**
 * Fetches and stores one week of one tier; the item is marked only after its rows are committed. With
 * `recheck` (a stored week asked again for a revision) an unchanged or empty answer writes nothing.
 */
export async function storeAtsWeek(
  db: Db,
  week: string,
  tier: AtsTier,
  o: FinraAtsOptions,
  now: () => Date,
  recheck = false,
): Promise<"not_published" | AtsWeekCounts> {
  const itemKey = atsItemKey(week, tier);
  const record = (status: "stored" | "not_published" | "failed", detail: Record<string, unknown>) =>
    recordItem(db, {
      source: FINRA_ATS_SOURCE,
      itemKey,
      status,
      dataDate: week,
      detail,
      publishedAt: status === "stored" ? atsPublishedAt(week, tier) : null,
      at: now(),
    });
  try {
    const got = await fetchAtsWeek({
      baseUrl: o.baseUrl,
      weekStart: week,
      tier,
      pageRows: o.pageRows,
      fetch: {
        maxBytes: o.maxBytes,
        timeoutMs: o.timeoutMs,
        fetchImpl: o.fetchImpl,
        backoffBaseMs: o.retryBaseMs ?? 2000,
        sleep: o.sleep,
      },
    });
    // FINRA does not withdraw a published week: an empty answer to a re-check keeps what is stored.
    if (got.kind === "not_published" && recheck)
      return { accepted: 0, duplicates: 0, revised: 0, unchanged: 1 };
    if (got.kind === "not_published") {
      await record("not_published", { http_status: got.status });
      return "not_published";
    }
    const counts = await ingestAtsWeek(db, got, week, tier, recheck);
    if (recheck && counts.unchanged) return counts;
    await record("stored", {
      rows: got.total,
      pages: got.pages.length,
      accepted: counts.accepted,
      duplicates: counts.duplicates,
      bytes: got.bytes,
      ...(counts.revised ? { revised_at: now().toISOString() } : {}),
    });
    return counts;
  } catch (err) {
    const message = describeIngestError(err);
    // A failed re-check leaves the stored week (and its item) as they were.
    if (!recheck) await record("failed", { error: message });
    throw new Error(`ATS week ${itemKey}${recheck ? " (re-check)" : ""}: ${message}`);
  }
}

/** An error's message, with the first located record error when strict ingest rejected the input. */
export function describeIngestError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const details =
    err instanceof AppError ? (err.details as { errors?: LocatedError[] } | undefined) : undefined;
  const first = details?.errors?.[0];
  return first ? `${message} (first: ${formatLocation(first)}: ${first.message})` : message;
}

export function finraAtsOptionsFrom(env: Env): FinraAtsOptions {
  return {
    baseUrl: env.FINRA_OTC_BASE_URL,
    tiers: env.FINRA_OTC_TIERS,
    backfillWeeks: env.FINRA_OTC_BACKFILL_WEEKS,
    maxBytes: env.SYNC_MAX_FETCH_BYTES,
    timeoutMs: env.SYNC_FETCH_TIMEOUT_MS,
    recheckWeeks: env.FINRA_OTC_RECHECK_WEEKS,
  };
}
