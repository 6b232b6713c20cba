import { sql } from "drizzle-orm";
import {
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { provenance } from "./core";

/**
 * Equity trade prints from the consolidated tape. Off-exchange (FINRA TRF/ADF, participant `D`) prints
 * are the dark-pool prints; lit prints are kept too when a feed carries them, because they give the
 * market price and the consolidated volume.
 */
export const prints = pgTable(
  "prints",
  {
    symbol: text("symbol").notNull(),
    ts: timestamp("ts", { withTimezone: true, mode: "date", precision: 6 }).notNull(),
    /** Natural key: vendor, symbol, day, venue and vendor trade id (or a content hash when none). */
    tradeKey: text("trade_key").notNull(),
    price: doublePrecision("price").notNull(),
    size: doublePrecision("size").notNull(),
    valueUsd: doublePrecision("value_usd").notNull(),
    /** SIP participant letter (`D` = FINRA ADF/TRF). */
    exchange: text("exchange").notNull(),
    trfId: integer("trf_id"),
    isOffExchange: boolean("is_off_exchange").notNull(),
    tape: text("tape"),
    /** Sale conditions as the vendor sent them (Polygon numeric ids as strings, CTA/UTP letters). */
    conditions: text("conditions").array().notNull(),
    /** False when a sale condition means the print must not count as an institutional block. */
    blockEligible: boolean("block_eligible").notNull(),
    exclusionReason: text("exclusion_reason"),
    isIso: boolean("is_iso").notNull().default(false),
    isLate: boolean("is_late").notNull().default(false),
    extendedHours: boolean("extended_hours").notNull().default(false),
    correction: integer("correction").notNull().default(0),
    marketPrice: doublePrecision("market_price"),
    /** `nbbo_mid`, `last_lit` or `provided`. */
    marketPriceSource: text("market_price_source"),
    bid: doublePrecision("bid"),
    ask: doublePrecision("ask"),
    premiumDiscountPct: doublePrecision("premium_discount_pct"),
    /** above_ask | at_ask | mid | at_bid | below_bid | unknown (an estimate). */
    side: text("side").notNull(),
    /** bullish | bearish | neutral | unknown (an estimate derived from `side` or the premium). */
    sentiment: text("sentiment").notNull(),
    ...provenance(),
  },
  // The primary key's b-tree (symbol, ts, trade_key) also serves "a symbol's prints by time", newest first
  // (a backward scan), so no second index slows every insert down.
  (t) => [
    primaryKey({ columns: [t.symbol, t.ts, t.tradeKey] }),
    // The market tape (/market/prints): large off-exchange prints across symbols, newest first. Partial, so
    // only prints worth $100k or more (TAPE_MIN_VALUE_USD) pay for it on insert. Migration 0019 adds every
    // column the tape answers as INCLUDE (index-only reads of the CSV export), which Drizzle cannot declare.
    index("prints_tape_idx")
      .on(t.ts.desc(), t.symbol.desc(), t.tradeKey.desc())
      .where(sql`is_off_exchange and correction < 7 and value_usd >= 100000`),
    // A symbol's blocks (off-exchange, $1M or more: BLOCK_INDEX_MIN_USD), newest first: the dashboard's recent
    // blocks, which a scan of the symbol's prints by time reaches only after ~1,000 prints per block.
    index("prints_symbol_blocks_idx")
      .on(t.symbol, t.ts.desc())
      .where(sql`is_off_exchange and correction < 7 and value_usd >= 1000000`),
  ],
);

/** Daily OHLCV bars: consolidated volume and prices, the denominator of the dark-pool ratio. */
export const dailyBars = pgTable(
  "daily_bars",
  {
    symbol: text("symbol").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    open: doublePrecision("open").notNull(),
    high: doublePrecision("high").notNull(),
    low: doublePrecision("low").notNull(),
    close: doublePrecision("close").notNull(),
    volume: doublePrecision("volume").notNull(),
    transactions: integer("transactions"),
    ...provenance(),
  },
  (t) => [primaryKey({ columns: [t.symbol, t.day, t.source] })],
);

/** FINRA Reg SHO daily short sale volume, one row per facility file (CNMS, FNSQ, FNQC, FNYX, FNRA, FORF). */
export const shortVolume = pgTable(
  "short_volume",
  {
    day: date("day", { mode: "string" }).notNull(),
    symbol: text("symbol").notNull(),
    facility: text("facility").notNull(),
    market: text("market").notNull(),
    shortVolume: doublePrecision("short_volume").notNull(),
    shortExemptVolume: doublePrecision("short_exempt_volume"),
    /** Off-exchange volume reported to the facility: never the consolidated total. */
    totalVolume: doublePrecision("total_volume").notNull(),
    ...provenance(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.symbol, t.facility] }),
    index("short_volume_symbol_idx").on(t.symbol, t.day),
    // The latest FINRA day published by as_of (market views), probed one day at a time.
    index("short_volume_day_published_idx").on(t.day, t.publishedAt),
  ],
);

/** FINRA OTC Transparency weekly ATS / non-ATS volume per venue (MPID) and symbol. */
export const atsWeekly = pgTable(
  "ats_weekly",
  {
    weekStart: date("week_start", { mode: "string" }).notNull(),
    tier: text("tier").notNull(),
    symbol: text("symbol").notNull(),
    issueName: text("issue_name"),
    mpid: text("mpid").notNull(),
    participantName: text("participant_name"),
    /** ATS_W_SMBL_FIRM (ATS venue) or OTC_W_SMBL_FIRM (non-ATS OTC). */
    summaryType: text("summary_type").notNull(),
    shares: doublePrecision("shares").notNull(),
    trades: integer("trades"),
    lastUpdateDate: date("last_update_date", { mode: "string" }),
    ...provenance(),
  },
  (t) => [
    primaryKey({ columns: [t.weekStart, t.symbol, t.mpid, t.summaryType] }),
    index("ats_weekly_symbol_idx").on(t.symbol, t.weekStart),
  ],
);
