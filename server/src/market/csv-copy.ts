/**
 * The CSV of a COPY's rows (`copyRows` in @smt/db: PostgreSQL's binary COPY format, columns as their text
 * output, timestamps raw). The bytes are those `csvLine` writes for the values the row path returns for
 * the same rows: a cell that could need the formula guard, quotes or a different number spelling is
 * handed to `csvCell` as that value; every other cell is copied byte for byte, in one pass that also
 * checks it. That keeps the per-row work to a few byte comparisons (no value objects, no strings).
 */
import type { CopyColumn, CopyOut } from "@smt/db";
import {
  CSV_CHUNK_CHARS,
  type CsvOptions,
  csvCell,
  csvChunksResponse,
  csvLine,
  csvValuesResponse,
} from "./csv";
import { UTC_MAX_BYTES, writeUtc } from "./csv-times";

/**
 * How the JSON/row path returns a column, hence how `csvCell` writes it: `text` a string (text, varchar,
 * booleans, int8 and numeric), `number` a JavaScript number (int2, int4, float4, float8); `utc-us` and
 * `utc-ms` a timestamptz that the row path's select formats with to_char (csv-times.ts), sent raw here.
 */
export type CsvCellKind = "text" | "number" | "utc-us" | "utc-ms";

/** The COPY columns for `columns` of these kinds: timestamps in binary, the rest as their text output. */
export function copyColumns(columns: readonly string[], kinds: readonly CsvCellKind[]): CopyColumn[] {
  return columns.map((name, i) => ({ name, text: kinds[i] === "text" || kinds[i] === "number" }));
}

/** Bytes after which a text cell may need `csvCell`: at the start, anywhere, at the end. */
const TEXT_START = new Uint8Array(256);
const TEXT_ANY = new Uint8Array(256);
const TEXT_END = new Uint8Array(256);
/** Bytes of a number's text that JavaScript may spell differently (an exponent, NaN, Infinity). */
const NUMBER_ANY = new Uint8Array(256).fill(1);
{
  const codes = (s: string) => [...s].map((ch) => ch.charCodeAt(0));
  // The formula guard's characters and ASCII whitespace (csvCell's `\s`) at the start, whitespace at the
  // end; a first or last byte of a multi-byte character may be Unicode whitespace: csvCell decides.
  for (const b of codes("=+-@\t\n\v\f\r ")) TEXT_START[b] = 1;
  for (const b of codes("\t\n\v\f\r ")) TEXT_END[b] = 1;
  for (let b = 0x80; b < 256; b++) TEXT_START[b] = TEXT_END[b] = 1;
  for (const b of codes('",\r\n')) TEXT_ANY[b] = 1;
  for (const b of codes("0123456789.-")) NUMBER_ANY[b] = 0;
}
const COMMA = 0x2c;
/** The binary COPY header: signature, flags, header extension length (PostgreSQL docs, "COPY", Binary Format). */
const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/** Bytes of CSV built up to about CSV_CHUNK_CHARS, then handed out whole (never reused after). */
class Chunks {
  buf = Buffer.allocUnsafe(CSV_CHUNK_CHARS);
  pos = 0;
  ready: Buffer[] = [];
  /** Room for `n` more bytes, starting a new chunk when this one is full. */
  ensure(n: number) {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) this.ready.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(CSV_CHUNK_CHARS, n));
    this.pos = 0;
  }
  write(text: string) {
    const n = Buffer.byteLength(text, "utf8");
    this.ensure(n);
    this.pos += this.buf.write(text, this.pos, n, "utf8");
  }
  flush() {
    if (this.pos > 0) this.ready.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(CSV_CHUNK_CHARS);
    this.pos = 0;
  }
}

const int32 = (b: Buffer, at: number) =>
  ((b[at] as number) << 24) |
  ((b[at + 1] as number) << 16) |
  ((b[at + 2] as number) << 8) |
  (b[at + 3] as number);
const int16 = (b: Buffer, at: number) => (((b[at] as number) << 24) >> 16) | (b[at + 1] as number);

/**
 * Turns binary COPY bytes (cut anywhere) into CSV lines: `push` takes the next bytes and returns how many
 * rows it wrote; `end` checks that the trailer came.
 */
export class CopyCsvWriter {
  private pending: Buffer | null = null;
  private headerSeen = false;
  private trailerSeen = false;
  readonly out = new Chunks();

  /** Bytes a row's CSV may have beyond its COPY bytes: its timestamps' text. */
  private readonly extra: number;

  constructor(private readonly kinds: readonly CsvCellKind[]) {
    this.extra = kinds.filter((k) => k === "utc-us" || k === "utc-ms").length * UTC_MAX_BYTES + 2;
  }

  push(bytes: Buffer): void {
    const b = this.pending ? Buffer.concat([this.pending, bytes]) : bytes;
    this.pending = null;
    let at = this.headerSeen ? 0 : this.headerEnd(b);
    if (at < 0) {
      this.pending = b;
      return;
    }
    this.headerSeen = true;
    while (at + 2 <= b.length && !this.trailerSeen) {
      const end = this.rowEnd(b, at);
      if (end < 0) break;
      if (end === at + 2) this.trailerSeen = true;
      else this.writeRow(b, at, end);
      at = end;
    }
    if (at < b.length && !this.trailerSeen) this.pending = b.subarray(at);
  }

