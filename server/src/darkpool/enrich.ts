import { createHash } from "node:crypto";
import { etDateOf } from "../lib/et-time";
import { classifyConditions } from "./conditions";
import type { EnrichedPrint, Quote, RawPrint, Sentiment, Side } from "./print";

/**
 * Print enrichment: sale-condition class, market price, premium/discount, side against the NBBO and the
 * sentiment estimate (ARCHITECTURE.md invariant 6: direction is an estimate, labelled by its source).
 * docs/methodology.md and docs/conditions.md give the formulas and the condition table.
 */

export interface PrintEnricherParams {
  /** How old a quote or last lit print may be and still give the market price. */
  lastLitWindowMs: number;
  /**
   * "At the bid/ask" and "neutral premium" tolerance in basis points of the price; the tolerance is never
   * below one cent (the minimum tick for stocks priced at $1 or more, Reg NMS Rule 612).
   */
  midToleranceBps?: number;
}

const CENT = 0.01;
/** Float noise guard in price comparisons. */
const EPS = 1e-9;

interface LastLit {
  tsMs: number;
  price: number;
}

/** Part of the natural key: the vendor, so one vendor's trade id seen through flat file, REST or socket dedupes. */
const familyCache = new Map<string, string>();
function sourceFamily(source: string): string {
  let family = familyCache.get(source);
  if (family === undefined) {
    const cut = source.indexOf("_");
    family = cut === -1 ? source : source.slice(0, cut);
    familyCache.set(source, family);
  }
  return family;
}

/**
 * The natural key of a print. With a vendor trade id (unique per symbol, venue and TRF for one trading day,
 * Polygon `/v3/trades` docs): `family|symbol|YYYY-MM-DD (New York)|exchange|trfId|tradeId`. Without one:
 * the first 16 hex digits of SHA-1 over symbol, time, price, size and exchange.
 */
export function tradeKeyOf(p: RawPrint): string {
  const tsMs = p.ts.getTime();
  if (p.tradeId !== undefined && p.tradeId !== null && p.tradeId.length > 0) {
    return `${sourceFamily(p.source)}|${p.symbol}|${etDateOf(tsMs)}|${p.exchange}|${p.trfId ?? ""}|${p.tradeId}`;
  }
  return createHash("sha1")
    .update(`${p.symbol}|${tsMs}|${p.price}|${p.sizeShares}|${p.exchange}`)
    .digest("hex")
    .slice(0, 16);
}

/**
 * Keeps per-symbol market state (last quote, last lit print) and enriches prints in arrival order. One
 * instance per pipeline; state is memory only, bounded by the number of symbols seen.
 */
export class PrintEnricher {
  private readonly windowMs: number;
  private readonly toleranceBps: number;
  private readonly quotes = new Map<string, Quote>();
  private readonly lastLit = new Map<string, LastLit>();

  constructor(params: PrintEnricherParams) {
    if (!(params.lastLitWindowMs >= 0)) throw new RangeError("lastLitWindowMs must be >= 0");
    this.windowMs = params.lastLitWindowMs;
    this.toleranceBps = params.midToleranceBps ?? 0;
  }

  /** Records a quote; an older quote than the one held for the symbol is ignored. Crossed quotes are ignored. */
  onQuote(q: Quote): void {
    if (!(q.bid > 0) || !(q.ask > 0) || q.bid > q.ask) return;
    const held = this.quotes.get(q.symbol);
    if (held === undefined || held.ts.getTime() <= q.ts.getTime()) this.quotes.set(q.symbol, q);
  }

  /** Price tolerance at a price: a cent, or `midToleranceBps` of the price when that is larger. */
  private toleranceAt(price: number): number {
    const bps = (this.toleranceBps * price) / 10_000;
    return Math.max(bps, CENT);
  }

