import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { detachOptionPrintDaysBefore } from "../blocks/options.store";
import type { ServicePlugin } from "../core/plugin";
import {
  createDaysAhead,
  detachDaysBefore,
  dropDetachedDays,
  forgetDayPartitions,
  sweepDefaultPartitions,
} from "../lib/day-partitions";
import { etDateOf } from "../lib/et-time";

/** Trading days whose partitions the job keeps created ahead of today. */
export const PARTITION_DAYS_AHEAD = 5;

export interface RetentionResult {
  printDays: string[];
  optionPrintDays: string[];
  /** How long the tables were locked (detach and the dropped days' derived rows), ms. */
  detachMs: number;
  /** Dropping the detached tables after commit, ms. */
  dropMs: number;
  /** Later (day, symbol) market rows whose trailing mean was recomputed after commit, and its time in ms. */
  refreshedDays: number;
  refreshMs: number;
}

/**
 * Print retention by whole days: detaches the day partitions (equity and option prints) of every New
 * York day that ended before `cutoff`, then drops them, never a scanning delete. Darkpool detaches its
 * `prints` days; the option-print days are the blocks area's step (`detachOptionPrintDaysBefore`), run in
 * the same short transaction. The print rollups and bins of those days are deleted with them, so every summary
 * number stays traceable to stored prints (daily bars, FINRA files, 13F and Form 4 are kept). Rows of old days that sit in a DEFAULT partition get their own
 * partition first, so they go too. Caches are invalidated: every symbol's data version and the options
 * area version are bumped when anything was dropped. Set RETENTION_PRINTS_DAYS high before loading
 * history to keep. The kept days' 20-day trailing means (print_day_market) are recomputed from the stored
 * days after the commit, in one set-based statement; until it ends they still include the dropped days.
 */
export async function deletePrintsBefore(db: Db, cutoff: Date): Promise<RetentionResult> {
  await sweepDefaultPartitions(db);
  const before = etDateOf(cutoff.getTime());
  const t0 = performance.now();
  const detached = await db.transaction(async (tx) => {
    const printDays = await detachDaysBefore(tx, "prints", before);
    if (printDays.length > 0) {
      // Whole days, set-based: the rollup delete trigger is off for these statements (`smt.day_drop`); the
      // later days' trailing means are refreshed once after commit (below), not per dropped row in the lock.
      await tx.execute(sql`select set_config('smt.day_drop', 'on', true)`);
      await tx.execute(sql`delete from print_day_rollups where day < ${before}::date`);
      await tx.execute(sql`delete from print_day_market where day < ${before}::date`);
      await tx.execute(sql`delete from print_day_bins where day < ${before}::date`);
      await tx.execute(sql`select set_config('smt.day_drop', '', true)`);
      await tx.execute(sql`update data_versions set version = version + 1`);
    }
    const optionPrintDays = await detachOptionPrintDaysBefore(tx, before);
    return { printDays, optionPrintDays };
  });
  const t1 = performance.now();
  if (detached.printDays.length + detached.optionPrintDays.length > 0) forgetDayPartitions(db);
  await dropDetachedDays(db);
  const t2 = performance.now();
  let refreshedDays = 0;
  if (detached.printDays.length > 0) {
    const rows = rowsOf<{ n: number }>(
      await db.execute(sql`select smt_print_market_after_drop(${before}::date)::int as n`),
    );
    refreshedDays = Number(rows[0]?.n ?? 0);
  }
  const refreshMs = performance.now() - t2;
  return { ...detached, detachMs: t1 - t0, dropMs: t2 - t1, refreshedDays, refreshMs };
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
    if (n.printDays.length + n.optionPrintDays.length > 0)
      log.info("print days past retention dropped", { ...n, cutoff: cutoff.toISOString() });
  };
  const tick = () => run().catch((error: unknown) => log.warn("print partition job failed", { error }));
  void tick();
  const timer = setInterval(tick, 3_600_000);
  timer.unref();
  return async () => clearInterval(timer);
};
