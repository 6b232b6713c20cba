import { type Parsed, parsedError, parsedOk } from "../lib/records";
import { filedSymbol } from "../lib/symbol-form";
import {
  AccessionRowCounter,
  type DatasetSource,
  HeldTable,
  pad10,
  type Row,
  readHeldTsv,
  readTsv,
  readZip,
  type ZipHandle,
} from "./dataset-zip";
import type { Form4Filing, Form4ReportingOwner, Form4Row, Form4Table } from "./form4.parse";
import { isoDateFromSec, parseFlag, parseNumber } from "./xml-records";

/**
 * Reader for the SEC's "Insider Transactions data sets" (`{YYYY}q{Q}_form345.zip`: SUBMISSION,
 * REPORTINGOWNER, NONDERIV_TRANS, NONDERIV_HOLDING, DERIV_TRANS, DERIV_HOLDING, FOOTNOTES; see
 * insider_transactions_readme.pdf), every Form 3/4/5 of a quarter as tab-separated tables in one zip.
 * Columns are found by header name (AFF10B5ONE appears only in newer sets); dates are `DD-MON-YYYY`.
 * The per-filing tables (owners, footnotes, issuers) are held in memory, each bounded by
 * `DATASET_LIMITS`; the row tables are streamed. Errors name the zip by `DatasetSource.name`.
 */

export type InsiderDatasetRecord =
  | { kind: "filing"; filing: Form4Filing }
  | { kind: "row"; accession: string; issuerCik: string; row: Form4Row };

/** Insider data-set column -> the Form 4 XML field name footnotes are keyed by. */
const FOOTNOTE_FIELDS: [column: string, field: string][] = [
  ["SECURITY_TITLE_FN", "securityTitle"],
  ["TRANS_DATE_FN", "transactionDate"],
  ["DEEMED_EXECUTION_DATE_FN", "deemedExecutionDate"],
  ["EQUITY_SWAP_TRANS_CD_FN", "transactionCoding"],
  ["TRANS_TIMELINESS_FN", "transactionTimeliness"],
  ["TRANS_SHARES_FN", "transactionShares"],
  ["TRANS_PRICEPERSHARE_FN", "transactionPricePerShare"],
  ["TRANS_ACQUIRED_DISP_CD_FN", "transactionAcquiredDisposedCode"],
  ["SHRS_OWND_FOLWNG_TRANS_FN", "sharesOwnedFollowingTransaction"],
  ["VALU_OWND_FOLWNG_TRANS_FN", "valueOwnedFollowingTransaction"],
  ["DIRECT_INDIRECT_OWNERSHIP_FN", "directOrIndirectOwnership"],
  ["NATURE_OF_OWNERSHIP_FN", "natureOfOwnership"],
  ["CONV_EXERCISE_PRICE_FN", "conversionOrExercisePrice"],
  ["EXCERCISE_DATE_FN", "exerciseDate"],
  ["EXPIRATION_DATE_FN", "expirationDate"],
  ["UNDLYNG_SEC_TITLE_FN", "underlyingSecurityTitle"],
  ["UNDLYNG_SEC_SHARES_FN", "underlyingSecurityShares"],
];

const ROW_MEMBERS: [member: string, table: Form4Table, kind: "transaction" | "holding"][] = [
  ["NONDERIV_TRANS.TSV", "nonDerivative", "transaction"],
  ["NONDERIV_HOLDING.TSV", "nonDerivative", "holding"],
  ["DERIV_TRANS.TSV", "derivative", "transaction"],
  ["DERIV_HOLDING.TSV", "derivative", "holding"],
];

/** Streams an "Insider Transactions data sets" zip into Form 4 filings (without rows) and their rows. */
export async function* parseInsiderDataset(src: DatasetSource): AsyncGenerator<Parsed<InsiderDatasetRecord>> {
  yield* readZip(src, async function* (zip) {
    const owners = await readOwners(zip);
    const footnotes = await readFootnotes(zip);
    const issuers = new Map<string, string>();
    yield* filingRecords(zip, owners, footnotes, issuers);
    for (const [member, table, kind] of ROW_MEMBERS) yield* rowRecords(zip, member, table, kind, issuers);
  });
}

