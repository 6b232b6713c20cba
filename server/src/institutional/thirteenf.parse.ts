import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { SafeXmlReader } from "./safe-xml";
import { driveXml, type SubmissionHeader } from "./submission.parse";
import type { XmlLimits } from "./xml-limits";
import { isoDateFromUs, parseFlag, parseNumber, RecordCollector, type XmlRecord } from "./xml-records";

/**
 * The SEC changed the 13F `value` unit from thousands of dollars to dollars for filings made on or
 * after 2023-01-03 (Release 34-95148; the 13F data-set readme says to branch on the FILING date, not
 * the period of report).
 */
export const DOLLAR_VALUE_FROM_FILING_DATE = "2023-01-03";

/** 13F cover page (`primary_doc.xml`, schema `eis_13F_Filer.xsd`). */
export interface ThirteenFCover {
  submissionType: string | null;
  filerCik: string;
  filerName: string | null;
  /** `YYYY-MM-DD` (the document writes `MM-DD-YYYY`). */
  periodOfReport: string | null;
  reportCalendarOrQuarter: string | null;
  /** `13F HOLDINGS REPORT`, `13F NOTICE`, `13F COMBINATION REPORT`. */
  reportType: string | null;
  isAmendment: boolean;
  amendmentNo: number | null;
  /** `RESTATEMENT` replaces the earlier filing for the period; `NEW HOLDINGS` adds to it. */
  amendmentType: "RESTATEMENT" | "NEW HOLDINGS" | null;
  form13FFileNumber: string | null;
  crdNumber: string | null;
  secFileNumber: string | null;
  otherManagers: ThirteenFOtherManager[];
  otherIncludedManagersCount: number | null;
  tableEntryTotal: number | null;
  /** As filed, in the unit of the filing's era (see `DOLLAR_VALUE_FROM_FILING_DATE`). */
  tableValueTotal: number | null;
  isConfidentialOmitted: boolean | null;
  signatureName: string | null;
  signatureDate: string | null;
}

/**
 * The cover of an original 13F holdings report of which only the filer and the period are known (the
 * demo's filings and tests); the other fields are unknown (null) or absent.
 */
export function holdingsReportCover(
  filerCik: string,
  filerName: string | null,
  period: string,
  known: Partial<ThirteenFCover> = {},
): ThirteenFCover {
  return {
    submissionType: "13F-HR",
    filerCik,
    filerName,
    periodOfReport: period,
    reportCalendarOrQuarter: period,
    reportType: "13F HOLDINGS REPORT",
    isAmendment: false,
    amendmentNo: null,
    amendmentType: null,
    form13FFileNumber: null,
    crdNumber: null,
    secFileNumber: null,
    otherManagers: [],
    otherIncludedManagersCount: null,
    tableEntryTotal: null,
    tableValueTotal: null,
    isConfidentialOmitted: null,
    signatureName: null,
    signatureDate: null,
    ...known,
  };
}

export interface ThirteenFOtherManager {
  /** Sequence number from the summary page (`otherManagers2Info`), referenced by `otherManager` in rows. */
  sequenceNumber: number | null;
  cik: string | null;
  form13FFileNumber: string | null;
  name: string | null;
}

/** One `infoTable` row of a 13F information table (`eis_13FDocument.xsd`). */
export interface ThirteenFHolding {
  /** 1-based row position in the information table (with the accession, the natural key). */
  rowIndex: number;
  nameOfIssuer: string;
  titleOfClass: string | null;
  /** Upper-cased, 9 characters. */
  cusip: string;
  figi: string | null;
  /** `value` exactly as filed. */
  valueAsFiled: number;
  /** `value` in US dollars, scaled by the unit of the filing's era (never by a guess). */
  valueUsd: number;
  valueUnit: "usd" | "thousands_usd";
  /** `filing_date` when the filing date decided the unit; `assumed` when no date was known. */
  valueUnitBasis: "filing_date" | "assumed";
  /** Set when value/shares disagrees with a known price by more than the tolerance (see below). */
  valueUnitSuspect: boolean;
  /** valueUsd / shares, when shares > 0 and the row is in shares. */
  impliedPriceUsd: number | null;
  sharesOrPrincipal: number;
  /** `SH` shares or `PRN` principal amount (bonds, in dollars): PRN rows are not shares. */
  sharesOrPrincipalType: "SH" | "PRN";
  /** Option positions: `value` is the value of the underlying; kept apart from share positions. */
  putCall: "Put" | "Call" | null;
  investmentDiscretion: "SOLE" | "DFND" | "OTR" | null;
  otherManager: string | null;
  votingSole: number;
  votingShared: number;
  votingNone: number;
}

export type ThirteenFRecord =
  | { kind: "submission"; header: SubmissionHeader }
  | { kind: "cover"; cover: ThirteenFCover }
  | { kind: "holding"; holding: ThirteenFHolding };

