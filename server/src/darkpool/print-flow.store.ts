/**
 * Reads of stored prints for the blocks area: the large prints of a symbol (tracked blocks) as enriched
 * prints, and one window's price move against its off-exchange and block flow (the price/flow divergence).
 */
import { type Db, rowsOf, schema } from "@smt/db";
import { and, desc, eq, gte, sql } from "drizzle-orm";
import { num, numOrNull } from "../lib/row-values";
import type { EnrichedPrint } from "./print";
import { inWindow, type PrintWindow } from "./print-sql";

/** A stored print row in the pipeline's shape (for the pure block classification). */
export function printRowToEnriched(r: typeof schema.prints.$inferSelect): EnrichedPrint {
  return {
    symbol: r.symbol,
    ts: r.ts,
    price: r.price,
    sizeShares: r.size,
    exchange: r.exchange,
    trfId: r.trfId,
    isOffExchange: r.isOffExchange,
    tape: r.tape,
    conditions: r.conditions,
    conditionScheme: r.conditions.some((c) => /^\d+$/.test(c)) ? "polygon" : "sip_letter",
    correction: r.correction,
    source: r.source,
    sourceRef: r.sourceRef,
    publishedAt: r.publishedAt,
    tradeKey: r.tradeKey,
    valueUsd: r.valueUsd,
    blockEligible: r.blockEligible,
    exclusionReason: r.exclusionReason,
    isIso: r.isIso,
    isLate: r.isLate,
    extendedHours: r.extendedHours,
    marketPrice: r.marketPrice,
    marketPriceSource: r.marketPriceSource as EnrichedPrint["marketPriceSource"],
    bid: r.bid,
    ask: r.ask,
    premiumDiscountPct: r.premiumDiscountPct,
    side: r.side as EnrichedPrint["side"],
    sentiment: r.sentiment as EnrichedPrint["sentiment"],
  };
}

/** Counted prints of a symbol at or above a value (since `since` when given), newest first. */
export async function largePrints(
  db: Db,
  symbol: string,
  minValueUsd: number,
  since: Date | undefined,
  limit: number,
): Promise<EnrichedPrint[]> {
  const t = schema.prints;
  const conds = [eq(t.symbol, symbol), gte(t.valueUsd, minValueUsd), sql`${t.correction} < 7`];
  if (since) conds.push(gte(t.ts, since));
  const rows = await db
    .select()
    .from(t)
    .where(and(...conds))
    .orderBy(desc(t.ts))
    .limit(limit);
  return rows.map(printRowToEnriched);
}

/** One window's price move and its off-exchange and block flow by sentiment (USD). */
export interface PriceFlowWindow {
  /** First and last price of the block-eligible, on-time prints; null without any. */
  firstPrice: number | null;
  lastPrice: number | null;
  pricePrints: number;
  darkPoolBullishUsd: number;
  darkPoolBearishUsd: number;
  /** Block-eligible, on-time prints at or above the block threshold, on or off exchange. */
  blockBullishUsd: number;
  blockBearishUsd: number;
}

/** The equity side of the price/flow divergence over [since, until), blocks at `blockMinUsd`. */
export async function priceFlowWindow(db: Db, w: PrintWindow, blockMinUsd: number): Promise<PriceFlowWindow> {
  const window = inWindow(w);
  const priced = sql`${window} and block_eligible and not is_late`;
  const block = sql`value_usd >= ${blockMinUsd} and block_eligible and not is_late`;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select
        (select price from prints where ${priced} order by ts asc limit 1) as first_price,
        (select price from prints where ${priced} order by ts desc limit 1) as last_price,
        count(*) filter (where block_eligible and not is_late) as price_prints,
        coalesce(sum(value_usd) filter (where is_off_exchange and block_eligible and sentiment = 'bullish'), 0) as dark_bull,
        coalesce(sum(value_usd) filter (where is_off_exchange and block_eligible and sentiment = 'bearish'), 0) as dark_bear,
        coalesce(sum(value_usd) filter (where ${block} and sentiment = 'bullish'), 0) as block_bull,
        coalesce(sum(value_usd) filter (where ${block} and sentiment = 'bearish'), 0) as block_bear
      from prints
      where ${window} and correction < 7`),
  );
  const e = rows[0];
  return {
    firstPrice: numOrNull(e?.first_price),
    lastPrice: numOrNull(e?.last_price),
    pricePrints: num(e?.price_prints),
    darkPoolBullishUsd: num(e?.dark_bull),
    darkPoolBearishUsd: num(e?.dark_bear),
    blockBullishUsd: num(e?.block_bull),
    blockBearishUsd: num(e?.block_bear),
  };
}
