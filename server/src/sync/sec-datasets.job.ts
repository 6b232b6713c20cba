/**
 * `sec-datasets`: the SEC's quarterly structured data sets, fetched when released and loaded through the
 * same code as `pnpm cli ingest 13f-dataset|insider-dataset`:
 * - Form 13F data sets, `SEC_WWW_BASE_URL/files/structureddata/data/form-13f-data-sets/<label>_form13f.zip`:
 *   per calendar quarter of filing through 2023 (`2023q4`), then `01jan2024-29feb2024`, then three-month
 *   windows starting March, June, September, December (`01dec2024-28feb2025`);
 * - insider transactions (Forms 3, 4, 5) data sets, `.../insider-transactions-data-sets/<YYYY>q<Q>_form345.zip`.
 * One item per data set (`form13f:01dec2024-28feb2025`, `form345:2024q4`). Each run asks for the last
 * `SEC_DATASETS_BACKFILL` windows of each kind that have ended and are not stored. A 404 (the SEC has not
 * posted the window yet) is `not_published`, not a failure: asked again on the next run. Downloads go
 * through the SEC client (declared User-Agent, the shared fair-access budget, backoff), streamed to a
 * temporary file within `SEC_DATASETS_MAX_BYTES` and `SEC_DATASETS_TIMEOUT_MS`, and the zip is read
 * within DATASET_LIMITS (member and total sizes, compression ratio). Loads are idempotent: a data set
 * stored again adds nothing, and a stored item is never fetched again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "@smt/db";
import type { Env } from "../env";
import { AppError } from "../errors";
import { ingest13FDataset, ingestInsiderDataset } from "../institutional/datasets.ingest";
import { datasetPath } from "../institutional/edgar.datasets";
import { addDays, etDateOf, etWallTimeToUtc } from "../lib/et-time";
import { underBase } from "./fetch";
import { checkRangeParams, type JobContext, type JobStats, type SyncJob, storeEach } from "./runner";
import { tradingDaysAt } from "./schedule";
import { type SecSyncOptions, secClientFor, secOffReason, secSyncOptionsFrom } from "./sec-client";
import { itemsByKey, recordItem } from "./sync.store";

export const SEC_DATASETS_SOURCE = "sec-datasets";
export type DatasetKind = "form13f" | "form345";
const KINDS: DatasetKind[] = ["form13f", "form345"];
/**
 * A window counts as late this many days after it ends (this project's reading of the SEC's "quarterly"
 * posting; the issue: "a few weeks later"). Only the sources' lag uses it: a window is asked for daily
 * from the day after it ends.
 */
const DUE_DAYS = 30;
/** Most windows one CLI run asks for (`--since`/`--until`). */
const MAX_WINDOWS = 24;

export interface DatasetWindow {
  kind: DatasetKind;
  label: string;
  /** First and last calendar day of filings it covers. */
  start: string;
  end: string;
}

