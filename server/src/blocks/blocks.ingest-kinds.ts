/**
 * Ingest kinds of the blocks feature: `pnpm cli ingest options <files>`, `pnpm cli ingest open-interest
 * <files>` and the matching `POST /smart-money/ingest/{options|open-interest}` uploads (composed in
 * ingest/registry.ts). Option prints go through the same store and then to the live detectors.
 */
import type { IngestKind } from "../ingest/kinds";
import { runIngest } from "../lib/ingest";
import type { ByteSource } from "../lib/lines";
import type { Parsed } from "../lib/records";
import { type OptionPrint, parseOpenInterestCsv, parseOptionTradesCsv } from "./options.parse";
import { insertOpenInterest, insertOptionPrints } from "./options.store";

/** Cancel records (OPRA A/C/E/G, correction >= 7) withdraw a trade; they are not trades to store. */
async function* withoutCancels(
  records: AsyncIterable<Parsed<OptionPrint>>,
): AsyncGenerator<Parsed<OptionPrint>> {
  for await (const r of records) if (!r.ok || !r.record.isCancel) yield r;
}

export const blocksIngestKinds: Record<string, IngestKind> = {
  options: {
    description:
      "Option trades: Polygon/Massive options trades flat file (ticker,conditions,correction,exchange,participant_timestamp,price,sip_timestamp,size; comma or tab)",
    contentTypes: ["text/csv", "text/tab-separated-values", "text/plain", "application/octet-stream"],
    run: (source: ByteSource, ctx) =>
      runIngest({
        db: ctx.db,
        kind: "options",
        source: "polygon_options_flatfile",
        sourceRef: ctx.name,
        records: withoutCancels(parseOptionTradesCsv(source, ctx.name)),
        insert: insertOptionPrints,
        onStored: (stored) => {
          if (stored.length > 0) ctx.bus.emit("optionPrints", stored);
        },
        symbolOf: (p) => p.underlying,
        transactional: ctx.transactional,
        strict: ctx.strict,
        onProgress: ctx.onProgress,
      }),
  },
  "open-interest": {
    description:
      "Open interest CSV: date,contract,open_interest (contract in Polygon, OCC 21-character or Alpaca notation)",
    contentTypes: ["text/csv", "text/plain", "application/octet-stream"],
    run: (source: ByteSource, ctx) =>
      runIngest({
        db: ctx.db,
        kind: "open-interest",
        source: "open_interest_csv",
        sourceRef: ctx.name,
        records: parseOpenInterestCsv(source, ctx.name),
        insert: insertOpenInterest,
        symbolOf: (r) => r.underlying,
        transactional: ctx.transactional,
        strict: ctx.strict,
        onProgress: ctx.onProgress,
      }),
  },
};
