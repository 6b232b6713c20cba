import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { deleteOptionDerivedBefore } from "../blocks/options.store";
import type { ServicePlugin } from "../core/plugin";
import {
  createDaysAhead,
  type DropStep,
  dayPartitions,
  detachDaysBefore,
  detachedTables,
  dropDetachedDays,
  forgetDayPartitions,
  sweepDefaultPartitions,
} from "../lib/day-partitions";
import { etDateOf } from "../lib/et-time";
import { pgArrayLiteral } from "../lib/pg-array";

/** Trading days whose partitions the job keeps created ahead of today. */
export const PARTITION_DAYS_AHEAD = 5;
/**
 * How long the detach waits for the exclusive lock on `prints` / `option_prints` before it gives up and
 * retries (`DETACH_ATTEMPTS` times, then the next hourly run does): while it waits, every reader and writer
 * of the table queues behind it, so a long read in flight must not stretch that queue past this.
 */
export const DETACH_LOCK_TIMEOUT_MS = 300;
export const DETACH_ATTEMPTS = 5;

export interface RetentionResult {
  printDays: string[];
  optionPrintDays: string[];
  /** The step readers see: from the start to the commit that took the days out of every read, ms. */
  detachMs: number;
  /** Of which the parents were locked against reads and writes of every day (detach to commit), ms. */
  lockMs: number;
  /** Later (day, symbol) market rows whose trailing mean was recomputed after commit, and its time in ms. */
  refreshedDays: number;
  refreshMs: number;
  /** Dropping the detached tables after (off every live table's lock): total ms and each relation's. */
  dropMs: number;
  dropped: DropStep[];
}

type Detached = Pick<RetentionResult, "printDays" | "optionPrintDays" | "detachMs" | "lockMs">;

/**
 * Print retention by whole days, never a scanning delete: the day partitions (equity and option prints)
 * of every New York day that ended before `cutoff` leave every read in one short transaction
 * (`detachPrintDaysBefore`), then their tables are dropped relation by relation (`dropDetachedDays`),
 * which holds no lock on a live table; the kept days' 20-day trailing means (print_day_market) are
 * recomputed from the stored days in between, in one set-based statement. A crash after the detach leaves
 * `*_dropping` tables that the next run drops. Set RETENTION_PRINTS_DAYS high before loading history to keep.
 */
export async function deletePrintsBefore(db: Db, cutoff: Date): Promise<RetentionResult> {
  const before = etDateOf(cutoff.getTime());
  const detached = await detachPrintDaysBefore(db, cutoff);
  const t0 = performance.now();
  // Also after a run that died between its detach and its drop: its prints days' tables are still here.
  const dropped = detached.printDays.length > 0 || (await detachedTables(db, ["prints"])).length > 0;
  const refreshedDays = dropped ? await refreshTrailingMeans(db, before) : 0;
  const t1 = performance.now();
  const steps = await dropDetachedDays(db);
  const dropMs = performance.now() - t1;
  return { ...detached, refreshedDays, refreshMs: t1 - t0, dropMs, dropped: steps };
}

/**
 * The step readers see: the days before `cutoff` leave every read and derived table in one transaction.
 * Their derived rows (print rollups, market rows, bins; option day rollups and sources) are deleted by the
 * `day` indexes first (rows of those days only: with `smt.day_drop` the rollup delete refreshes no symbol's
 * activity, migration 0031), then the partitions are detached (renamed `*_dropping`), the derived deletes
 * re-run for rows a late print of those days added meanwhile, and the data versions are bumped (they are
 * the rows live writers also update, so after the lock), so the exclusive lock on the parents lasts from
 * the detach to the commit only. A late print of a dropped day in flight meanwhile waits on the deleted
 * rows while the detach waits on it: the lock timeout ends that and the transaction is retried. The rollup delete trigger is off for these
 * statements (`smt.day_drop`): the later days' trailing means are refreshed once after commit. Rows of old
 * days that sit in a DEFAULT partition get their own partition first, so they go too.
 */
