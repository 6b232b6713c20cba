import type { Db } from "@smt/db";
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

/**
 * Print retention by whole days: detaches the day partitions (equity and option prints) of every New
 * York day that ended before `cutoff`, then drops them, never a scanning delete. Darkpool detaches its
 * `prints` days; the option-print days are the blocks area's step (`detachOptionPrintDaysBefore`), run in
 * the same short transaction. The print rollups and bins of those days are deleted with them, so every summary
 * number stays traceable to stored prints (daily bars, FINRA files, 13F and Form 4 are kept). Rows of old days that sit in a DEFAULT partition get their own
 * partition first, so they go too. Caches are invalidated: every symbol's data version and the options
 * area version are bumped when anything was dropped. Set RETENTION_PRINTS_DAYS high before loading
 * history to keep. `detachMs` is how long the tables were locked; `dropMs` the file-system time after.
 */
export async function deletePrintsBefore(
  db: Db,
  cutoff: Date,
): Promise<{ printDays: string[]; optionPrintDays: string[]; detachMs: number; dropMs: number }> {
  await sweepDefaultPartitions(db);
  const before = etDateOf(cutoff.getTime());
  const t0 = performance.now();
  const detached = await db.transaction(async (tx) => {
    const printDays = await detachDaysBefore(tx, "prints", before);
    if (printDays.length > 0) {
      await tx.execute(sql`delete from print_day_rollups where day < ${before}::date`);
      await tx.execute(sql`delete from print_day_bins where day < ${before}::date`);
      await tx.execute(sql`update data_versions set version = version + 1`);
    }
    const optionPrintDays = await detachOptionPrintDaysBefore(tx, before);
    return { printDays, optionPrintDays };
  });
  const t1 = performance.now();
  if (detached.printDays.length + detached.optionPrintDays.length > 0) forgetDayPartitions(db);
  await dropDetachedDays(db);
  return { ...detached, detachMs: t1 - t0, dropMs: performance.now() - t1 };
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
