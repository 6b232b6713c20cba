import { digitsValue, isDigits, parseDecimal, scanFields } from "../lib/fields";
import { type ByteSource, LineBuffer, splitCsvLine } from "../lib/lines";
import { nulError, type Parsed, parsedError, parsedOkLineChecked } from "../lib/records";
import { canonicalSymbol } from "../lib/symbol-form";
import type { RawPrint } from "./print";

/**
 * Polygon/Massive stock exchange ids -> SIP participant letters, from `/v3/reference/exchanges?asset_class=stocks`
 * (saved as `samples/trades/polygon_v3_reference_exchanges_stocks.json`). Id 4 is shared by the three FINRA
 * TRFs (FINY, FINN, FINC) and the ADF (XADF), all participant `D`: every print on id 4 is off-exchange;
 * `trf_id` says which TRF (none for the ADF). Ids 5 and 13 are the UTP and CTA SIPs themselves (`E`, `S`):
 * they appear on SIP-generated records. Nasdaq (12) is `T` in that list (its UTP letter is `Q`).
 */
export const POLYGON_EXCHANGE_LETTERS: ReadonlyMap<number, string> = new Map([
  [1, "A"],
  [2, "B"],
  [3, "C"],
  [4, "D"],
  [5, "E"],
  [6, "I"],
  [7, "J"],
  [8, "K"],
  [9, "M"],
  [10, "N"],
  [11, "P"],
  [12, "T"],
  [13, "S"],
  [14, "L"],
  [15, "V"],
  [16, "W"],
  [17, "X"],
  [18, "Y"],
  [19, "Z"],
  [20, "H"],
  [21, "U"],
]);

/** Polygon exchange id of the FINRA TRFs and ADF. */
export const POLYGON_TRF_EXCHANGE_ID = 4;

/** Polygon `tape` 1/2/3 -> CTA tape A, CTA tape B, UTP tape C. */
const TAPE_LETTERS: readonly (string | undefined)[] = [undefined, "A", "B", "C"];

const REQUIRED = ["ticker", "conditions", "exchange", "id", "price", "sip_timestamp", "size"] as const;
const OPTIONAL = ["correction", "tape", "trf_id"] as const;

export interface PolygonTradesOptions {
  /** File or upload name, used in `sourceRef` and error locations. */
  sourceName: string;
  /** Stored `source`; default `polygon_flatfile`. */
  source?: string;
}

/** Distinct condition lists are few (a few hundred a day): share one array per list instead of splitting each line. */
const conditionListCache = new Map<string, string[] | null>();
const CONDITION_CACHE_LIMIT = 4096;

/** The list (shared between prints: do not mutate), or null when a code is not a number. */
function conditionList(field: string): string[] | null {
  let list = conditionListCache.get(field);
  if (list === undefined) {
    const codes = field.length === 0 ? [] : field.split(",");
    list = codes.every(isDigits) ? codes : null;
    if (conditionListCache.size >= CONDITION_CACHE_LIMIT) conditionListCache.clear();
    conditionListCache.set(field, list);
  }
  return list;
}

type ColumnName = (typeof REQUIRED)[number] | (typeof OPTIONAL)[number];

/** Field boundaries of a line: at most this many fields are scanned. */
const MAX_FIELDS = 64;

/**
 * The line being parsed and its field boundaries, scanned into typed arrays (one per file, reused line
 * after line, never shared) so a field is sliced or read as digits without splitting the line.
 */
class LineFields {
  text = "";
  line = 0;
  count = 0;
  readonly starts = new Int32Array(MAX_FIELDS);
  readonly ends = new Int32Array(MAX_FIELDS);

  /** The text of field `i`. */
  field(i: number): string {
    return this.text.slice(this.starts[i], this.ends[i]);
  }

  /** Field `i` as a non-negative integer, or -1 when empty or not all digits. */
  digits(i: number): number {
    return digitsValue(this.text, this.starts[i] as number, this.ends[i] as number);
  }

  /** An optional small integer field: -2 when absent or empty, -1 when not all digits, else its value. */
  optionalDigits(i: number): number {
    if (i === -1 || i >= this.count) return -2;
    return this.starts[i] === this.ends[i] ? -2 : this.digits(i);
  }

  /**
   * `sip_timestamp` (ns since epoch, 16 to 19 digits) in field `i` -> milliseconds, or -1. Nanoseconds
   * exceed 2^53; the millisecond prefix is exact. Sub-millisecond digits are lost (Date holds ms).
   */
  sipMillis(i: number): number {
    const start = this.starts[i] as number;
    const end = this.ends[i] as number;
    const length = end - start;
    const ms = length >= 16 && length <= 19 ? digitsValue(this.text, start, end - 6) : -1;
    return ms < 0 || digitsValue(this.text, end - 6, end) < 0 ? -1 : ms;
  }
}

