import { bulkInserter, schema } from "@smt/db";

/** FINRA daily short volume, stored once per day, symbol and facility. */
export const shortVolumeStore = bulkInserter(schema.shortVolume, { key: ["day", "symbol", "facility"] });
/** FINRA OTC (ATS and non-ATS) weekly volume, stored once per week, symbol, participant and summary. */
export const atsWeeklyStore = bulkInserter(schema.atsWeekly, {
  key: ["weekStart", "symbol", "mpid", "summaryType"],
});
/** Daily bars, stored once per symbol, day and source. */
export const dailyBarsStore = bulkInserter(schema.dailyBars, { key: ["symbol", "day", "source"] });
