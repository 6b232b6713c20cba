import { AppError } from "../errors";
import { DEFAULT_XML_LIMITS, Malformed, tooLong, tooManyRefs, Unsafe, type XmlLimits } from "./xml-limits";
import {
  BANG,
  decodeReferences,
  ElementNames,
  GT,
  isBlank,
  isXmlSpace,
  LT,
  lineEnds,
  NO_ATTRIBUTES,
  QUESTION,
  readAttributes,
  refuseDtdIn,
  SLASH,
  XML_NAME,
} from "./xml-tokens";

/** Receives the document as events with namespace prefixes stripped (`ns1:infoTable` -> `infoTable`). */
export interface XmlHandler {
  open(localName: string, attributes: Record<string, string>, depth: number): void;
  text(text: string): void;
  close(localName: string, depth: number): void;
}

/**
 * A push-based, namespace-agnostic XML reader for untrusted documents: a purpose-built tokenizer that
 * scans decoded text with `indexOf`, carries an incomplete tag, text node or comment over to the next
 * chunk, and refuses what a parser of untrusted documents must refuse, before the expensive part happens:
 * - any `<!DOCTYPE` or `<!ENTITY` (entity expansion such as "billion laughs" needs a DTD; EDGAR's
 *   documents never carry one), wherever it appears, even split across chunks, so a giant internal
 *   subset is never buffered; only the five predefined entities and numeric references are decoded;
 * - nesting deeper than `maxDepth`;
 * - a text node, attribute, tag, comment, CDATA section or processing instruction longer than
 *   `maxTextChars`, or holding more than `maxNumericRefs` numeric character references (both checked
 *   on the raw input while it is still incomplete, so nothing longer is ever held);
 * - more than `maxBytes` in total.
 * Violations throw `AppError` `UNSAFE_DOCUMENT` or `PAYLOAD_TOO_LARGE` naming the limit and the
 * element path where it happened. Malformed XML (a mismatched or missing end tag, text or a second
 * element outside the root, an undefined entity, a bad name) throws `INVALID_INPUT` naming the
 * document, the element path and the character offset.
 *
 * It replaces a general-purpose SAX parser that topped out near 35 MB/s: 13F information tables are
 * large, flat and attribute-free, and this scanner handles them several times faster.
 * Not supported, because EDGAR documents do not use them: DTDs of any kind, entities other than the
 * predefined five, namespace resolution (prefixes are stripped, see `localName`).
 */
export class SafeXmlReader {
  private readonly limits: XmlLimits;
  /** Qualified names of the open elements, innermost last. */
  private readonly stack: string[] = [];
  /** Local names of the open elements, for `where()` and the handler. */
  private readonly path: string[] = [];
  /** Element names seen in this document (see `ElementNames.at`). */
  private readonly names = new ElementNames();
  /** Unconsumed input: the start of an incomplete text node or markup, then whatever followed. */
  private buffer = "";
  /** Characters consumed before `buffer`, for error offsets. */
  private consumed = 0;
  /** For an incomplete text node at `buffer` start: how far it was scanned, and its numeric references so far. */
  private textScanned = 0;
  private textRefs = 0;
  private bytes = 0;
  /** Only white space (or a BOM) so far: an XML declaration may still come. */
  private atStart = true;
  private rootClosed = false;
  private failure: Error | undefined;

  constructor(
    private readonly handler: XmlHandler,
    private readonly documentName: string,
    limits: Partial<XmlLimits> = {},
  ) {
    this.limits = { ...DEFAULT_XML_LIMITS, ...limits };
  }

