import type { Db } from "@smt/db";
import { blocksIngestKinds } from "../blocks/blocks.cli";
import { parseAtsWeekly } from "../darkpool/ats.parse";
import { parseDailyBars } from "../darkpool/bars.parse";
import { atsWeeklyStore, dailyBarsStore, shortVolumeStore } from "../darkpool/finra.store";
import type { PrintPipeline } from "../darkpool/pipeline";
import { parsePrints } from "../darkpool/prints.parse";
import { parseShortVolume } from "../darkpool/short-volume.parse";
import { institutionalIngestKinds } from "../institutional/institutional.cli";
import { type IngestProgress, type IngestSummary, runIngest } from "../lib/ingest";
import type { ByteSource } from "../lib/lines";

/** What an ingest of one file or upload needs, whatever its kind. */
export interface IngestContext {
  db: Db;
  pipeline: PrintPipeline;
  /** File or upload name: parsers take facility, week or format hints from it. */
  name: string;
  /** Stored `source` label (e.g. `upload`, `cli`). */
  origin: string;
  transactional?: boolean;
  strict?: boolean;
  onProgress?: (p: IngestProgress) => void;
}

export interface IngestKind {
  /** What the kind accepts, for `--help`, errors and the OpenAPI description. */
  description: string;
  /** Content types accepted over HTTP. */
  contentTypes: string[];
  run(source: ByteSource, ctx: IngestContext): Promise<IngestSummary>;
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
      ctx.pipeline.ingest(parsePrints(source, { sourceName: ctx.name }), {
        source: ctx.origin,
        sourceRef: ctx.name,
        transactional: ctx.transactional,
        strict: ctx.strict,
        onProgress: ctx.onProgress,
      }),
  },
  "short-volume": {
    description:
      "FINRA Reg SHO daily short sale volume file (Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market)",
    contentTypes: ["text/csv", "text/plain", "application/octet-stream"],
    run: (source, ctx) =>
      runIngest({
        db: ctx.db,
        kind: "short-volume",
        source: "finra_regsho",
        sourceRef: ctx.name,
        records: parseShortVolume(source, { sourceName: ctx.name }),
        insert: shortVolumeStore.insert,
        symbolOf: (r) => r.symbol,
        transactional: ctx.transactional,
        strict: ctx.strict,
        onProgress: ctx.onProgress,
      }),
  },
  ats: {
    description:
      "FINRA OTC Transparency weekly ATS/OTC download (pipe-delimited, week from the file name _YYYYMMDD)",
    contentTypes: ["text/csv", "text/plain", "application/octet-stream"],
    run: (source, ctx) =>
      runIngest({
        db: ctx.db,
        kind: "ats",
        source: "finra_otc_transparency",
        sourceRef: ctx.name,
        records: parseAtsWeekly(source, { sourceName: ctx.name }),
        insert: atsWeeklyStore.insert,
        symbolOf: (r) => r.symbol,
        transactional: ctx.transactional,
        strict: ctx.strict,
        onProgress: ctx.onProgress,
      }),
  },
  bars: {
    description:
      "Daily bars: CSV date,symbol,open,high,low,close,volume or the vendor day-aggregates flat file",
    contentTypes: ["text/csv", "text/plain", "application/octet-stream"],
    run: (source, ctx) =>
      runIngest({
        db: ctx.db,
        kind: "bars",
        source: "bars",
        sourceRef: ctx.name,
        records: parseDailyBars(source, { sourceName: ctx.name }),
        insert: dailyBarsStore.insert,
        symbolOf: (r) => r.symbol,
        transactional: ctx.transactional,
        strict: ctx.strict,
        onProgress: ctx.onProgress,
      }),
  },
  ...blocksIngestKinds,
  ...institutionalIngestKinds,
};

export function ingestKind(kind: string): IngestKind | undefined {
  return Object.hasOwn(INGEST_KINDS, kind) ? INGEST_KINDS[kind] : undefined;
}
