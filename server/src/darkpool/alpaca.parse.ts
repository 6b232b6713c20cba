import { type ByteSource, readLines } from "../lib/lines";
import { formatLocation, type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { canonicalSymbol } from "../lib/symbol-form";
import type { Quote, RawPrint } from "./print";

/**
 * Alpaca market-data stream v2 (`wss://stream.data.alpaca.markets/v2/{sip|iex|delayed_sip}`), JSON encoding:
 * every frame is an array of messages told apart by `T`. Fields per Alpaca's "Real-time stock data" docs:
 * trade `t` (S, i, x, p, s, c, t, z), quote `q` (S, bx, bp, bs, ax, ap, as, c, t, z), trade correction `c`
 * (S, x, oi, op, os, oc, ci, cp, cs, cc, t, z), trade cancel/error `x` (S, i, x, p, s, a, t, z) and the
 * control messages `success`, `error` and `subscription`. Exchange `D` is FINRA ADF/TRF (off-exchange);
 * conditions are CTA (tapes A/B) or UTP (tape C) letters.
 */

export interface AlpacaCorrection {
  symbol: string;
  ts: Date;
  exchange: string;
  tape: string | null;
  originalTradeId: string;
  originalPrice: number;
  originalSizeShares: number;
  originalConditions: string[];
  correctedTradeId: string;
  correctedPrice: number;
  correctedSizeShares: number;
  correctedConditions: string[];
}

export interface AlpacaCancel {
  symbol: string;
  ts: Date;
  exchange: string;
  tape: string | null;
  tradeId: string;
  price: number;
  sizeShares: number;
  /** `C` cancel, `E` error. */
  action: "cancel" | "error";
}

export type AlpacaEvent =
  | { kind: "trade"; print: RawPrint }
  | { kind: "quote"; quote: Quote }
  | { kind: "correction"; correction: AlpacaCorrection }
  | { kind: "cancel"; cancel: AlpacaCancel }
  | { kind: "success"; message: string }
  | { kind: "error"; code: number | null; message: string }
  | { kind: "subscription"; channels: Record<string, string[]> }
  /** A message type this service does not use (bars `b`/`d`/`u`, statuses `s`, LULD `l`, imbalances `i`). */
  | { kind: "ignored"; type: string };

export interface AlpacaOptions {
  /** Feed or file name, used in `sourceRef` and error locations. */
  sourceName: string;
  /** Stored `source`; default `alpaca_stream`. */
  source?: string;
  /** Line number when the JSON came from a line of a file. */
  line?: number;
}

type Json = Record<string, unknown>;

class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function str(m: Json, field: string): string {
  const v = m[field];
  if (typeof v !== "string" || v.length === 0) throw new FieldError(field, "missing or not a string");
  return v;
}

function optStr(m: Json, field: string): string | null {
  const v = m[field];
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string") throw new FieldError(field, "not a string");
  return v;
}

function positive(m: Json, field: string): number {
  const v = m[field];
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
    throw new FieldError(field, `${JSON.stringify(v) ?? "undefined"} is not a positive number`);
  }
  return v;
}

/** Trade ids are integers in the stream; kept as strings like every vendor's id. */
function tradeIdOf(m: Json, field: string): string {
  const v = m[field];
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  if (typeof v === "string" && v.length > 0) return v;
  throw new FieldError(field, "missing trade id");
}

/** RFC 3339 with up to nanoseconds (`2021-02-22T15:51:45.3355677Z`); a zone is required. */
function timeOf(m: Json, field: string): Date {
  const v = m[field];
  if (typeof v !== "string") throw new FieldError(field, "missing timestamp");
  const last = v.charCodeAt(v.length - 1);
  const hasZone = last === 90 /* Z */ || v[v.length - 6] === "+" || v[v.length - 6] === "-";
  const ms = hasZone ? Date.parse(v) : Number.NaN;
  if (!Number.isFinite(ms)) throw new FieldError(field, `"${v}" is not an RFC 3339 timestamp with zone`);
  return new Date(ms);
}

