import { type Db, schema } from "@smt/db";
import { getTableColumns } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { raiseShortSpikeAlerts } from "../alerts/short-spike-alerts";
import type { ShortVolumeRecord } from "./short-volume.parse";

/**
 * Idempotent batched insert for a Drizzle table: multi-row VALUES with ON CONFLICT DO NOTHING, split so a
 * statement never exceeds Postgres' 65,534 bind parameters. Returns the rows that were new, matched back
 * by their primary key columns.
 */
export function conflictFreeInserter<T extends PgTable, R extends T["$inferInsert"]>(
  table: T,
  keyColumns: (keyof R & string)[],
) {
  const columnCount = Object.keys(getTableColumns(table)).length;
  const rowsPerStatement = Math.max(1, Math.floor(65_000 / columnCount));
  const keyOf = (r: Record<string, unknown>) => keyColumns.map((k) => String(r[k])).join("\u0000");
  const columns = getTableColumns(table);
  return {
    async insert(db: Db, batch: R[]): Promise<R[]> {
      const fresh = new Set<string>();
      for (let i = 0; i < batch.length; i += rowsPerStatement) {
        const chunk = batch.slice(i, i + rowsPerStatement);
        const returning = Object.fromEntries(keyColumns.map((k) => [k, columns[k as keyof typeof columns]]));
        // biome-ignore lint/suspicious/noExplicitAny: Drizzle's insert builder is generic over the concrete table
        const rows = (await (db.insert(table) as any)
          .values(chunk)
          .onConflictDoNothing()
          .returning(returning)) as Record<string, unknown>[];
        for (const r of rows) fresh.add(keyOf(r));
      }
      if (fresh.size === batch.length) return batch;
      return batch.filter((r) => fresh.has(keyOf(r as Record<string, unknown>)));
    },
  };
}

const shortVolumeRows = conflictFreeInserter(schema.shortVolume, ["day", "symbol", "facility"]);

/**
 * FINRA daily short volume, stored once per day, symbol and facility. The rows that were new raise the
 * short-ratio spike alerts in the same transaction (alerts/short-spike-alerts.ts), so every path that
 * stores a file (upload, CLI, the sync job) raises them, once.
 */
export const shortVolumeStore = {
  async insert(db: Db, batch: ShortVolumeRecord[]): Promise<ShortVolumeRecord[]> {
    const fresh = await shortVolumeRows.insert(db, batch);
    await raiseShortSpikeAlerts(db, fresh);
    return fresh;
  },
};
export const atsWeeklyStore = conflictFreeInserter(schema.atsWeekly, [
  "weekStart",
  "symbol",
  "mpid",
  "summaryType",
]);
export const dailyBarsStore = conflictFreeInserter(schema.dailyBars, ["symbol", "day", "source"]);
