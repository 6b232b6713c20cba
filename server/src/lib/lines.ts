/** Anything a streaming parser accepts: a Node stream, a web stream, or chunks from a generator. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

export interface NumberedLine {
  /** The line without its terminator (`\n` or `\r\n`). */
  text: string;
  /** 1-based line number. */
  line: number;
}

/**
 * Splits a byte stream into lines with constant memory (one pending partial line). Accepts LF and CRLF;
 * a final line without a newline is still yielded (FINRA files end that way).
 */
export async function* readLines(source: ByteSource): AsyncGenerator<NumberedLine> {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let line = 0;
  for await (const chunk of source) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    pending = pending.length === 0 ? text : pending + text;
    let start = 0;
    let nl = pending.indexOf("\n", start);
    while (nl !== -1) {
      const end = nl > start && pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      line++;
      yield { text: pending.slice(start, end), line };
      start = nl + 1;
      nl = pending.indexOf("\n", start);
    }
    pending = start === 0 ? pending : pending.slice(start);
  }
  pending += decoder.decode();
  if (pending.length > 0) {
    line++;
    yield { text: pending.endsWith("\r") ? pending.slice(0, -1) : pending, line };
  }
}

/** Splits one CSV line (RFC 4180 quoting, `""` escapes). Quoted fields may hold the delimiter. */
export function splitCsvLine(text: string, delimiter = ","): string[] {
  if (text.indexOf('"') === -1) return text.split(delimiter);
  const out: string[] = [];
  let field = "";
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += ch;
    } else if (ch === '"') inQuotes = true;
    else if (ch === delimiter) {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

/** Finds each required column in a header row; returns the missing ones so the error can name them. */
export function indexColumns<K extends string>(
  header: string[],
  required: readonly K[],
): { index: Record<K, number>; missing: K[] } {
  const normalized = header.map((h) => h.trim().replace(/^\uFEFF/, ""));
  const index = {} as Record<K, number>;
  const missing: K[] = [];
  for (const name of required) {
    const i = normalized.indexOf(name);
    if (i === -1) missing.push(name);
    else index[name] = i;
  }
  return { index, missing };
}
