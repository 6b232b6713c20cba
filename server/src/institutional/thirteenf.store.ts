/**
 * Writes of 13F filings and their information-table rows. Holdings go by COPY on real Postgres (the
 * bulk loader's path, millions of rows) and by unnested array parameters elsewhere.
 */
import { bulkInserter, type Db, schema } from "@smt/db";
import {
  type CommitDurability,
  type CopyClient,
  copyChunks,
  copyClient,
  copyNewRows,
  copyText,
  type KeyRangeProbe,
  keyRanges,
} from "../lib/pg-copy";
import type { FilingProvenance } from "./store-common";
import type { ThirteenFCover, ThirteenFHolding } from "./thirteenf.parse";

export interface ThirteenFFilingRow extends FilingProvenance {
  cover: ThirteenFCover;
  filedDate: string | null;
  valueUnit: "usd" | "thousands_usd";
}

export interface ThirteenFHoldingRow {
  accession: string;
  filerCik: string;
  periodOfReport: string;
  source: string;
  publishedAt: Date;
  holding: ThirteenFHolding;
}

const filingsInserter = bulkInserter(schema.thirteenfFilings, { key: ["accession"] });
const holdingsInserter = bulkInserter(schema.thirteenfHoldings, { key: ["accession", "rowIndex"] });

/** Inserts 13F filings; returns the accessions that were new. */
export async function insert13FFilings(db: Db, filings: ThirteenFFilingRow[]): Promise<string[]> {
  const written = await filingsInserter.insert(
    db,
    filings.map((r) => ({
      accession: r.accession,
      filerCik: r.cover.filerCik,
      filerName: r.cover.filerName,
      submissionType: r.cover.submissionType,
      periodOfReport: r.cover.periodOfReport as string,
      reportType: r.cover.reportType,
      isAmendment: r.cover.isAmendment,
      amendmentNo: r.cover.amendmentNo,
      amendmentType: r.cover.amendmentType,
      filedDate: r.filedDate,
      tableEntryTotal: r.cover.tableEntryTotal,
      tableValueTotal: r.cover.tableValueTotal,
      valueUnit: r.valueUnit,
      source: r.source,
      sourceRef: r.accession,
      publishedAt: r.publishedAt,
    })),
  );
  return written.map((r) => r.accession);
}

const HOLDING_COLUMNS = [
  "accession",
  "row_index",
  "filer_cik",
  "period_of_report",
  "cusip",
  "name_of_issuer",
  "title_of_class",
  "figi",
  "value_as_filed",
  "value_usd",
  "value_unit",
  "value_unit_suspect",
  "shares_or_principal",
  "shares_type",
  "put_call",
  "investment_discretion",
  "other_manager",
  "voting_sole",
  "voting_shared",
  "voting_none",
  "source",
  "source_ref",
  "published_at",
] as const;

/**
 * `rows` as COPY text in pieces of about 64 KB. What a filing's rows share (accession, CIK, period,
 * source, publication time) is encoded once per run of rows.
 */
function holdingsCopyText(rows: readonly ThirteenFHoldingRow[]): Generator<string> {
  let shared: ThirteenFHoldingRow | undefined;
  let accession = "";
  let filer = "";
  let source = "";
  let publishedAt = "";
  return copyChunks(rows, (r) => {
    if (
      shared === undefined ||
      r.accession !== shared.accession ||
      r.filerCik !== shared.filerCik ||
      r.periodOfReport !== shared.periodOfReport ||
      r.source !== shared.source ||
      r.publishedAt.getTime() !== shared.publishedAt.getTime()
    ) {
      shared = r;
      accession = copyText(r.accession);
      filer = `${copyText(r.filerCik)}\t${copyText(r.periodOfReport)}`;
      source = copyText(r.source);
      publishedAt = r.publishedAt.toISOString();
    }
    const h = r.holding;
    return (
      `${accession}\t${h.rowIndex}\t${filer}\t${copyText(h.cusip)}\t${copyText(h.nameOfIssuer)}\t` +
      `${copyText(h.titleOfClass)}\t${copyText(h.figi)}\t${h.valueAsFiled}\t${h.valueUsd}\t${h.valueUnit}\t` +
      `${h.valueUnitSuspect ? "t" : "f"}\t${h.sharesOrPrincipal}\t${h.sharesOrPrincipalType}\t` +
      `${copyText(h.putCall)}\t${copyText(h.investmentDiscretion)}\t${copyText(h.otherManager)}\t` +
      `${h.votingSole}\t${h.votingShared}\t${h.votingNone}\t${source}\t${accession}#${h.rowIndex}\t${publishedAt}\n`
    );
  });
}

