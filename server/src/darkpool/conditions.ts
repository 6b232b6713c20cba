import type { RawPrint } from "./print";

/**
 * Sale-condition tables for US equity trades and the block-analytics treatment of each condition.
 *
 * Polygon/Massive numeric ids with their CTA (tapes A/B) and UTP (tape C) letters come from Polygon's
 * `/v3/reference/conditions?asset_class=stocks` (ids 1-10 checked against the saved response,
 * `samples/trades/polygon_v3_reference_conditions_stocks_first10.json`) and QuantConnect's
 * `PolygonSIPTradeMappings` (ids 0-59); the letters follow the CTA "CTS Output Specification" and the
 * UTP "UTDF Specification" sale-condition lists as Alpaca republishes them
 * (`/v2/stocks/meta/conditions/trade?tape=A|C`). docs/conditions.md holds the table with the reasons.
 *
 * This runs once per print, so everything is precomputed: each condition maps to a bit mask, a print's
 * masks are OR-ed together and the result object is shared per distinct mask (no allocation per call).
 */

export type ConditionScheme = RawPrint["conditionScheme"];

export type ExclusionReason =
  | "correction_or_cancel"
  | "not_a_trade"
  | "not_eligible"
  | "odd_lot"
  | "average_price"
  | "derivatively_priced"
  | "prior_reference_price"
  | "contingent"
  | "qualified_contingent"
  | "special_settlement"
  | "price_variation";

/** How a print's conditions bear on block analytics. */
export interface ConditionClass {
  /** False when a condition means the print must not count as an institutional block. */
  readonly blockEligible: boolean;
  /** The first reason (in `EXCLUSION_ORDER`) the print is not eligible, null when it is. */
  readonly exclusionReason: ExclusionReason | null;
  /** Intermarket sweep order (Reg NMS Rule 611(b)(5)/(6)): an aggressive, liquidity-taking order. */
  readonly isIso: boolean;
  /** Reported late: sold last, out of sequence, as-of. Keep out of time-based signals. */
  readonly isLate: boolean;
  /** Form T: executed outside 09:30-16:00 ET. */
  readonly extendedHours: boolean;
}

/** Exclusion reasons from the strongest to the weakest; the first one present is reported. */
export const EXCLUSION_ORDER: readonly ExclusionReason[] = [
  "correction_or_cancel",
  "not_a_trade",
  "not_eligible",
  "odd_lot",
  "average_price",
  "derivatively_priced",
  "prior_reference_price",
  "contingent",
  "qualified_contingent",
  "special_settlement",
  "price_variation",
];

const ISO_BIT = 1 << 20;
const LATE_BIT = 1 << 21;
const EXTENDED_BIT = 1 << 22;
const EXCLUSION_BITS = (1 << EXCLUSION_ORDER.length) - 1;
const bitOf = (reason: ExclusionReason): number => 1 << EXCLUSION_ORDER.indexOf(reason);

export type Treatment = ExclusionReason | "iso" | "late" | "extended";

export interface StockTradeCondition {
  polygonId: number;
  name: string;
  /** CTA letter (NYSE / NYSE American / Arca listed, tapes A and B). */
  cta: string | null;
  /** UTP letter (Nasdaq listed, tape C). */
  utp: string | null;
  /** Empty = a regular print for block analytics. */
  treatment: readonly Treatment[];
}

const row = (
  polygonId: number,
  name: string,
  cta: string | null,
  utp: string | null,
  ...treatment: Treatment[]
): StockTradeCondition => ({ polygonId, name, cta, utp, treatment });