/** Alpaca writes class shares `BRK.B`; stored in the canonical form all sources share. */
function symbolOf(m: Json, field: string): string {
  const result = canonicalSymbol(str(m, field));
  if (!result.ok) throw new FieldError(field, result.message);
  return result.symbol;
}

function conditionsOf(m: Json, field: string): string[] {
  const v = m[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((c) => typeof c === "string")) {
    throw new FieldError(field, "not an array of condition letters");
  }
  return v as string[];
}

/** A trade message `t` -> the print, stored as the SIP disseminated it. */
function tradeEvent(m: Json, storedSource: string, at: Location): AlpacaEvent {
  const exchange = str(m, "x");
  const ts = timeOf(m, "t");
  const print: RawPrint = {
    symbol: symbolOf(m, "S"),
    ts,
    price: positive(m, "p"),
    sizeShares: positive(m, "s"),
    exchange,
    exchangeId: null,
    // Alpaca does not say which TRF took the print.
    trfId: null,
    isOffExchange: exchange === "D",
    tape: optStr(m, "z"),
    conditions: conditionsOf(m, "c"),
    conditionScheme: "sip_letter",
    correction: 0,
    tradeId: tradeIdOf(m, "i"),
    source: storedSource,
    sourceRef: formatLocation(at),
    // A tape print is public when the SIP disseminates it.
    publishedAt: ts,
  };
  return { kind: "trade", print };
}

/** A quote message `q` -> the NBBO at that moment. */
function quoteEvent(m: Json): AlpacaEvent {
  const bid = positive(m, "bp");
  const ask = positive(m, "ap");
  return { kind: "quote", quote: { symbol: symbolOf(m, "S"), ts: timeOf(m, "t"), bid, ask } };
}

/** A trade correction `c`: the original trade and what replaces it. */
function correctionEvent(m: Json): AlpacaEvent {
  return {
    kind: "correction",
    correction: {
      symbol: symbolOf(m, "S"),
      ts: timeOf(m, "t"),
      exchange: str(m, "x"),
      tape: optStr(m, "z"),
      originalTradeId: tradeIdOf(m, "oi"),
      originalPrice: positive(m, "op"),
      originalSizeShares: positive(m, "os"),
      originalConditions: conditionsOf(m, "oc"),
      correctedTradeId: tradeIdOf(m, "ci"),
      correctedPrice: positive(m, "cp"),
      correctedSizeShares: positive(m, "cs"),
      correctedConditions: conditionsOf(m, "cc"),
    },
  };
}

/** A trade cancel or error `x` (action `C` or `E`). */
function cancelEvent(m: Json): AlpacaEvent {
  const action = m.a;
  if (action !== "C" && action !== "E") throw new FieldError("a", `${JSON.stringify(action)} is not C or E`);
  return {
    kind: "cancel",
    cancel: {
      symbol: symbolOf(m, "S"),
      ts: timeOf(m, "t"),
      exchange: str(m, "x"),
      tape: optStr(m, "z"),
      tradeId: tradeIdOf(m, "i"),
      price: positive(m, "p"),
      sizeShares: positive(m, "s"),
      action: action === "C" ? "cancel" : "error",
    },
  };
}

/** A `subscription` control message: the symbols subscribed per channel. */
function subscriptionEvent(m: Json): AlpacaEvent {
  const channels: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(m)) {
    if (key === "T") continue;
    if (!Array.isArray(value) || !value.every((s) => typeof s === "string")) {
      throw new FieldError(key, "not an array of symbols");
    }
    channels[key] = value as string[];
  }
  return { kind: "subscription", channels };
}

