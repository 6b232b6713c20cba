/**
 * CSV answers of the list endpoints (`?format=csv` or `Accept: text/csv`): RFC 4180 quoting, a header
 * row, CRLF line ends, streamed in chunks so a long list never sits in memory as one string. Cells whose
 * text starts with = + - @ (and are not numbers) get a leading apostrophe so a spreadsheet does not run
 * them as formulas.
 */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === "csv";
  return accept !== undefined && /\btext\/csv\b/i.test(accept) && !/application\/json/i.test(accept);
}

/** Cells that may need a formula guard or quotes: the rest are written as they are. */
const CAREFUL = /^[=+\-@\s]|[",\r\n]|\s$/;

export function csvCell(v: unknown): string {
  if (typeof v === "string") return CAREFUL.test(v) ? guarded(v) : v;
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return guarded(v.map((x) => String(x)).join(";"));
  return guarded(typeof v === "object" ? JSON.stringify(v) : String(v));
}

/** The formula guard (a leading apostrophe) and RFC 4180 quoting. */
function guarded(value: string): string {
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line of a row's values, CRLF-terminated. */
export function csvLine(cells: readonly unknown[]): string {
  let line = cells.length > 0 ? csvCell(cells[0]) : "";
  for (let j = 1; j < cells.length; j++) line += `,${csvCell(cells[j])}`;
  return `${line}\r\n`;
}

/** Columns: the keys of the rows in first-seen order. */
export function columnsOf(rows: object[]): string[] {
  const seen = new Set<string>();
  for (const r of rows.slice(0, 100)) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

export interface CsvOptions {
  filename: string;
  headers?: Record<string, string> | undefined;
}

/**
 * A streamed CSV response of rows already in memory (the ranked views): `columns` fixes the header, else
 * the rows' keys.
 */
export function csvResponse(rows: object[], opts: CsvOptions & { columns?: string[] | undefined }): Response {
  const columns = opts.columns ?? columnsOf(rows);
  function* batches() {
    for (let i = 0; i < rows.length; i += 1000)
      yield rows.slice(i, i + 1000).map((r) => columns.map((c) => (r as Record<string, unknown>)[c]));
  }
  return csvValuesResponse(columns, batches(), opts);
}

/**
 * A streamed CSV response of row batches (arrays of values in `columns` order): the header, then the rows
 * written in chunks of about CSV_CHUNK_CHARS. The stream is pulled: the next chunk is built only when the
 * HTTP response has taken the previous one (back-pressure), and the next batch is asked for while the
 * current one is formatted, so the database reads while this process writes. A client that goes away
 * cancels the stream, which ends the batches' iterator (a database cursor is closed).
 */
export function csvValuesResponse(
  columns: readonly string[],
  batches: AsyncIterable<unknown[][]> | Iterable<unknown[][]>,
  opts: CsvOptions,
): Response {
  const body = new ReadableStream<Uint8Array>(csvSource(columns, batches), { highWaterMark: 1 });
  return new Response(body, { status: 200, headers: csvHeaders(opts) });
}

/**
 * A streamed CSV response of CSV bytes already made (the header row first): the next chunk is asked for
 * only when the HTTP response has taken the previous one; a client that goes away returns the generator
 * (its `finally` stops the query).
 */
export function csvChunksResponse(chunks: AsyncGenerator<Uint8Array>, opts: CsvOptions): Response {
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
  return new Response(body, { status: 200, headers: csvHeaders(opts) });
}

function csvHeaders(opts: CsvOptions): Record<string, string> {
  return {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${opts.filename.replace(/[^\w.-]/g, "_")}"`,
    ...opts.headers,
  };
}

/** Characters of CSV text per write to the response (about 64 KB of mostly ASCII). */
export const CSV_CHUNK_CHARS = 64 * 1024;

function csvSource(
  columns: readonly string[],
  batches: AsyncIterable<unknown[][]> | Iterable<unknown[][]>,
): UnderlyingDefaultSource<Uint8Array> {
  const it: AsyncIterator<unknown[][]> | Iterator<unknown[][]> =
    Symbol.asyncIterator in batches ? batches[Symbol.asyncIterator]() : batches[Symbol.iterator]();
  let ahead: Promise<IteratorResult<unknown[][]>> | null = null;
  const next = () => {
    const p = Promise.resolve(it.next());
    p.catch(() => undefined); // awaited below; a rejection must not count as unhandled meanwhile
    return p;
  };
  let rows: unknown[][] = [];
  let at = 0;
  let text = csvLine(columns);
  let ended = false;
  let cancelled = false;
  return {
    async pull(controller) {
      while (!ended && text.length < CSV_CHUNK_CHARS) {
        if (at < rows.length) {
          text += csvLine(rows[at++] as unknown[]);
          continue;
        }
        const got = await (ahead ?? next());
        ahead = null;
        if (cancelled) return;
        if (got.done) ended = true;
        else {
          rows = got.value;
          at = 0;
          ahead = next();
        }
      }
      controller.enqueue(Buffer.from(text, "utf8"));
      text = "";
      if (ended) controller.close();
    },
    async cancel() {
      cancelled = true;
      const pending = ahead;
      ahead = null;
      // A cursor must not be closed while it is fetching: wait for the batch in flight, then end it.
      if (pending !== null) await pending.catch(() => undefined);
      await it.return?.();
    },
  };
}

/** A minimal RFC 4180 reader (tests and tools): rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n" || (ch === "\r" && text[i + 1] === "\n")) {
      if (ch === "\r") i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else cell += ch;
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
