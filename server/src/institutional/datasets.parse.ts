import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { filedSymbol } from "../lib/symbol-form";
import {
  type DatasetSource,
  HeldTable,
  namedError,
  openZip,
  type Row,
  readTsv,
  TsvRow,
  tsvLines,
} from "./dataset-zip";
import type { Form4Filing, Form4ReportingOwner, Form4Row, Form4Table } from "./form4.parse";
import type { SubmissionHeader } from "./submission.parse";
import { DOLLAR_VALUE_FROM_FILING_DATE, type ThirteenFCover, type ThirteenFHolding } from "./thirteenf.parse";
import { isoDateFromSec, parseFlag, parseNumber } from "./xml-records";

/**
 * Readers for the SEC's quarterly structured data sets, which carry every filer's 13F and every
 * Form 3/4/5 of a quarter as tab-separated tables in one zip:
 * - "Form 13F data sets" (`{label}_form13f.zip`: SUBMISSION, COVERPAGE, SUMMARYPAGE, OTHERMANAGER2,
 *   INFOTABLE, ...), see FORM13F_readme.htm;
 * - "Insider Transactions data sets" (`{YYYY}q{Q}_form345.zip`: SUBMISSION, REPORTINGOWNER,
 *   NONDERIV_TRANS, NONDERIV_HOLDING, DERIV_TRANS, DERIV_HOLDING, FOOTNOTES), see insider_transactions_readme.pdf.
 * Columns are found by header name (FIGI and AFF10B5ONE appear only in newer sets); dates are
 * `DD-MON-YYYY`. Small per-filing tables are held in memory (one entry per accession, ~10^4-10^5 per
 * quarter), each bounded by `DATASET_LIMITS` (rows and characters); the large row tables (INFOTABLE:
 * millions of rows) are streamed. Errors name the zip by `DatasetSource.name`, never a temporary path.
 */

export type ThirteenFDatasetRecord =
  | { kind: "filing"; header: SubmissionHeader; cover: ThirteenFCover }
  | { kind: "holding"; accession: string; holding: ThirteenFHolding };

export type InsiderDatasetRecord =
  | { kind: "filing"; filing: Form4Filing }
  | { kind: "row"; accession: string; issuerCik: string; row: Form4Row };

/** A copy of `text` that shares no memory with the string it was sliced from. */
const detached = (text: string): string => Buffer.from(text, "utf8").toString("utf8");

const pad10 = (cik: string | undefined) => (cik ? cik.trim().padStart(10, "0") : null);

/** Streams a "Form 13F data sets" zip into the same records the XML parser produces. */
export async function* parse13FDataset(src: DatasetSource): AsyncGenerator<Parsed<ThirteenFDatasetRecord>> {
  for await (const batch of parse13FDatasetBatches(src)) yield* batch;
}

/**
 * `parse13FDataset` in runs of records (one run per decoded chunk of the zip member), for the bulk
 * loader: a quarter holds millions of information-table rows, and one `await` per row would cost
 * more than parsing it.
 */