/** The full table implemented (docs/conditions.md mirrors it). */
export const STOCK_TRADE_CONDITIONS: readonly StockTradeCondition[] = [
  row(0, "Regular Sale", "@", "@"),
  row(1, "Acquisition", null, "A"),
  row(2, "Average Price Trade", "B", "W", "average_price"),
  row(3, "Automatic Execution", "E", null),
  row(4, "Bunched Trade", null, "B"),
  row(5, "Bunched Sold Trade", null, "G", "late"),
  row(6, "CAP Election (legacy)", null, null),
  row(7, "Cash Sale", "C", "C", "special_settlement"),
  row(8, "Closing Prints", null, "6"),
  row(9, "Cross Trade", "X", "X"),
  row(10, "Derivatively Priced", "4", "4", "derivatively_priced"),
  row(11, "Distribution", null, "D"),
  row(12, "Form T (extended hours)", "T", "T", "extended"),
  row(13, "Extended Trading Hours (Sold Out of Sequence)", "U", "U", "extended", "late"),
  row(14, "Intermarket Sweep", "F", "F", "iso"),
  row(15, "Market Center Official Close", "M", "M", "not_a_trade"),
  row(16, "Market Center Official Open", "Q", "Q", "not_a_trade"),
  row(17, "Market Center Opening Trade", "O", null),
  row(18, "Market Center Reopening Trade", "5", null),
  row(19, "Market Center Closing Trade", "6", null),
  row(20, "Next Day", "N", "N", "special_settlement"),
  row(21, "Price Variation Trade", "H", "H", "price_variation"),
  row(22, "Prior Reference Price", "P", "P", "prior_reference_price"),
  row(23, "Rule 155 Trade (AMEX)", "K", "K"),
  row(24, "Rule 127 (NYSE)", null, null),
  row(25, "Opening Prints", null, "O"),
  row(26, "Opened (legacy)", null, null),
  row(27, "Stopped Stock (Regular Trade)", null, "1"),
  row(28, "Re-Opening Prints", null, "5"),
  row(29, "Seller", "R", "R", "special_settlement"),
  row(30, "Sold Last", "L", "L", "late"),
  row(31, "Sold Last and Stopped Stock", null, "2", "late"),
  row(32, "Sold (Out of Sequence)", "Z", "Z", "late"),
  row(33, "Sold (Out of Sequence) and Stopped Stock", null, "3", "late"),
  row(34, "Split Trade", null, "S"),
  row(35, "Stock Option", null, null, "contingent"),
  row(36, "Yellow Flag Regular Trade", null, "Y"),
  row(37, "Odd Lot Trade", "I", "I", "odd_lot"),
  row(38, "Corrected Consolidated Close (per listing market)", "9", "9", "not_a_trade"),
  row(39, "Unknown (legacy)", null, null),
  row(40, "Held (legacy)", null, null),
  row(41, "Trade Thru Exempt", null, null),
  row(42, "NonEligible (legacy)", null, null, "not_eligible"),
  row(43, "NonEligible Extended (legacy)", null, null, "not_eligible", "extended"),
  row(44, "Cancelled (legacy)", null, null, "correction_or_cancel"),
  row(45, "Recovery (legacy)", null, null),
  row(46, "Correction (legacy)", null, null, "correction_or_cancel"),
  row(47, "As Of (legacy)", null, null, "late"),
  row(48, "As Of Correction (legacy)", null, null, "correction_or_cancel", "late"),
  row(49, "As Of Cancel (legacy)", null, null, "correction_or_cancel"),
  row(50, "OOB (legacy)", null, null),
  row(51, "Summary (legacy)", null, null, "not_a_trade"),
  row(52, "Contingent Trade", "V", "V", "contingent"),
  row(53, "Qualified Contingent Trade (QCT)", "7", "7", "qualified_contingent"),
  row(54, "Errored (legacy)", null, null, "correction_or_cancel"),
  row(55, "Opening Reopening Trade Detail", null, null),
  row(56, "Placeholder", null, null),
  row(57, "Placeholder", null, null),
  row(58, "Placeholder", null, null),
  row(59, "Placeholder for 611 Exempt", "8", "8"),
];

