import { bulkInserter, type Db, schema } from "@smt/db";
import { raiseShortSpikeAlerts } from "../alerts/short-spike-alerts";
import type { ShortVolumeRecord } from "./short-volume.parse";

const shortVolumeRows = bulkInserter(schema.shortVolume, { key: ["day", "symbol", "facility"] });

/**
 * FINRA daily short volume, stored once per day, symbol and facility. The rows that were new raise the
 * short-ratio spike alerts in the same transaction (alerts/short-spike-alerts.ts), so every path that
 * stores a file (upload, CLI, the sync job) raises them, once.
 */
export const shortVolumeStore = {
  async insert(db: Db, batch: ShortVolumeRecord[]): Promise<ShortVolumeRecord[]> {
    const fresh = (await shortVolumeRows.insert(db, batch)) as ShortVolumeRecord[];
    await raiseShortSpikeAlerts(db, fresh);
    return fresh;
  },
};
/** FINRA OTC (ATS and non-ATS) weekly volume, stored once per week, symbol, participant and summary. */
export const atsWeeklyStore = bulkInserter(schema.atsWeekly, {
  key: ["weekStart", "symbol", "mpid", "summaryType"],
});
/** Daily bars, stored once per symbol, day and source. */
export const dailyBarsStore = bulkInserter(schema.dailyBars, { key: ["symbol", "day", "source"] });
