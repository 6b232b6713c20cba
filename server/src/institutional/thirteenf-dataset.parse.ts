import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import {
  AccessionRowCounter,
  type DatasetSource,
  HeldTable,
  pad10,
  type Row,
  readHeldTsv,
  readTsv,
  readZip,
  TsvRow,
  tsvLines,
  type ZipHandle,
} from "./dataset-zip";
import type { SubmissionHeader } from "./submission.parse";
import { DOLLAR_VALUE_FROM_FILING_DATE, type ThirteenFCover, type ThirteenFHolding } from "./thirteenf.parse";
import { isoDateFromSec, parseFlag, parseNumber } from "./xml-records";

/**
 * Reader for the SEC's "Form 13F data sets" (`{label}_form13f.zip`: SUBMISSION, COVERPAGE,
 * SUMMARYPAGE, OTHERMANAGER2, INFOTABLE, ...; see FORM13F_readme.htm), which carry every filer's 13F
 * of a quarter as tab-separated tables in one zip. Columns are found by header name (FIGI appears only
 * in newer sets); dates are `DD-MON-YYYY`. The small per-filing tables are held in memory (one entry
 * per accession), each bounded by `DATASET_LIMITS`; INFOTABLE (millions of rows) is streamed. Errors
 * name the zip by `DatasetSource.name`, never a temporary path.
 */

export type ThirteenFDatasetRecord =
  | { kind: "filing"; header: SubmissionHeader; cover: ThirteenFCover }
  | { kind: "holding"; accession: string; holding: ThirteenFHolding };

type Submissions = Map<string, { header: SubmissionHeader; cik: string | null }>;
type Summary = {
  entries: number | null;
  value: number | null;
  confidential: boolean | null;
  others: number | null;
};

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
  yield* readZip(src, async function* (zip) {
    const submissions = await readSubmissions(zip);
    const summaries = await readSummaries(zip);
    const managers = await readOtherManagers(zip);
    let filings: Parsed<ThirteenFDatasetRecord>[] = [];
    for await (const { get, at } of readTsv(zip, "COVERPAGE.TSV", ["ACCESSION_NUMBER"])) {
      if (filings.length >= 1000) {
        yield filings;
        filings = [];
      }
      filings.push(coverRecord(get, at, submissions, summaries, managers));
    }
    if (filings.length > 0) yield filings;
    yield* infoTableBatches(zip, submissions);
  });
}

async function readSubmissions(zip: ZipHandle): Promise<Submissions> {
  const submissions: Submissions = new Map();
  for await (const { get } of readHeldTsv(zip, "SUBMISSION.TSV", ["ACCESSION_NUMBER", "FILING_DATE"])) {
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
  return submissions;
}

async function readSummaries(zip: ZipHandle): Promise<Map<string, Summary>> {
  const summaries = new Map<string, Summary>();
  for await (const { get } of readHeldTsv(zip, "SUMMARYPAGE.TSV", ["ACCESSION_NUMBER"], true)) {
    summaries.set(get("ACCESSION_NUMBER") as string, {
      entries: parseNumber(get("TABLEENTRYTOTAL")),
      value: parseNumber(get("TABLEVALUETOTAL")),
      confidential: parseFlag(get("ISCONFIDENTIALOMITTED")),
      others: parseNumber(get("OTHERINCLUDEDMANAGERSCOUNT")),
    });
  }
  return summaries;
}

async function readOtherManagers(zip: ZipHandle): Promise<Map<string, ThirteenFCover["otherManagers"]>> {
  const managers = new Map<string, ThirteenFCover["otherManagers"]>();
  for await (const { get } of readHeldTsv(zip, "OTHERMANAGER2.TSV", ["ACCESSION_NUMBER"], true)) {
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
  return managers;
}

/** A COVERPAGE row with its SUBMISSION, SUMMARYPAGE and OTHERMANAGER2 rows, as the XML cover page. */
function coverRecord(
  get: Row,
  at: Location,
  submissions: Submissions,
  summaries: Map<string, Summary>,
  managers: Map<string, ThirteenFCover["otherManagers"]>,
): Parsed<ThirteenFDatasetRecord> {
  const accession = get("ACCESSION_NUMBER") as string;
  const sub = submissions.get(accession);
  if (!sub?.cik) return parsedError(at, `accession ${accession} has no SUBMISSION row with a CIK`);
  const summary = summaries.get(accession);
  const amendmentRaw = get("AMENDMENTTYPE")?.toUpperCase() ?? null;
  const cover: ThirteenFCover = {
    submissionType: sub.header.submissionType,
    filerCik: sub.cik,
    filerName: get("FILINGMANAGER_NAME") ?? null,
    periodOfReport: sub.header.periodOfReport,
    reportCalendarOrQuarter: isoDateFromSec(get("REPORTCALENDARORQUARTER")),
    reportType: get("REPORTTYPE") ?? null,
    isAmendment: parseFlag(get("ISAMENDMENT")) ?? false,
    amendmentNo: parseNumber(get("AMENDMENTNO")),
    amendmentType: amendmentRaw === "RESTATEMENT" || amendmentRaw === "NEW HOLDINGS" ? amendmentRaw : null,
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
  };
  return parsedOk({ kind: "filing", header: sub.header, cover }, at);
}

/** INFOTABLE rows, one run per decoded chunk (the hot loop of a quarter's load: no per-row await). */
async function* infoTableBatches(
  zip: ZipHandle,
  submissions: Submissions,
): AsyncGenerator<Parsed<ThirteenFDatasetRecord>[]> {
  const required = ["ACCESSION_NUMBER", "NAMEOFISSUER", "CUSIP", "VALUE", "SSHPRNAMT", "SSHPRNAMTTYPE"];
  const rowCounter = new AccessionRowCounter(new HeldTable("INFOTABLE.TSV accessions", zip.limits));
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
      const rowIndex = rowCounter.next(accession, at);
      const filedDate = submissions.get(accession)?.header.filedDate ?? null;
      const holding = toDatasetHolding(get, rowIndex, filedDate);
      if (typeof holding === "string") batch.push(parsedError(at, holding));
      else batch.push(parsedOk({ kind: "holding", accession, holding }, at));
    }
    if (batch.length > 0) yield batch;
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
