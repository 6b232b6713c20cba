/** Writes and reads of Form 4 insider filings and their transaction and holding rows. */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { numOrNull } from "../lib/row-values";
import type { Form4Filing, Form4Row } from "./form4.parse";
import { type FilingProvenance, unnestOf } from "./store-common";

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

/** Inserts Form 4 filings (issuer, owners, footnotes); returns the accessions that were new. */
export async function insertInsiderFilings(db: Db, filings: InsiderFilingRow[]): Promise<string[]> {
  if (filings.length === 0) return [];
  const f = <T>(g: (r: InsiderFilingRow) => T) => filings.map(g);
  const rows = rowsOf<{ accession: string }>(
    await db.execute(sql`
      insert into insider_filings (accession, issuer_cik, issuer_name, issuer_symbol, document_type, period_of_report,
        filed_date, aff10b5_one, reporting_owners, footnotes, source, source_ref, published_at)
      select u.accession, u.issuer_cik, u.issuer_name, u.issuer_symbol, u.document_type, u.period_of_report,
        u.filed_date, u.aff10b5_one, u.owners::jsonb, u.footnotes::jsonb, u.source, u.accession, u.published_at
      from ${unnestOf([
        [f((r) => r.accession), "text"],
        [f((r) => r.filing.issuerCik), "text"],
        [f((r) => r.filing.issuerName), "text"],
        [f((r) => r.filing.issuerTradingSymbol), "text"],
        [f((r) => r.filing.documentType), "text"],
        [f((r) => r.filing.periodOfReport), "date"],
        [f((r) => r.filing.filedDate), "date"],
        [f((r) => r.filing.aff10b5One), "bool"],
        [f((r) => JSON.stringify(r.filing.reportingOwners)), "text"],
        [f((r) => JSON.stringify(r.filing.footnotes)), "text"],
        [f((r) => r.source), "text"],
        [f((r) => r.publishedAt.toISOString()), "timestamptz"],
      ])}
        as u(accession, issuer_cik, issuer_name, issuer_symbol, document_type, period_of_report, filed_date,
          aff10b5_one, owners, footnotes, source, published_at)
      on conflict do nothing
      returning accession`),
  );
  return rows.map((r) => r.accession);
}

/** Inserts transaction and holding rows of Form 4 filings; returns the rows that were new. */
export async function insertInsiderRows(db: Db, rows: InsiderRow[]): Promise<InsiderRow[]> {
  if (rows.length === 0) return [];
  const c = <T>(g: (r: InsiderRow) => T) => rows.map(g);
  const x = <T>(g: (r: Form4Row) => T) => rows.map((r) => g(r.row));
  const inserted = rowsOf<{ accession: string; table_name: string; row_index: number }>(
    await db.execute(sql`
      insert into insider_transactions (issuer_cik, accession, table_name, row_index, issuer_symbol, owner_cik,
        owner_name, owner_roles, officer_title, security_title, transaction_date, code, acquired_disposed, shares,
        price_usd, value_usd, shares_owned_after, direct_indirect, nature_of_ownership, is_derivative,
        conversion_or_exercise_price_usd, expiration_date, underlying_shares, aff10b5_one, footnote_ids, source,
        source_ref, published_at)
      select u.issuer_cik, u.accession, u.table_name, u.row_index, u.issuer_symbol, u.owner_cik, u.owner_name,
        u.owner_roles, u.officer_title, u.security_title, u.transaction_date, u.code, u.ad, u.shares, u.price,
        u.shares * u.price, u.after, u.di, u.nature, u.is_derivative, u.conv, u.expiration, u.underlying, u.aff,
        u.footnotes::jsonb, u.source, u.accession, u.published_at
      from ${unnestOf([
        [c((r) => r.issuerCik), "text"],
        [c((r) => r.accession), "text"],
        [x(tableNameOf), "text"],
        [x((r) => r.rowIndex), "int4"],
        [c((r) => r.issuerSymbol), "text"],
        [c((r) => r.owner.cik), "text"],
        [c((r) => r.owner.name), "text"],
        [c((r) => r.owner.roles), "text"],
        [c((r) => r.owner.officerTitle), "text"],
        [x((r) => r.securityTitle), "text"],
        [x((r) => r.transactionDate), "date"],
        [x((r) => r.code), "text"],
        [x((r) => r.acquiredDisposed), "text"],
        [x((r) => r.shares), "float8"],
        [x((r) => r.pricePerShareUsd), "float8"],
        [x((r) => r.sharesOwnedAfter), "float8"],
        [x((r) => r.directIndirect), "text"],
        [x((r) => r.natureOfOwnership), "text"],
        [x((r) => r.table === "derivative"), "bool"],
        [x((r) => r.conversionOrExercisePriceUsd), "float8"],
        [x((r) => r.expirationDate), "date"],
        [x((r) => r.underlyingSecurityShares), "float8"],
        [c((r) => r.aff10b5One), "bool"],
        [x((r) => JSON.stringify(r.footnoteIds)), "text"],
        [c((r) => r.source), "text"],
        [c((r) => r.publishedAt.toISOString()), "timestamptz"],
      ])}
        as u(issuer_cik, accession, table_name, row_index, issuer_symbol, owner_cik, owner_name, owner_roles,
          officer_title, security_title, transaction_date, code, ad, shares, price, after, di, nature, is_derivative,
          conv, expiration, underlying, aff, footnotes, source, published_at)
      on conflict do nothing
      returning accession, table_name, row_index`),
  );
  if (inserted.length === rows.length) return rows;
  const key = (a: string, t: string, i: number) => `${a}|${t}|${i}`;
  const fresh = new Set(inserted.map((r) => key(r.accession, r.table_name, r.row_index)));
  return rows.filter((r) => fresh.has(key(r.accession, tableNameOf(r.row), r.row.rowIndex)));
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
