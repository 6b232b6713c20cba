/** Writes and reads of Form 4 insider filings and their transaction and holding rows. */
import { bulkInserter, type Db, rowsOf, schema } from "@smt/db";
import { sql } from "drizzle-orm";
import { numOrNull } from "../lib/row-values";
import type { Form4Filing, Form4Row } from "./form4.parse";
import type { FilingProvenance } from "./store-common";

export interface InsiderFilingRow extends FilingProvenance {
  filing: Form4Filing;
}

export interface InsiderRow {
  accession: string;
  issuerCik: string;
  issuerSymbol: string | null;
  aff10b5One: boolean | null;
  owner: { cik: string; name: string | null; roles: string; officerTitle: string | null };
  source: string;
  publishedAt: Date;
  row: Form4Row;
}

export const tableNameOf = (row: Form4Row): string =>
  `${row.table}${row.kind === "transaction" ? "Transaction" : "Holding"}`;

/** `director,officer` from the relationship boxes of a reporting owner. */
export function rolesOf(owner: Form4Filing["reportingOwners"][number] | undefined): string {
  if (!owner) return "";
  const roles: string[] = [];
  if (owner.isDirector) roles.push("director");
  if (owner.isOfficer) roles.push("officer");
  if (owner.isTenPercentOwner) roles.push("ten_percent_owner");
  if (owner.isOther) roles.push("other");
  return roles.join(",");
}

const filingsInserter = bulkInserter(schema.insiderFilings, { key: ["accession"] });
const rowsInserter = bulkInserter(schema.insiderTransactions, {
  key: ["accession", "tableName", "rowIndex"],
});

/** Inserts Form 4 filings (issuer, owners, footnotes); returns the accessions that were new. */
export async function insertInsiderFilings(db: Db, filings: InsiderFilingRow[]): Promise<string[]> {
  const written = await filingsInserter.insert(
    db,
    filings.map((r) => ({
      accession: r.accession,
      issuerCik: r.filing.issuerCik,
      issuerName: r.filing.issuerName,
      issuerSymbol: r.filing.issuerTradingSymbol,
      documentType: r.filing.documentType,
      periodOfReport: r.filing.periodOfReport,
      filedDate: r.filing.filedDate,
      aff10b5One: r.filing.aff10b5One,
      reportingOwners: r.filing.reportingOwners,
      footnotes: r.filing.footnotes,
      source: r.source,
      sourceRef: r.accession,
      publishedAt: r.publishedAt,
    })),
  );
  return written.map((r) => r.accession);
}

/** A Form 4 row as stored: the filing's issuer and owner beside the row's own fields. */
function insiderTransactionOf(r: InsiderRow): typeof schema.insiderTransactions.$inferInsert {
  const x = r.row;
  return {
    issuerCik: r.issuerCik,
    accession: r.accession,
    tableName: tableNameOf(x),
    rowIndex: x.rowIndex,
    issuerSymbol: r.issuerSymbol,
    ownerCik: r.owner.cik,
    ownerName: r.owner.name,
    ownerRoles: r.owner.roles,
    officerTitle: r.owner.officerTitle,
    securityTitle: x.securityTitle,
    transactionDate: x.transactionDate,
    code: x.code,
    acquiredDisposed: x.acquiredDisposed,
    shares: x.shares,
    priceUsd: x.pricePerShareUsd,
    valueUsd: x.shares === null || x.pricePerShareUsd === null ? null : x.shares * x.pricePerShareUsd,
    sharesOwnedAfter: x.sharesOwnedAfter,
    directIndirect: x.directIndirect,
    natureOfOwnership: x.natureOfOwnership,
    isDerivative: x.table === "derivative",
    conversionOrExercisePriceUsd: x.conversionOrExercisePriceUsd,
    expirationDate: x.expirationDate,
    underlyingShares: x.underlyingSecurityShares,
    aff10b5One: r.aff10b5One,
    footnoteIds: x.footnoteIds,
    source: r.source,
    sourceRef: r.accession,
    publishedAt: r.publishedAt,
  };
}

/** Inserts transaction and holding rows of Form 4 filings; returns the rows that were new. */
export async function insertInsiderRows(db: Db, rows: InsiderRow[]): Promise<InsiderRow[]> {
  const stored = rows.map(insiderTransactionOf);
  const written = await rowsInserter.insert(db, stored);
  if (written.length === rows.length) return rows;
  const fresh = new Set(written);
  return rows.filter((_, i) => fresh.has(stored[i] as (typeof stored)[number]));
}

export interface InsiderTransactionRow {
  accession: string;
  tableName: string;
  rowIndex: number;
  ownerCik: string;
  ownerName: string | null;
  ownerRoles: string;
  officerTitle: string | null;
  securityTitle: string | null;
  transactionDate: string | null;
  code: string | null;
  acquiredDisposed: string | null;
  shares: number | null;
  priceUsd: number | null;
  valueUsd: number | null;
  sharesOwnedAfter: number | null;
  directIndirect: string | null;
  isDerivative: boolean;
  aff10b5One: boolean | null;
  footnoteIds: Record<string, string[]>;
  publishedAt: Date;
  source: string;
}

/** Insider transactions (not holdings) of an issuer symbol published by `asOf`, newest first. */
export async function insiderTransactions(
  db: Db,
  q: { symbol: string; asOf: Date; since?: string | undefined; limit: number },
): Promise<InsiderTransactionRow[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select accession, table_name, row_index, owner_cik, owner_name, owner_roles, officer_title, security_title,
        transaction_date::text as transaction_date, code, acquired_disposed, shares, price_usd, value_usd,
        shares_owned_after, direct_indirect, is_derivative, aff10b5_one, footnote_ids, published_at, source
      from insider_transactions
      where issuer_symbol = ${q.symbol} and table_name like '%Transaction'
        and published_at <= ${q.asOf.toISOString()}::timestamptz
        ${q.since ? sql`and transaction_date >= ${q.since}::date` : sql``}
      order by transaction_date desc nulls last, accession desc, table_name, row_index
      limit ${q.limit}`),
  );
  return rows.map((r) => ({
    accession: r.accession as string,
    tableName: r.table_name as string,
    rowIndex: Number(r.row_index),
    ownerCik: r.owner_cik as string,
    ownerName: (r.owner_name as string | null) ?? null,
    ownerRoles: r.owner_roles as string,
    officerTitle: (r.officer_title as string | null) ?? null,
    securityTitle: (r.security_title as string | null) ?? null,
    transactionDate: (r.transaction_date as string | null) ?? null,
    code: (r.code as string | null) ?? null,
    acquiredDisposed: (r.acquired_disposed as string | null) ?? null,
    shares: numOrNull(r.shares),
    priceUsd: numOrNull(r.price_usd),
    valueUsd: numOrNull(r.value_usd),
    sharesOwnedAfter: numOrNull(r.shares_owned_after),
    directIndirect: (r.direct_indirect as string | null) ?? null,
    isDerivative: Boolean(r.is_derivative),
    aff10b5One: r.aff10b5_one === null || r.aff10b5_one === undefined ? null : Boolean(r.aff10b5_one),
    footnoteIds: (typeof r.footnote_ids === "string" ? JSON.parse(r.footnote_ids) : r.footnote_ids) as Record<
      string,
      string[]
    >,
    publishedAt: new Date(r.published_at as string),
    source: r.source as string,
  }));
}
