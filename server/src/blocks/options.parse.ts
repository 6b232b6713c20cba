/**
 * Parsers for option trades and open interest. Pure and streaming: bytes in, `Parsed<T>` out, one
 * located error per bad line (see lib/records.ts), never a throw on bad data.
 */
import type { Sentiment, Side } from "../darkpool/print";
import { type ByteSource, indexColumns, readLines, splitCsvLine } from "../lib/lines";
import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { type OptionContract, optionSymbolProblem, parseOptionSymbol } from "./occ";

/** Shares per standard equity/index option contract (OCC); premium = price x size x 100. */
export const CONTRACT_MULTIPLIER = 100;

/** An option trade's side against its quote and its sentiment: the same scales as equity prints. */
export type OptionSide = Side;
export type OptionSentiment = Sentiment;

/** One option trade after parsing: the contract's fields, the trade and its OPRA condition flags. */
export interface OptionPrint extends OptionContract {
  ts: Date;
  /** Price per share of underlying (OPRA quotes per share). */
  price: number;
  sizeContracts: number;
  /** price x size x 100. */
  premiumUsd: number;
  /** Polygon options exchange id (300-325). */
  exchangeId: number;
  /** OPRA participant letter when the id is known (`C` Cboe, `Z` BZX Options, ...). */
  exchange: string | null;
  /** Conditions as the vendor sent them (Polygon numeric ids as strings, or OPRA letters). */
  conditions: string[];
  correction: number;
  /** Intermarket sweep (OPRA `S` / 219, and the single-leg ISO auction/cross `b`/230, `d`/228). */
  isIso: boolean;
  /** A leg of a multi-leg or stock-option order (OPRA `f`..`u` / 232-246): not directional. */
  isMultiLeg: boolean;
  /** Reported late or out of sequence (OPRA `B`,`D`,`F`,`H` / 202, 204, 206, 208). */
  isLate: boolean;
  /** Cancelled (OPRA `A`,`C`,`E`,`G` / 201, 203, 205, 207, or correction >= 7): counts for nothing. */
  isCancel: boolean;
  /** Option NBBO at the trade when the source carries it. */
  bid: number | null;
  ask: number | null;
  side: OptionSide;
  sentiment: OptionSentiment;
  /** Natural key: contract, SIP time in ns, exchange, price, size and a per-duplicate ordinal. */
  tradeKey: string;
  source: string;
  sourceRef: string;
}

/**
 * Polygon options condition ids per `/v3/reference/conditions?asset_class=options` and the OPRA letters
 * they stand for (OPRA Binary Output Specification, "Trade Message Type"). See docs/blocks.md.
 */
const CANCEL_CONDITIONS = new Set(["201", "203", "205", "207", "A", "C", "E", "G"]);
const LATE_CONDITIONS = new Set(["202", "204", "206", "208", "B", "D", "F", "H"]);
// 219 ISOI; 228 SLAI and 230 SLCI are the single-leg auction/cross ISO variants (OPRA `b`, `d`).
const ISO_CONDITIONS = new Set(["219", "228", "230", "S", "b", "d"]);
const MULTI_LEG_LETTERS = new Set("fghijklmnopqrstu".split(""));

function isMultiLegCondition(c: string): boolean {
  if (c.length === 1) return MULTI_LEG_LETTERS.has(c);
  const id = Number(c);
  return id >= 232 && id <= 246;
}

/** Polygon options exchange ids to OPRA participant letters (Polygon `/v3/reference/exchanges?asset_class=options`). */
export const OPTIONS_EXCHANGES: Readonly<Record<number, string>> = {
  300: "A",
  301: "B",
  302: "C",
  303: "D",
  304: "E",
  307: "H",
  308: "I",
  309: "J",
  312: "M",
  313: "N",
  314: "O",
  315: "P",
  316: "Q",
  319: "T",
  322: "W",
  323: "X",
  325: "Z",
};

export interface OptionFlags {
  isIso: boolean;
  isMultiLeg: boolean;
  isLate: boolean;
  isCancel: boolean;
}

/** Flags from a list of OPRA conditions (Polygon ids or letters) and the correction indicator. */
export function optionConditionFlags(conditions: readonly string[], correction = 0): OptionFlags {
  let isIso = false;
  let isMultiLeg = false;
  let isLate = false;
  let isCancel = correction >= 7;
  for (const c of conditions) {
    if (ISO_CONDITIONS.has(c)) isIso = true;
    if (CANCEL_CONDITIONS.has(c)) isCancel = true;
    if (LATE_CONDITIONS.has(c)) isLate = true;
    if (isMultiLegCondition(c)) isMultiLeg = true;
  }
  return { isIso, isMultiLeg, isLate, isCancel };
}

