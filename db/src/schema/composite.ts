import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 6 });

/**
 * The composite leaderboards' precomputed scores (issue 12): per New York day and symbol of the day's
 * activity universe, the Smart Money Index and the accumulation score exactly as the per-symbol
 * `/analytics/{symbol}/indicators` and `/flow` answer them at `as_of`, with the fields that explain each
 * value. Written only by server/src/market/composite.refresh.ts; read by the leaderboards in one indexed
 * query. `data_version` is the symbol's `data_versions.version` read before it was scored: a row whose
 * symbol's version has moved since is due for a refresh.
 */
export const compositeScores = pgTable(
  "composite_scores",
  {
    day: date("day", { mode: "string" }).notNull(),
    symbol: text("symbol").notNull(),
    /** The moment the scores describe (the per-symbol routes' `as_of`). */
    asOf: instant("as_of").notNull(),
    computedAt: instant("computed_at").notNull(),
    /** The universe's ranking key (FINRA total volume or off-exchange volume, the larger) and its rank. */
    activity: doublePrecision("activity").notNull(),
    activityRank: integer("activity_rank").notNull(),
    smartMoneyIndex: doublePrecision("smart_money_index"),
    accumulation: doublePrecision("accumulation"),
    /** The leaderboard row fields that explain each value (market/metrics.ts smiFields, accumulationFields). */
    smiFields: jsonb("smi_fields").notNull(),
    accumulationFields: jsonb("accumulation_fields").notNull(),
    dataVersion: bigint("data_version", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.symbol] }),
    index("composite_scores_smi_idx").on(t.day, t.smartMoneyIndex),
    index("composite_scores_accumulation_idx").on(t.day, t.accumulation),
  ],
);

/**
 * One row per scored day: the moment its scores describe, whether the day is closed (scored at its last
 * millisecond, 23:59:59.999 New York, once the day had passed) or open (today's, rescored as inputs
 * change), and what the board needs besides the rows (window, sources, universe size), plus the versions
 * it was computed at (`area_version`: the sum of `area_versions`; `data_version_sum`: of `data_versions`).
 */
export const compositeDays = pgTable(
  "composite_days",
  {
    day: date("day", { mode: "string" }).primaryKey(),
    asOf: instant("as_of").notNull(),
    closed: boolean("closed").notNull(),
    computedAt: instant("computed_at").notNull(),
    fullAt: instant("full_at").notNull(),
    areaVersion: bigint("area_version", { mode: "number" }).notNull(),
    dataVersionSum: bigint("data_version_sum", { mode: "number" }).notNull(),
    activeSymbols: integer("active_symbols").notNull(),
    window: jsonb("window").notNull(),
    sources: jsonb("sources").notNull(),
  },
  (t) => [index("composite_days_as_of_idx").on(t.asOf)],
);
