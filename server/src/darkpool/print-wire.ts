/**
 * The one wire shape of a print: REST (`/dark-pool/{symbol}/prints`), the `prints` socket event and the
 * dashboard's recent prints (a subset of its fields). Original specification names plus provenance.
 */
import { z } from "@hono/zod-openapi";
import type { schema } from "@smt/db";
import { cents, toTick } from "../lib/round";
import type { EnrichedPrint } from "./print";

export const PrintWireSchema = z
  .object({
    symbol: z.string(),
    timestamp: z.string(),
    price: z.number(),
    size: z.number(),
    value: z.number(),
    premium_discount: z
      .number()
      .nullable()
      .openapi({ description: "% above (+) or below (-) the market price" }),
    market_price: z.number().nullable(),
    market_price_source: z.string().nullable().openapi({ description: "nbbo_mid, last_lit or provided" }),
    is_premium: z.boolean().nullable(),
    sentiment: z.string().openapi({ description: "Estimate from the print's place against the NBBO" }),
    side: z.string(),
    exchange: z.string(),
    trf_id: z.number().nullable(),
    is_off_exchange: z.boolean(),
    conditions: z.array(z.string()),
    block_eligible: z.boolean(),
    exclusion_reason: z.string().nullable(),
    is_iso: z.boolean(),
    is_late: z.boolean(),
    trade_key: z.string(),
    source: z.string(),
    source_ref: z.string(),
  })
  .openapi("DarkPoolPrint");

/** A print as pushed live and returned by `/dark-pool/{symbol}/prints`. */
export type PrintWire = z.infer<typeof PrintWireSchema>;

type PrintRow = typeof schema.prints.$inferSelect;

const isPremium = (pct: number | null): boolean | null => (pct === null ? null : pct > 0);
const tickOrNull = (price: number | null | undefined): number | null =>
  price == null ? null : toTick(price);

/** A live (just enriched) print in wire form. */
export function toPrintWire(p: EnrichedPrint): PrintWire {
  return {
    symbol: p.symbol,
    timestamp: p.ts.toISOString(),
    price: toTick(p.price),
    size: p.sizeShares,
    value: cents(p.valueUsd),
    premium_discount: p.premiumDiscountPct,
    market_price: tickOrNull(p.marketPrice),
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
    price: toTick(r.price),
    size: r.size,
    value: cents(r.valueUsd),
    premium_discount: r.premiumDiscountPct,
    market_price: tickOrNull(r.marketPrice),
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
