/**
 * Limits that keep a hostile XML document from costing more than a bounded amount of memory and time.
 * Tuned so real EDGAR filings parse: the largest 13F information tables (Vanguard, BlackRock) are
 * 60-120 MB with ~25k-250k rows (the XSD caps a table at 250,000 `infoTable` rows), nest 4-5 levels
 * deep, and their longest text node is a 150-character issuer name or a Form 4 footnote of a few KB.
 */
export interface XmlLimits {
  /** Whole document, in bytes (UTF-8). */
  maxBytes: number;
  /** Element nesting depth. Filings nest < 10 levels. */
  maxDepth: number;
  /** Characters in one text node, attribute value or tag, counted on the raw input. */
  maxTextChars: number;
  /** Numeric character references (`&#65;`, `&#x41;`) within one text node or tag. */
  maxNumericRefs: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 256 * 1024 * 1024,
  maxDepth: 64,
  maxTextChars: 1024 * 1024,
  maxNumericRefs: 4096,
};

/** Thrown inside the tokenizer for malformed input; turned into a located `AppError` by the reader. */
export class Malformed extends Error {}
/** Thrown inside the tokenizer for input over a limit or unsafe (a DTD); located by the reader. */
export class Unsafe extends Error {}

export const tooLong = (limits: XmlLimits): Unsafe =>
  new Unsafe(`a text node or tag longer than ${limits.maxTextChars} characters`);

export const tooManyRefs = (limits: XmlLimits): Unsafe =>
  new Unsafe(`more than ${limits.maxNumericRefs} numeric character references in one text node`);