/** Per-file state: the header's column positions once read, and the line being parsed. */
interface FileState {
  sourceName: string;
  storedSource: string;
  delimiter: string;
  col: Record<ColumnName, number> | null;
  minFields: number;
  fields: LineFields;
  /** Set when the header is unusable: the rest of the file cannot be read. */
  fatal: boolean;
}

const fieldError = (state: FileState, field: string, message: string): Parsed<RawPrint> =>
  parsedError({ source: state.sourceName, line: state.fields.line, element: field }, `${field}: ${message}`);

function readHeader(state: FileState, text: string, line: number): Parsed<RawPrint> | null {
  const headerText = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  state.delimiter = headerText.includes("\t") ? "\t" : ",";
  const header = headerText.split(state.delimiter).map((h) => h.trim());
  const missing = REQUIRED.filter((name) => !header.includes(name));
  if (missing.length > 0) {
    state.fatal = true;
    return parsedError({ source: state.sourceName, line }, `header lacks column(s) ${missing.join(", ")}`);
  }
  const index = {} as Record<ColumnName, number>;
  for (const name of [...REQUIRED, ...OPTIONAL]) index[name] = header.indexOf(name);
  state.minFields = Math.max(...REQUIRED.map((name) => index[name])) + 1;
  state.col = index;
  return null;
}

/**
 * Checks a line and scans its field boundaries into `state.fields`, or returns the located error for the
 * line. A line with escaped quotes is scanned on a NUL-joined copy of its properly split fields.
 */
function scanLine(state: FileState, rawText: string, line: number): Parsed<RawPrint> | null {
  const f = state.fields;
  f.line = line;
  // Checked on the line, not per record (lib/records.ts): text fields cannot hold U+0000, and quoted lines
  // are re-split on a NUL-joined copy below.
  if (rawText.indexOf("\u0000") !== -1) return nulError({ source: state.sourceName, line }, "line");
  f.text = rawText;
  f.count = scanFields(rawText, state.delimiter, f.starts, f.ends);
  if (f.count === -1) {
    if (rawText.split('"').length % 2 === 0) {
      return parsedError({ source: state.sourceName, line }, "unterminated quote (truncated line?)");
    }
    f.text = splitCsvLine(rawText, state.delimiter).join("\0");
    f.count = scanFields(f.text, "\0", f.starts, f.ends);
  }
  if (f.count < state.minFields) {
    return parsedError(
      { source: state.sourceName, line },
      `expected at least ${state.minFields} fields, found ${f.count} (truncated line?)`,
    );
  }
  return null;
}

/**
 * The required columns (ticker, price, size, exchange, sip_timestamp, conditions) -> the print with the
 * optional columns at their defaults, or the located error for the first bad field.
 */
function readRequired(state: FileState, col: Record<ColumnName, number>): Parsed<RawPrint> {
  const f = state.fields;
  const rawSymbol = f.field(col.ticker);
  if (rawSymbol.length === 0) return fieldError(state, "ticker", "empty");
  const symbolOf = canonicalSymbol(rawSymbol);
  if (!symbolOf.ok) return fieldError(state, "ticker", symbolOf.message);
  const priceText = f.field(col.price);
  const price = parseDecimal(priceText);
  if (!(price > 0)) return fieldError(state, "price", `"${priceText}" is not a positive number`);
  const sizeText = f.field(col.size);
  const sizeShares = parseDecimal(sizeText);
  if (!(sizeShares > 0)) return fieldError(state, "size", `"${sizeText}" is not a positive number`);
  const exchangeId = f.digits(col.exchange);
  const exchange = POLYGON_EXCHANGE_LETTERS.get(exchangeId);
  if (exchange === undefined) {
    const exchangeText = f.field(col.exchange);
    return fieldError(state, "exchange", `unknown exchange id "${exchangeText}" (see docs/conditions.md)`);
  }
  const tsMs = f.sipMillis(col.sip_timestamp);
  if (tsMs < 0) {
    const tsText = f.field(col.sip_timestamp);
    return fieldError(state, "sip_timestamp", `"${tsText}" is not a nanosecond Unix timestamp`);
  }
  const conditionsText = f.field(col.conditions);
  const conditions = conditionList(conditionsText);
  if (conditions === null) {
    return fieldError(state, "conditions", `"${conditionsText}" holds a code that is not a number`);
  }
  const ts = new Date(tsMs);
  const tradeIdText = f.field(col.id);
  return parsedOkLineChecked<RawPrint>(
    {
      symbol: symbolOf.symbol,
      ts,
      price,
      sizeShares,
      exchange,
      exchangeId,
      trfId: null,
      isOffExchange: exchangeId === POLYGON_TRF_EXCHANGE_ID,
      tape: null,
      conditions,
      conditionScheme: "polygon",
      correction: 0,
      tradeId: tradeIdText.length > 0 ? tradeIdText : null,
      source: state.storedSource,
      sourceRef: `${state.sourceName}:${f.line}`,
      // A tape print is public the moment the SIP disseminates it.
      publishedAt: ts,
    },
    { source: state.sourceName, line: f.line },
  );
}

