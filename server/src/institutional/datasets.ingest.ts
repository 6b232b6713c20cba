/**
 * Loaders of the SEC's quarterly structured data sets (13F and insider transactions) into the same
 * tables as the XML paths, streamed in batches: a quarter holds millions of rows, so a load is not one
 * transaction, and a re-run (or a run after an interrupted one) stores only what is missing.
 */
import type { Db } from "@smt/db";
import { type IngestSummary, runIngest } from "../lib/ingest";
import { type Parsed, parsedError, parsedOk } from "../lib/records";
import type { DatasetSource } from "./dataset-zip";
import type { Form4Filing } from "./form4.parse";
import {
  type InsiderFilingRow,
  type InsiderRow,
  insertInsiderFilings,
  insertInsiderRows,
} from "./insider.store";
import { parseInsiderDataset } from "./insider-dataset.parse";
import { insiderRowsOf, publishedAtOf } from "./institutional.ingest";
import { DOLLAR_VALUE_FROM_FILING_DATE } from "./thirteenf.parse";
import {
  insert13FFilings,
  insert13FHoldingsCount,
  type ThirteenFFilingRow,
  type ThirteenFHoldingRow,
} from "./thirteenf.store";
import { parse13FDatasetBatches, type ThirteenFDatasetRecord } from "./thirteenf-dataset.parse";
import { assessStoredValueUnits } from "./thirteenf-unit.store";

/** A local zip path (named by itself) or a zip with the name to use in messages. */
const datasetSource = (zip: string | DatasetSource): DatasetSource =>
  typeof zip === "string" ? { path: zip, name: zip } : zip;

type DatasetItem =
  | { kind: "filing"; filing: ThirteenFFilingRow }
  | { kind: "holding"; holding: ThirteenFHoldingRow };

/** The filings of a data set seen so far, for the holdings that follow them. */
type DatasetFilings = Map<string, { filerCik: string; period: string; publishedAt: Date }>;

/** A data-set record as a row to store; a filing is remembered in `filings` for its holdings. */
function datasetItem(r: Parsed<ThirteenFDatasetRecord>, filings: DatasetFilings): Parsed<DatasetItem> {
  if (!r.ok) return r;
  const rec = r.record;
  if (rec.kind === "filing") {
    const publishedAt = publishedAtOf(null, rec.header.filedDate);
    const period = rec.cover.periodOfReport;
    if (!publishedAt || !period || !rec.header.accession) {
      return parsedError(r.at, "filing without FILING_DATE or PERIODOFREPORT");
    }
    filings.set(rec.header.accession, { filerCik: rec.cover.filerCik, period, publishedAt });
    return parsedOk(
      {
        kind: "filing",
        filing: {
          source: "sec_13f_dataset",
          accession: rec.header.accession,
          publishedAt,
          cover: rec.cover,
          filedDate: rec.header.filedDate,
          valueUnit:
            rec.header.filedDate && rec.header.filedDate < DOLLAR_VALUE_FROM_FILING_DATE
              ? "thousands_usd"
              : "usd",
        },
      },
      r.at,
    );
  }
  const f = filings.get(rec.accession);
  if (!f) return parsedError(r.at, `accession ${rec.accession} has no stored filing`);
  return parsedOk(
    {
      kind: "holding",
      holding: {
        accession: rec.accession,
        filerCik: f.filerCik,
        periodOfReport: f.period,
        source: "sec_13f_dataset",
        publishedAt: f.publishedAt,
        holding: rec.holding,
      },
    },
    r.at,
  );
}

/**
 * Streams a quarterly 13F data-set zip into the same tables as the XML path, in batches (not one
 * transaction: a quarter holds millions of rows); re-running it stores nothing new.
 */
export async function ingest13FDataset(
  db: Db,
  zip: string | DatasetSource,
  opts: { batchSize?: number } = {},
): Promise<IngestSummary> {
  const src = datasetSource(zip);
  const filings: DatasetFilings = new Map();
  async function* items(): AsyncGenerator<Parsed<DatasetItem>[]> {
    for await (const run of parse13FDatasetBatches(src)) yield run.map((r) => datasetItem(r, filings));
  }
  const summary = await runIngest<DatasetItem>({
    db,
    kind: "13f-dataset",
    source: "sec_13f_dataset",
    sourceRef: src.name,
    records: items(),
    batchSize: opts.batchSize ?? 10_000,
    insert: async (tx, batch) => {
      const fs = batch.flatMap((b) => (b.kind === "filing" ? [b.filing] : []));
      const hs = batch.flatMap((b) => (b.kind === "holding" ? [b.holding] : []));
      const newFilings = new Set(await insert13FFilings(tx, fs));
      // Only the count matters here (no announcement, no symbol registry per row): the first `n` rows
      // stand for the `n` new ones.
      const newHoldings = await insert13FHoldingsCount(tx, hs);
      return [
        ...fs
          .filter((f) => newFilings.has(f.accession))
          .map((filing) => ({ kind: "filing" as const, filing })),
        ...hs.slice(0, newHoldings).map((holding) => ({ kind: "holding" as const, holding })),
      ];
    },
  });
  await assessStoredValueUnits(db, [...filings.keys()]);
  return summary;
}

type InsiderItem = { kind: "filing"; filing: InsiderFilingRow } | { kind: "row"; row: InsiderRow };

/** Streams an insider-transactions data-set zip into the Form 4 tables. */
export async function ingestInsiderDataset(db: Db, zip: string | DatasetSource): Promise<IngestSummary> {
  const src = datasetSource(zip);
  const filings = new Map<string, Form4Filing & { publishedAt: Date }>();
  async function* items(): AsyncGenerator<Parsed<InsiderItem>> {
    for await (const r of parseInsiderDataset(src)) {
      if (!r.ok) {
        yield r;
        continue;
      }
      const rec = r.record;
      if (rec.kind === "filing") {
        const f = rec.filing;
        const publishedAt = publishedAtOf(null, f.filedDate);
        if (!publishedAt || !f.accession) {
          yield parsedError(r.at, "filing without FILING_DATE");
          continue;
        }
        filings.set(f.accession, { ...f, publishedAt });
        yield parsedOk(
          {
            kind: "filing",
            filing: { source: "sec_insider_dataset", accession: f.accession, publishedAt, filing: f },
          },
          r.at,
        );
      } else {
        const f = filings.get(rec.accession);
        if (!f) {
          yield parsedError(r.at, `accession ${rec.accession} has no stored filing`);
          continue;
        }
        const [row] = insiderRowsOf(
          { ...f, rows: [rec.row] },
          rec.accession,
          "sec_insider_dataset",
          f.publishedAt,
        );
        if (row) yield parsedOk({ kind: "row", row }, r.at);
      }
    }
  }
  return runIngest<InsiderItem>({
    db,
    kind: "insider-dataset",
    source: "sec_insider_dataset",
    sourceRef: src.name,
    records: items(),
    batchSize: 10_000,
    insert: async (tx, batch) => {
      const fs = batch.flatMap((b) => (b.kind === "filing" ? [b.filing] : []));
      const rs = batch.flatMap((b) => (b.kind === "row" ? [b.row] : []));
      const newFilings = new Set(await insertInsiderFilings(tx, fs));
      const newRows = await insertInsiderRows(tx, rs);
      return [
        ...fs
          .filter((f) => newFilings.has(f.accession))
          .map((filing) => ({ kind: "filing" as const, filing })),
        ...newRows.map((row) => ({ kind: "row" as const, row })),
      ];
    },
    symbolOf: (item) => (item.kind === "row" ? item.row.issuerSymbol : null),
  });
}
