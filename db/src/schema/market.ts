import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 6 });
const count = (name: string) => bigint(name, { mode: "number" }).notNull().default(0);
const total = (name: string) => doublePrecision(name).notNull().default(0);
/** Ties rank by symbol in byte order (the API's order: `localeCompare` agrees on upper-case tickers). */
const bySymbol = sql`symbol collate "C"`;

/**
 * The market views' per (New York day, symbol) rows, so a leaderboard or the screener is one ordered index
 * read (`order by ... limit`) instead of a whole market day ranked in the server. Kept exact by
 * statement-level triggers (migration 0020) in the same transaction as the rows they derive from, and
 * read only for a day wholly known at `as_of` (server/src/market/market.days.ts); other moments are
 * computed from the source rows as before.
 */
/** FINRA Reg SHO per day and symbol: the CNMS row, else the facility files summed (ORF excluded). */
export const finraDaySymbols = pgTable(
  "finra_day_symbols",
  {
    day: date("day", { mode: "string" }).notNull(),
    symbol: text("symbol").notNull(),
    cnms: boolean("cnms").notNull(),
    shortVolume: doublePrecision("short_volume"),
    shortExemptVolume: doublePrecision("short_exempt_volume"),
    /** Null when only ORF rows exist: such a symbol is never ranked, but its publication time counts. */
    totalVolume: doublePrecision("total_volume"),
    /** short_volume / total_volume (null when total_volume is not > 0). */
    shortRatio: doublePrecision("short_ratio"),
    publishedAt: instant("published_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.symbol] }),
    index("finra_day_symbols_short_volume_idx").on(t.day, t.shortVolume.desc(), bySymbol),
    index("finra_day_symbols_short_ratio_idx").on(t.day, t.shortRatio.desc(), bySymbol),
    index("finra_day_symbols_published_idx").on(t.day, t.publishedAt),
  ],
);

/**
 * Per day and symbol with off-exchange prints: the day's print_day_rollups row, the trailing mean of the
 * symbol's previous (up to 20, within 60 days) days with prints, the day's first-published vendor bar, and
 * the derived ranking keys. `inputs_published_at` is the newest publication among all of those inputs.
 */
export const printDayMarket = pgTable(
  "print_day_market",
  {
    day: date("day", { mode: "string" }).notNull(),
    symbol: text("symbol").notNull(),
    offPrints: count("off_prints"),
    offVolume: total("off_volume"),
    offValueUsd: total("off_value_usd"),
    litVolume: total("lit_volume"),
    largeCount: count("large_count"),
    largeValueUsd: total("large_value_usd"),
    largeBullValueUsd: total("large_bull_value_usd"),
    largeBearValueUsd: total("large_bear_value_usd"),
    maxTs: instant("max_ts").notNull(),
    maxPublishedAt: instant("max_published_at").notNull(),
    trailingAvgOffVolume: doublePrecision("trailing_avg_off_volume"),
    trailingDays: count("trailing_days"),
    barVolume: doublePrecision("bar_volume"),
    barSource: text("bar_source"),
    inputsPublishedAt: instant("inputs_published_at").notNull(),
    consolidatedVolume: doublePrecision("consolidated_volume"),
    darkPoolRatio: doublePrecision("dark_pool_ratio"),
    unusualVolume: doublePrecision("unusual_volume"),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.symbol] }),
    index("print_day_market_value_idx").on(t.day, t.offValueUsd.desc(), bySymbol),
    index("print_day_market_ratio_idx").on(t.day, t.darkPoolRatio.desc(), bySymbol),
    index("print_day_market_block_idx").on(t.day, t.largeValueUsd.desc(), bySymbol),
    index("print_day_market_unusual_idx").on(t.day, t.unusualVolume.desc(), bySymbol),
  ],
);

/** Option prints per New York day and underlying, the counting of options positioning (single-leg apart). */
export const optionDayRollups = pgTable(
  "option_day_rollups",
  {
    day: date("day", { mode: "string" }).notNull(),
    symbol: text("symbol").notNull(),
    callPremiumUsd: total("call_premium_usd"),
    putPremiumUsd: total("put_premium_usd"),
    callVolume: total("call_volume"),
    putVolume: total("put_volume"),
    multiLegPremiumUsd: total("multi_leg_premium_usd"),
    prints: count("prints"),
    maxTs: instant("max_ts").notNull(),
    maxPublishedAt: instant("max_published_at").notNull(),
    optionsPremiumUsd: total("options_premium_usd"),
    callPutSkew: doublePrecision("call_put_skew"),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.symbol] }),
    index("option_day_rollups_premium_idx").on(t.day, t.optionsPremiumUsd.desc(), bySymbol),
    index("option_day_rollups_skew_idx").on(t.day, t.callPutSkew.desc(), bySymbol),
    // One underlying's days, newest first: where its latest option print is (blocks/options.store.ts).
    index("option_day_rollups_symbol_idx").on(t.symbol, t.day),
  ],
);

/** Rows per day and `source` of short_volume (`input` finra) and option_prints (`input` options). */
export const marketDaySources = pgTable(
  "market_day_sources",
  {
    input: text("input").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    source: text("source").notNull(),
    rows: count("rows"),
    latestRef: text("latest_ref"),
  },
  (t) => [primaryKey({ columns: [t.input, t.day, t.source] })],
);