  /** Feeds one chunk; throws on the first violation (the reader is then unusable). */
  write(input: string): void {
    if (this.failure) throw this.failure;
    try {
      this.bytes += Buffer.byteLength(input, "utf8");
      if (this.bytes > this.limits.maxBytes) {
        throw new AppError(
          "PAYLOAD_TOO_LARGE",
          `${this.documentName}: XML document exceeds ${this.limits.maxBytes} bytes (at <${this.where()}>)`,
        );
      }
      this.buffer = this.buffer.length === 0 ? input : this.buffer + input;
      this.scan(false);
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Ends the document; throws if it is incomplete or malformed. */
  close(): void {
    if (this.failure) throw this.failure;
    try {
      this.scan(true);
      if (this.buffer.length > 0) {
        const rest = this.buffer;
        if (rest.charCodeAt(0) === LT)
          throw new Malformed(`document ends inside markup "${rest.slice(0, 20)}"`);
        if (this.stack.length > 0) throw new Malformed("document ends inside text");
        throw new Malformed(
          this.rootClosed
            ? "text after the root element"
            : `text before the root element: "${rest.slice(0, 20)}"`,
        );
      }
      if (this.stack.length > 0) throw new Malformed(`document ends with <${this.stack.at(-1)}> still open`);
      if (!this.rootClosed) throw new Malformed("document has no root element");
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** The element path where the reader is, e.g. `informationTable/infoTable/value`. */
  where(): string {
    return this.path.join("/");
  }

  private fail(err: unknown): Error {
    let failure: Error;
    if (err instanceof Unsafe) {
      failure = new AppError(
        "UNSAFE_DOCUMENT",
        `${this.documentName}: unsafe XML rejected: ${err.message} at <${this.where() || "document start"}>`,
      );
    } else if (err instanceof Malformed) {
      failure = new AppError(
        "INVALID_INPUT",
        `${this.documentName}: malformed XML at <${this.where() || "document start"}> (character ${this.consumed + 1}): ${err.message}`,
      );
    } else {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    this.failure = failure;
    return failure;
  }

  /**
   * Consumes every complete token of `buffer`, leaving an incomplete one (and what follows) for the next
   * chunk. `consumed` tracks the start of the token being read, so errors point at it.
   */
  private scan(final: boolean): void {
    const buf = this.buffer;
    const n = buf.length;
    const { maxTextChars } = this.limits;
    let pos = 0;
    if (this.consumed === 0 && buf.charCodeAt(0) === 0xfeff) {
      pos = 1;
      this.consumed = 1;
    }
    while (pos < n) {
      if (buf.charCodeAt(pos) !== LT) {
        const from = Math.max(this.textScanned, pos);
        const lt = buf.indexOf("<", from);
        if (lt === -1) {
          if (n - pos > maxTextChars) throw tooLong(this.limits);
          // A reference split across chunks (`&` now, `#` next time) is counted once: rescan from its `&`.
          let amp = buf.indexOf("&#", from > pos ? from - 1 : from);
          while (amp !== -1) {
            if (++this.textRefs > this.limits.maxNumericRefs) throw tooManyRefs(this.limits);
            amp = buf.indexOf("&#", amp + 2);
          }
          this.textScanned = n;
          if (final && this.stack.length === 0 && isBlank(buf.slice(pos))) pos = n;
          break;
        }
        if (lt - pos > maxTextChars) throw tooLong(this.limits);
        this.text(buf, pos, lt);
        this.textScanned = 0;
        this.textRefs = 0;
        this.consumed += lt - pos;
        pos = lt;
        continue;
      }
      const end = this.markup(buf, pos, final);
      if (end === -1) {
        if (n - pos > maxTextChars) throw tooLong(this.limits);
        break;
      }
      this.consumed += end - pos;
      pos = end;
    }
    if (pos > 0) {
      this.buffer = pos >= n ? "" : buf.slice(pos);
      if (this.textScanned > 0) this.textScanned -= pos;
    }
  }

  /** Text between `start` and `end` (exclusive, at a `<`). */
  private text(buf: string, start: number, end: number): void {
    if (this.stack.length === 0) {
      const raw = buf.slice(start, end);
      if (!isBlank(raw)) {
        throw new Malformed(
          this.rootClosed
            ? "text after the root element"
            : `text before the root element: "${raw.slice(0, 20)}"`,
        );
      }
      return;
    }
    const raw = lineEnds(buf.slice(start, end));
    this.handler.text(raw.indexOf("&") === -1 ? raw : decodeReferences(raw, this.limits));
  }

  /**
   * Reads the markup at `pos` (a `<`); returns the index after it, or -1 when it is not complete yet.
   */
  private markup(buf: string, pos: number, final: boolean): number {
    const n = buf.length;
    if (pos + 1 >= n) return -1;
    const next = buf.charCodeAt(pos + 1);
    if (next === SLASH) return this.endTag(buf, pos);
    if (next === BANG) return this.declaration(buf, pos, final);
    if (next === QUESTION) return this.instruction(buf, pos);
    return this.startTag(buf, pos);
  }

  private endTag(buf: string, pos: number): number {
    const open = this.stack[this.stack.length - 1];
    const nameStart = pos + 2;
    // Fast path: `</name>` matching the open element, compared in place.
    if (
      open !== undefined &&
      buf.startsWith(open, nameStart) &&
      buf.charCodeAt(nameStart + open.length) === GT
    ) {
      this.closeElement();
      return nameStart + open.length + 1;
    }
    const gt = buf.indexOf(">", nameStart);
    if (gt === -1) return -1;
    const name = buf.slice(nameStart, gt).trimEnd();
    if (open === undefined) throw new Malformed(`end tag </${name}> without an open element`);
    if (name !== open) throw new Malformed(`end tag </${name}> does not match <${open}>`);
    this.closeElement();
    return gt + 1;
  }

  private closeElement(): void {
    const depth = this.stack.length;
    this.stack.pop();
    const name = this.path.pop() as string;
    if (depth === 1) this.rootClosed = true;
    this.handler.close(name, depth);
  }

  private startTag(buf: string, pos: number): number {
    const n = buf.length;
    let i = pos + 1;
    let c = 0;
    while (i < n) {
      c = buf.charCodeAt(i);
      if (c === GT || c === SLASH || isXmlSpace(c)) break;
      i++;
    }
    if (i >= n) return -1;
    const name = this.names.at(buf, pos + 1, i);
    const qualified = name.qualified;
    let attributes = NO_ATTRIBUTES;
    let selfClosing = false;
    let end = i + 1;
    if (c !== GT) {
      // Attributes (or white space) follow the name.
      const tag = readAttributes(buf, i, qualified, this.limits);
      if (tag === null) return -1;
      ({ attributes, selfClosing, end } = tag);
    }
    if (end - pos > this.limits.maxTextChars) throw tooLong(this.limits);
    const local = name.local;
    if (this.rootClosed) throw new Malformed(`element <${qualified}> after the root element`);
    this.atStart = false;
    this.stack.push(qualified);
    this.path.push(local);
    const depth = this.stack.length;
    if (depth > this.limits.maxDepth) throw new Unsafe(`nesting deeper than ${this.limits.maxDepth} levels`);
    this.handler.open(local, attributes, depth);
    if (selfClosing) this.closeElement();
    return end;
  }

  /** `<!--`, `<![CDATA[`; `<!DOCTYPE` and `<!ENTITY` are refused. */
  private declaration(buf: string, pos: number, final: boolean): number {
    if (buf.startsWith("<!--", pos)) {
      const close = buf.indexOf("-->", pos + 4);
      if (close === -1) {
        refuseDtdIn(buf, pos + 2, buf.length, this.limits);
        return -1;
      }
      refuseDtdIn(buf, pos + 2, close, this.limits);
      this.atStart = false;
      return close + 3;
    }
    if (buf.length - pos < 9 && !final) {
      // Too short to tell `<!DOCTYPE` from `<![CDATA[`: wait, unless it already cannot be either.
      const head = buf.slice(pos).toUpperCase();
      if (
        "<!DOCTYPE".startsWith(head) ||
        "<!ENTITY".startsWith(head) ||
        "<![CDATA[".startsWith(head) ||
        "<!--".startsWith(head)
      )
        return -1;
    }
    const head = buf.slice(pos, pos + 9).toUpperCase();
    if (head.startsWith("<!DOCTYPE"))
      throw new Unsafe("a DOCTYPE declaration (entity definitions are not accepted)");
    if (head.startsWith("<!ENTITY")) throw new Unsafe("an ENTITY declaration");
    if (head === "<![CDATA[") {
      if (this.stack.length === 0) throw new Malformed("CDATA section outside the root element");
      const close = buf.indexOf("]]>", pos + 9);
      if (close === -1) {
        refuseDtdIn(buf, pos + 2, buf.length, this.limits);
        return -1;
      }
      if (close - (pos + 9) > this.limits.maxTextChars) throw tooLong(this.limits);
      refuseDtdIn(buf, pos + 2, close, this.limits);
      this.handler.text(lineEnds(buf.slice(pos + 9, close)));
      return close + 3;
    }
    throw new Malformed(`unknown markup "${buf.slice(pos, pos + 12)}"`);
  }

  /** `<?target ...?>`: skipped; the XML declaration is only allowed first. */
  private instruction(buf: string, pos: number): number {
    const close = buf.indexOf("?>", pos + 2);
    if (close === -1) {
      refuseDtdIn(buf, pos + 2, buf.length, this.limits);
      return -1;
    }
    refuseDtdIn(buf, pos + 2, close, this.limits);
    let targetEnd = pos + 2;
    while (targetEnd < close && !isXmlSpace(buf.charCodeAt(targetEnd))) targetEnd++;
    const target = buf.slice(pos + 2, targetEnd);
    if (!XML_NAME.test(target)) throw new Malformed(`bad processing instruction "<?${target.slice(0, 20)}"`);
    if (target.toLowerCase() === "xml" && !this.atStart) {
      throw new Malformed("XML declaration not at the start of the document");
    }
    this.atStart = false;
    return close + 2;
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