/**
 * Side of a trade against the option NBBO (an estimate: a trade at the ask is presumed buyer-initiated).
 * Prices within 1/10 of the spread of a quote side count as at that side.
 */
export function optionSide(price: number, bid: number | null, ask: number | null): OptionSide {
  if (bid === null || ask === null || !(ask >= bid) || bid < 0) return "unknown";
  const tolerance = Math.max((ask - bid) * 0.1, 0.005);
  if (price > ask + tolerance) return "above_ask";
  if (price >= ask - tolerance) return "at_ask";
  if (price < bid - tolerance) return "below_bid";
  if (price <= bid + tolerance) return "at_bid";
  return "mid";
}

/** Buying calls or selling puts is bullish; buying puts or selling calls is bearish (an estimate). */
export function optionSentiment(right: "call" | "put", side: OptionSide): OptionSentiment {
  if (side === "unknown") return "unknown";
  if (side === "mid") return "neutral";
  const buy = side === "at_ask" || side === "above_ask";
  return (right === "call") === buy ? "bullish" : "bearish";
}

const OPTION_TRADE_COLUMNS = ["ticker", "conditions", "exchange", "price", "sip_timestamp", "size"] as const;

function detectDelimiter(header: string): string {
  if (header.includes("\t")) return "\t";
  if (header.includes("|")) return "|";
  return ",";
}

/** Nanosecond epoch string to a Date (ms precision) without losing digits to float rounding first. */
function nsToDate(ns: string): Date | null {
  if (!/^\d{19}$/.test(ns)) return null;
  return new Date(Number(ns.slice(0, ns.length - 6)));
}

type TradeColumns = Record<(typeof OPTION_TRADE_COLUMNS)[number] | "correction", number>;

interface TradeFields {
  contract: OptionContract;
  sipNs: string;
  ts: Date;
  price: number;
  size: number;
  exchangeId: number;
  correction: number;
  conditions: string[];
}

/** The checked fields of one trade line, or a message naming the first field that is wrong. */
function tradeFields(f: string[], index: TradeColumns): TradeFields | string {
  if (f.length < 6) return `expected 8 fields, got ${f.length} (truncated line?)`;
  const ticker = (f[index.ticker] ?? "").trim();
  const contract = parseOptionSymbol(ticker);
  if (contract === null) return `ticker ${optionSymbolProblem(ticker)}`;
  const price = Number(f[index.price]);
  const size = Number(f[index.size]);
  const exchangeId = Number(f[index.exchange]);
  const sipNs = (f[index.sip_timestamp] ?? "").trim();
  const ts = nsToDate(sipNs);
  if (!Number.isFinite(price) || price < 0 || (f[index.price] ?? "").trim() === "")
    return `price ${JSON.stringify(f[index.price])} is not a non-negative number`;
  if (!Number.isInteger(size) || size <= 0)
    return `size ${JSON.stringify(f[index.size])} is not a positive whole number of contracts`;
  if (!Number.isInteger(exchangeId) || (f[index.exchange] ?? "").trim() === "")
    return `exchange ${JSON.stringify(f[index.exchange])} is not a numeric exchange id`;
  if (ts === null) return `sip_timestamp ${JSON.stringify(sipNs)} is not nanoseconds since the epoch`;
  const rawCorrection = index.correction >= 0 ? (f[index.correction] ?? "").trim() : "";
  const correction = rawCorrection === "" ? 0 : Number(rawCorrection);
  if (!Number.isInteger(correction)) return `correction ${JSON.stringify(rawCorrection)} is not an integer`;
  const rawConditions = (f[index.conditions] ?? "").trim();
  const conditions = rawConditions === "" ? [] : rawConditions.split(",").map((c) => c.trim());
  return { contract, sipNs, ts, price, size, exchangeId, correction, conditions };
}

/**
 * Polygon / Massive options trades flat file (`us_options_opra/trades_v1`) or REST CSV:
 * `ticker,conditions,correction,exchange,participant_timestamp,price,sip_timestamp,size`. Comma CSV with
 * quoted condition lists in the real files; the vendor's documented sample is tab-separated, so the
 * delimiter is detected from the header. Cancelled trades are yielded with `isCancel` so callers can
 * count them; they add nothing to volume or flow.
 */