export interface SecDatasetsOptions extends SecSyncOptions {
  /** Windows of each kind each scheduled run looks back over. */
  backfill: number;
  datasetMaxBytes: number;
  datasetTimeoutMs: number;
  /** Tests: smaller zip limits. */
  zipLimits?: { maxRatio?: number; ratioFloorBytes?: number };
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const iso = (y: number, m: number, d: number) =>
  `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
/** Last day of month `m` (1-12). */
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

function spanOf(kind: DatasetKind, y: number, m: number, months: number): DatasetWindow {
  const endAbs = m - 1 + months - 1;
  const ey = y + Math.floor(endAbs / 12);
  const em = (endAbs % 12) + 1;
  const start = iso(y, m, 1);
  const end = iso(ey, em, lastDay(ey, em));
  const quarterly = kind === "form345" || start < "2024-01-01";
  const label = quarterly
    ? `${y}q${Math.ceil(m / 3)}`
    : `01${MONTHS[m - 1]}${y}-${lastDay(ey, em)}${MONTHS[em - 1]}${ey}`;
  return { kind, label, start, end };
}

/** The data set whose window holds `day` (a filing date). */
export function datasetWindowOf(kind: DatasetKind, day: string): DatasetWindow {
  const y = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  if (kind === "form345" || day < "2024-01-01") return spanOf(kind, y, m - ((m - 1) % 3), 3);
  if (day < "2024-03-01") return spanOf(kind, 2024, 1, 2);
  // Windows start in March, June, September, December.
  const back = (m - 3 + 12) % 3;
  return m - back >= 1 ? spanOf(kind, y, m - back, 3) : spanOf(kind, y - 1, 12, 3);
}

/** Windows of `kind` that ended in [from, to], oldest first. */
export function windowsEndingBetween(kind: DatasetKind, from: string, to: string): DatasetWindow[] {
  const out: DatasetWindow[] = [];
  for (let w = datasetWindowOf(kind, to); w.end >= from; w = datasetWindowOf(kind, addDays(w.start, -1))) {
    if (w.end <= to) out.unshift(w);
  }
  return out;
}

const itemKey = (w: DatasetWindow) => `${w.kind}:${w.label}`;
const fileOf = (w: DatasetWindow) => datasetPath(w.kind === "form13f" ? "13f" : "insider", w.label);
const dueAt = (w: DatasetWindow) => etWallTimeToUtc(addDays(w.end, DUE_DAYS), 6).getTime();

/** The last `count` windows of each kind that ended before `day`. */
function recentWindows(day: string, count: number): DatasetWindow[] {
  return KINDS.flatMap((kind) => {
    const ended: DatasetWindow[] = [];
    for (let w = datasetWindowOf(kind, addDays(day, -1)); ended.length < count; ) {
      if (w.end < day) ended.unshift(w);
      w = datasetWindowOf(kind, addDays(w.start, -1));
    }
    return ended;
  });
}

/** Windows that should be out by `nowMs` (their due day passed), newest of each kind first. */
function dueWindows(nowMs: number, count: number): DatasetWindow[] {
  return recentWindows(etDateOf(nowMs), count + 2).filter((w) => dueAt(w) <= nowMs);
}

export function secDatasetsJob(o: SecDatasetsOptions, switchedOff: string | null = null): SyncJob {
  const expectedLatest = (nowMs: number) => {
    const due = dueWindows(nowMs, 1);
    const oldestNewest = KINDS.map((k) => due.filter((w) => w.kind === k).at(-1))
      .filter((w) => w !== undefined)
      .sort((a, b) => a.end.localeCompare(b.end))[0];
    return oldestNewest ? { dataDate: oldestNewest.end, dueAt: dueAt(oldestNewest) } : null;
  };
  return {
    source: SEC_DATASETS_SOURCE,
    title: "SEC quarterly data sets (Form 13F, insider transactions Forms 3/4/5)",
    schedule: tradingDaysAt(["07:15"]),
    disabledReason: secOffReason(o.userAgent) ?? switchedOff,
    maxAttempts: 3,
    retryBaseMs: 30 * 60_000,
    expectedLatest,
    nextDueAfter: (dataDate) => dueAt(datasetWindowOf("form345", addDays(dataDate, 1))),
    dataState: (db, nowMs) => datasetsDataState(db, o, nowMs),
    run: (ctx) => syncDatasets(ctx, o),
  };
}

/** The newest window end stored for every kind, and since when the oldest due but missing window was due. */
async function datasetsDataState(db: Db, o: SecDatasetsOptions, nowMs: number) {
  const due = dueWindows(nowMs, o.backfill);
  const items = await itemsByKey(db, SEC_DATASETS_SOURCE, due.map(itemKey));
  let missingSince: number | null = null;
  const newest = new Map<DatasetKind, string>();
  for (const w of due) {
    if (items.get(itemKey(w))?.status === "stored") {
      if ((newest.get(w.kind) ?? "") < w.end) newest.set(w.kind, w.end);
    } else missingSince = Math.min(missingSince ?? dueAt(w), dueAt(w));
  }
  const ends = KINDS.map((k) => newest.get(k) ?? null);
  const newestDataDate = ends.includes(null) ? null : ([...ends].sort()[0] as string);
  return { newestDataDate, missingSince };
}

async function syncDatasets(ctx: JobContext, o: SecDatasetsOptions): Promise<JobStats> {
  checkRangeParams(ctx.params);
  const today = etDateOf(ctx.now().getTime());
  const explicit = ctx.params.since !== undefined || ctx.params.until !== undefined;
  const until =
    ctx.params.until !== undefined && ctx.params.until < today ? ctx.params.until : addDays(today, -1);
  const windows = explicit
    ? KINDS.flatMap((k) => windowsEndingBetween(k, ctx.params.since ?? until, until))
    : recentWindows(today, o.backfill);
  if (windows.length > MAX_WINDOWS) {
    throw new Error(`${windows.length} data sets asked for; at most ${MAX_WINDOWS} a run`);
  }
  const known = await itemsByKey(ctx.db, SEC_DATASETS_SOURCE, windows.map(itemKey));
  const todo = windows.filter((w) => known.get(itemKey(w))?.status !== "stored");
  const totals = await storeEach(
    ctx,
    todo,
    itemKey,
    { accepted: 0, duplicates: 0, rejected: 0, bytes: 0 },
    (w) => storeWindow(ctx, w, o),
  );
  return { data_sets: windows.length, already: windows.length - todo.length, ...totals };
}

type Loaded = { accepted: number; duplicates: number; rejected: number; bytes: number };

/** Downloads one data set to a private temporary folder and loads it; the item is marked after the load. */
async function storeWindow(ctx: JobContext, w: DatasetWindow, o: SecDatasetsOptions) {
  const file = fileOf(w);
  const name = file.slice(file.lastIndexOf("/") + 1);
  const mark = (status: "stored" | "not_published" | "failed", detail: Record<string, unknown>) =>
    recordItem(ctx.db, {
      source: SEC_DATASETS_SOURCE,
      itemKey: itemKey(w),
      status,
      dataDate: w.end,
      detail: { file: name, ...detail },
      at: ctx.now(),
    });
  const dir = mkdtempSync(join(tmpdir(), "smt-sec-dataset-"));
  try {
    const path = join(dir, name);
    const client = secClientFor(ctx.db, o);
    const bytes = await client
      .download(underBase(o.wwwBaseUrl, file), path, o.datasetMaxBytes, o.datasetTimeoutMs)
      .catch((err: unknown) => {
        if (err instanceof AppError && err.code === "NOT_FOUND") return null;
        throw err;
      });
    if (bytes === null) {
      await mark("not_published", { http_status: 404 });
      return "not_published" as const;
    }
    const src = { path, name, limits: o.zipLimits };
    const summary =
      w.kind === "form13f" ? await ingest13FDataset(ctx.db, src) : await ingestInsiderDataset(ctx.db, src);
    const loaded: Loaded = {
      accepted: summary.accepted,
      duplicates: summary.duplicates,
      rejected: summary.rejected,
      bytes,
    };
    await mark("stored", loaded);
    return loaded;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await mark("failed", { error: message });
    throw new Error(`${name}: ${message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function secDatasetsOptionsFrom(env: Env): SecDatasetsOptions {
  return {
    ...secSyncOptionsFrom(env),
    backfill: env.SEC_DATASETS_BACKFILL,
    datasetMaxBytes: env.SEC_DATASETS_MAX_BYTES,
    datasetTimeoutMs: env.SEC_DATASETS_TIMEOUT_MS,
  };
}
