import { sql } from "drizzle-orm";
import {
  bigint,
  date,
  doublePrecision,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const count = (name: string) => bigint(name, { mode: "number" }).notNull().default(0);
const total = (name: string) => doublePrecision(name).notNull().default(0);
const instant = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 6 });

/**
 * Per symbol and New York trading day, the aggregates the read API used to compute by scanning `prints`
 * (rows with `correction < 7` only: corrections and cancels never count). Kept current by statement-level
 * triggers on `prints` (migration `0005_print_rollup_triggers`): inserts add the new rows' aggregates,
 * deletes and updates recompute the days they touched, so file ingest, uploads, live feeds, COPY and the
 * retention job all keep it exact. `min_ts`, `max_ts` and `max_published_at` let a reader prove that a day
 * lies wholly inside its window (else it scans that day): see `server/src/darkpool/rollups.ts`.
 */
export const printDayRollups = pgTable(
  "print_day_rollups",
  {
    symbol: text("symbol").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    minTs: instant("min_ts").notNull(),
    maxTs: instant("max_ts").notNull(),
    maxPublishedAt: instant("max_published_at").notNull(),
    offPrints: count("off_prints"),
    offVolume: total("off_volume"),
    offValueUsd: total("off_value_usd"),
    offMaxTs: instant("off_max_ts"),
    litVolume: total("lit_volume"),
    pdSum: total("pd_sum"),
    pdCount: count("pd_count"),
    premiumCount: count("premium_count"),
    discountCount: count("discount_count"),
    bullVolume: total("bull_volume"),
    bearVolume: total("bear_volume"),
    neutVolume: total("neut_volume"),
    unkVolume: total("unk_volume"),
    bullCount: count("bull_count"),
    bearCount: count("bear_count"),
    neutCount: count("neut_count"),
    unkCount: count("unk_count"),
    bullValueUsd: total("bull_value_usd"),
    bearValueUsd: total("bear_value_usd"),
    neutValueUsd: total("neut_value_usd"),
    /** Sentiment not bullish, bearish or neutral (the analytics' "unclassified"). */
    otherValueUsd: total("other_value_usd"),
    /** Block-eligible off-exchange prints worth at least 1,000,000 USD (ROLLUP_BLOCK_MIN_USD). */
    largeCount: count("large_count"),
    largeValueUsd: total("large_value_usd"),
    largeBullValueUsd: total("large_bull_value_usd"),
    largeBearValueUsd: total("large_bear_value_usd"),
  },
  // By day: the market views read one day across all symbols.
  // (day, min_ts) for days with off-exchange prints: the latest day known at as_of, probed one day at a time.
  (t) => [
    primaryKey({ columns: [t.symbol, t.day] }),
    index("print_day_rollups_day_idx").on(t.day),
    index("print_day_rollups_day_min_ts_idx").on(t.day, t.minTs).where(sql`off_prints > 0`),
  ],
);

/**
 * One row per symbol: `version` goes up in the same transaction as any change to its prints, daily bars,
 * FINRA short volume or ATS rows (triggers), and `max_time` is the newest event or publication time ever
 * stored for it. A reader that saw version V and whose `as_of` is past `max_time` may reuse what it
 * computed for V (server/src/darkpool/rollups.ts `readScope`).
 */
export const dataVersions = pgTable("data_versions", {
  symbol: text("symbol").primaryKey(),
  version: bigint("version", { mode: "number" }).notNull().default(1),
  maxTime: instant("max_time"),
});

/**
 * One row per area whose rows are not per symbol in `data_versions`: `institutional` (13F filings and
 * holdings, securities), `insider` (Form 4 filings and transactions), `options` (option prints, open
 * interest) and `alerts`. Statement-level triggers (migration 0006) add 1 in the same transaction as any
 * insert, update, delete or truncate, so `data_versions.version` plus the sum of these versions changes
 * whenever anything an analytics payload reads has changed (server/src/lib/response-cache.ts).
 */
export const areaVersions = pgTable("area_versions", {
  area: text("area").primaryKey(),
  version: bigint("version", { mode: "number" }).notNull().default(1),
});

/**
 * Per symbol, New York trading day and bin, what the summary and dashboard used to group a day of `prints`
 * by (server/src/darkpool/print-bins.ts): `kind` names the grouping, `bin`/`label` the group:
 * - `size`: counted off-exchange prints by FINRA size bucket (`bin` 0-4, width_bucket of the size);
 * - `ext`: counted prints outside the regular session (`bin` 0; off-exchange in prints/volume/value, lit in
 *   lit_volume);
 * - `level`: counted off-exchange prints by price level of width `band` USD (`bin` = level's low price), at
 *   the one or two bands a summary of a day holding the print can use (see smt_level_bands);
 * - `pd`: priced counted off-exchange prints by premium/discount, 0.25% bins (`bin` = the bin's low %);
 * - `block`: counted off-exchange block-eligible prints worth >= 1,000,000 USD by sentiment (`label`);
 * - `source`: every print (corrections too) by source (`label`), with the newest one's `source_ref`.
 * Kept exact by statement-level triggers on `prints` (migration 0021) like `print_day_rollups`; every row
 * carries the first and last `ts` and the newest `published_at` of its prints, so a reader proves a day's
 * bins lie wholly inside its window (and as_of) before it uses them, and scans that day otherwise.
 */
export const printDayBins = pgTable(
  "print_day_bins",
  {
    symbol: text("symbol").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    kind: text("kind").notNull(),
    band: total("band"),
    bin: total("bin"),
    label: text("label").notNull().default(""),
    prints: count("prints"),
    volume: total("volume"),
    valueUsd: total("value_usd"),
    litVolume: total("lit_volume"),
    largePrints: count("large_prints"),
    largeValueUsd: total("large_value_usd"),
    minTs: instant("min_ts").notNull(),
    maxTs: instant("max_ts").notNull(),
    maxPublishedAt: instant("max_published_at").notNull(),
    latestRef: text("latest_ref"),
  },
  // By day: retention deletes whole days.
  (t) => [
    primaryKey({ columns: [t.symbol, t.day, t.kind, t.band, t.bin, t.label] }),
    index("print_day_bins_day_idx").on(t.day),
  ],
);