export async function* parseOptionTradesCsv(
  input: ByteSource,
  sourceName: string,
  source = "polygon_options_flatfile",
): AsyncGenerator<Parsed<OptionPrint>> {
  let delimiter = ",";
  let index: TradeColumns | null = null;
  // Identical trades (same contract, ns time, venue, price, size) are real: the sample has two. An
  // ordinal per identical content keeps them apart and keeps a re-ingest idempotent.
  const seen = new Map<string, number>();
  for await (const { text, line } of readLines(input, sourceName)) {
    const at: Location = { source: sourceName, line };
    if (index === null) {
      delimiter = detectDelimiter(text);
      const header = splitCsvLine(text, delimiter);
      const cols = indexColumns(header, OPTION_TRADE_COLUMNS);
      if (cols.missing.length > 0) {
        yield parsedError(at, `header is missing column(s) ${cols.missing.join(", ")}`);
        return;
      }
      const optional = indexColumns(header, ["correction"] as const);
      index = { ...cols.index, correction: optional.index.correction ?? -1 };
      continue;
    }
    if (text.trim() === "") continue;
    const fields = tradeFields(splitCsvLine(text, delimiter), index);
    if (typeof fields === "string") {
      yield parsedError(at, fields);
      continue;
    }
    const { contract, sipNs, ts, price, size, exchangeId, correction, conditions } = fields;
    const flags = optionConditionFlags(conditions, correction);
    const content = `${contract.contract}|${sipNs}|${exchangeId}|${price}|${size}`;
    const ordinal = (seen.get(content) ?? 0) + 1;
    seen.set(content, ordinal);
    yield parsedOk(
      {
        ...contract,
        ts,
        price,
        sizeContracts: size,
        premiumUsd: price * size * CONTRACT_MULTIPLIER,
        exchangeId,
        exchange: OPTIONS_EXCHANGES[exchangeId] ?? null,
        conditions,
        correction,
        ...flags,
        bid: null,
        ask: null,
        side: "unknown",
        sentiment: "unknown",
        tradeKey: `${content}|${ordinal}`,
        source,
        sourceRef: `${sourceName}:${line}`,
      },
      at,
    );
  }
  if (index === null) yield parsedError({ source: sourceName }, "empty file: no header row");
}

/** Open interest of one contract at the start of one trading day. */
export interface OpenInterestRow {
  /** Trading day the open interest applies to (OPRA publishes it before the open), `YYYY-MM-DD`. */
  day: string;
  contract: string;
  underlying: string;
  openInterestContracts: number;
  source: string;
  sourceRef: string;
}

/**
 * Open interest CSV: `date,contract,open_interest` (header required, comma, tab or pipe), the contract
 * in any of the three notations; dates as `YYYY-MM-DD` or `YYYYMMDD`.
 */
export async function* parseOpenInterestCsv(
  input: ByteSource,
  sourceName: string,
  source = "open_interest_csv",
): AsyncGenerator<Parsed<OpenInterestRow>> {
  let delimiter = ",";
  let index: Record<"date" | "contract" | "open_interest", number> | null = null;
  for await (const { text, line } of readLines(input, sourceName)) {
    const at: Location = { source: sourceName, line };
    if (index === null) {
      delimiter = detectDelimiter(text);
      const cols = indexColumns(
        splitCsvLine(text, delimiter).map((h) => h.toLowerCase()),
        ["date", "contract", "open_interest"] as const,
      );
      if (cols.missing.length > 0) {
        yield parsedError(at, `header is missing column(s) ${cols.missing.join(", ")}`);
        return;
      }
      index = cols.index;
      continue;
    }
    if (text.trim() === "") continue;
    const f = splitCsvLine(text, delimiter);
    const rawDate = (f[index.date] ?? "").trim();
    const dm = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(rawDate);
    if (dm === null) {
      yield parsedError(at, `date ${JSON.stringify(rawDate)} is not YYYY-MM-DD`);
      continue;
    }
    const contract = parseOptionSymbol(f[index.contract] ?? "");
    if (contract === null) {
      yield parsedError(at, `contract ${optionSymbolProblem(f[index.contract] ?? "")}`);
      continue;
    }
    const rawOi = (f[index.open_interest] ?? "").trim();
    const oi = Number(rawOi);
    if (rawOi === "" || !Number.isInteger(oi) || oi < 0) {
      yield parsedError(at, `open_interest ${JSON.stringify(rawOi)} is not a non-negative whole number`);
      continue;
    }
    yield parsedOk(
      {
        day: `${dm[1]}-${dm[2]}-${dm[3]}`,
        contract: contract.contract,
        underlying: contract.underlying,
        openInterestContracts: oi,
        source,
        sourceRef: `${sourceName}:${line}`,
      },
      at,
    );
  }
}