  /** Where the rows start after the 19-byte header and its extension; -1 until all of it has come. */
  private headerEnd(b: Buffer): number {
    if (b.length < 19) return -1;
    if (!b.subarray(0, 11).equals(SIGNATURE)) throw new Error("COPY: not PostgreSQL's binary format");
    const end = 19 + int32(b, 15);
    return b.length < end ? -1 : end;
  }

  end(): void {
    if (!this.trailerSeen) throw new Error("COPY: the stream ended before its trailer");
    this.out.flush();
  }

  /** Where the row at `at` ends, -1 if its bytes have not all come yet; the trailer is 2 bytes. */
  private rowEnd(b: Buffer, at: number): number {
    const fields = int16(b, at);
    if (fields === -1) return at + 2;
    if (fields !== this.kinds.length)
      throw new Error(`COPY: ${fields} columns, expected ${this.kinds.length}`);
    let p = at + 2;
    for (let i = 0; i < fields; i++) {
      if (p + 4 > b.length) return -1;
      const n = int32(b, p);
      p += 4 + Math.max(n, 0);
    }
    return p <= b.length ? p : -1;
  }

  /**
   * One row as a CSV line. Its CSV is never longer than its COPY bytes when no cell needs csvCell (each
   * 4-byte length becomes at most one comma, the 2-byte field count the CRLF), so one `ensure` covers it;
   * after a cell csvCell wrote, the rest of the row is covered again.
   */
  private writeRow(b: Buffer, at: number, end: number) {
    const out = this.out;
    out.ensure(end - at + this.extra);
    let p = at + 2;
    for (let i = 0; i < this.kinds.length; i++) {
      if (i > 0) out.buf[out.pos++] = COMMA;
      const n = int32(b, p);
      p += 4;
      if (n <= 0) continue; // NULL (-1) and '' are both an empty cell
      const kind = this.kinds[i];
      if (kind === "utc-us" || kind === "utc-ms") {
        if (n !== 8) throw new Error("COPY: a timestamp column is not a binary timestamp");
        out.pos = writeUtc(b, p, out.buf, out.pos, kind === "utc-us" ? 6 : 3);
      } else if (!(kind === "number" ? copyNumber(b, p, n, out) : copyText(b, p, n, out))) {
        const text = b.toString("utf8", p, p + n);
        out.write(csvCell(kind === "number" ? Number(text) : text));
        out.ensure(end - p + this.extra);
      }
      p += n;
    }
    out.buf[out.pos++] = 0x0d;
    out.buf[out.pos++] = 0x0a;
  }
}

/** Copies a text cell's bytes; false if it may need the guard or quotes (the copy is then discarded). */
function copyText(b: Buffer, from: number, n: number, out: Chunks): boolean {
  if (TEXT_START[b[from] as number] || TEXT_END[b[from + n - 1] as number]) return false;
  return copyUnless(b, from, n, out, TEXT_ANY);
}

/** Copies a number's text; false if JavaScript may spell it differently (also `-0`, which it writes `0`). */
function copyNumber(b: Buffer, from: number, n: number, out: Chunks): boolean {
  if (n === 2 && b[from] === 0x2d && b[from + 1] === 0x30) return false;
  return copyUnless(b, from, n, out, NUMBER_ANY);
}

/** Copies `n` bytes into `out` unless one of them is marked in `stop` (then nothing is kept). */
function copyUnless(b: Buffer, from: number, n: number, out: Chunks, stop: Uint8Array): boolean {
  const buf = out.buf;
  let o = out.pos;
  for (let i = from; i < from + n; i++) {
    const c = b[i] as number;
    if (stop[c]) return false;
    buf[o++] = c;
  }
  out.pos = o;
  return true;
}

/** The CSV header row, then the COPY's rows, in chunks of about CSV_CHUNK_CHARS bytes. */
export async function* copyCsvChunks(
  columns: readonly string[],
  kinds: readonly CsvCellKind[],
  copy: CopyOut,
): AsyncGenerator<Buffer> {
  const writer = new CopyCsvWriter(kinds);
  writer.out.write(csvLine(columns));
  try {
    for (;;) {
      const bytes = await copy.read();
      if (bytes === null) break;
      writer.push(bytes);
      for (const chunk of writer.out.ready.splice(0)) yield chunk;
    }
    writer.end();
    yield* writer.out.ready.splice(0);
  } finally {
    await copy.cancel();
  }
}

/** A CSV export's rows: a COPY with each column's kind (real Postgres), or batches of values (PGlite). */
export type CsvRows =
  | { copy: CopyOut; kinds: readonly CsvCellKind[] }
  | { batches: AsyncIterable<unknown[][]> | Iterable<unknown[][]> };

/** The streamed CSV response of `rows` under the header `columns`: the same bytes from either source. */
export function csvRowsResponse(columns: readonly string[], rows: CsvRows, opts: CsvOptions): Response {
  return "copy" in rows
    ? csvChunksResponse(copyCsvChunks(columns, rows.kinds, rows.copy), opts)
    : csvValuesResponse(columns, rows.batches, opts);
}
