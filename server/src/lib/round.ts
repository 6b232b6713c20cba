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
