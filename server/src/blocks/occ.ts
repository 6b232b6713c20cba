/**
 * OCC / OSI option symbology (OCC "Options Symbology Initiative", 2010): a 1-6 character root, the
 * expiry as YYMMDD, `C` or `P`, and the strike x 1000 as 8 digits. Vendors write it three ways:
 *
 * - OCC 21-character: root left-justified and space-padded to 6 (`AAPL  251219C00200000`);
 * - Polygon / Massive: `O:` + unpadded root (`O:AAPL251219C00200000`);
 * - Alpaca: unpadded root, no prefix (`AAPL251219C00200000`).
 *
 * The root is not always the underlying (docs/blocks.md "Root to underlying"):
 * - PM-settled and weekly index series have their own roots (`SPXW` -> SPX, `NDXP` -> NDX, ...);
 * - after a corporate action (split, merger, special dividend) OCC adjusts existing series and gives
 *   them a new root with a trailing digit (`AMCR1`); one such contract no longer delivers 100 plain
 *   shares, so it is marked `adjusted` and kept apart from the standard chain.
 */

import { CANONICAL_SYMBOL } from "../lib/symbol-form";

export type OptionRight = "call" | "put";

export interface OptionContract {
  /** Canonical key: the unpadded OSI form without prefix (`AAPL251219C00200000`). */
  contract: string;
  /** The OCC root as written in the symbol (`SPXW`, `AMCR1`, `AAPL`). */
  root: string;
  /** The instrument the contract is on (`SPX` for `SPXW`, `AMCR` for `AMCR1`). */
  underlying: string;
  /** Expiration date, `YYYY-MM-DD`. */
  expiry: string;
  right: OptionRight;
  /** Strike in dollars (the 8-digit field / 1000). */
  strikeUsd: number;
  /** True for an OCC-adjusted series (root ends with a digit): deliverable is not 100 plain shares. */
  adjusted: boolean;
  /** True when the underlying is a cash-settled index rather than a stock or ETF. */
  isIndex: boolean;
}

/**
 * Roots of index option series that differ from the index symbol. Sources: Cboe product specifications
 * (SPXW: S&P 500 Weeklys/EOM, PM-settled; SPXPM: the earlier PM-settled series; NDXP: Nasdaq-100 PM-settled;
 * RUTW: Russell 2000 Weeklys; VIXW: VIX weekly; DJXW: Dow Jones weekly; XSPW is not used, XSP is one root).
 */
export const INDEX_ROOT_TO_UNDERLYING: Readonly<Record<string, string>> = {
  SPXW: "SPX",
  SPXPM: "SPX",
  NDXP: "NDX",
  RUTW: "RUT",
  VIXW: "VIX",
  DJXW: "DJX",
  OEXW: "OEX",
  XEOW: "XEO",
};

/** Cash-settled indices with listed options (Cboe, Nasdaq PHLX). */
export const INDEX_UNDERLYINGS: ReadonlySet<string> = new Set([
  "SPX",
  "XSP",
  "NDX",
  "XND",
  "RUT",
  "MRUT",
  "VIX",
  "DJX",
  "OEX",
  "XEO",
]);

// Root: letters, digits and a dot (some vendors keep `BRK.B`); spaces only as OCC padding.
const SYMBOL_RE = /^(?:O:)?([A-Z0-9.]{1,6}) *(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;

/** Parses one option symbol in any of the three notations; `null` when it is not one. */
export function parseOptionSymbol(symbol: string): OptionContract | null {
  const m = SYMBOL_RE.exec(symbol.trim().toUpperCase());
  if (m === null) return null;
  const [, root, yy, mm, dd, cp, strike] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!isCalendarDate(2000 + Number(yy), Number(mm), Number(dd))) return null;
  const underlying = underlyingOfRoot(root);
  // Stored as the symbol of the underlying: it must be one a route can ask for (`BRK.B`; `A..B`, `1AB` are not).
  if (!CANONICAL_SYMBOL.test(underlying.underlying)) return null;
  return {
    contract: `${root}${yy}${mm}${dd}${cp}${strike}`,
    root,
    underlying: underlying.underlying,
    // OSI years are two digits; listed options expire at most ~9 years out, so 20YY holds until 2099.
    expiry: `20${yy}-${mm}-${dd}`,
    right: cp === "C" ? "call" : "put",
    strikeUsd: Number(strike) / 1000,
    adjusted: underlying.adjusted,
    isIndex: INDEX_UNDERLYINGS.has(underlying.underlying),
  };
}

/** Why a symbol is not an option symbol, for located parse errors (`is not an OCC option symbol`, or a bad expiry). */
export function optionSymbolProblem(symbol: string): string {
  const m = SYMBOL_RE.exec(symbol.trim().toUpperCase());
  if (m === null) return `${JSON.stringify(symbol)} is not an OCC option symbol`;
  const underlying = underlyingOfRoot(m[1] as string).underlying;
  if (!CANONICAL_SYMBOL.test(underlying)) {
    return `${JSON.stringify(symbol)} has root ${JSON.stringify(m[1])}, whose underlying ${JSON.stringify(underlying)} is not a ticker`;
  }
  return `${JSON.stringify(symbol)} has expiry 20${m[2]}-${m[3]}-${m[4]}, which is not a calendar date`;
}

/** True when year-month-day names a real day of the Gregorian calendar (rejects 2025-02-31, 2023-02-29). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(month) || !Number.isInteger(day) || month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one.
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Root to underlying (documented in docs/blocks.md): index series map, adjusted roots drop the digit. */
export function underlyingOfRoot(root: string): { underlying: string; adjusted: boolean } {
  const mapped = INDEX_ROOT_TO_UNDERLYING[root];
  if (mapped !== undefined) return { underlying: mapped, adjusted: false };
  // OCC appends 1, 2, ... to the root of a series adjusted for a corporate action (AMCR -> AMCR1).
  const adjusted = /^[A-Z.]+\d+$/.exec(root);
  if (adjusted !== null) return { underlying: root.replace(/\d+$/, ""), adjusted: true };
  return { underlying: root, adjusted: false };
}

/** The OCC 21-character form (`AAPL  251219C00200000`). */
export function toOcc21(c: Pick<OptionContract, "contract" | "root">): string {
  return c.root.padEnd(6, " ") + c.contract.slice(c.root.length);
}

/** The Polygon / Massive form (`O:AAPL251219C00200000`). */
export function toPolygonTicker(c: Pick<OptionContract, "contract">): string {
  return `O:${c.contract}`;
}
