import { SaxesParser } from "saxes";
import { AppError } from "../errors";

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

/** Receives the document as events with namespace prefixes stripped (`ns1:infoTable` -> `infoTable`). */
export interface XmlHandler {
  open(localName: string, attributes: Record<string, string>, depth: number): void;
  text(text: string): void;
  close(localName: string, depth: number): void;
}

/** `ns1:infoTable` -> `infoTable`: prefixes vary by filer, the local name is what the XSD defines. */
export const localName = (qualified: string): string => {
  const colon = qualified.indexOf(":");
  return colon === -1 ? qualified : qualified.slice(colon + 1);
};

/**
 * A push-based, namespace-agnostic XML reader over `saxes` that refuses what a parser of untrusted
 * documents must refuse, before the expensive part happens:
 * - any `<!DOCTYPE` or `<!ENTITY` (entity expansion such as "billion laughs" needs a DTD; EDGAR's
 *   documents never carry one), detected on the raw bytes so a giant internal subset is never buffered;
 * - nesting deeper than `maxDepth`;
 * - a text node, attribute or tag longer than `maxTextChars`, or holding more than `maxNumericRefs`
 *   numeric character references (both checked on the raw input, before saxes accumulates it);
 * - more than `maxBytes` in total.
 * Violations throw `AppError` `UNSAFE_DOCUMENT` or `PAYLOAD_TOO_LARGE` naming the limit and the
 * element path where it happened.
 */
export class SafeXmlReader {
  private readonly parser: SaxesParser<{ position: false }>;
  private readonly limits: XmlLimits;
  private readonly path: string[] = [];
  private bytes = 0;
  /** Raw characters since the last `<` (one text node, or one tag with its attributes). */
  private segmentChars = 0;
  private segmentRefs = 0;
  /** Last few raw characters of the previous chunk, so markers split across chunks are still seen. */
  private carry = "";
  private failure: Error | undefined;
  private started = false;

  constructor(
    private readonly handler: XmlHandler,
    private readonly documentName: string,
    limits: Partial<XmlLimits> = {},
  ) {
    this.limits = { ...DEFAULT_XML_LIMITS, ...limits };
    this.parser = new SaxesParser({ position: false });
    this.parser.on("doctype", () => {
      throw this.unsafe("a DOCTYPE declaration (entity definitions are not accepted)");
    });
    this.parser.on("opentag", (tag) => {
      const name = localName(tag.name);
      this.path.push(name);
      if (this.path.length > this.limits.maxDepth) {
        throw this.unsafe(`nesting deeper than ${this.limits.maxDepth} levels`);
      }
      this.handler.open(name, tag.attributes as Record<string, string>, this.path.length);
    });
    this.parser.on("closetag", (tag) => {
      const depth = this.path.length;
      this.path.pop();
      this.handler.close(localName(tag.name), depth);
    });
    this.parser.on("text", (text) => {
      if (this.path.length > 0) this.handler.text(text);
    });
    this.parser.on("cdata", (text) => {
      this.handler.text(text);
    });
    this.parser.on("error", (err) => {
      throw new AppError(
        "INVALID_INPUT",
        `${this.documentName}: malformed XML at <${this.where()}>: ${err.message}`,
      );
    });
  }

  /** Feeds one chunk; throws on the first violation (the reader is then unusable). */
  write(input: string): void {
    if (this.failure) throw this.failure;
    let chunk = input;
    if (!this.started) {
      // Real filings (and the EDGAR wrapper) put blank lines or a BOM before `<?xml`, which saxes refuses.
      chunk = chunk.replace(/^[\uFEFF\s]+/, "");
      if (chunk.length === 0) return;
      this.started = true;
    }
    try {
      this.bytes += Buffer.byteLength(chunk, "utf8");
      if (this.bytes > this.limits.maxBytes) {
        throw new AppError(
          "PAYLOAD_TOO_LARGE",
          `${this.documentName}: XML document exceeds ${this.limits.maxBytes} bytes (at <${this.where()}>)`,
        );
      }
      const violation = this.scanRaw(chunk);
      if (violation) {
        // Let saxes consume the part before the offending segment (it passed the checks) so the error
        // names the element the violation is in.
        try {
          const lastTagEnd = chunk.lastIndexOf(">", violation.segmentStart);
          if (lastTagEnd >= 0) this.parser.write(chunk.slice(0, lastTagEnd + 1));
        } catch {
          // The earlier part was malformed too; the limit violation is the more useful message.
        }
        throw this.unsafe(violation.what);
      }
      this.parser.write(chunk);
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw this.failure;
    }
  }

  /** Ends the document; throws if it is incomplete or malformed. */
  close(): void {
    if (this.failure) throw this.failure;
    this.parser.close();
  }

  /** The element path where the reader is, e.g. `informationTable/infoTable/value`. */
  where(): string {
    return this.path.join("/");
  }

  private unsafe(what: string): AppError {
    return new AppError(
      "UNSAFE_DOCUMENT",
      `${this.documentName}: unsafe XML rejected: ${what} at <${this.where() || "document start"}>`,
    );
  }

  /**
   * Cheap pass over the raw characters: markers and per-segment counts, without building strings.
   * Returns what was violated and where in `chunk` it was detected, or null.
   */
  private scanRaw(chunk: string): { what: string; segmentStart: number } | null {
    const probe = this.carry + chunk;
    let bang = probe.indexOf("<!");
    while (bang !== -1) {
      const marker = probe.slice(bang, bang + 9).toUpperCase();
      const segmentStart = Math.max(0, bang - this.carry.length);
      if (marker.startsWith("<!DOCTYPE")) return { what: "a DOCTYPE declaration", segmentStart };
      if (marker.startsWith("<!ENTITY")) return { what: "an ENTITY declaration", segmentStart };
      bang = probe.indexOf("<!", bang + 2);
    }
    this.carry = chunk.length >= 8 ? chunk.slice(-8) : (this.carry + chunk).slice(-8);
    const { maxTextChars, maxNumericRefs } = this.limits;
    let start = 0;
    // Searched once per chunk and advanced, so a chunk without references costs one scan, not one per tag.
    let amp = chunk.indexOf("&#");
    while (start <= chunk.length) {
      const lt = chunk.indexOf("<", start);
      const end = lt === -1 ? chunk.length : lt;
      this.segmentChars += end - start;
      if (this.segmentChars > maxTextChars) {
        return { what: `a text node or tag longer than ${maxTextChars} characters`, segmentStart: end };
      }
      while (amp !== -1 && amp < end) {
        this.segmentRefs++;
        if (this.segmentRefs > maxNumericRefs) {
          return {
            what: `more than ${maxNumericRefs} numeric character references in one text node`,
            segmentStart: amp,
          };
        }
        amp = chunk.indexOf("&#", amp + 2);
      }
      if (lt === -1) break;
      this.segmentChars = 0;
      this.segmentRefs = 0;
      start = lt + 1;
    }
    return null;
  }
}

/** The text of a chunk source, decoded as UTF-8 across chunk boundaries. */
export async function* decodeChunks(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  for await (const chunk of source) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield text;
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield rest;
}
