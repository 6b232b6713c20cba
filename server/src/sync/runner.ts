/**
 * Runs sync jobs: a scheduler that enqueues each schedule slot once (the slot's key is unique per source
 * in `sync_runs`), and workers that claim due runs with a renewable lease, retry failures with
 * exponential backoff and move a run that used up its attempts to `dead` (the dead-letter state shown on
 * /smart-money/sources). Every node of a Postgres deployment runs both; the table makes exactly one node
 * run each slot. On the embedded database the same code runs in the one process.
 *
 * Why not pg-boss or graphile-worker: both need a node-postgres pool and LISTEN/NOTIFY on a real server,
 * so neither runs on the embedded PGlite default; a small table with `FOR UPDATE SKIP LOCKED` and leases
 * behaves the same on both engines (docs/sync.md).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "@smt/db";
import { isIsoDate } from "../lib/et-time";
import type { Logger } from "../lib/log";
import type { Schedule } from "./schedule";
import { claimRun, enqueueRun, finishRun, renewLease, type SyncRunRow } from "./sync.store";

export interface RunParams {
  since?: string | undefined;
  until?: string | undefined;
}

/** Refuses a `--since`/`--until` that is not a YYYY-MM-DD date, before anything is fetched. */
export function checkRangeParams(params: RunParams): void {
  for (const d of [params.since, params.until])
    if (d !== undefined && !isIsoDate(d)) throw new Error(`"${d}" is not a YYYY-MM-DD date`);
}

export interface JobProgress {
  done: number;
  total: number;
  label: string;
}

export interface JobContext {
  db: Db;
  now: () => Date;
  log: Logger;
  params: RunParams;
  progress: (p: JobProgress) => void;
}

/** What a run reports; stored in `sync_runs.stats`. */
export type JobStats = Record<string, number | string | null>;

export interface SyncJob {
  /** Source name used everywhere: `finra-regsho`, `sec-current`. */
  source: string;
  title: string;
  schedule: Schedule;
  /** Null when the job may run, else why it stays off (shown as its status). */
  disabledReason: string | null;
  maxAttempts: number;
  /** First retry delay; doubled per attempt, capped at an hour. */
  retryBaseMs: number;
  /** The newest data date that should be published by `nowMs`, and when it was due. */
  expectedLatest(nowMs: number): { dataDate: string; dueAt: number } | null;
  /** When the first data date after `dataDate` was (or will be) due: where the lag counts from. */
  nextDueAfter(dataDate: string): number | null;
  /**
   * Optional: the job's own reading of how current it is, for a source whose items fall due at different
   * times (FINRA's ATS tiers): the newest complete data date, and since when the oldest due but missing
   * item has been due (null: nothing missing). Without it, the newest stored item's date is compared
   * with `expectedLatest`.
   */
  dataState?(db: Db, nowMs: number): Promise<{ newestDataDate: string | null; missingSince: number | null }>;
  run(ctx: JobContext): Promise<JobStats>;
}

export interface SyncRunnerOptions {
  db: Db;
  jobs: SyncJob[];
  log: Logger;
  /** Clock in ms; tests pass a fake one. */
  clock?: () => number;
  /** Node identity written as the run's owner. */
  owner?: string;
  leaseMs?: number;
  /** How often the loop checks schedules and due runs. */
  pollMs?: number;
  onRunFinished?: (run: SyncRunRow, outcome: RunOutcome) => void;
}

export interface RunOutcome {
  status: "succeeded" | "retry" | "dead";
  stats: JobStats | null;
  error: string | null;
}

const HOUR_MS = 3_600_000;

