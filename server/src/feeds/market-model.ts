import type { Quote, RawPrint } from "../darkpool/print";
import { demoBasePrice, symbolSeed } from "./demo-path";

export { symbolSeed };

/** A seeded PRNG (mulberry32) so demo data is reproducible for a given seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lit venues (SIP letters) used by the simulator, weighted roughly by market share. */
const LIT_VENUES = ["Q", "N", "P", "K", "Z", "V", "U", "J", "Y", "X"];

export interface MarketModelOptions {
  seed?: number;
  /** Share of prints that print off-exchange (FINRA TRF/ADF). Real US equities: ~40-50% of volume. */
  offExchangeShare?: number;
  /** Probability that a print is an institutional block (10k to 500k shares). */
  blockProbability?: number;
  /** Prefix of trade ids, so two models (history and simulator) never mint the same id. */
  tradeIdPrefix?: string;
}

/**
 * A small market model for demo data and the live simulator: a random-walk mid price with a spread,
 * print sizes drawn from a log-normal body (median ~100 shares, odd lots common) with rare large blocks,
 * off-exchange prints placed inside, at or outside the quote. It is labelled `demo` wherever it is stored.
 */
export class MarketModel {
  private readonly random: () => number;
  private readonly mids = new Map<string, number>();
  private readonly offShare: number;
  private readonly blockP: number;
  private readonly idPrefix: string;
  private seq = 0;

  constructor(o: MarketModelOptions = {}) {
    this.random = rng(o.seed ?? 42);
    this.idPrefix = o.tradeIdPrefix ?? "demo";
    this.offShare = o.offExchangeShare ?? 0.4;
    this.blockP = o.blockProbability ?? 0.01;
  }

  mid(symbol: string): number {
    let m = this.mids.get(symbol);
    if (m === undefined) {
      m = demoBasePrice(symbol);
      this.mids.set(symbol, m);
    }
    return m;
  }

  /** Places the mid (to the cent), e.g. on the demo price path. */
  setMid(symbol: string, price: number): number {
    const rounded = Math.max(1, Math.round(price * 100) / 100);
    this.mids.set(symbol, rounded);
    return rounded;
  }

  /** Moves the mid by a Gaussian step of `sigma` (fraction of price). */
  step(symbol: string, sigma: number, drift = 0): number {
    const m = this.mid(symbol) * (1 + drift + sigma * this.gaussian());
    const rounded = Math.max(1, Math.round(m * 100) / 100);
    this.mids.set(symbol, rounded);
    return rounded;
  }

  quote(symbol: string, ts: Date): Quote {
    const mid = this.mid(symbol);
    const half = Math.max(0.005, Math.round(mid * 0.0001 * 100) / 100);
    return {
      symbol,
      ts,
      bid: Math.round((mid - half) * 100) / 100,
      ask: Math.round((mid + half) * 100) / 100,
    };
  }

  /** One print with the quote it happened against. `bias` (-1..1) tilts off-exchange prints toward ask or bid. */
  print(symbol: string, ts: Date, source: string, bias = 0): RawPrint {
    const q = this.quote(symbol, ts);
    const off = this.random() < this.offShare;
    // Blocks print on both lit and off-exchange venues, so the off-exchange share of volume stays near offShare.
    const block = this.random() < this.blockP;
    const size = block ? Math.round(10_000 + this.random() ** 3 * 190_000) : this.retailSize();
    const u = this.random() + bias * 0.3;
    const price = off
      ? u > 0.85
        ? q.ask + 0.01
        : u > 0.6
          ? q.ask
          : u > 0.4
            ? Math.round(((q.bid + q.ask) / 2) * 1000) / 1000
            : u > 0.15
              ? q.bid
              : q.bid - 0.01
      : u > 0.5
        ? q.ask
        : q.bid;
    this.seq++;
    const conditions = size < 100 ? ["I"] : block && this.random() < 0.3 ? ["F"] : ["@"];
    return {
      symbol,
      ts,
      price: Math.round(price * 10000) / 10000,
      sizeShares: size,
      exchange: off ? "D" : (LIT_VENUES[Math.floor(this.random() * LIT_VENUES.length)] as string),
      trfId: off ? 201 + Math.floor(this.random() * 3) : null,
      isOffExchange: off,
      tape: "C",
      conditions,
      conditionScheme: "sip_letter",
      correction: 0,
      tradeId: `${this.idPrefix}-${ts.getTime()}-${this.seq}`,
      bid: q.bid,
      ask: q.ask,
      source,
      sourceRef: `${source}:${symbol}:${this.seq}`,
      publishedAt: ts,
    };
  }

  /** A block of a given value, off-exchange, at the ask: what a $10M+ alert test or demo needs. */
  block(symbol: string, ts: Date, valueUsd: number, source: string): RawPrint {
    const q = this.quote(symbol, ts);
    const size = Math.round(valueUsd / q.ask);
    this.seq++;
    return {
      symbol,
      ts,
      price: q.ask,
      sizeShares: size,
      exchange: "D",
      trfId: 202,
      isOffExchange: true,
      tape: "C",
      conditions: ["@"],
      conditionScheme: "sip_letter",
      correction: 0,
      tradeId: `${this.idPrefix}-block-${ts.getTime()}-${this.seq}`,
      bid: q.bid,
      ask: q.ask,
      source,
      sourceRef: `${source}:${symbol}:${this.seq}`,
      publishedAt: ts,
    };
  }

  uniform(): number {
    return this.random();
  }

  gaussian(): number {
    const u = Math.max(1e-12, this.random());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  /** Retail-heavy sizes: ~30% odd lots, round lots around 100-500, a tail to a few thousand. */
  private retailSize(): number {
    if (this.random() < 0.3) return 1 + Math.floor(this.random() * 99);
    return Math.max(100, Math.round(Math.exp(5.3 + 0.9 * this.gaussian()) / 100) * 100);
  }
}
