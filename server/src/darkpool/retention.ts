import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import type { ServicePlugin } from "../core/plugin";

/**
 * Deletes prints (equity and option) whose trade time is older than `days`. The original specification
 * keeps 30 days of prints and trades; daily aggregates (bars, FINRA files, rollups) are kept. Set
 * RETENTION_PRINTS_DAYS high before loading older history you want to keep.
 */
export async function deletePrintsBefore(
  db: Db,
  cutoff: Date,
): Promise<{ prints: number; optionPrints: number }> {
  const prints = rowsOf<{ n: string | number }>(
    await db.execute(
      sql`with d as (delete from prints where ts < ${cutoff.toISOString()} returning 1) select count(*) as n from d`,
    ),
  );
  const options = rowsOf<{ n: string | number }>(
    await db.execute(
      sql`with d as (delete from option_prints where ts < ${cutoff.toISOString()} returning 1) select count(*) as n from d`,
    ),
  );
  return { prints: Number(prints[0]?.n ?? 0), optionPrints: Number(options[0]?.n ?? 0) };
}

/** Runs the print retention an hour after start and then hourly. */
export const printRetentionPlugin: ServicePlugin = (deps) => {
  const log = deps.log.child("retention");
  const run = () => {
    const cutoff = new Date(Date.now() - deps.env.RETENTION_PRINTS_DAYS * 86_400_000);
    deletePrintsBefore(deps.db.db, cutoff)
      .then((n) => {
        if (n.prints + n.optionPrints > 0)
          log.info("prints past retention deleted", { ...n, cutoff: cutoff.toISOString() });
      })
      .catch((error: unknown) => log.warn("print retention failed", { error }));
  };
  const timer = setInterval(run, 3_600_000);
  timer.unref();
  return async () => clearInterval(timer);
};
