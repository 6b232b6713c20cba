import { AppError } from "../errors";

/** Anything a streaming parser accepts: a Node stream, a web stream, or chunks from a generator. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

export interface NumberedLine {
  /** The line without its terminator (`\n` or `\r\n`). */
  text: string;
  /** 1-based line number. */
  line: number;
}

/**
 * The longest line any line reader accepts, in characters (UTF-16 code units, = bytes for ASCII): 1 MiB.
 * Real lines are under a few KB (the widest is a 13F data-set INFOTABLE row); a longer one is hostile or not
 * a line format, and buffering it would let one upload hold memory and CPU without bound.
 */
export const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Cuts decoded text into lines, scanning each byte once: a partial line is kept as a list of pieces and only
 * joined when its newline arrives, so a long line costs linear, not quadratic, time. LF and CRLF; the last line
 * may lack a newline (`end()` returns it). A line longer than `maxLine` stops the reader with a located
 * `INVALID_INPUT` error (`name:line`): the lines before it are handed out first, the error is thrown by the
 * next `push` or `end`.
 */
export class LineBuffer {
  private parts: string[] = [];
  private partsLength = 0;
  private lines = 0;
  private failure: AppError | null = null;
  private readonly decoder = new TextDecoder("utf-8");

  constructor(
    /** File or upload name for error messages. */
    private readonly name: string,
    private readonly maxLine = MAX_LINE_CHARS,
  ) {}

  /** Number of lines handed out so far (the next line is `linesRead + 1`). */
  get linesRead(): number {
    return this.lines;
  }

  /** The complete lines ending in `chunk` (possibly none). */
  push(chunk: Uint8Array | string): string[] {
    if (this.failure) throw this.failure;
    const text = typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const last = text.lastIndexOf("\n");
    if (last === -1) {
      if (text.length > 0) this.keep(text);
      return this.partsLength > this.maxLine + 1 ? this.fail([]) : [];
    }
    // One native split per chunk: at millions of lines this is most of the reading time.
    const out = text.slice(0, last).split("\n");
    if (this.parts.length > 0) {
      this.parts.push(out[0] as string);
      out[0] = this.parts.join("");
      this.parts = [];
      this.partsLength = 0;
    }
    for (let i = 0; i < out.length; i++) {
      let t = out[i] as string;
      if (t.charCodeAt(t.length - 1) === 13) out[i] = t = t.slice(0, -1);
      if (t.length > this.maxLine) return this.fail(out.slice(0, i));
    }
    if (last + 1 < text.length) this.keep(text.slice(last + 1));
    // One more than the limit: a CR before the newline does not count.
    if (this.partsLength > this.maxLine + 1) return this.fail(out);
    this.lines += out.length;
    return out;
  }

  private keep(piece: string): void {
    this.parts.push(piece);
    this.partsLength += piece.length;
  }

  /** The final line when the input did not end with a newline, else null. */
  end(): string | null {
    if (this.failure) throw this.failure;
    const tail = this.decoder.decode();
    if (tail.length > 0) this.parts.push(tail);
    let rest = this.parts.join("");
    this.parts = [];
    this.partsLength = 0;
    if (rest.length === 0) return null;
    if (rest.charCodeAt(rest.length - 1) === 13) rest = rest.slice(0, -1);
    if (rest.length > this.maxLine) {
      this.fail([]);
      throw this.failure;
    }
    this.lines++;
    return rest;
  }

  private fail(good: string[]): string[] {
    this.lines += good.length;
    this.parts = [];
    this.partsLength = 0;
    this.failure = new AppError(
      "INVALID_INPUT",
      `${this.name}:${this.lines + 1}: line longer than ${this.maxLine} characters (MAX_LINE_CHARS); ` +
        "not a line of this format, reading stopped here",
    );
    return good;
  }
}

/**
 * Splits a byte stream into lines with bounded memory (one pending partial line, at most `MAX_LINE_CHARS`).
 * Accepts LF and CRLF; a final line without a newline is still yielded (FINRA files end that way).
 * `name` locates the error for an over-long line.
 */
export async function* readLines(source: ByteSource, name: string): AsyncGenerator<NumberedLine> {
  const buffer = new LineBuffer(name);
  let line = 0;
  for await (const chunk of source) {
    for (const text of buffer.push(chunk)) {
      line++;
      yield { text, line };
    }
  }
  const last = buffer.end();
  if (last !== null) yield { text: last, line: line + 1 };
}

/**
 * Splits one delimited line (CSV, TSV, pipe-separated), honouring RFC 4180 quotes: a field that starts
 * with `"` (after optional spaces) may hold the delimiter, `""` inside it is a quote, and text between
 * the closing quote and the next delimiter is kept. A quote inside an unquoted field is an ordinary
 * character; an unterminated quote takes the rest of the line (the caller's field checks reject it).
 * The one splitter of the code base, on hot paths too: lines without quotes take the native `split`
 * path, and quoted fields are cut with `indexOf`, never char by char.
 */
export function splitCsvLine(text: string, delimiter = ","): string[] {
  if (text.indexOf('"') === -1) return text.split(delimiter);
  const out: string[] = [];
  let pos = 0;
  for (;;) {
    let start = pos;
    while (text.charCodeAt(start) === 32 /* space */) start++;
    let value = "";
    if (text.charCodeAt(start) === 34 /* " */) {
      let from = start + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) {
          out.push(value + text.slice(from));
          return out;
        }
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) !== 34) {
          pos = q + 1;
          break;
        }
        value += '"';
        from = q + 2;
      }
    }
    const next = text.indexOf(delimiter, pos);
    if (next === -1) {
      out.push(value + text.slice(pos));
      return out;
    }
    out.push(value + text.slice(pos, next));
    pos = next + delimiter.length;
  }
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
