/**
 * The pieces of the XML tokenizer that need no reader state: character classes, names, start-tag
 * attributes, references and the DTD check (see `SafeXmlReader` in safe-xml.ts, which drives them).
 */
import { Malformed, tooLong, tooManyRefs, Unsafe, type XmlLimits } from "./xml-limits";

export const LT = 0x3c; // <
export const GT = 0x3e; // >
export const SLASH = 0x2f; // /
export const BANG = 0x21; // !
export const QUESTION = 0x3f; // ?
export const EQUALS = 0x3d; // =
export const DQUOTE = 0x22; // "
export const SQUOTE = 0x27; // '

export const isXmlSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** True when `text` holds only XML white space (what may stand outside the root element). */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isXmlSpace(text.charCodeAt(i))) return false;
  return true;
}

/** End-of-line handling (XML 1.0 section 2.11): `\r\n` and a lone `\r` read as `\n`. */
export const lineEnds = (text: string): string =>
  text.indexOf("\r") === -1 ? text : text.replace(/\r\n?/g, "\n");

/** XML 1.0 `Name` (letters, digits, `_`, `-`, `.`; at most one `:`, between prefix and local name). */
export const XML_NAME = /^[\p{L}_][\p{L}\p{N}\p{M}_.\-\u00B7]*(?::[\p{L}_][\p{L}\p{N}\p{M}_.\-\u00B7]*)?$/u;

export const PREDEFINED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

/** XML 1.0 `Char`: what a numeric character reference may stand for. */
export const isXmlChar = (cp: number) =>
  cp === 0x9 ||
  cp === 0xa ||
  cp === 0xd ||
  (cp >= 0x20 && cp <= 0xd7ff) ||
  (cp >= 0xe000 && cp <= 0xfffd) ||
  (cp >= 0x10000 && cp <= 0x10ffff);

/** Shared by every element without attributes (most of them), so none allocates an object. */
export const NO_ATTRIBUTES: Record<string, string> = Object.freeze(Object.create(null));

/** Name shapes remembered per document, and names per shape; past these, names are validated each time. */
const NAME_CACHE_LIMIT = 4096;
const NAMES_PER_SHAPE = 8;

/** An element name as written (`ns1:infoTable`) and its local part (`infoTable`). */
export interface KnownName {
  qualified: string;
  local: string;
}

/** `ns1:infoTable` -> `infoTable`: prefixes vary by filer, the local name is what the XSD defines. */
export const localName = (qualified: string): string => {
  const colon = qualified.indexOf(":");
  return colon === -1 ? qualified : qualified.slice(colon + 1);
};

/** The element names seen in one document, by length and last character. */
export class ElementNames {
  private readonly names = new Map<number, KnownName[]>();

  /**
   * The element name in `buf[start, end)`. Names repeat on every row, so one seen before is recognised
   * in place (by length and last character, then compared) without slicing or hashing a new string;
   * a new one is validated once.
   */
  at(buf: string, start: number, end: number): KnownName {
    const shape = (end - start) * 65536 + buf.charCodeAt(end - 1);
    const candidates = this.names.get(shape);
    if (candidates) {
      for (const known of candidates) if (buf.startsWith(known.qualified, start)) return known;
    }
    const qualified = buf.slice(start, end);
    if (!XML_NAME.test(qualified)) throw new Malformed(`bad element name "<${qualified.slice(0, 40)}"`);
    const name = { qualified, local: localName(qualified) };
    if (!candidates) {
      if (this.names.size < NAME_CACHE_LIMIT) this.names.set(shape, [name]);
    } else if (candidates.length < NAMES_PER_SHAPE) {
      candidates.push(name);
    }
    return name;
  }
}

/** The end of a start tag: its attributes, whether it closes itself (`/>`), the index after it. */
export interface TagEnd {
  attributes: Record<string, string>;
  selfClosing: boolean;
  end: number;
}

/**
 * The attributes of the start tag `<qualified` from `i` (just after its name) to its `>` or `/>`;
 * null when the tag is not complete in `buf` yet.
 */
