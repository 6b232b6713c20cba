import { type ByteSource, readLines } from "../lib/lines";
import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { canonicalSymbol } from "../lib/symbol-form";
import { POLYGON_EXCHANGE_LETTERS } from "./polygon-trades.parse";
import type { RawPrint } from "./print";

/** SIP participant letters (CTA/UTP); `D` is FINRA ADF/TRF. The same set the Polygon id map produces, plus Nasdaq's `Q`. */
const SIP_PARTICIPANTS: ReadonlySet<string> = new Set([...POLYGON_EXCHANGE_LETTERS.values(), "Q"]);

/**
 * NDJSON in the original specification's "Dark Pool Print" shape, one object per line:
 * `{"symbol","timestamp","price","size","value","premium_discount","market_price","is_premium","sentiment"}`
 * plus optional `id`, `exchange` (SIP letter) and `conditions` (CTA/UTP letters). The specification's prints
 * are dark-pool prints, so without `exchange` a print is off-exchange (`D`). The derived fields
 * (`premium_discount`, `is_premium`, `sentiment`) are recomputed by enrichment; only their types are checked.
 *
 * Timestamps without a zone (`2025-11-18T10:30:00`, as in the specification) are read as UTC.
 */

export interface SpecPrintsOptions {
  sourceName: string;
  /** Stored `source`; default `spec_ndjson`. */
  source?: string;
}

/** Relative tolerance for `value` against `price * size` (rounding in the producer). */
const VALUE_TOLERANCE = 0.005;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const SENTIMENTS = new Set(["bullish", "bearish", "neutral", "unknown"]);

class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const describe = (v: unknown): string => (v === undefined ? "missing" : `${JSON.stringify(v)}`);

function positiveNumber(o: Record<string, unknown>, field: string): number {
  const v = o[field];
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new FieldError(field, `${describe(v)} is not a positive number`);
  }
  return v;
}

function optionalNumber(o: Record<string, unknown>, field: string): number | null {
  const v = o[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new FieldError(field, `${describe(v)} is not a number`);
  return v;
}

/** Parses an ISO 8601 timestamp; no zone means UTC. */
export function parseSpecTimestamp(text: string): Date | null {
  const match = ISO_TIMESTAMP.exec(text);
  if (match === null) return null;
  const normalized = text.replace(" ", "T") + (match[1] === undefined ? "Z" : "");
  const ms = Date.parse(normalized);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

function toPrint(o: Record<string, unknown>, storedSource: string, sourceRef: string): RawPrint {
  const symbol = o.symbol;
  if (typeof symbol !== "string" || symbol.trim().length === 0) {
    throw new FieldError("symbol", `${describe(symbol)} is not a symbol`);
  }
  const symbolOf = canonicalSymbol(symbol);
  if (!symbolOf.ok) throw new FieldError("symbol", symbolOf.message);
  const tsText = o.timestamp;
  const ts = typeof tsText === "string" ? parseSpecTimestamp(tsText) : null;
  if (ts === null) throw new FieldError("timestamp", `${describe(tsText)} is not an ISO 8601 timestamp`);
  const price = positiveNumber(o, "price");
  const sizeShares = positiveNumber(o, "size");
  const value = optionalNumber(o, "value");
  if (value !== null && Math.abs(value - price * sizeShares) > VALUE_TOLERANCE * price * sizeShares) {
    throw new FieldError(
      "value",
      `${value} differs from price * size = ${price * sizeShares} by more than 0.5%`,
    );
  }
  optionalNumber(o, "premium_discount");
  const marketPrice = optionalNumber(o, "market_price");
  if (marketPrice !== null && marketPrice <= 0) {
    throw new FieldError("market_price", `${marketPrice} is not a positive price`);
  }
  if (o.is_premium !== undefined && o.is_premium !== null && typeof o.is_premium !== "boolean") {
    throw new FieldError("is_premium", `${describe(o.is_premium)} is not a boolean`);
  }
  if (o.sentiment !== undefined && o.sentiment !== null && !SENTIMENTS.has(o.sentiment as string)) {
    throw new FieldError("sentiment", `${describe(o.sentiment)} is not bullish, bearish, neutral or unknown`);
  }
  let exchange = "D";
  if (o.exchange !== undefined && o.exchange !== null) {
    if (typeof o.exchange !== "string" || !SIP_PARTICIPANTS.has(o.exchange)) {
      throw new FieldError("exchange", `${describe(o.exchange)} is not a SIP participant letter`);
    }
    exchange = o.exchange;
  }
  let conditions: string[] = [];
  if (o.conditions !== undefined && o.conditions !== null) {
    if (!Array.isArray(o.conditions) || !o.conditions.every((c) => typeof c === "string")) {
      throw new FieldError("conditions", "not an array of condition letters");
    }
    conditions = o.conditions as string[];
  }
  let tradeId: string | null = null;
  if (o.id !== undefined && o.id !== null) {
    if (typeof o.id === "number" && Number.isSafeInteger(o.id)) tradeId = String(o.id);
    else if (typeof o.id === "string" && o.id.length > 0) tradeId = o.id;
    else throw new FieldError("id", `${describe(o.id)} is not a trade id`);
  }
  return {
    symbol: symbolOf.symbol,
    ts,
    price,
    sizeShares,
    exchange,
    exchangeId: null,
    trfId: null,
    isOffExchange: exchange === "D",
    tape: null,
    conditions,
    conditionScheme: "sip_letter",
    correction: 0,
    tradeId,
    marketPrice,
    source: storedSource,
    sourceRef,
    publishedAt: ts,
  };
}

/** Parses one line; exported for feeds that receive the same shape one message at a time. */
export function parseSpecPrintLine(
  text: string,
  at: Location,
  storedSource = "spec_ndjson",
): Parsed<RawPrint> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return parsedError(at, `not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return parsedError(at, "line is not a JSON object");
  }
  try {
    const sourceRef = at.line === undefined ? at.source : `${at.source}:${at.line}`;
    return parsedOk(toPrint(value as Record<string, unknown>, storedSource, sourceRef), at);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    return parsedError({ ...at, element: e.field }, `${e.field}: ${e.message}`);
  }
}

/** Parses an NDJSON file of specification-shaped prints; blank lines are skipped. */
export async function* parseSpecPrints(
  source: ByteSource,
  opts: SpecPrintsOptions,
): AsyncGenerator<Parsed<RawPrint>> {
  const storedSource = opts.source ?? "spec_ndjson";
  for await (const { text, line } of readLines(source, opts.sourceName)) {
    if (text.trim().length === 0) continue;
    yield parseSpecPrintLine(text, { source: opts.sourceName, line }, storedSource);
  }
}