/**
 * The optional columns (correction, tape, trf_id) written into the print `readRequired` made, or the located
 * error for the first bad one. A column that is absent or empty keeps its default.
 */
function readOptional(
  state: FileState,
  col: Record<ColumnName, number>,
  print: RawPrint,
): Parsed<RawPrint> | null {
  const f = state.fields;
  const correction = f.optionalDigits(col.correction);
  if (correction === -1) {
    return fieldError(state, "correction", `"${f.field(col.correction)}" is not a correction indicator`);
  }
  if (correction !== -2) print.correction = correction;
  const tapeValue = f.optionalDigits(col.tape);
  if (tapeValue !== -2) {
    const letter = tapeValue >= 1 && tapeValue <= 3 ? TAPE_LETTERS[tapeValue] : undefined;
    if (letter === undefined) return fieldError(state, "tape", `"${f.field(col.tape)}" is not 1, 2 or 3`);
    print.tape = letter;
  }
  const trfValue = f.optionalDigits(col.trf_id);
  if (trfValue === -1) return fieldError(state, "trf_id", `"${f.field(col.trf_id)}" is not a TRF id`);
  if (trfValue > 0) print.trfId = trfValue;
  return null;
}

/**
 * One data line -> print or located error. Synchronous and nearly allocation-free apart from the record:
 * field boundaries are scanned into typed arrays and small integers are read from char codes, because this
 * is the hot path of the pipeline (goal: >= 300k prints/s on one core with enrichment). Errors are reported
 * for the first bad field in column order: ticker, price, size, exchange, sip_timestamp, conditions,
 * correction, tape, trf_id.
 */
function parseLine(
  state: FileState,
  col: Record<ColumnName, number>,
  text: string,
  line: number,
): Parsed<RawPrint> {
  const lineError = scanLine(state, text, line);
  if (lineError !== null) return lineError;
  const parsed = readRequired(state, col);
  if (!parsed.ok) return parsed;
  return readOptional(state, col, parsed.record) ?? parsed;
}

/**
 * Parses a Polygon/Massive trades flat file (`us_stocks_sip/trades_v1`). Real files are comma CSV with quoted
 * multi-value conditions; the vendor's documented sample is tab-separated, so the delimiter is taken from the
 * header. Columns are found by header name. Event time is `sip_timestamp` (ns since epoch), cut to ms.
 * Every line either becomes a print or a located error (`file:line <field>`); nothing is dropped silently.
 * Yields one array per input chunk: one await per chunk instead of one per print, because this is the
 * pipeline's hot path (`runIngest` and `PrintPipeline.ingest` take the arrays as they are).
 */
export async function* parsePolygonTradeBatches(
  source: ByteSource,
  opts: PolygonTradesOptions,
): AsyncGenerator<Parsed<RawPrint>[]> {
  const state: FileState = {
    sourceName: opts.sourceName,
    storedSource: opts.source ?? "polygon_flatfile",
    delimiter: ",",
    col: null,
    minFields: 0,
    fields: new LineFields(),
    fatal: false,
  };
  const splitter = new LineBuffer(opts.sourceName);
  let line = 0;
  for await (const chunk of source) {
    const lines = splitter.push(chunk);
    const out: Parsed<RawPrint>[] = [];
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i] as string;
      line++;
      if (state.col === null) {
        const headerError = readHeader(state, text, line);
        if (headerError !== null) out.push(headerError);
        if (state.fatal) break;
      } else if (text.length > 0) out.push(parseLine(state, state.col, text, line));
    }
    if (out.length > 0) yield out;
    if (state.fatal) return;
  }
  const last = splitter.end();
  if (last !== null) {
    line++;
    if (state.col === null) {
      const headerError = readHeader(state, last, line);
      if (headerError !== null) yield [headerError];
    } else if (last.length > 0) yield [parseLine(state, state.col, last, line)];
  }
  if (state.col === null && !state.fatal) {
    yield [parsedError({ source: state.sourceName, line: 1 }, "empty file: no header line")];
  }
}

/** `parsePolygonTradeBatches`, one record at a time. */
export async function* parsePolygonTrades(
  source: ByteSource,
  opts: PolygonTradesOptions,
): AsyncGenerator<Parsed<RawPrint>> {
  for await (const batch of parsePolygonTradeBatches(source, opts)) yield* batch;
}
