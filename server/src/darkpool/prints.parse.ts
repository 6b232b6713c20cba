import type { ByteSource } from "../lib/lines";
import { type Parsed, parsedError } from "../lib/records";
import { type AlpacaEvent, parseAlpacaNdjson } from "./alpaca.parse";
import { parsePolygonTradeBatches } from "./polygon-trades.parse";
import type { Quote, RawPrint } from "./print";
import { parseSpecPrints } from "./spec-prints.parse";

export type PrintFormat = "polygon_csv" | "alpaca_ndjson" | "spec_ndjson";

/**
 * Recognises a print file from its first line: the Polygon flat-file header (comma or tab), an Alpaca stream
 * frame (messages carry `"T":`), or a specification-shaped print (`"symbol":`). Null when none fits.
 */
export function sniffPrintFormat(firstLine: string): PrintFormat | null {
  const line = (firstLine.charCodeAt(0) === 0xfeff ? firstLine.slice(1) : firstLine).trim();
  if (line.startsWith("ticker") && line.includes("sip_timestamp") && line.includes("price"))
    return "polygon_csv";
  if (line.startsWith("{") || line.startsWith("[")) {
    if (/"T"\s*:\s*"/.test(line)) return "alpaca_ndjson";
    if (/"symbol"\s*:/.test(line)) return "spec_ndjson";
  }
  return null;
}

export interface ParsePrintsOptions {
  sourceName: string;
  /** Skip sniffing. */
  format?: PrintFormat;
  /** Quotes in a recorded Alpaca stream (feed them to `PrintEnricher.onQuote`). */
  onQuote?: (quote: Quote) => void;
  /** Other Alpaca events: corrections, cancels, control messages, unused message types. */
  onEvent?: (event: AlpacaEvent) => void;
}

/** Reads up to the first newline and returns it plus a source that replays every byte read. */
async function peekFirstLine(source: ByteSource): Promise<{ firstLine: string; replay: ByteSource }> {
  const iterator = source[Symbol.asyncIterator]();
  const buffered: (Uint8Array | string)[] = [];
  let text = "";
  const decoder = new TextDecoder("utf-8");
  let done = false;
  while (!text.includes("\n") && text.length < 1 << 20) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    buffered.push(next.value);
    text += typeof next.value === "string" ? next.value : decoder.decode(next.value, { stream: true });
  }
  const nl = text.indexOf("\n");
  const firstLine = (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, "");
  async function* replay(): AsyncGenerator<Uint8Array | string> {
    yield* buffered;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { firstLine, replay: replay() };
}

/**
 * Parses a file of prints in any supported format, sniffing the format from the first line when none is
 * given. Yields prints and located errors in arrays (one per input chunk for Polygon CSV, the hot path;
 * one per record for the NDJSON formats); Alpaca quotes and other events go to the callbacks.
 */
export async function* parsePrintBatches(
  source: ByteSource,
  opts: ParsePrintsOptions,
): AsyncGenerator<Parsed<RawPrint>[]> {
  let format = opts.format;
  let input = source;
  if (format === undefined) {
    const { firstLine, replay } = await peekFirstLine(source);
    input = replay;
    const sniffed = sniffPrintFormat(firstLine);
    if (sniffed === null) {
      yield [
        parsedError(
          { source: opts.sourceName, line: 1 },
          "unrecognised print format: expected a Polygon trades header, Alpaca stream messages or specification NDJSON",
        ),
      ];
      return;
    }
    format = sniffed;
  }
  switch (format) {
    case "polygon_csv":
      yield* parsePolygonTradeBatches(input, { sourceName: opts.sourceName });
      return;
    case "spec_ndjson":
      for await (const parsed of parseSpecPrints(input, { sourceName: opts.sourceName })) yield [parsed];
      return;
    case "alpaca_ndjson":
      for await (const parsed of parseAlpacaNdjson(input, { sourceName: opts.sourceName })) {
        if (!parsed.ok) yield [parsed];
        else if (parsed.record.kind === "trade")
          yield [{ ok: true, record: parsed.record.print, at: parsed.at }];
        else if (parsed.record.kind === "quote") opts.onQuote?.(parsed.record.quote);
        else opts.onEvent?.(parsed.record);
      }
      return;
  }
}

/** `parsePrintBatches`, one record at a time. */
export async function* parsePrints(
  source: ByteSource,
  opts: ParsePrintsOptions,
): AsyncGenerator<Parsed<RawPrint>> {
  for await (const batch of parsePrintBatches(source, opts)) yield* batch;
}