export class SyncRunner {
  readonly owner: string;
  private readonly clock: () => number;
  private readonly leaseMs: number;
  private readonly nextFire = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  /** Per source, the lane running its due runs on this node (at most one run of a source at a time). */
  private readonly lanes = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly o: SyncRunnerOptions) {
    this.owner = o.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.clock = o.clock ?? Date.now;
    this.leaseMs = o.leaseMs ?? 60_000;
  }

  get jobs(): SyncJob[] {
    return this.o.jobs;
  }

  private enabledJobs(): SyncJob[] {
    return this.o.jobs.filter((j) => j.disabledReason === null);
  }

  /** The next slot of a job as this node's scheduler sees it. */
  nextRunAt(source: string): number | null {
    const job = this.o.jobs.find((j) => j.source === source);
    if (!job || job.disabledReason !== null) return null;
    return this.nextFire.get(source) ?? job.schedule.next(this.clock());
  }

  /**
   * Enqueues the latest slot of every enabled job that has come due since the last tick (a node that was
   * down enqueues only the latest missed slot: jobs backfill by themselves). With `startup`, the latest
   * past slot is enqueued at once, so a fresh node catches up without waiting for the next slot.
   */
  async tick(startup = false): Promise<SyncRunRow[]> {
    const now = this.clock();
    const enqueued: SyncRunRow[] = [];
    for (const job of this.enabledJobs()) {
      const due = this.nextFire.get(job.source);
      if (due === undefined) this.nextFire.set(job.source, job.schedule.next(now));
      if (!(startup || (due !== undefined && now >= due))) continue;
      const slot = job.schedule.previous(now);
      const row = await enqueueRun(this.o.db, {
        source: job.source,
        runKey: job.schedule.runKey(slot),
        trigger: startup ? "startup" : "schedule",
        scheduledFor: new Date(slot),
        maxAttempts: job.maxAttempts,
      });
      if (row) enqueued.push(row);
      this.nextFire.set(job.source, job.schedule.next(now));
    }
    return enqueued;
  }

  /**
   * Claims and runs due runs (of `only` those sources, else of every enabled job) one after the other
   * until none is left; returns how many ran.
   */
  async runDue(only?: readonly string[]): Promise<number> {
    let ran = 0;
    for (;;) {
      if (this.stopped && only) return ran;
      const sources = this.enabledJobs()
        .map((j) => j.source)
        .filter((s) => !only || only.includes(s));
      const run = await claimRun(this.o.db, sources, this.owner, new Date(this.clock()), this.leaseMs);
      if (!run) return ran;
      await this.execute(run);
      ran++;
    }
  }

  /**
   * Runs one source now (the CLI's `sync <source>`), as a run of its own in the same table, so it cannot
   * overlap a scheduled run's items on another node in a harmful way (items are idempotent) and shows
   * up in the source's history.
   */
  async runNow(
    source: string,
    params: RunParams,
    progress?: (p: JobProgress) => void,
  ): Promise<{ run: SyncRunRow; outcome: RunOutcome }> {
    const job = this.o.jobs.find((j) => j.source === source);
    if (!job) throw new Error(`unknown source "${source}"`);
    if (job.disabledReason !== null) throw new Error(`${source} is off: ${job.disabledReason}`);
    const now = new Date(this.clock());
    const row = await enqueueRun(this.o.db, {
      source,
      runKey: `cli:${now.toISOString()}:${randomUUID().slice(0, 8)}`,
      trigger: "cli",
      params: { ...params },
      scheduledFor: now,
      maxAttempts: 1,
    });
    if (!row) throw new Error("run not enqueued");
    const claimed = await claimRun(this.o.db, [source], this.owner, now, this.leaseMs, row.id);
    if (!claimed) throw new Error("run not claimed");
    const outcome = await this.execute(claimed, progress);
    return { run: claimed, outcome };
  }

  private async execute(run: SyncRunRow, progress?: (p: JobProgress) => void): Promise<RunOutcome> {
    const job = this.o.jobs.find((j) => j.source === run.source);
    const db = this.o.db;
    const log = this.o.log.child(`sync:${run.source}`);
    let outcome: RunOutcome;
    if (!job || run.attempts > run.maxAttempts) {
      // A run whose node died on its last attempt: its attempts are used up.
      outcome = {
        status: "dead",
        stats: null,
        error: run.lastError ?? "attempts used up (node lost mid-run)",
      };
      await finishRun(db, run.id, this.owner, {
        status: "dead",
        at: new Date(this.clock()),
        error: outcome.error,
      });
      this.o.onRunFinished?.(run, outcome);
      return outcome;
    }
    const heartbeat = setInterval(
      () => {
        void renewLease(db, run.id, this.owner, new Date(this.clock() + this.leaseMs)).catch(() => undefined);
      },
      Math.max(1000, this.leaseMs / 3),
    );
    heartbeat.unref();
    try {
      const params = (run.params ?? {}) as RunParams;
      const stats = await job.run({
        db,
        now: () => new Date(this.clock()),
        log,
        params,
        progress: progress ?? (() => {}),
      });
      outcome = { status: "succeeded", stats, error: null };
      await finishRun(db, run.id, this.owner, { status: "succeeded", at: new Date(this.clock()), stats });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const dead = run.attempts >= run.maxAttempts;
      const at = new Date(this.clock());
      const delay = Math.min(HOUR_MS, job.retryBaseMs * 2 ** (run.attempts - 1));
      outcome = { status: dead ? "dead" : "retry", stats: null, error };
      await finishRun(db, run.id, this.owner, {
        status: outcome.status as "dead" | "retry",
        at,
        error,
        nextAttemptAt: dead ? undefined : new Date(at.getTime() + delay),
      });
      log.warn(dead ? "sync run failed for good" : "sync run failed; will retry", {
        runKey: run.runKey,
        attempt: run.attempts,
        error,
      });
    } finally {
      clearInterval(heartbeat);
    }
    this.o.onRunFinished?.(run, outcome);
    return outcome;
  }

  /**
   * Starts the loop: startup catch-up, then every `pollMs` the schedules, and for each enabled job whose
   * lane is idle a lane that runs that job's due runs. Jobs thus run concurrently on a node (a long
   * backfill does not hold up the minute's `sec-current` poll), each at most one run at a time here; the
   * claim in `sync_runs` still gives each run to exactly one node, and SEC jobs share only the SEC budget.
   */
  start(): void {
    const loop = (startup: boolean) => {
      if (this.stopped || this.ticking !== null) return;
      this.ticking = (async () => {
        try {
          await this.tick(startup);
          for (const job of this.enabledJobs()) this.startLane(job.source);
        } catch (error) {
          this.o.log.warn("sync loop failed", { error });
        } finally {
          this.ticking = null;
        }
      })();
    };
    loop(true);
    this.timer = setInterval(() => loop(false), this.o.pollMs ?? 1000);
    this.timer.unref();
  }

  private startLane(source: string): void {
    if (this.stopped || this.lanes.has(source)) return;
    const lane = this.runDue([source])
      .catch((error) => this.o.log.warn("sync lane failed", { source, error }))
      .then(() => {
        this.lanes.delete(source);
      });
    this.lanes.set(source, lane);
  }

  /** Stops scheduling and waits for the runs in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.lanes.values()]);
  }
}

/**
 * Stores each due item in turn (a day, a week and tier), reporting progress, and tallies the outcomes:
 * `stored` and `not_published` items, and the sum of every count in `zero` over the stored ones.
 */
export async function storeEach<T, C extends Record<string, number>>(
  ctx: JobContext,
  todo: readonly T[],
  label: (item: T) => string,
  zero: C,
  store: (item: T) => Promise<"not_published" | C>,
): Promise<C & { stored: number; not_published: number }> {
  const totals: Record<string, number> = { stored: 0, not_published: 0, ...zero };
  let done = 0;
  for (const item of todo) {
    ctx.progress({ done, total: todo.length, label: label(item) });
    const got = await store(item);
    if (got === "not_published") totals.not_published = (totals.not_published ?? 0) + 1;
    else {
      totals.stored = (totals.stored ?? 0) + 1;
      for (const k of Object.keys(zero)) totals[k] = (totals[k] ?? 0) + (got[k] ?? 0);
    }
    done++;
  }
  ctx.progress({ done, total: todo.length, label: "done" });
  return totals as C & { stored: number; not_published: number };
}
