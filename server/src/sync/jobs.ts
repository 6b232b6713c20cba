/**
 * The sync jobs this service knows, configured from the environment, and the per-source status that
 * `GET /smart-money/sources`, `pnpm cli sync --list` and /metrics show. Status is computed from the
 * job table and the schedules, so every node answers the same whichever node ran the job.
 */
import type { Db } from "@smt/db";
import type { Env } from "../env";
import { FINRA_ATS_SOURCE, finraAtsJob, finraAtsOptionsFrom } from "./finra-ats.job";
import { FINRA_REGSHO_SOURCE, finraRegShoJob, finraRegShoOptionsFrom } from "./finra-regsho.job";
import type { SyncJob } from "./runner";
import { secSyncOptionsFrom } from "./sec-client";
import {
  SEC_CURRENT_SOURCE,
  type StoredFiling,
  secCurrentJob,
  secCurrentOptionsFrom,
} from "./sec-current.job";
import { CUSIP_MAP_SOURCE, cusipMapJob, cusipMapOptionsFrom } from "./sec-cusips.job";
import { SEC_DATASETS_SOURCE, secDatasetsJob, secDatasetsOptionsFrom } from "./sec-datasets.job";
import { SEC_TICKERS_SOURCE, secTickersJob } from "./sec-tickers.job";
import { sourceState } from "./sync.store";
import { VENDOR_BARS_SOURCE, vendorBarsJob, vendorBarsOptionsFrom } from "./vendor-bars.job";

export interface SyncJobsOptions {
  /** The CLI runs a source when asked even with SYNC=off or SYNC_DISABLED listing it. */
  ignoreSwitches?: boolean;
  /** Called after `sec-current` stores a filing (the sync plugin announces it on the live bus). */
  onFilingStored?: (filing: StoredFiling) => void;
}

/**
 * Every job; a job switched off carries the reason in `disabledReason`. SEC jobs stay off without a
 * declared SEC_USER_AGENT whatever the switches say (the CLI cannot run them either).
 */
export function syncJobsFrom(env: Env, o: SyncJobsOptions = {}): SyncJob[] {
  // The CLI runs a source when asked even with SYNC=off (that switch is about the schedule).
  const off = (source: string): string | null =>
    o.ignoreSwitches
      ? null
      : env.SYNC === "off"
        ? "SYNC=off"
        : env.SYNC_DISABLED.includes(source)
          ? `listed in SYNC_DISABLED`
          : null;
  const bars = vendorBarsOptionsFrom(env);
  return [
    finraRegShoJob(finraRegShoOptionsFrom(env), off(FINRA_REGSHO_SOURCE)),
    finraAtsJob(finraAtsOptionsFrom(env), off(FINRA_ATS_SOURCE)),
    vendorBarsJob(bars.options, bars.offReason ?? off(VENDOR_BARS_SOURCE)),
    secCurrentJob(
      { ...secCurrentOptionsFrom(env), onFilingStored: o.onFilingStored },
      off(SEC_CURRENT_SOURCE),
    ),
    secTickersJob(secSyncOptionsFrom(env), off(SEC_TICKERS_SOURCE)),
    cusipMapJob(cusipMapOptionsFrom(env), off(CUSIP_MAP_SOURCE)),
    secDatasetsJob(secDatasetsOptionsFrom(env), off(SEC_DATASETS_SOURCE)),
  ];
}

export interface SourceStatus {
  source: string;
  title: string;
  enabled: boolean;
  /** Why the job is off, when it is. */
  disabled_reason: string | null;
  schedule: string;
  next_run_at: string | null;
  last_success_at: string | null;
  last_attempt_at: string | null;
  /** pending | running | succeeded | retry | dead, of the latest run that started. */
  last_status: string | null;
  last_error: string | null;
  newest_data_date: string | null;
  /** The newest data date that should be published by now, and when it was due. */
  expected_data_date: string | null;
  expected_published_at: string | null;
  /** Seconds the source is behind: now minus when the first missing data date was due; 0 when current. */
  lag_seconds: number | null;
  /** current | late | off | never_run */
  state: "current" | "late" | "off" | "never_run";
  dead_runs: number;
  queued_runs: number;
}

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export async function sourceStatuses(db: Db, jobs: SyncJob[], nowMs: number): Promise<SourceStatus[]> {
  const out: SourceStatus[] = [];
  for (const job of jobs) {
    const s = await sourceState(db, job.source);
    const enabled = job.disabledReason === null;
    const expected = job.expectedLatest(nowMs);
    const own = job.dataState ? await job.dataState(db, nowMs) : null;
    const newest = own ? (own.newestDataDate ?? s.newestDataDate) : s.newestDataDate;
    const behind = own
      ? own.missingSince !== null
      : expected !== null && (newest === null || newest < expected.dataDate);
    // Behind: counted from when the first missing date was due (the day after the newest stored one).
    const missingSince = own
      ? own.missingSince
      : expected === null
        ? null
        : newest === null
          ? expected.dueAt
          : (job.nextDueAfter(newest) ?? expected.dueAt);
    const lag =
      missingSince === null
        ? own
          ? 0
          : null
        : behind
          ? Math.max(0, Math.round((nowMs - missingSince) / 1000))
          : 0;
    out.push({
      source: job.source,
      title: job.title,
      enabled,
      disabled_reason: job.disabledReason,
      schedule: job.schedule.describe(),
      next_run_at: enabled ? new Date(job.schedule.next(nowMs)).toISOString() : null,
      last_success_at: isoOrNull(s.lastSuccessAt),
      last_attempt_at: isoOrNull(s.lastAttemptAt),
      last_status: s.lastStatus,
      last_error: s.lastError,
      newest_data_date: newest,
      expected_data_date: expected?.dataDate ?? null,
      expected_published_at: expected ? new Date(expected.dueAt).toISOString() : null,
      lag_seconds: lag,
      state: !enabled ? "off" : s.lastAttemptAt === null ? "never_run" : behind ? "late" : "current",
      dead_runs: s.deadRuns,
      queued_runs: s.pendingRuns,
    });
  }
  return out;
}

/** Prometheus samples for the same status (keys carry their labels, as /metrics prints `key value`). */
export function statusMetrics(statuses: SourceStatus[]): Map<string, number> {
  const m = new Map<string, number>();
  const secs = (iso: string | null) => (iso ? Math.round(Date.parse(iso) / 1000) : 0);
  for (const s of statuses) {
    const l = `{source="${s.source}"}`;
    m.set(`smt_sync_enabled${l}`, s.enabled ? 1 : 0);
    m.set(`smt_sync_last_success_timestamp_seconds${l}`, secs(s.last_success_at));
    m.set(`smt_sync_last_attempt_timestamp_seconds${l}`, secs(s.last_attempt_at));
    m.set(`smt_sync_last_run_failed${l}`, s.last_status === "retry" || s.last_status === "dead" ? 1 : 0);
    m.set(`smt_sync_next_run_timestamp_seconds${l}`, secs(s.next_run_at));
    m.set(`smt_sync_lag_seconds${l}`, s.lag_seconds ?? 0);
    m.set(`smt_sync_dead_runs${l}`, s.dead_runs);
  }
  return m;
}
