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
 * Option trades (OPRA, via Polygon/Massive flat files or feeds), one row per print. The contract is the
 * unpadded OSI symbol (`AAPL251219C00200000`); the parsed fields sit beside it for queries by underlying.
 * Cancelled prints are not stored. See docs/blocks.md.
 */
export const optionPrints = pgTable(
  "option_prints",
  {
    contract: text("contract").notNull(),
    ts: timestamp("ts", { withTimezone: true, mode: "date", precision: 6 }).notNull(),
    /** Natural key: contract, SIP ns time, exchange, price, size and an ordinal for identical trades. */
    tradeKey: text("trade_key").notNull(),
    underlying: text("underlying").notNull(),
    root: text("root").notNull(),
    expiry: date("expiry", { mode: "string" }).notNull(),
    /** `call` or `put`. */
    right: text("right").notNull(),
    strikeUsd: doublePrecision("strike_usd").notNull(),
    /** OCC-adjusted series (non-standard deliverable). */
    adjusted: boolean("adjusted").notNull().default(false),
    price: doublePrecision("price").notNull(),
    sizeContracts: integer("size_contracts").notNull(),
    /** price x size x 100. */
    premiumUsd: doublePrecision("premium_usd").notNull(),
    exchangeId: integer("exchange_id").notNull(),
    conditions: text("conditions").array().notNull(),
    correction: integer("correction").notNull().default(0),
    isIso: boolean("is_iso").notNull().default(false),
    /** Multi-leg or stock-option leg: counted in volume, excluded from directional flow. */
    isMultiLeg: boolean("is_multi_leg").notNull().default(false),
    isLate: boolean("is_late").notNull().default(false),
    bid: doublePrecision("bid"),
    ask: doublePrecision("ask"),
    /** above_ask | at_ask | mid | at_bid | below_bid | unknown (an estimate). */
    side: text("side").notNull(),
    /** bullish | bearish | neutral | unknown (an estimate). */
    sentiment: text("sentiment").notNull(),
    ...provenance(),
  },
  (t) => [
    primaryKey({ columns: [t.contract, t.ts, t.tradeKey] }),
    index("option_prints_underlying_ts_idx").on(t.underlying, t.ts.desc()),
    // The market views: the latest option day across all underlyings.
    index("option_prints_ts_idx").on(t.ts),
  ],
);

/** Open interest per contract at the start of a trading day (OPRA publishes it before the open). */
export const openInterest = pgTable(
  "open_interest",
  {
    day: date("day", { mode: "string" }).notNull(),
    contract: text("contract").notNull(),
    underlying: text("underlying").notNull(),
    openInterestContracts: integer("open_interest_contracts").notNull(),
    ...provenance(),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.contract] }),
    index("open_interest_underlying_idx").on(t.underlying, t.day),
  ],
);
