/**
 * Ingest kinds of the darkpool area: trade prints (through the print pipeline: enrichment, rollups,
 * live push) and the FINRA/bar files that go straight into their tables. Composed in ingest/registry.ts.
 */
import { type IngestKind, tableKind } from "../ingest/kinds";
import { parseAtsWeekly } from "./ats.parse";
import { parseDailyBars } from "./bars.parse";
import { atsWeeklyStore, dailyBarsStore, shortVolumeStore } from "./finra.store";
import { parsePrintBatches } from "./prints.parse";
import { parseShortVolume } from "./short-volume.parse";

export const darkpoolIngestKinds: Record<string, IngestKind> = {
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
};