export interface ThirteenFParseOptions {
  /** Name used in located errors (the file path or upload name). */
  sourceName: string;
  /** Filing date `YYYY-MM-DD` when the caller knows it (bare XML documents do not say). */
  filedDate?: string | null | undefined;
  /** A known share price near the period end, by CUSIP, for the implied-price unit check. */
  knownPriceUsd?: ((cusip: string) => number | undefined) | undefined;
  limits?: Partial<XmlLimits> | undefined;
}

/**
 * Implied price far from the known price by this factor or more marks the row `valueUnitSuspect`.
 * A thousands-for-dollars mix-up is a factor of 1000; legitimate gaps (price moves within the quarter,
 * a share class priced differently) stay well under 10.
 */
export const UNIT_SUSPECT_FACTOR = 20;

/** True when value/shares is `UNIT_SUSPECT_FACTOR` times off a known price (either way). */
export function isUnitSuspect(impliedPriceUsd: number | null, knownPriceUsd: number | undefined): boolean {
  if (impliedPriceUsd === null || knownPriceUsd === undefined || !(knownPriceUsd > 0)) return false;
  const ratio = impliedPriceUsd / knownPriceUsd;
  return ratio >= UNIT_SUSPECT_FACTOR || ratio <= 1 / UNIT_SUSPECT_FACTOR;
}

const RECORD_NAMES = new Set(["infoTable", "edgarSubmission", "otherManager", "otherManager2"]);
/** `otherManager` is a record on the cover page but a plain text field (sequence numbers) in an `infoTable`. */
const isRecord = (name: string, enclosing: string | undefined) =>
  RECORD_NAMES.has(name) && !(name === "otherManager" && enclosing === "infoTable");

/**
 * Parses 13F documents: a cover page, an information table, or a whole submission (archive `.txt` or
 * feed `.nc`) holding both. Namespace prefixes are ignored (`ns1:infoTable` and `infoTable` are the
 * same). Bad rows become located errors; good rows keep flowing.
 */
export async function* parse13F(
  source: AsyncIterable<Uint8Array | string>,
  options: ThirteenFParseOptions,
): AsyncGenerator<Parsed<ThirteenFRecord>> {
  const out: Parsed<ThirteenFRecord>[] = [];
  let filedDate = options.filedDate ?? null;
  const pendingManagers: ThirteenFOtherManager[] = [];
  let lastOtherManager: XmlRecord | null = null;
  let documentName = options.sourceName;

  const onRecord = (rec: XmlRecord) => {
    const at: Location = { source: documentName, element: rec.path };
    if (rec.name === "infoTable") {
      out.push(toHolding(rec, at, filedDate, options.knownPriceUsd));
    } else if (rec.name === "otherManager") {
      lastOtherManager = rec;
      // Cover-page `otherManagersInfo/otherManager` has no sequence number; summary-page ones are nested
      // in `otherManager2` and are completed when it closes.
      if (!rec.path.includes("otherManager2/")) pendingManagers.push(toManager(rec, null));
    } else if (rec.name === "otherManager2") {
      const seq = parseNumber(rec.fields.get("sequenceNumber"));
      if (lastOtherManager) pendingManagers.push(toManager(lastOtherManager, seq));
      lastOtherManager = null;
    } else if (rec.name === "edgarSubmission") {
      const cover = toCover(rec, pendingManagers.splice(0));
      if (cover.ok) out.push(parsedOk({ kind: "cover", cover: cover.record }, at));
      else out.push(parsedError(at, cover.message));
    }
  };

  yield* driveXml(
    source,
    options.sourceName,
    {
      header(header) {
        if (!filedDate && header.filedDate) filedDate = header.filedDate;
        out.push(parsedOk({ kind: "submission", header }, { source: options.sourceName }));
      },
      open(name) {
        documentName = name;
        return new SafeXmlReader(new RecordCollector(isRecord, onRecord), name, options.limits ?? {});
      },
    },
    out,
  );
}

function toManager(rec: XmlRecord, sequenceNumber: number | null): ThirteenFOtherManager {
  return {
    sequenceNumber,
    cik: rec.fields.get("cik") ?? null,
    form13FFileNumber: rec.fields.get("form13FFileNumber") ?? null,
    name: rec.fields.get("name") ?? null,
  };
}