function maskOf(treatment: readonly Treatment[]): number {
  let mask = 0;
  for (const t of treatment) {
    if (t === "iso") mask |= ISO_BIT;
    else if (t === "late") mask |= LATE_BIT;
    else if (t === "extended") mask |= EXTENDED_BIT;
    else mask |= bitOf(t);
  }
  return mask;
}

const polygonMasks = new Map<string, number>();
const ctaMasks = new Map<string, number>();
const utpMasks = new Map<string, number>();
/** Either plan's meaning when the tape is unknown: the union, so an exclusion in one plan wins. */
const anyLetterMasks = new Map<string, number>();

for (const c of STOCK_TRADE_CONDITIONS) {
  const mask = maskOf(c.treatment);
  polygonMasks.set(String(c.polygonId), mask);
  if (c.cta !== null) ctaMasks.set(c.cta, (ctaMasks.get(c.cta) ?? 0) | mask);
  if (c.utp !== null) utpMasks.set(c.utp, (utpMasks.get(c.utp) ?? 0) | mask);
}
// CTA sends a space for a regular sale; Alpaca and others write "@".
ctaMasks.set(" ", 0);
utpMasks.set(" ", 0);
for (const m of [ctaMasks, utpMasks]) {
  for (const [letter, mask] of m) anyLetterMasks.set(letter, (anyLetterMasks.get(letter) ?? 0) | mask);
}

const CORRECTION_BIT = bitOf("correction_or_cancel");
const classCache = new Map<number, ConditionClass>();

function classOfMask(mask: number): ConditionClass {
  let cls = classCache.get(mask);
  if (cls === undefined) {
    const exclusions = mask & EXCLUSION_BITS;
    let exclusionReason: ExclusionReason | null = null;
    if (exclusions !== 0) {
      for (let i = 0; i < EXCLUSION_ORDER.length; i++) {
        if (exclusions & (1 << i)) {
          exclusionReason = EXCLUSION_ORDER[i] ?? null;
          break;
        }
      }
    }
    cls = Object.freeze({
      blockEligible: exclusionReason === null,
      exclusionReason,
      isIso: (mask & ISO_BIT) !== 0,
      isLate: (mask & LATE_BIT) !== 0,
      extendedHours: (mask & EXTENDED_BIT) !== 0,
    });
    classCache.set(mask, cls);
  }
  return cls;
}

/** Which plan's letters a tape uses: A and B are CTA, C is UTP (Polygon writes tapes as 1, 2, 3). */
function letterMasksFor(tape: string | null | undefined): Map<string, number> {
  if (tape === "A" || tape === "B" || tape === "1" || tape === "2") return ctaMasks;
  if (tape === "C" || tape === "3") return utpMasks;
  return anyLetterMasks;
}

export interface ClassifyOptions {
  /** Tape A/B/C (or 1/2/3): picks CTA or UTP letters. Unknown tape: an exclusion in either plan wins. */
  tape?: string | null | undefined;
  /**
   * Polygon trade correction indicator. 7 (later marked erroneous), 8 (later cancelled), 10 (cancel
   * record), 11 (error record) and 12 (correction record carrying the original, incorrect data) are not
   * usable prints; 1 (original trade later corrected) carries the corrected data and is kept.
   */
  correction?: number | null | undefined;
}

/**
 * Classifies a print's sale conditions for block analytics. Conditions the tables do not know are
 * ignored (treated as regular), because a new vendor condition must not silently drop volume.
 */
export function classifyConditions(
  conditions: readonly string[],
  scheme: ConditionScheme,
  options?: ClassifyOptions,
): ConditionClass {
  const masks = scheme === "polygon" ? polygonMasks : letterMasksFor(options?.tape);
  let mask = 0;
  for (let i = 0; i < conditions.length; i++) {
    const m = masks.get(conditions[i] as string);
    if (m !== undefined) mask |= m;
  }
  const correction = options?.correction;
  if (correction !== undefined && correction !== null && correction >= 7) mask |= CORRECTION_BIT;
  return classOfMask(mask);
}