/** One message -> its event, told apart by `T`; throws `FieldError` naming the bad field. */
function toEvent(m: Json, storedSource: string, at: Location): AlpacaEvent {
  const type = m.T;
  switch (type) {
    case "t":
      return tradeEvent(m, storedSource, at);
    case "q":
      return quoteEvent(m);
    case "c":
      return correctionEvent(m);
    case "x":
      return cancelEvent(m);
    case "success":
      return { kind: "success", message: typeof m.msg === "string" ? m.msg : "" };
    case "error":
      return {
        kind: "error",
        code: typeof m.code === "number" ? m.code : null,
        message: typeof m.msg === "string" ? m.msg : "",
      };
    case "subscription":
      return subscriptionEvent(m);
    default:
      if (typeof type !== "string" || type.length === 0) throw new FieldError("T", "missing message type");
      return { kind: "ignored", type };
  }
}

/**
 * Parses one stream frame (a JSON array of messages, or a single message object). Each message becomes a
 * typed event or a located error (`source:line <[index].field>`); one bad message does not hide the others.
 */
export function parseAlpacaMessages(json: string, opts: AlpacaOptions): Parsed<AlpacaEvent>[] {
  const storedSource = opts.source ?? "alpaca_stream";
  const base: Location = { source: opts.sourceName, line: opts.line };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return [parsedError(base, `not valid JSON: ${(e as Error).message}`)];
  }
  const messages = Array.isArray(value) ? value : [value];
  const out: Parsed<AlpacaEvent>[] = [];
  for (let i = 0; i < messages.length; i++) {
    const element = Array.isArray(value) ? `[${i}]` : undefined;
    const at: Location = { source: opts.sourceName, line: opts.line, element };
    const m: unknown = messages[i];
    if (typeof m !== "object" || m === null || Array.isArray(m)) {
      out.push(parsedError(at, "message is not a JSON object"));
      continue;
    }
    try {
      out.push(parsedOk(toEvent(m as Json, storedSource, at), at));
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      const fieldAt: Location = { ...at, element: element === undefined ? e.field : `${element}.${e.field}` };
      out.push(parsedError(fieldAt, `${e.field}: ${e.message}`));
    }
  }
  return out;
}

/**
 * Parses a file of recorded stream frames: one JSON message or array of messages per line (NDJSON). A JSON
 * array spread over several lines, one message per line ending in `,` (the vendor's documentation example),
 * is joined and parsed as one frame located at its first line. A line that breaks such an array (truncated)
 * ends it with a located error and is then read on its own, so it cannot swallow the rest of the file.
 */
export async function* parseAlpacaNdjson(
  source: ByteSource,
  opts: Omit<AlpacaOptions, "line">,
): AsyncGenerator<Parsed<AlpacaEvent>> {
  let pending: string[] = [];
  let pendingLine = 0;
  const brokenArray = (line: number): Parsed<AlpacaEvent> =>
    parsedError(
      { source: opts.sourceName, line: pendingLine },
      `multi-line JSON array starting here is broken at line ${line} (truncated?)`,
    );
  for await (const { text, line } of readLines(source, opts.sourceName)) {
    const trimmed = text.trim();
    if (pending.length > 0) {
      if (trimmed.endsWith(",") && pending.length < MAX_ARRAY_LINES) {
        pending.push(trimmed);
        continue;
      }
      if (trimmed.endsWith("]")) {
        pending.push(trimmed);
        const joined = pending.join("\n");
        pending = [];
        if (isCompleteJson(joined)) yield* parseAlpacaMessages(joined, { ...opts, line: pendingLine });
        else yield brokenArray(line);
        continue;
      }
      pending = [];
      yield brokenArray(line);
    }
    if (trimmed.length === 0) continue;
    if (trimmed.startsWith("[") && trimmed.endsWith(",") && !isCompleteJson(trimmed)) {
      pending = [trimmed];
      pendingLine = line;
      continue;
    }
    yield* parseAlpacaMessages(trimmed, { ...opts, line });
  }
  if (pending.length > 0) yield brokenArray(pendingLine + pending.length);
}

/** A frame longer than this is not a recorded stream frame; stop joining lines. */
const MAX_ARRAY_LINES = 100_000;

function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
