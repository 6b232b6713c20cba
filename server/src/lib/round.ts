/** Rounding and percentages for payloads: one definition for every area. */

/** Rounds to `decimals` places; turns -0 into 0 so JSON never shows `-0`. */
export const roundTo = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r;
};

/** `roundTo` that passes null through; 4 decimals unless told. */
export const round = (x: number | null, decimals = 4): number | null =>
  x === null ? null : roundTo(x, decimals);

/** `part` as a percentage of `whole`, unrounded; null when `whole` is not positive. */
export const percent = (part: number, whole: number): number | null =>
  whole > 0 ? (part / whole) * 100 : null;

/** Dollars to the cent: money in payloads (`3824012.3200000003` -> `3824012.32`). */
export const cents = (usd: number): number => roundTo(usd, 2);

/**
 * A price to the tick. US equities quote in pennies at $1 and above and print sub-penny only at the
 * midpoint or under $1 (Reg NMS Rule 612: $0.0001), so 4 decimals keeps every real price and clears
 * float noise such as `190.85000000000002`.
 */
export const toTick = (price: number): number => roundTo(price, 4);

const MONEY_KEY = /(^value$|^premium$|_usd$|Usd$|_premium$|^value_|_value$)/;
const PRICE_KEY = /(^price$|_price$|^(bid|ask|open|high|low|close|vwap|strike)$)/;

/**
 * A payload with its money fields (`value`, `premium`, `*_usd`, `*_premium`) rounded to the cent and its
 * price fields (`price`, `*_price`, `bid`, `ask`, OHLC, `vwap`, `strike`) to the tick, at any depth.
 * Other numbers (counts, ratios, scores) are left alone. For the point where a payload is shaped.
 */
export function roundMoneyFields<T>(payload: T): T {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === "number")
      return Number.isFinite(v) ? (MONEY_KEY.test(key) ? cents(v) : PRICE_KEY.test(key) ? toTick(v) : v) : v;
    if (Array.isArray(v)) return v.map((x) => walk(x, key));
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(payload, "") as T;
}
