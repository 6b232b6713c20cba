/**
 * What an ingest kind is: the plain-data shape each area exports in its `<area>.ingest-kinds.ts`, and
 * the helper for the simplest kind (parsed records straight into one table). `ingest/registry.ts`
 * composes the areas' lists; nothing here knows any area.
 */
import type { Db } from "@smt/db";
import type { AtsSummaryType } from "../darkpool/ats.parse";
import type { PrintPipeline } from "../darkpool/pipeline";
import { type IngestProgress, type IngestSummary, runIngest } from "../lib/ingest";
import type { ByteSource } from "../lib/lines";
import type { Parsed } from "../lib/records";
import type { LiveBus } from "../realtime/bus";

/** SEC kinds: accession and filing date of a bare XML document (`--accession`, `--filed-date`). */
export interface FilingHintsInput {
  /** `source` stored on the rows (e.g. `cli`). */
  origin?: string | undefined;
  accession?: string | undefined;
  filedDate?: string | undefined;
}

/** What an ingest of one file or upload needs, whatever its kind. */
export interface IngestContext {
  db: Db;
  pipeline: PrintPipeline;
  /** Where newly stored records that live detectors want (option prints) are announced. */
  bus: LiveBus;
  /** File or upload name: parsers take facility, week or format hints from it. */
  name: string;
  /**
   * A local file holding exactly the bytes of `source` (uncompressed), when there is one: kinds that need
   * random access (data-set zips) read it in place instead of copying the stream to a temporary file.
   */
  path?: string;
  /** Stored `source` label (e.g. `upload`, `cli`). */
  origin: string;
  transactional?: boolean;
  strict?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /** FINRA weekly (`ats`) overrides: venue type for every row, and the week's Monday. */
  ats?: { summaryType?: AtsSummaryType | undefined; weekStart?: string | undefined };
  /** SEC kinds: accession and filing date of a bare XML document (`--accession`, `--filed-date`). */
  hints?: FilingHintsInput;
}

/**
 * How a kind whose documents pair up on disk (SEC XML: a 13F cover page and its information table in
 * one folder) loads local files: by path, instead of one stream per file.
 */
export interface PathLoader {
  /**
   * What one filing is: each path named on the command line (`argument`: a folder of bare XML documents
   * is one 13F filing) or each file found in the paths (`file`).
   */
  unit: "argument" | "file";
  /** Loads one unit; the summaries are keyed by the file or folder they came from. */
  load(db: Db, path: string, hints: FilingHintsInput): Promise<Map<string, IngestSummary>>;
  /**
   * Sending to a server: the bare XML documents of one folder travel as one wrapped submission, with
   * the accession from `--accession` or read from the folder name by this function.
   */
  folderAccession?: (dir: string) => string | null;
}

export interface IngestKind {
  /** What the kind accepts, for `--help`, errors and the OpenAPI description. */
  description: string;
  /** Content types accepted over HTTP. */
  contentTypes: string[];
  run(source: ByteSource, ctx: IngestContext): Promise<IngestSummary>;
  /** Local files load through this instead of `run` when set (see `PathLoader`). */
  paths?: PathLoader;
}

/** A kind whose parsed records go straight into one table by natural key (no enrichment, no live push). */
export function tableKind<T extends { symbol: string }>(
  kind: string,
  description: string,
  source: string,
  parse: (source: ByteSource, name: string, ctx: IngestContext) => AsyncIterable<Parsed<T>>,
  insert: (db: Db, batch: T[]) => Promise<T[]>,
): IngestKind {
  return {
    description,
    contentTypes: ["text/csv", "text/plain", "application/octet-stream"],
    run: (input, ctx) =>
      runIngest({
        db: ctx.db,
        kind,
        source,
        sourceRef: ctx.name,
        records: parse(input, ctx.name, ctx),
        insert,
        symbolOf: (r) => r.symbol,
        transactional: ctx.transactional,
        strict: ctx.strict,
        onProgress: ctx.onProgress,
      }),
  };
}