async function readOwners(zip: ZipHandle): Promise<Map<string, Form4ReportingOwner[]>> {
  const owners = new Map<string, Form4ReportingOwner[]>();
  for await (const { get } of readHeldTsv(zip, "REPORTINGOWNER.TSV", ["ACCESSION_NUMBER", "RPTOWNERCIK"])) {
    const acc = get("ACCESSION_NUMBER") as string;
    // RPTOWNER_RELATIONSHIP is a comma list: Director,Officer,TenPercentOwner,Other.
    const rel = new Set((get("RPTOWNER_RELATIONSHIP") ?? "").split(",").map((s) => s.trim().toLowerCase()));
    const list = owners.get(acc) ?? [];
    list.push({
      cik: pad10(get("RPTOWNERCIK")) as string,
      name: get("RPTOWNERNAME") ?? null,
      isDirector: rel.has("director"),
      isOfficer: rel.has("officer"),
      isTenPercentOwner: rel.has("tenpercentowner"),
      isOther: rel.has("other"),
      officerTitle: get("RPTOWNER_TITLE") ?? null,
      otherText: get("RPTOWNER_TXT") ?? null,
      city: get("RPTOWNER_CITY") ?? null,
      state: get("RPTOWNER_STATE") ?? null,
    });
    owners.set(acc, list);
  }
  return owners;
}

async function readFootnotes(zip: ZipHandle): Promise<Map<string, Record<string, string>>> {
  const footnotes = new Map<string, Record<string, string>>();
  const required = ["ACCESSION_NUMBER", "FOOTNOTE_ID"];
  for await (const { get } of readHeldTsv(zip, "FOOTNOTES.TSV", required, true)) {
    const acc = get("ACCESSION_NUMBER") as string;
    const map = footnotes.get(acc) ?? {};
    map[get("FOOTNOTE_ID") as string] = get("FOOTNOTE_TXT") ?? "";
    footnotes.set(acc, map);
  }
  return footnotes;
}

/** SUBMISSION rows as Form 4 filings without rows; records each accession's issuer in `issuers`. */
async function* filingRecords(
  zip: ZipHandle,
  owners: Map<string, Form4ReportingOwner[]>,
  footnotes: Map<string, Record<string, string>>,
  issuers: Map<string, string>,
): AsyncGenerator<Parsed<InsiderDatasetRecord>> {
  const held = new HeldTable("SUBMISSION.TSV", zip.limits);
  for await (const { get, at } of readTsv(zip, "SUBMISSION.TSV", [
    "ACCESSION_NUMBER",
    "FILING_DATE",
    "ISSUERCIK",
  ])) {
    const accession = get("ACCESSION_NUMBER") as string;
    const issuerCik = pad10(get("ISSUERCIK"));
    if (!issuerCik) {
      yield parsedError(at, `accession ${accession} has no ISSUERCIK`);
      continue;
    }
    const symbolOf = filedSymbol(get("ISSUERTRADINGSYMBOL"));
    if (symbolOf !== null && !symbolOf.ok) {
      yield parsedError({ ...at, element: "ISSUERTRADINGSYMBOL" }, symbolOf.message);
      continue;
    }
    held.add(at, accession.length + issuerCik.length);
    issuers.set(accession, issuerCik);
    const filing: Form4Filing = {
      accession,
      filedDate: isoDateFromSec(get("FILING_DATE")),
      acceptedAt: null,
      schemaVersion: null,
      documentType: get("DOCUMENT_TYPE") ?? null,
      periodOfReport: isoDateFromSec(get("PERIOD_OF_REPORT")),
      dateOfOriginalSubmission: isoDateFromSec(get("DATE_OF_ORIG_SUB")),
      notSubjectToSection16: parseFlag(get("NOT_SUBJECT_SEC16")),
      aff10b5One: parseFlag(get("AFF10B5ONE")),
      issuerCik,
      issuerName: get("ISSUERNAME") ?? null,
      issuerTradingSymbol: symbolOf?.ok ? symbolOf.symbol : null,
      reportingOwners: owners.get(accession) ?? [],
      rows: [],
      footnotes: footnotes.get(accession) ?? {},
      remarks: get("REMARKS") ?? null,
      signatureName: null,
      signatureDate: null,
    };
    yield parsedOk({ kind: "filing", filing }, at);
  }
}

