import { AppError } from "../errors";

/**
 * Header names accepted for each column of a user's CUSIP mapping, compared case-insensitively with
 * spaces, dashes and dots read as `_`. Third-party maps name them differently: edgartools'
 * `Cusip,Ticker`, 13F-style `nameOfIssuer`, vendors' `Symbol` or `Issuer Name`.
 */
export const SECURITY_COLUMN_SYNONYMS = {
  symbol: ["symbol", "ticker", "ticker_symbol", "tickersymbol", "trading_symbol"],
  cusip: ["cusip", "cusip9", "cusip_number", "cusip_no"],
  name: [
    "name",
    "issuer",
    "issuer_name",
    "name_of_issuer",
    "nameofissuer",
    "company",
    "company_name",
    "security_name",
  ],
  cik: ["cik", "issuer_cik", "cik_number"],
  shares_outstanding: ["shares_outstanding", "sharesoutstanding", "outstanding_shares"],
  shares_as_of: ["shares_as_of", "sharesasof", "as_of", "as_of_date"],
} as const;

export type SecurityColumn = keyof typeof SECURITY_COLUMN_SYNONYMS;

/** Where each column is, and the header name it was found under (reported in the ingest summary). */
export interface SecurityColumns {
  index: Partial<Record<SecurityColumn, number>> & { symbol: number; cusip: number };
  /** Column -> the header as written in the file, e.g. `{ symbol: "Ticker", cusip: "Cusip" }`. */
  used: Partial<Record<SecurityColumn, string>>;
}

const canonicalHeader = (h: string) =>
  h
    .replace(/^\uFEFF/, "")
    .trim()
    .toLowerCase()
    .replace(/[\s.-]+/g, "_");

/** Finds the columns of a mapping's header row; a missing `symbol` or `cusip` is a located error. */
export function resolveSecurityColumns(header: string[], sourceName: string, line: number): SecurityColumns {
  const names = header.map(canonicalHeader);
  const index: Partial<Record<SecurityColumn, number>> = {};
  const used: Partial<Record<SecurityColumn, string>> = {};
  for (const [column, synonyms] of Object.entries(SECURITY_COLUMN_SYNONYMS) as [
    SecurityColumn,
    readonly string[],
  ][]) {
    const i = names.findIndex((n) => synonyms.includes(n));
    if (i === -1) continue;
    index[column] = i;
    used[column] = header[i]?.replace(/^\uFEFF/, "").trim() ?? "";
  }
  const missing = (["symbol", "cusip"] as const).filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    const accepted = missing.map((c) => `${c} (${SECURITY_COLUMN_SYNONYMS[c].join(", ")})`).join("; ");
    throw new AppError(
      "INVALID_INPUT",
      `${sourceName}:${line}: missing column(s) ${accepted}; header was ${header.map((h) => JSON.stringify(h)).join(",")}`,
    );
  }
  return { index: index as SecurityColumns["index"], used };
}
