import type { Readable } from "node:stream";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { AppError } from "../errors";
import { LineBuffer, MAX_LINE_CHARS } from "../lib/lines";
import { formatLocation, type Location } from "../lib/records";

/**
 * Bounds on one SEC data-set zip, so that a small hostile zip cannot hold the server's memory or CPU.
 * The SEC's largest quarterly sets are far below them (a 13F quarter: INFOTABLE about 1 GB uncompressed,
 * SUBMISSION about 10^4 rows; an insider quarter: FOOTNOTES a few 10^5 rows).
 */
export interface DatasetLimits {
  /** Uncompressed bytes of one member (each TSV table). */
  maxMemberBytes: number;
  /** Uncompressed bytes of all members together. */
  maxZipBytes: number;
  /** Rows of one per-filing table held in memory while the zip is read (SUBMISSION, COVERPAGE side tables). */
  maxHeldRows: number;
  /** Characters of text of one per-filing table held in memory. */
  maxHeldChars: number;
  /** Longest TSV line. */
  maxLineChars: number;
  /**
   * Largest declared uncompressed/compressed ratio of a member over `ratioFloorBytes` (a zip bomb packs
   * ~1,000:1; the SEC's TSVs compress about 5-15:1). yauzl holds each member to its declared size.
   */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DATASET_LIMITS: DatasetLimits = {
  maxMemberBytes: 4 * 1024 ** 3,
  maxZipBytes: 8 * 1024 ** 3,
  maxHeldRows: 1_000_000,
  maxHeldChars: 256 * 1024 ** 2,
  maxLineChars: MAX_LINE_CHARS,
  maxRatio: 100,
  ratioFloorBytes: 16 * 1024 ** 2,
};

/** Where a data-set zip is and what to call it in messages (an upload's name, never a temporary path). */
export interface DatasetSource {
  path: string;
  name: string;
  limits?: Partial<DatasetLimits>;
}

export interface ZipHandle {
  name: string;
  limits: DatasetLimits;
  entries: Map<string, Entry>;
  open(entry: Entry): Promise<Readable>;
  close(): void;
}

/** An error from a library or the file system, with the zip's path replaced by its name. */
export function namedError(err: unknown, src: DatasetSource): AppError {
  if (err instanceof AppError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new AppError("INVALID_INPUT", `${src.name}: ${text.split(src.path).join(src.name)}`);
}

/**
 * Opens a zip in place (random access, no copy) and lists its members by upper-cased base name
 * (`INFOTABLE.tsv`, `2024q1_form13f/INFOTABLE.tsv`, ...). Refuses a member or a zip whose declared
 * uncompressed size is over the limits; yauzl checks that each member's stream matches its declared size.
 */
export async function openZip(src: DatasetSource): Promise<ZipHandle> {
  const limits = { ...DATASET_LIMITS, ...src.limits };
  const zip = await new Promise<ZipFile>((resolve, reject) =>
    yauzl.open(src.path, { lazyEntries: true, autoClose: false }, (err, z) =>
      err ? reject(err) : resolve(z),
    ),
  ).catch((err: unknown) => {
    throw new AppError(
      "INVALID_INPUT",
      `${src.name}: not a readable zip file (${namedError(err, src).message})`,
    );
  });
  const entries = new Map<string, Entry>();
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("entry", (entry: Entry) => {
        const base = entry.fileName.slice(entry.fileName.lastIndexOf("/") + 1).toUpperCase();
        if (entry.uncompressedSize > limits.maxMemberBytes) {
          reject(
            new AppError(
              "INVALID_INPUT",
              `${src.name}!${entry.fileName}: ${entry.uncompressedSize} bytes uncompressed, over the ` +
                `${limits.maxMemberBytes}-byte limit per member (DATASET_LIMITS.maxMemberBytes)`,
            ),
          );
          return;
        }
        if (
          entry.uncompressedSize > limits.ratioFloorBytes &&
          entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize)
        ) {
          reject(
            new AppError(
              "INVALID_INPUT",
              `${src.name}!${entry.fileName}: ${entry.uncompressedSize} bytes from ${entry.compressedSize} ` +
                `compressed, over the ${limits.maxRatio}:1 ratio a data set has (DATASET_LIMITS.maxRatio)`,
            ),
          );
          return;
        }
        total += entry.uncompressedSize;
        if (total > limits.maxZipBytes) {
          reject(
            new AppError(
              "INVALID_INPUT",
              `${src.name}: over ${limits.maxZipBytes} bytes uncompressed by member ${entry.fileName} ` +
                "(DATASET_LIMITS.maxZipBytes)",
            ),
          );
          return;
        }
        entries.set(base, entry);
        zip.readEntry();
      });
      zip.on("end", () => resolve());
      zip.on("error", reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    throw namedError(err, src);
  }
  return {
    name: src.name,
    limits,
    entries,
    open: (entry) =>
      new Promise<Readable>((resolve, reject) =>
        zip.openReadStream(entry, (err, stream) => (err ? reject(namedError(err, src)) : resolve(stream))),
      ),
    close: () => zip.close(),
  };
}

/** Lines of a TSV member as they are decoded: `texts[i]` is line `firstLine + i` (blank lines included). */
export interface TsvLines {
  texts: string[];
  firstLine: number;
}

/**
 * Streams a TSV member as runs of lines, one run per decoded chunk, after checking its header: a row
 * then costs no `await` of its own, which at millions of rows is most of the parsing time.
 * Returns the column index by upper-cased header name through `onHeader`.
 */
export async function* tsvLines(
  zip: ZipHandle,
  member: string,
  required: readonly string[],
  onHeader: (index: Map<string, number>) => void,
  optional = false,
): AsyncGenerator<TsvLines> {
  const entry = zip.entries.get(member);
  if (!entry) {
    if (optional) return;
    throw new AppError("INVALID_INPUT", `${zip.name}: member ${member} is missing`);
  }
  const buffer = new LineBuffer(`${zip.name}!${member}`, zip.limits.maxLineChars);
  let line = 0;
  let header = false;
  const take = (texts: string[]): TsvLines | null => {
    if (!header && texts.length > 0) {
      const names = (texts.shift() as string).split("\t").map((h) =>
        h
          .trim()
          .replace(/^\uFEFF/, "")
          .toUpperCase(),
      );
      const index = new Map(names.map((h, i) => [h, i]));
      const missing = required.filter((c) => !index.has(c));
      if (missing.length > 0) {
        throw new AppError(
          "INVALID_INPUT",
          `${zip.name}!${member}:1: missing column(s) ${missing.join(", ")}`,
        );
      }
      onHeader(index);
      header = true;
      line++;
    }
    const run = { texts, firstLine: line + 1 };
    line += texts.length;
    return texts.length > 0 ? run : null;
  };
  for await (const chunk of await zip.open(entry)) {
    const run = take(buffer.push(chunk as Uint8Array));
    if (run) yield run;
  }
  const last = buffer.end();
  const run = take(last !== null ? [last] : []);
  if (run) yield run;
}

export type Row = (name: string) => string | undefined;

/** The current TSV line's fields by column name (an empty field reads as undefined). */
export class TsvRow {
  /** Column positions, from the header line. */
  index = new Map<string, number>();
  fields: string[] = [];
  readonly get: Row = (name) => {
    const i = this.index.get(name);
    if (i === undefined) return undefined;
    const v = this.fields[i];
    return v === undefined || v === "" ? undefined : v;
  };
}

/** Streams a TSV member as `(column) -> value` accessors with its line number and text length. */
export async function* readTsv(
  zip: ZipHandle,
  member: string,
  required: readonly string[],
  optional = false,
): AsyncGenerator<{ get: Row; at: Location; chars: number }> {
  const source = `${zip.name}!${member}`;
  const row = new TsvRow();
  const lines = tsvLines(zip, member, required, (found) => (row.index = found), optional);
  for await (const { texts, firstLine } of lines) {
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i] as string;
      if (text.length === 0) continue;
      row.fields = text.split("\t");
      yield { get: row.get, at: { source, line: firstLine + i }, chars: text.length };
    }
  }
}