  /**
   * The print with its condition class, NBBO, market price (NBBO mid, else the last lit trade within the
   * window, else the vendor's), premium/discount, side and sentiment: against the NBBO when there is one,
   * else against the market price (sentiment only). A lit, block-eligible print then becomes the symbol's
   * last lit trade.
   */
  enrich(p: RawPrint): EnrichedPrint {
    const tsMs = p.ts.getTime();
    const cls = classifyConditions(p.conditions, p.conditionScheme, {
      tape: p.tape,
      correction: p.correction,
    });
    const nbbo = this.nbboOf(p, tsMs);
    const price = p.price;
    const litPrice = nbbo === null ? this.lastLitPrice(p.symbol, tsMs) : null;
    const vendorPrice = p.marketPrice != null && p.marketPrice > 0 ? p.marketPrice : null;
    const marketPrice = nbbo !== null ? (nbbo.bid + nbbo.ask) / 2 : (litPrice ?? vendorPrice);
    const tolerance = this.toleranceAt(price);
    const side = nbbo === null ? "unknown" : sideAgainst(price, nbbo.bid, nbbo.ask, tolerance);
    // Lit, block-eligible prints give the market price for later prints of the symbol.
    if (!p.isOffExchange && cls.blockEligible) this.rememberLit(p.symbol, tsMs, price);

    // An explicit literal, not `{ ...p, ... }`: V8 takes a slow path when spreading a ~20-field object and
    // adding a dozen more (measured ~50 us vs ~0.2 us per print). Keep in step with RawPrint/EnrichedPrint.
    return {
      symbol: p.symbol,
      ts: p.ts,
      price,
      sizeShares: p.sizeShares,
      exchange: p.exchange,
      exchangeId: p.exchangeId ?? null,
      trfId: p.trfId ?? null,
      isOffExchange: p.isOffExchange,
      tape: p.tape ?? null,
      conditions: p.conditions,
      conditionScheme: p.conditionScheme,
      correction: p.correction,
      tradeId: p.tradeId ?? null,
      bid: nbbo === null ? null : nbbo.bid,
      ask: nbbo === null ? null : nbbo.ask,
      source: p.source,
      sourceRef: p.sourceRef,
      publishedAt: p.publishedAt ?? null,
      tradeKey: tradeKeyOf(p),
      valueUsd: price * p.sizeShares,
      blockEligible: cls.blockEligible,
      exclusionReason: cls.exclusionReason,
      isIso: cls.isIso,
      isLate: cls.isLate,
      extendedHours: cls.extendedHours,
      marketPrice,
      marketPriceSource:
        nbbo !== null
          ? "nbbo_mid"
          : litPrice !== null
            ? "last_lit"
            : vendorPrice !== null
              ? "provided"
              : null,
      premiumDiscountPct: marketPrice === null ? null : ((price - marketPrice) / marketPrice) * 100,
      side,
      sentiment: nbbo !== null ? sentimentOfSide(side) : sentimentAgainst(price, marketPrice, tolerance),
    };
  }

  /** The print's own bid/ask, else the last quote of the symbol within the window, else null. */
  private nbboOf(p: RawPrint, tsMs: number): Nbbo | null {
    if (p.bid != null && p.ask != null && p.bid > 0 && p.ask >= p.bid) return p as Nbbo;
    const q = this.quotes.get(p.symbol);
    if (q === undefined) return null;
    const ageMs = tsMs - q.ts.getTime();
    return ageMs >= 0 && ageMs <= this.windowMs ? q : null;
  }

  /** The price of the symbol's last lit trade when it is within the window before `tsMs`, else null. */
  private lastLitPrice(symbol: string, tsMs: number): number | null {
    const lit = this.lastLit.get(symbol);
    return lit !== undefined && tsMs - lit.tsMs >= 0 && tsMs - lit.tsMs <= this.windowMs ? lit.price : null;
  }

  /** The symbol's last lit trade moves forward in time only. */
  private rememberLit(symbol: string, tsMs: number, price: number): void {
    const held = this.lastLit.get(symbol);
    if (held === undefined) this.lastLit.set(symbol, { tsMs, price });
    else if (held.tsMs <= tsMs) {
      held.tsMs = tsMs;
      held.price = price;
    }
  }
}

interface Nbbo {
  bid: number;
  ask: number;
}

/** Sentiment of a side of the NBBO: at or above the ask bullish, mid neutral, at or below the bid bearish. */
const sentimentOfSide = (side: Side): Sentiment =>
  side === "above_ask" || side === "at_ask" ? "bullish" : side === "mid" ? "neutral" : "bearish";

/** Sentiment against a market price without an NBBO: above it beyond the tolerance bullish, below bearish. */
function sentimentAgainst(price: number, marketPrice: number | null, tolerance: number): Sentiment {
  if (marketPrice === null) return "unknown";
  const diff = price - marketPrice;
  return diff > tolerance + EPS ? "bullish" : diff < -tolerance - EPS ? "bearish" : "neutral";
}

/**
 * Where a price sits against the NBBO. Inside the spread but not within the tolerance of either side is
 * `mid`; within the tolerance of both (one-tick spreads) the nearer side wins, a tie is `mid`.
 */
export function sideAgainst(price: number, bid: number, ask: number, tolerance: number): Side {
  if (price > ask + tolerance + EPS) return "above_ask";
  if (price < bid - tolerance - EPS) return "below_bid";
  const toAsk = Math.abs(price - ask);
  const toBid = Math.abs(price - bid);
  if (toAsk <= tolerance + EPS && toAsk + EPS < toBid) return "at_ask";
  if (toBid <= tolerance + EPS && toBid + EPS < toAsk) return "at_bid";
  if (price > ask) return "at_ask";
  if (price < bid) return "at_bid";
  return "mid";
}
