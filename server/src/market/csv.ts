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

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  let text = Array.isArray(v)
    ? v.map((x) => String(x)).join(";")
    : typeof v === "object"
      ? JSON.stringify(v)
      : String(v);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: unknown[]) => `${cells.map(csvCell).join(",")}\r\n`;

/** Columns: the keys of the rows in first-seen order. */
export function columnsOf(rows: Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const r of rows.slice(0, 100)) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/**
 * A streamed CSV response. `pages` yields row batches; `columns` fixes the header (else the first batch's keys).
 */
export function csvResponse<R extends object>(
  pages: AsyncIterable<R[]> | Iterable<R[]>,
  opts: { filename: string; columns?: string[]; headers?: Record<string, string> },
): Response {
  const encoder = new TextEncoder();
  let columns = opts.columns;
  const iterator =
    Symbol.asyncIterator in pages
      ? (pages as AsyncIterable<R[]>)[Symbol.asyncIterator]()
      : (pages as Iterable<R[]>)[Symbol.iterator]();
  let headerSent = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) {
        if (!headerSent) controller.enqueue(encoder.encode(csvLine(columns ?? [])));
        controller.close();
        return;
      }
      const rows = next.value as Record<string, unknown>[];
      let text = "";
      if (!headerSent) {
        columns ??= columnsOf(rows);
        text += csvLine(columns);
        headerSent = true;
      }
      const cols = columns as string[];
      for (const r of rows) text += csvLine(cols.map((c) => r[c]));
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${opts.filename.replace(/[^\w.-]/g, "_")}"`,
      ...opts.headers,
    },
  });
}

/** Batches of `size` rows of an array (the CSV stream's pages when the rows are already in memory). */
export function* batches<T>(rows: T[], size = 1000): Iterable<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
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