export async function* parse13FDatasetBatches(
  src: DatasetSource,
): AsyncGenerator<Parsed<ThirteenFDatasetRecord>[]> {
  const zip = await openZip(src);
  const held = (table: string) => new HeldTable(table, zip.limits);
  try {
    const submissions = new Map<string, { header: SubmissionHeader; cik: string | null }>();
    const heldSubmissions = held("SUBMISSION.TSV");
    for await (const { get, at, chars } of readTsv(zip, "SUBMISSION.TSV", [
      "ACCESSION_NUMBER",
      "FILING_DATE",
    ])) {
      heldSubmissions.add(at, chars);
      const accession = get("ACCESSION_NUMBER") as string;
      submissions.set(accession, {
        cik: pad10(get("CIK")),
        header: {
          accession,
          submissionType: get("SUBMISSIONTYPE") ?? null,
          filedDate: isoDateFromSec(get("FILING_DATE")),
          acceptedAt: null,
          periodOfReport: isoDateFromSec(get("PERIODOFREPORT")),
        },
      });
    }
    const summaries = new Map<
      string,
      { entries: number | null; value: number | null; confidential: boolean | null; others: number | null }
    >();
    const heldSummaries = held("SUMMARYPAGE.TSV");
    for await (const { get, at, chars } of readTsv(zip, "SUMMARYPAGE.TSV", ["ACCESSION_NUMBER"], true)) {
      heldSummaries.add(at, chars);
      summaries.set(get("ACCESSION_NUMBER") as string, {
        entries: parseNumber(get("TABLEENTRYTOTAL")),
        value: parseNumber(get("TABLEVALUETOTAL")),
        confidential: parseFlag(get("ISCONFIDENTIALOMITTED")),
        others: parseNumber(get("OTHERINCLUDEDMANAGERSCOUNT")),
      });
    }
    const managers = new Map<string, ThirteenFCover["otherManagers"]>();
    const heldManagers = held("OTHERMANAGER2.TSV");
    for await (const { get, at, chars } of readTsv(zip, "OTHERMANAGER2.TSV", ["ACCESSION_NUMBER"], true)) {
      heldManagers.add(at, chars);
      const acc = get("ACCESSION_NUMBER") as string;
      const list = managers.get(acc) ?? [];
      list.push({
        sequenceNumber: parseNumber(get("SEQUENCENUMBER")),
        cik: pad10(get("CIK")),
        form13FFileNumber: get("FORM13FFILENUMBER") ?? null,
        name: get("NAME") ?? null,
      });
      managers.set(acc, list);
    }
    let filings: Parsed<ThirteenFDatasetRecord>[] = [];
    for await (const { get, at } of readTsv(zip, "COVERPAGE.TSV", ["ACCESSION_NUMBER"])) {
      if (filings.length >= 1000) {
        yield filings;
        filings = [];
      }
      const accession = get("ACCESSION_NUMBER") as string;
      const sub = submissions.get(accession);
      if (!sub?.cik) {
        filings.push(parsedError(at, `accession ${accession} has no SUBMISSION row with a CIK`));
        continue;
      }
      const summary = summaries.get(accession);
      const amendmentRaw = get("AMENDMENTTYPE")?.toUpperCase() ?? null;
      filings.push(
        parsedOk(
          {
            kind: "filing",
            header: sub.header,
            cover: {
              submissionType: sub.header.submissionType,
              filerCik: sub.cik,
              filerName: get("FILINGMANAGER_NAME") ?? null,
              periodOfReport: sub.header.periodOfReport,
              reportCalendarOrQuarter: isoDateFromSec(get("REPORTCALENDARORQUARTER")),
              reportType: get("REPORTTYPE") ?? null,
              isAmendment: parseFlag(get("ISAMENDMENT")) ?? false,
              amendmentNo: parseNumber(get("AMENDMENTNO")),
              amendmentType:
                amendmentRaw === "RESTATEMENT" || amendmentRaw === "NEW HOLDINGS" ? amendmentRaw : null,
              form13FFileNumber: get("FORM13FFILENUMBER") ?? null,
              crdNumber: get("CRDNUMBER") ?? null,
              secFileNumber: get("SECFILENUMBER") ?? null,
              otherManagers: managers.get(accession) ?? [],
              otherIncludedManagersCount: summary?.others ?? null,
              tableEntryTotal: summary?.entries ?? null,
              tableValueTotal: summary?.value ?? null,
              isConfidentialOmitted: summary?.confidential ?? null,
              signatureName: null,
              signatureDate: null,
            },
          },
          at,
        ),
      );
    }
    if (filings.length > 0) yield filings;
    const rowCounter = new Map<string, number>();
    const required = ["ACCESSION_NUMBER", "NAMEOFISSUER", "CUSIP", "VALUE", "SSHPRNAMT", "SSHPRNAMTTYPE"];
    const heldCounters = held("INFOTABLE.TSV accessions");
    const source = `${zip.name}!INFOTABLE.TSV`;
    const row = new TsvRow();
    const get = row.get;
    const lines = tsvLines(zip, "INFOTABLE.TSV", required, (found) => (row.index = found));
    for await (const { texts, firstLine } of lines) {
      const batch: Parsed<ThirteenFDatasetRecord>[] = [];
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i] as string;
        if (text.length === 0) continue;
        row.fields = text.split("\t");
        const at: Location = { source, line: firstLine + i };
        const accession = get("ACCESSION_NUMBER") as string;
        // Rows of a filing appear in document order; their position is the row key, as in the XML path.
        const seen = rowCounter.get(accession);
        const rowIndex = (seen ?? 0) + 1;
        // A new key is copied: the field is a slice of a whole decoded chunk, which a Map key would keep
        // alive for the rest of the file (64 KB per filing, hundreds of MB over a quarter).
        if (seen === undefined) heldCounters.add(at, accession.length);
        rowCounter.set(seen === undefined ? detached(accession) : accession, rowIndex);
        const filedDate = submissions.get(accession)?.header.filedDate ?? null;
        const holding = toDatasetHolding(get, rowIndex, filedDate);
        if (typeof holding === "string") batch.push(parsedError(at, holding));
        else batch.push(parsedOk({ kind: "holding", accession, holding }, at));
      }
      if (batch.length > 0) yield batch;
    }
  } catch (err) {
    throw namedError(err, src);
  } finally {
    zip.close();
  }
}

