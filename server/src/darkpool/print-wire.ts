import type { schema } from "@smt/db";
import type { PrintWire } from "../realtime/events";
import type { EnrichedPrint } from "./print";

type PrintRow = typeof schema.prints.$inferSelect;

const isPremium = (pct: number | null): boolean | null => (pct === null ? null : pct > 0);

/** A live (just enriched) print in wire form. */
export function toPrintWire(p: EnrichedPrint): PrintWire {
  return {
    symbol: p.symbol,
    timestamp: p.ts.toISOString(),
    price: p.price,
    size: p.sizeShares,
    value: p.valueUsd,
    premium_discount: p.premiumDiscountPct,
    market_price: p.marketPrice,
    market_price_source: p.marketPriceSource,
    is_premium: isPremium(p.premiumDiscountPct),
    sentiment: p.sentiment,
    side: p.side,
    exchange: p.exchange,
    trf_id: p.trfId ?? null,
    is_off_exchange: p.isOffExchange,
    conditions: p.conditions,
    block_eligible: p.blockEligible,
    exclusion_reason: p.exclusionReason,
    is_iso: p.isIso,
    is_late: p.isLate,
    trade_key: p.tradeKey,
    source: p.source,
    source_ref: p.sourceRef,
  };
}

/** A stored print in wire form. */
export function rowToPrintWire(r: PrintRow): PrintWire {
  return {
    symbol: r.symbol,
    timestamp: r.ts.toISOString(),
    price: r.price,
    size: r.size,
    value: r.valueUsd,
    premium_discount: r.premiumDiscountPct,
    market_price: r.marketPrice,
    market_price_source: r.marketPriceSource,
    is_premium: isPremium(r.premiumDiscountPct),
    sentiment: r.sentiment,
    side: r.side,
    exchange: r.exchange,
    trf_id: r.trfId,
    is_off_exchange: r.isOffExchange,
    conditions: r.conditions,
    block_eligible: r.blockEligible,
    exclusion_reason: r.exclusionReason,
    is_iso: r.isIso,
    is_late: r.isLate,
    trade_key: r.tradeKey,
    source: r.source,
    source_ref: r.sourceRef,
  };
}
