/**
 * `pnpm cli ingest` while a server owns the embedded data folder: every file goes to the server's upload
 * route (`POST /smart-money/ingest/{kind}`) instead, with a content type the kind accepts, the SEC
 * filing hints as query parameters, the `API_KEY` as `x-api-key`, and `.gz` files sent compressed
 * (`Content-Encoding: gzip`; the server's size limit applies to the bytes sent, its own cap to what
 * they expand to). One failing upload is reported and the others continue.
 */
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { basename, dirname } from "node:path";
import { Readable } from "node:stream";
import type { IngestKind } from "../ingest/kinds";
import { looksLikeSubmission } from "../institutional/submission.parse";
import type { IngestSummary } from "../lib/ingest";
import type { ServerInfo } from "./server-info";

/** One request to the server: a file, or the bare XML documents of one 13F filing wrapped together. */
export interface Upload {
  /** What the report calls it (the file or folder named on the command line). */
  label: string;
  /** The `name` query parameter (file name without `.gz`: parsers take format hints from it). */
  name: string;
  contentType: string;
  /** The body is gzip as stored on disk, sent with `Content-Encoding: gzip`. */
  gzip: boolean;
  accession?: string | undefined;
  body(): Readable;
}

export interface ForwardOptions {
  strict: boolean;
  accession?: string | undefined;
  filedDate?: string | undefined;
  apiKey?: string | undefined;
  /** FINRA weekly (`ats`) overrides: `--summary-type`, `--week-start`. */
  ats?: { summaryType?: string | undefined; weekStart?: string | undefined };
}

/** Content type by file extension, when the kind accepts it; otherwise `application/octet-stream`. */
const BY_EXTENSION: [RegExp, string[]][] = [
  [/\.(ndjson|jsonl|json)$/i, ["application/x-ndjson", "application/json"]],
  [/\.zip$/i, ["application/zip"]],
  [/\.xml$/i, ["application/xml", "text/xml"]],
  [/\.tsv$/i, ["text/tab-separated-values", "text/csv"]],
  [/\.(csv|psv|txt|nc)$/i, ["text/csv", "text/plain"]],
];

export function uploadContentType(kind: IngestKind, name: string): string {
  for (const [pattern, types] of BY_EXTENSION) {
    if (!pattern.test(name)) continue;
    const accepted = types.find((t) => kind.contentTypes.includes(t));
    if (accepted) return accepted;
  }
  return kind.contentTypes.includes("application/octet-stream")
    ? "application/octet-stream"
    : (kind.contentTypes[0] ?? "application/octet-stream");
}

const withoutGz = (file: string) => (/\.gz$/i.test(file) ? file.slice(0, -3) : file);

function fileUpload(kind: IngestKind, file: string): Upload {
  const name = basename(withoutGz(file));
  return {
    label: file,
    name,
    contentType: uploadContentType(kind, name),
    gzip: /\.gz$/i.test(file),
    body: () => createReadStream(file),
  };
}

/**
 * Bare 13F XML documents of one folder (cover page plus information table, EDGAR's layout) travel as
 * one upload in the feed's `<SUBMISSION>` wrapper, so the server pairs them as `ingest 13f <dir>` does
 * locally; the accession comes from `--accession` or the folder name.
 */
function wrapped13F(kind: IngestKind, dir: string, files: string[], accession: string | undefined): Upload {
  return {
    label: dir,
    name: `${basename(dir) || "13f"}.nc`,
    contentType: uploadContentType(kind, "submission.txt"),
    gzip: false,
    accession,
    body: () =>
      Readable.from(
        (async function* () {
          yield "<SUBMISSION>\n";
          for (const file of files) {
            yield `<DOCUMENT>\n<TYPE>XML\n<FILENAME>${basename(file)}\n<TEXT>\n<XML>\n`;
            yield* createReadStream(file);
            yield "\n</XML>\n</TEXT>\n</DOCUMENT>\n";
          }
          yield "</SUBMISSION>\n";
        })(),
      ),
  };
}

/**
 * What to send for `ingest <kind> <paths>`: one upload per file, except for kinds whose documents pair
 * up by folder (`paths.folderAccession`, 13F), whose bare XML documents go one folder per upload.
 */
export function planUploads(kind: IngestKind, files: string[], accession?: string): Upload[] {
  const folderAccession = kind.paths?.folderAccession;
  if (!folderAccession) return files.map((f) => fileUpload(kind, f));
  const uploads: Upload[] = [];
  const bare = new Map<string, string[]>();
  for (const file of files) {
    const head = /\.xml$/i.test(file) ? headOf(file) : null;
    if (head !== null && !looksLikeSubmission(head)) {
      const dir = dirname(file);
      bare.set(dir, [...(bare.get(dir) ?? []), file]);
    } else uploads.push(fileUpload(kind, file));
  }
  for (const [dir, group] of bare)
    uploads.push(wrapped13F(kind, dir, group, accession ?? folderAccession(dir) ?? undefined));
  return uploads;
}

/** The first 200 bytes of a file (enough to tell a submission wrapper from a bare XML document). */
function headOf(file: string): string {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(200);
    return buf.toString("latin1", 0, readSync(fd, buf, 0, 200, 0));
  } finally {
    closeSync(fd);
  }
}

/** Sends one upload; a refused or failed request throws an error naming the file and the reason. */
export async function sendUpload(
  server: ServerInfo,
  kindName: string,
  upload: Upload,
  o: ForwardOptions,
): Promise<IngestSummary> {
  const query = new URLSearchParams({ name: upload.name, strict: String(o.strict) });
  const accession = upload.accession ?? o.accession;
  if (accession) query.set("accession", accession);
  if (o.filedDate) query.set("filed_date", o.filedDate);
  if (o.ats?.summaryType) query.set("summary_type", o.ats.summaryType);
  if (o.ats?.weekStart) query.set("week_start", o.ats.weekStart);
  const headers: Record<string, string> = { "content-type": upload.contentType };
  if (upload.gzip) headers["content-encoding"] = "gzip";
  if (o.apiKey) headers["x-api-key"] = o.apiKey;
  let res: Response;
  try {
    res = await fetch(`${server.url}/smart-money/ingest/${encodeURIComponent(kindName)}?${query}`, {
      method: "POST",
      body: Readable.toWeb(upload.body()) as ReadableStream,
      headers,
      duplex: "half",
    } as RequestInit);
  } catch (error) {
    throw new Error(`${upload.label}: could not reach the server at ${server.url}: ${describe(error)}`);
  }
  const text = await res.text();
  let json: (IngestSummary & { error?: undefined }) | { error: { code: string; message: string } } | null =
    null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok || json === null || json.error !== undefined) {
    const reason = json?.error
      ? `${json.error.code}: ${json.error.message}`
      : `HTTP ${res.status} ${text.slice(0, 200)}`;
    throw new Error(`${upload.label}: the server refused it (${reason})`);
  }
  return json;
}

const describe = (error: unknown): string =>
  error instanceof Error
    ? `${error.message}${error.cause ? ` (${describe(error.cause)})` : ""}`
    : String(error);