export async function detachPrintDaysBefore(db: Db, cutoff: Date): Promise<Detached> {
  const t0 = performance.now();
  await sweepDefaultPartitions(db);
  const before = etDateOf(cutoff.getTime());
  const due = async (table: "prints" | "option_prints") =>
    (await dayPartitions(db, table)).some((d) => d < before);
  const [prints, options] = [await due("prints"), await due("option_prints")];
  if (!prints && !options) return { printDays: [], optionPrintDays: [], detachMs: 0, lockMs: 0 };
  for (let attempt = 1; ; attempt++) {
    try {
      const detached = await db.transaction(async (tx) => {
        await tx.execute(sql`select set_config('lock_timeout', ${`${DETACH_LOCK_TIMEOUT_MS}ms`}, true)`);
        await deleteDerivedBefore(tx, before, prints, options);
        const locked = performance.now();
        const printDays = prints ? await detachDaysBefore(tx, "prints", before) : [];
        const optionPrintDays = options ? await detachDaysBefore(tx, "option_prints", before) : [];
        await deleteDerivedBefore(tx, before, printDays.length > 0, optionPrintDays.length > 0);
        if (printDays.length > 0) await tx.execute(sql`update data_versions set version = version + 1`);
        if (optionPrintDays.length > 0)
          await tx.execute(sql`update area_versions set version = version + 1 where area = 'options'`);
        return { printDays, optionPrintDays, locked };
      });
      const committed = performance.now();
      forgetDayPartitions(db);
      const { printDays, optionPrintDays, locked } = detached;
      return { printDays, optionPrintDays, detachMs: committed - t0, lockMs: committed - locked };
    } catch (error) {
      if (attempt >= DETACH_ATTEMPTS || !isLockTimeout(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** Later (day, symbol) market rows refreshed per statement: each holds its rows' locks ~20 ms. */
export const REFRESH_SLICE = 500;

/**
 * Recomputes the trailing means of the kept days that could have included a dropped day
 * (`smt_print_market_after_drop_keys`, migration 0031) in slices of `REFRESH_SLICE`, each its own
 * transaction, so a live insert of those days waits for one slice at most; returns how many.
 */
async function refreshTrailingMeans(db: Db, before: string): Promise<number> {
  const keys = rowsOf<{ day: string; symbol: string }>(
    await db.execute(
      sql`select day::text as day, symbol from smt_print_market_after_drop_keys(${before}::date)`,
    ),
  );
  for (let i = 0; i < keys.length; i += REFRESH_SLICE) {
    const slice = keys.slice(i, i + REFRESH_SLICE);
    await db.execute(
      sql`select smt_print_market_refresh(${pgArrayLiteral(slice.map((k) => String(k.day).slice(0, 10)))}::date[],
        ${pgArrayLiteral(slice.map((k) => k.symbol))}::text[], false)`,
    );
  }
  return keys.length;
}

/** The derived rows of the days before `before`, by their `day` indexes, rollup triggers off. */
async function deleteDerivedBefore(tx: Db, before: string, prints: boolean, options: boolean): Promise<void> {
  if (prints) {
    await tx.execute(sql`select set_config('smt.day_drop', 'on', true)`);
    await tx.execute(sql`delete from print_day_rollups where day < ${before}::date`);
    await tx.execute(sql`delete from print_day_market where day < ${before}::date`);
    await tx.execute(sql`delete from print_day_bins where day < ${before}::date`);
    await tx.execute(sql`select set_config('smt.day_drop', '', true)`);
  }
  if (options) await deleteOptionDerivedBefore(tx, before);
}

/** A statement that gave up waiting for a lock (`lock_timeout`, SQLSTATE 55P03), also when wrapped. */
function isLockTimeout(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error || (typeof e === "object" && e !== null); ) {
    if ((e as { code?: unknown }).code === "55P03") return true;
    e = (e as { cause?: unknown }).cause;
    if (e === undefined) break;
  }
  return false;
}

/**
 * The partition and retention job: at start and then hourly, creates today's and the next trading days'
 * partitions (moving strays out of DEFAULT), and drops the days past RETENTION_PRINTS_DAYS.
 */
export const printRetentionPlugin: ServicePlugin = (deps) => {
  const log = deps.log.child("retention");
  const db = deps.db.db;
  const run = async () => {
    const now = new Date();
    const created = await createDaysAhead(db, now, PARTITION_DAYS_AHEAD);
    if (created > 0) log.info("print day partitions created", { created });
    const cutoff = new Date(now.getTime() - deps.env.RETENTION_PRINTS_DAYS * 86_400_000);
    const n = await deletePrintsBefore(db, cutoff);
    if (n.printDays.length + n.optionPrintDays.length + n.dropped.length > 0)
      log.info("print days past retention dropped", {
        ...n,
        dropped: n.dropped.length,
        cutoff: cutoff.toISOString(),
      });
  };
  const tick = () => run().catch((error: unknown) => log.warn("print partition job failed", { error }));
  void tick();
  const timer = setInterval(tick, 3_600_000);
  timer.unref();
  return async () => clearInterval(timer);
};