function toCover(
  rec: XmlRecord,
  otherManagers: ThirteenFOtherManager[],
): { ok: true; record: ThirteenFCover } | { ok: false; message: string } {
  const f = rec.fields;
  const cik = f.get("headerData/filerInfo/filer/credentials/cik");
  if (!cik)
    return { ok: false, message: "cover page has no filer CIK (headerData/filerInfo/filer/credentials/cik)" };
  const amendmentRaw = f.get("formData/coverPage/amendmentInfo/amendmentType")?.toUpperCase() ?? null;
  const amendmentType =
    amendmentRaw === "RESTATEMENT" || amendmentRaw === "NEW HOLDINGS" ? amendmentRaw : null;
  return {
    ok: true,
    record: {
      submissionType: f.get("headerData/submissionType") ?? null,
      filerCik: cik.padStart(10, "0"),
      filerName: f.get("formData/coverPage/filingManager/name") ?? null,
      periodOfReport: isoDateFromUs(f.get("headerData/filerInfo/periodOfReport")),
      reportCalendarOrQuarter: isoDateFromUs(f.get("formData/coverPage/reportCalendarOrQuarter")),
      reportType: f.get("formData/coverPage/reportType") ?? null,
      isAmendment: parseFlag(f.get("formData/coverPage/isAmendment")) ?? false,
      amendmentNo: parseNumber(f.get("formData/coverPage/amendmentNo")),
      amendmentType,
      form13FFileNumber: f.get("formData/coverPage/form13FFileNumber") ?? null,
      crdNumber: f.get("formData/coverPage/crdNumber") ?? null,
      secFileNumber: f.get("formData/coverPage/secFileNumber") ?? null,
      otherManagers,
      otherIncludedManagersCount: parseNumber(f.get("formData/summaryPage/otherIncludedManagersCount")),
      tableEntryTotal: parseNumber(f.get("formData/summaryPage/tableEntryTotal")),
      tableValueTotal: parseNumber(f.get("formData/summaryPage/tableValueTotal")),
      isConfidentialOmitted: parseFlag(f.get("formData/summaryPage/isConfidentialOmitted")),
      signatureName: f.get("formData/signatureBlock/name") ?? null,
      signatureDate: isoDateFromUs(f.get("formData/signatureBlock/signatureDate")),
    },
  };
}

const CUSIP_SHAPE = /^[A-Z0-9]{9}$/;
const DISCRETIONS = new Set(["SOLE", "DFND", "OTR"]);

function toHolding(
  rec: XmlRecord,
  at: Location,
  filedDate: string | null,
  knownPriceUsd: ((cusip: string) => number | undefined) | undefined,
): Parsed<ThirteenFRecord> {
  const f = rec.fields;
  const cusip = f.get("cusip")?.toUpperCase();
  if (!cusip || !CUSIP_SHAPE.test(cusip))
    return parsedError(at, `cusip "${cusip ?? ""}" is not 9 letters/digits`);
  const nameOfIssuer = f.get("nameOfIssuer");
  if (!nameOfIssuer) return parsedError(at, "nameOfIssuer is missing");
  const valueAsFiled = parseNumber(f.get("value"));
  if (valueAsFiled === null || valueAsFiled < 0)
    return parsedError(at, `value "${f.get("value") ?? ""}" is not a non-negative number`);
  const shares = parseNumber(f.get("shrsOrPrnAmt/sshPrnamt"));
  if (shares === null || shares < 0) {
    return parsedError(
      at,
      `shrsOrPrnAmt/sshPrnamt "${f.get("shrsOrPrnAmt/sshPrnamt") ?? ""}" is not a number`,
    );
  }
  const typeRaw = (f.get("shrsOrPrnAmt/sshPrnamtType") ?? "").toUpperCase();
  if (typeRaw !== "SH" && typeRaw !== "PRN")
    return parsedError(at, `sshPrnamtType "${typeRaw}" is neither SH nor PRN`);
  const pcRaw = f.get("putCall")?.toLowerCase();
  const putCall = pcRaw === "put" ? "Put" : pcRaw === "call" ? "Call" : null;
  if (pcRaw !== undefined && putCall === null)
    return parsedError(at, `putCall "${f.get("putCall")}" is neither Put nor Call`);
  const discretionRaw = f.get("investmentDiscretion")?.toUpperCase() ?? null;
  const investmentDiscretion =
    discretionRaw !== null && DISCRETIONS.has(discretionRaw)
      ? (discretionRaw as "SOLE" | "DFND" | "OTR")
      : null;

  const valueUnit = filedDate !== null && filedDate < DOLLAR_VALUE_FROM_FILING_DATE ? "thousands_usd" : "usd";
  const valueUsd = valueUnit === "thousands_usd" ? valueAsFiled * 1000 : valueAsFiled;
  const impliedPriceUsd = typeRaw === "SH" && shares > 0 ? valueUsd / shares : null;
  const valueUnitSuspect = isUnitSuspect(impliedPriceUsd, knownPriceUsd?.(cusip));
  return parsedOk(
    {
      kind: "holding",
      holding: {
        rowIndex: rec.index,
        nameOfIssuer,
        titleOfClass: f.get("titleOfClass") ?? null,
        cusip,
        figi: f.get("figi") ?? null,
        valueAsFiled,
        valueUsd,
        valueUnit,
        valueUnitBasis: filedDate === null ? "assumed" : "filing_date",
        valueUnitSuspect,
        impliedPriceUsd,
        sharesOrPrincipal: shares,
        sharesOrPrincipalType: typeRaw,
        putCall,
        investmentDiscretion,
        otherManager: f.get("otherManager") ?? null,
        votingSole: parseNumber(f.get("votingAuthority/Sole")) ?? 0,
        votingShared: parseNumber(f.get("votingAuthority/Shared")) ?? 0,
        votingNone: parseNumber(f.get("votingAuthority/None")) ?? 0,
      },
    },
    at,
  );
}