/** Holdings keys: per accession, the batch's row-index range. */
const HOLDING_KEYS: KeyRangeProbe = {
  table: "thirteenf_holdings",
  key: "accession",
  range: "row_index",
  type: "int4",
  bound: (v) => v,
};

/**
 * COPY path for information-table rows on real Postgres. A batch whose keys are all free (the usual
 * case: a filing or a data set loaded for the first time) is copied straight into the table, at the
 * speed of `psql \copy`; the unique key still guards it, and if a concurrent load took a key in the
 * meantime (or the batch repeats a row) the COPY fails as a whole and the batch goes the slower way:
 * COPY into a session temp table, then `insert ... on conflict do nothing`, which skips what is stored.
 * Returns the keys of the new rows (null when every row was new) and their count.
 */
async function copyHoldings(
  client: CopyClient,
  rows: readonly ThirteenFHoldingRow[],
  returning: boolean,
  durability: CommitDurability,
): Promise<{ keys: { accession: string; row_index: number }[] | null; count: number }> {
  const conn = await client.reserve();
  try {
    const stored = await copyNewRows<{ accession: string; row_index: number }>(conn, {
      probe: HOLDING_KEYS,
      ranges: keyRanges(
        rows,
        (r) => r.accession,
        (r) => r.holding.rowIndex,
      ),
      columns: HOLDING_COLUMNS,
      text: () => holdingsCopyText(rows),
      durability,
      returning: returning ? "accession, row_index" : null,
    });
    if (stored.all) return { keys: null, count: rows.length };
    return { keys: returning ? stored.rows : [], count: stored.count };
  } finally {
    conn.release();
  }
}

/**
 * Inserts information-table rows and returns only how many were new: the bulk loader's path, which
 * spares the server a `returning` of every row and does not wait for each batch's commit to reach the
 * disk (see `CommitDurability`; the loader's final `ingest_runs` write makes the whole load durable).
 */
export async function insert13FHoldingsCount(db: Db, rows: ThirteenFHoldingRow[]): Promise<number> {
  const client = copyClient(db, rows.length);
  if (client) return (await copyHoldings(client, rows, false, "deferred")).count;
  return rows.length === 0 ? 0 : (await insertHoldingsUnnest(db, rows)).length;
}

/** Inserts information-table rows; returns the rows that were new. */
export async function insert13FHoldings(db: Db, rows: ThirteenFHoldingRow[]): Promise<ThirteenFHoldingRow[]> {
  if (rows.length === 0) return [];
  const client = copyClient(db, rows.length);
  if (client) {
    const inserted = (await copyHoldings(client, rows, true, "flushed")).keys;
    if (inserted === null || inserted.length === rows.length) return rows;
    const fresh = new Set(inserted.map((r) => `${r.accession}#${r.row_index}`));
    return rows.filter((r) => fresh.has(`${r.accession}#${r.holding.rowIndex}`));
  }
  const inserted = await insertHoldingsUnnest(db, rows);
  if (inserted.length === rows.length) return rows;
  const fresh = new Set(inserted.map((r) => `${r.accession}#${r.row_index}`));
  return rows.filter((r) => fresh.has(`${r.accession}#${r.holding.rowIndex}`));
}

/** Bind-parameter path (PGlite, transactions, small batches): returns the new keys. */
async function insertHoldingsUnnest(
  db: Db,
  rows: ThirteenFHoldingRow[],
): Promise<{ accession: string; row_index: number }[]> {
  const written = await holdingsInserter.insert(
    db,
    rows.map(({ holding: x, ...r }) => ({
      accession: r.accession,
      rowIndex: x.rowIndex,
      filerCik: r.filerCik,
      periodOfReport: r.periodOfReport,
      cusip: x.cusip,
      nameOfIssuer: x.nameOfIssuer,
      titleOfClass: x.titleOfClass,
      figi: x.figi,
      valueAsFiled: x.valueAsFiled,
      valueUsd: x.valueUsd,
      valueUnit: x.valueUnit,
      valueUnitSuspect: x.valueUnitSuspect,
      sharesOrPrincipal: x.sharesOrPrincipal,
      sharesType: x.sharesOrPrincipalType,
      putCall: x.putCall,
      investmentDiscretion: x.investmentDiscretion,
      otherManager: x.otherManager,
      votingSole: x.votingSole,
      votingShared: x.votingShared,
      votingNone: x.votingNone,
      source: r.source,
      sourceRef: `${r.accession}#${x.rowIndex}`,
      publishedAt: r.publishedAt,
    })),
  );
  return written.map((r) => ({ accession: r.accession, row_index: r.rowIndex }));
}
