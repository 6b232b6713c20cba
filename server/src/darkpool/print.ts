/**
 * The canonical trade print every vendor format is parsed into, before enrichment. Timestamps are event
 * time (SIP time for Polygon, `t` for Alpaca) in UTC.
 */
export interface RawPrint {
  symbol: string;
  ts: Date;
  price: number;
  sizeShares: number;
  /** SIP participant letter; `D` = FINRA ADF/TRF (off-exchange). */
  exchange: string;
  /** Vendor's numeric exchange id when it has one (Polygon: 4 = TRF/ADF). */
  exchangeId?: number | null;
  /** Polygon `trf_id`: 201 NYSE TRF, 202 Nasdaq TRF Carteret, 203 Nasdaq TRF Chicago. */
  trfId?: number | null;
  isOffExchange: boolean;
  /** A, B or C. */
  tape?: string | null;
  /** Sale conditions as the vendor sent them: Polygon numeric ids as strings, or CTA/UTP letters. */
  conditions: string[];
  /** Which dictionary `conditions` uses. */
  conditionScheme: "polygon" | "sip_letter";
  /** Trade correction indicator (Polygon `correction`), 0 = regular. */
  correction: number;
  /** Vendor trade id, when the vendor gives one. */
  tradeId?: string | null;
  /** A market price supplied with the print (the original specification's `market_price`). */
  marketPrice?: number | null;
  /** NBBO at the time of the print when the source carries it. */
  bid?: number | null;
  ask?: number | null;
  source: string;
  /** File and line, or feed message id. */
  sourceRef: string;
  /** When the print became known (SIP time for live feeds; the file's publication for flat files). */
  publishedAt?: Date | null;
}

/** A quote update from a live feed, used to keep the NBBO per symbol. */
export interface Quote {
  symbol: string;
  ts: Date;
  bid: number;
  ask: number;
}

export type Side = "above_ask" | "at_ask" | "mid" | "at_bid" | "below_bid" | "unknown";
export type Sentiment = "bullish" | "bearish" | "neutral" | "unknown";

/** A print after enrichment: what is stored and pushed to sockets. */
export interface EnrichedPrint extends RawPrint {
  tradeKey: string;
  valueUsd: number;
  blockEligible: boolean;
  exclusionReason: string | null;
  isIso: boolean;
  isLate: boolean;
  extendedHours: boolean;
  marketPrice: number | null;
  marketPriceSource: "nbbo_mid" | "last_lit" | "provided" | null;
  premiumDiscountPct: number | null;
  side: Side;
  sentiment: Sentiment;
}