/**
 * `readTsv` of a per-filing table held in memory: each row is counted against the zip's limits
 * (`HeldTable`) before it is yielded.
 */
export async function* readHeldTsv(
  zip: ZipHandle,
  member: string,
  required: readonly string[],
  optional = false,
): AsyncGenerator<{ get: Row; at: Location; chars: number }> {
  const held = new HeldTable(member, zip.limits);
  for await (const row of readTsv(zip, member, required, optional)) {
    held.add(row.at, row.chars);
    yield row;
  }
}

/** What `read` draws from the zip at `src`: the zip is closed afterwards, and errors name it. */
export async function* readZip<T>(
  src: DatasetSource,
  read: (zip: ZipHandle) => AsyncGenerator<T>,
): AsyncGenerator<T> {
  const zip = await openZip(src);
  try {
    yield* read(zip);
  } catch (err) {
    throw namedError(err, src);
  } finally {
    zip.close();
  }
}

/**
 * Counts what one per-filing table keeps in memory and stops the read, with the row located, when it
 * passes `maxHeldRows` rows or `maxHeldChars` characters.
 */
export class HeldTable {
  private rows = 0;
  private chars = 0;

  constructor(
    private readonly table: string,
    private readonly limits: DatasetLimits,
  ) {}

  add(at: Location, chars: number): void {
    this.rows++;
    this.chars += chars;
    if (this.rows > this.limits.maxHeldRows || this.chars > this.limits.maxHeldChars) {
      throw new AppError(
        "INVALID_INPUT",
        `${formatLocation(at)}: ${this.table} holds more than ${this.limits.maxHeldRows} rows or ` +
          `${this.limits.maxHeldChars} characters (DATASET_LIMITS.maxHeldRows/maxHeldChars); refused`,
      );
    }
  }
}

/** A copy of `text` that shares no memory with the string it was sliced from. */
const detached = (text: string): string => Buffer.from(text, "utf8").toString("utf8");

/** A CIK as the XML filings carry it: ten digits, zero-padded. */
export const pad10 = (cik: string | undefined) => (cik ? cik.trim().padStart(10, "0") : null);

/**
 * Numbers the rows of each accession 1, 2, ... in file order: rows of a filing appear in document
 * order, and their position is the row key, as in the XML path. Counts its keys against `held`.
 */
export class AccessionRowCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly held: HeldTable) {}

  next(accession: string, at: Location): number {
    const seen = this.counts.get(accession);
    const rowIndex = (seen ?? 0) + 1;
    // A new key is copied: the field is a slice of a whole decoded chunk, which a Map key would keep
    // alive for the rest of the file (64 KB per filing, hundreds of MB over a quarter).
    if (seen === undefined) this.held.add(at, accession.length);
    this.counts.set(seen === undefined ? detached(accession) : accession, rowIndex);
    return rowIndex;
  }
}