/** The rows of one row table (transactions or holdings, derivative or not) of filings with an issuer. */
async function* rowRecords(
  zip: ZipHandle,
  member: string,
  table: Form4Table,
  kind: "transaction" | "holding",
  issuers: Map<string, string>,
): AsyncGenerator<Parsed<InsiderDatasetRecord>> {
  const counter = new AccessionRowCounter(new HeldTable(`${member} accessions`, zip.limits));
  for await (const { get, at } of readTsv(zip, member, ["ACCESSION_NUMBER"], true)) {
    const accession = get("ACCESSION_NUMBER") as string;
    const issuerCik = issuers.get(accession);
    if (!issuerCik) {
      yield parsedError(at, `accession ${accession} has no SUBMISSION row`);
      continue;
    }
    const rowIndex = counter.next(accession, at);
    const code = get("TRANS_CODE") ?? null;
    if (kind === "transaction" && !code) {
      yield parsedError(at, "TRANS_CODE is empty");
      continue;
    }
    yield parsedOk(
      { kind: "row", accession, issuerCik, row: datasetRow(get, table, kind, rowIndex, code) },
      at,
    );
  }
}

/** Footnote ids by Form 4 field name, from the data set's `*_FN` columns (comma lists). */
function footnoteIdsOf(get: Row): Record<string, string[]> {
  const footnoteIds: Record<string, string[]> = {};
  for (const [column, field] of FOOTNOTE_FIELDS) {
    const ids = get(column);
    if (ids)
      footnoteIds[field] = ids
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
  }
  return footnoteIds;
}

/** One row-table line as the Form 4 XML row it stands for. */
function datasetRow(
  get: Row,
  table: Form4Table,
  kind: "transaction" | "holding",
  rowIndex: number,
  code: string | null,
): Form4Row {
  const ad = get("TRANS_ACQUIRED_DISP_CD")?.toUpperCase();
  const di = get("DIRECT_INDIRECT_OWNERSHIP")?.toUpperCase();
  return {
    table,
    kind,
    rowIndex,
    securityTitle: get("SECURITY_TITLE") ?? null,
    transactionDate: isoDateFromSec(get("TRANS_DATE")),
    deemedExecutionDate: isoDateFromSec(get("DEEMED_EXECUTION_DATE")),
    formType: get("TRANS_FORM_TYPE") ?? null,
    code,
    equitySwapInvolved: parseFlag(get("EQUITY_SWAP_INVOLVED")),
    timeliness: get("TRANS_TIMELINESS") ?? null,
    shares: parseNumber(get("TRANS_SHARES")),
    pricePerShareUsd: parseNumber(get("TRANS_PRICEPERSHARE")),
    acquiredDisposed: ad === "A" || ad === "D" ? ad : null,
    sharesOwnedAfter: parseNumber(get("SHRS_OWND_FOLWNG_TRANS")),
    valueOwnedAfterUsd: parseNumber(get("VALU_OWND_FOLWNG_TRANS")),
    directIndirect: di === "D" || di === "I" ? di : null,
    natureOfOwnership: get("NATURE_OF_OWNERSHIP") ?? null,
    conversionOrExercisePriceUsd: parseNumber(get("CONV_EXERCISE_PRICE")),
    exerciseDate: isoDateFromSec(get("EXCERCISE_DATE")),
    expirationDate: isoDateFromSec(get("EXPIRATION_DATE")),
    underlyingSecurityTitle: get("UNDLYNG_SEC_TITLE") ?? null,
    underlyingSecurityShares: parseNumber(get("UNDLYNG_SEC_SHARES")),
    footnoteIds: footnoteIdsOf(get),
  };
}