export function readAttributes(buf: string, i: number, qualified: string, limits: XmlLimits): TagEnd | null {
  const n = buf.length;
  let attributes = NO_ATTRIBUTES;
  let refs = 0;
  let c = 0;
  for (;;) {
    const beforeSpace = i;
    while (i < n && isXmlSpace(buf.charCodeAt(i))) i++;
    if (i >= n) return null;
    c = buf.charCodeAt(i);
    if (c === GT) return { attributes, selfClosing: false, end: i + 1 };
    if (c === SLASH) {
      if (i + 1 >= n) return null;
      if (buf.charCodeAt(i + 1) !== GT) throw new Malformed(`"/" not followed by ">" in <${qualified}>`);
      return { attributes, selfClosing: true, end: i + 2 };
    }
    if (i === beforeSpace) throw new Malformed(`no white space before an attribute in <${qualified}>`);
    const nameStart = i;
    while (i < n) {
      c = buf.charCodeAt(i);
      if (c === EQUALS || c === GT || c === SLASH || isXmlSpace(c)) break;
      i++;
    }
    if (i >= n) return null;
    const attrName = buf.slice(nameStart, i);
    if (!XML_NAME.test(attrName)) throw new Malformed(`bad attribute name "${attrName}" in <${qualified}>`);
    while (i < n && isXmlSpace(buf.charCodeAt(i))) i++;
    if (i >= n) return null;
    if (buf.charCodeAt(i) !== EQUALS)
      throw new Malformed(`attribute ${attrName} has no value in <${qualified}>`);
    i++;
    while (i < n && isXmlSpace(buf.charCodeAt(i))) i++;
    if (i >= n) return null;
    const quote = buf.charCodeAt(i);
    if (quote !== DQUOTE && quote !== SQUOTE) {
      throw new Malformed(`attribute ${attrName} value is not quoted in <${qualified}>`);
    }
    const close = buf.indexOf(quote === DQUOTE ? '"' : "'", i + 1);
    if (close === -1) return null;
    let value = buf.slice(i + 1, close);
    if (value.length > limits.maxTextChars) throw tooLong(limits);
    if (value.indexOf("<") !== -1) throw new Malformed(`"<" in the value of attribute ${attrName}`);
    if (value.indexOf("&") !== -1) {
      const counted = { refs };
      value = decodeReferences(value, limits, counted);
      refs = counted.refs;
    }
    // Attribute-value normalization (XML 1.0 section 3.3.3): literal white space becomes a space.
    if (/[\t\n\r]/.test(value)) value = lineEnds(value).replace(/[\t\n]/g, " ");
    if (attributes === NO_ATTRIBUTES) attributes = Object.create(null) as Record<string, string>;
    if (attrName in attributes) throw new Malformed(`attribute ${attrName} repeated in <${qualified}>`);
    attributes[attrName] = value;
    i = close + 1;
  }
}

/**
 * DOCTYPE/ENTITY markers are refused even inside comments, CDATA and processing instructions, as the
 * raw-input check before this tokenizer did: a filing has no reason to carry one anywhere.
 */
export function refuseDtdIn(buf: string, from: number, to: number, limits: XmlLimits): void {
  let bang = buf.indexOf("<!", from);
  while (bang !== -1 && bang < to) {
    const marker = buf.slice(bang, bang + 9).toUpperCase();
    if (marker.startsWith("<!DOCTYPE")) throw new Unsafe("a DOCTYPE declaration");
    if (marker.startsWith("<!ENTITY")) throw new Unsafe("an ENTITY declaration");
    bang = buf.indexOf("<!", bang + 2);
  }
  if (to - from > limits.maxTextChars) throw tooLong(limits);
}

/** Replaces the predefined entities and numeric character references of a complete text or value. */
export function decodeReferences(
  raw: string,
  limits: XmlLimits,
  counted: { refs: number } = { refs: 0 },
): string {
  let out = "";
  let last = 0;
  let amp = raw.indexOf("&");
  while (amp !== -1) {
    const semi = raw.indexOf(";", amp + 1);
    if (semi === -1 || semi - amp > 12)
      throw new Malformed(`unterminated reference "${raw.slice(amp, amp + 12)}"`);
    const ref = raw.slice(amp + 1, semi);
    let char: string | undefined;
    if (ref.charCodeAt(0) === 0x23) {
      if (++counted.refs > limits.maxNumericRefs) throw tooManyRefs(limits);
      const hex = ref.charCodeAt(1) === 0x78;
      const digits = ref.slice(hex ? 2 : 1);
      const cp = (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)
        ? Number.parseInt(digits, hex ? 16 : 10)
        : Number.NaN;
      if (!isXmlChar(cp)) throw new Malformed(`bad character reference "&${ref};"`);
      char = String.fromCodePoint(cp);
    } else {
      char = PREDEFINED_ENTITIES[ref];
      if (char === undefined) throw new Malformed(`undefined entity "&${ref};"`);
    }
    out += raw.slice(last, amp) + char;
    last = semi + 1;
    amp = raw.indexOf("&", last);
  }
  return out + raw.slice(last);
}