function toDatasetHolding(get: Row, rowIndex: number, filedDate: string | null): ThirteenFHolding | string {
  const cusip = get("CUSIP")?.toUpperCase();
  if (!cusip || !/^[A-Z0-9]{9}$/.test(cusip)) return `CUSIP "${cusip ?? ""}" is not 9 letters/digits`;
  const nameOfIssuer = get("NAMEOFISSUER");
  if (!nameOfIssuer) return "NAMEOFISSUER is empty";
  const valueAsFiled = parseNumber(get("VALUE"));
  if (valueAsFiled === null || valueAsFiled < 0)
    return `VALUE "${get("VALUE") ?? ""}" is not a non-negative number`;
  const shares = parseNumber(get("SSHPRNAMT"));
  if (shares === null || shares < 0) return `SSHPRNAMT "${get("SSHPRNAMT") ?? ""}" is not a number`;
  const type = get("SSHPRNAMTTYPE")?.toUpperCase();
  if (type !== "SH" && type !== "PRN") return `SSHPRNAMTTYPE "${type ?? ""}" is neither SH nor PRN`;
  const pc = get("PUTCALL")?.toLowerCase();
  const discretion = get("INVESTMENTDISCRETION")?.toUpperCase();
  const valueUnit = filedDate !== null && filedDate < DOLLAR_VALUE_FROM_FILING_DATE ? "thousands_usd" : "usd";
  const valueUsd = valueUnit === "thousands_usd" ? valueAsFiled * 1000 : valueAsFiled;
  return {
    rowIndex,
    nameOfIssuer,
    titleOfClass: get("TITLEOFCLASS") ?? null,
    cusip,
    figi: get("FIGI") ?? null,
    valueAsFiled,
    valueUsd,
    valueUnit,
    valueUnitBasis: filedDate === null ? "assumed" : "filing_date",
    valueUnitSuspect: false,
    impliedPriceUsd: type === "SH" && shares > 0 ? valueUsd / shares : null,
    sharesOrPrincipal: shares,
    sharesOrPrincipalType: type,
    putCall: pc === "put" ? "Put" : pc === "call" ? "Call" : null,
    investmentDiscretion:
      discretion === "SOLE" || discretion === "DFND" || discretion === "OTR" ? discretion : null,
    otherManager: get("OTHERMANAGER") ?? null,
    votingSole: parseNumber(get("VOTING_AUTH_SOLE")) ?? 0,
    votingShared: parseNumber(get("VOTING_AUTH_SHARED")) ?? 0,
    votingNone: parseNumber(get("VOTING_AUTH_NONE")) ?? 0,
  };
}

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
  const zip = await openZip(src);
  const held = (table: string) => new HeldTable(table, zip.limits);
  try {
    const owners = new Map<string, Form4ReportingOwner[]>();
    const heldOwners = held("REPORTINGOWNER.TSV");
    for await (const { get, at, chars } of readTsv(zip, "REPORTINGOWNER.TSV", [
      "ACCESSION_NUMBER",
      "RPTOWNERCIK",
    ])) {
      heldOwners.add(at, chars);
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
    const footnotes = new Map<string, Record<string, string>>();
    const heldFootnotes = held("FOOTNOTES.TSV");
    for await (const { get, at, chars } of readTsv(
      zip,
      "FOOTNOTES.TSV",
      ["ACCESSION_NUMBER", "FOOTNOTE_ID"],
      true,
    )) {
      heldFootnotes.add(at, chars);
      const acc = get("ACCESSION_NUMBER") as string;
      const map = footnotes.get(acc) ?? {};
      map[get("FOOTNOTE_ID") as string] = get("FOOTNOTE_TXT") ?? "";
      footnotes.set(acc, map);
    }
    const issuers = new Map<string, string>();
    const required = ["ACCESSION_NUMBER", "FILING_DATE", "ISSUERCIK"];
    const heldIssuers = held("SUBMISSION.TSV");
    for await (const { get, at } of readTsv(zip, "SUBMISSION.TSV", required)) {
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
      heldIssuers.add(at, accession.length + issuerCik.length);
      issuers.set(accession, issuerCik);
      yield parsedOk(
        {
          kind: "filing",
          filing: {
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
          },
        },
        at,
      );
    }
    for (const [member, table, kind] of ROW_MEMBERS) {
      const counter = new Map<string, number>();
      const heldCounter = held(`${member} accessions`);
      for await (const { get, at } of readTsv(zip, member, ["ACCESSION_NUMBER"], true)) {
        const accession = get("ACCESSION_NUMBER") as string;
        const issuerCik = issuers.get(accession);
        if (!issuerCik) {
          yield parsedError(at, `accession ${accession} has no SUBMISSION row`);
          continue;
        }
        const seen = counter.get(accession);
        const rowIndex = (seen ?? 0) + 1;
        if (seen === undefined) heldCounter.add(at, accession.length);
        counter.set(seen === undefined ? detached(accession) : accession, rowIndex);
        const code = get("TRANS_CODE") ?? null;
        if (kind === "transaction" && !code) {
          yield parsedError(at, "TRANS_CODE is empty");
          continue;
        }
        const ad = get("TRANS_ACQUIRED_DISP_CD")?.toUpperCase();
        const di = get("DIRECT_INDIRECT_OWNERSHIP")?.toUpperCase();
        const footnoteIds: Record<string, string[]> = {};
        for (const [column, field] of FOOTNOTE_FIELDS) {
          const ids = get(column);
          if (ids)
            footnoteIds[field] = ids
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean);
        }
        yield parsedOk(
          {
            kind: "row",
            accession,
            issuerCik,
            row: {
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
              footnoteIds,
            },
          },
          at,
        );
      }
    }
  } catch (err) {
    throw namedError(err, src);
  } finally {
    zip.close();
  }
}
