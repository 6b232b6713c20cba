import type { Db } from "@smt/db";
import { blocksIngestKinds } from "../blocks/blocks.cli";
import { type AtsSummaryType, parseAtsWeekly } from "../darkpool/ats.parse";
import { parseDailyBars } from "../darkpool/bars.parse";
import { atsWeeklyStore, dailyBarsStore, shortVolumeStore } from "../darkpool/finra.store";
import type { PrintPipeline } from "../darkpool/pipeline";
import { parsePrintBatches } from "../darkpool/prints.parse";
import { parseShortVolume } from "../darkpool/short-volume.parse";
import { institutionalIngestKinds } from "../institutional/institutional.cli";
import { type IngestProgress, type IngestSummary, runIngest } from "../lib/ingest";
import type { ByteSource } from "../lib/lines";
import type { Parsed } from "../lib/records";
import type { LiveBus } from "../realtime/bus";

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
  hints?: { accession?: string | undefined; filedDate?: string | undefined };
}

export interface IngestKind {
  /** What the kind accepts, for `--help`, errors and the OpenAPI description. */
  description: string;
  /** Content types accepted over HTTP. */
  contentTypes: string[];
  run(source: ByteSource, ctx: IngestContext): Promise<IngestSummary>;
}

/** A kind whose parsed records go straight into one table by natural key (no enrichment, no live push). */
function tableKind<T extends { symbol: string }>(
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

/**
 * Every kind of file the service ingests, by the name used in `pnpm cli ingest <kind>` and
 * `POST /smart-money/ingest/{kind}`. Other features register their kinds here.
 */
export const INGEST_KINDS: Record<string, IngestKind> = {
  prints: {
    description:
      "Trade prints: Polygon/Massive trades flat file (CSV), Alpaca v2 stream messages (NDJSON) or the Dark Pool Print shape (NDJSON)",
    contentTypes: ["application/x-ndjson", "text/csv", "text/plain", "application/octet-stream"],
    run: (source, ctx) =>
      ctx.pipeline.ingest(parsePrintBatches(source, { sourceName: ctx.name }), {
        source: ctx.origin,
        sourceRef: ctx.name,
        transactional: ctx.transactional,
        strict: ctx.strict,
        onProgress: ctx.onProgress,
      }),
  },
  "short-volume": tableKind(
    "short-volume",
    "FINRA Reg SHO daily short sale volume file (Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market)",
    "finra_regsho",
    (source, name) => parseShortVolume(source, { sourceName: name }),
    shortVolumeStore.insert,
  ),
  ats: tableKind(
    "ats",
    "FINRA OTC Transparency weekly download (pipe-delimited): ATS or non-ATS by venue, week from lastUpdateDate (the publication date) unless week_start is given",
    "finra_otc_transparency",
    (source, name, ctx) =>
      parseAtsWeekly(source, {
        sourceName: name,
        summaryType: ctx.ats?.summaryType,
        weekStart: ctx.ats?.weekStart,
      }),
    atsWeeklyStore.insert,
  ),
  bars: tableKind(
    "bars",
    "Daily bars: CSV date,symbol,open,high,low,close,volume or the vendor day-aggregates flat file",
    "bars",
    (source, name) => parseDailyBars(source, { sourceName: name }),
    dailyBarsStore.insert,
  ),
  ...blocksIngestKinds,
  ...institutionalIngestKinds,
};

export function ingestKind(kind: string): IngestKind | undefined {
  return Object.hasOwn(INGEST_KINDS, kind) ? INGEST_KINDS[kind] : undefined;
}
