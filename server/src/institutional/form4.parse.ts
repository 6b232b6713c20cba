import { type LocatedError, type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { filedSymbol } from "../lib/symbol-form";
import { SafeXmlReader } from "./safe-xml";
import { driveXml, type SubmissionHeader } from "./submission.parse";
import type { XmlLimits } from "./xml-limits";
import { parseFlag, parseNumber, RecordCollector, type XmlRecord } from "./xml-records";

/** A reporting owner of a Form 3/4/5 and the relationship boxes they ticked. */
export interface Form4ReportingOwner {
  cik: string;
  /** As filed: "LAST FIRST MIDDLE". */
  name: string | null;
  isDirector: boolean;
  isOfficer: boolean;
  isTenPercentOwner: boolean;
  isOther: boolean;
  officerTitle: string | null;
  otherText: string | null;
  city: string | null;
  state: string | null;
}

export type Form4Table = "nonDerivative" | "derivative";

/**
 * One row of the non-derivative or derivative table: a transaction (`kind: "transaction"`) or a
 * holding reported without a transaction (`kind: "holding"`, no code/shares/price).
 */
export interface Form4Row {
  table: Form4Table;
  kind: "transaction" | "holding";
  /** 1-based position among rows of the same table and kind (with issuer and accession, the key). */
  rowIndex: number;
  securityTitle: string | null;
  transactionDate: string | null;
  deemedExecutionDate: string | null;
  formType: string | null;
  /** P, S, A, M, F, G, ... (Form 4 General Instructions, section 8). */
  code: string | null;
  equitySwapInvolved: boolean | null;
  /** `E` early, `L` late, null when on time. */
  timeliness: string | null;
  shares: number | null;
  pricePerShareUsd: number | null;
  /** `A` acquired or `D` disposed. */
  acquiredDisposed: "A" | "D" | null;
  sharesOwnedAfter: number | null;
  valueOwnedAfterUsd: number | null;
  /** `D` direct or `I` indirect. */
  directIndirect: "D" | "I" | null;
  natureOfOwnership: string | null;
  conversionOrExercisePriceUsd: number | null;
  exerciseDate: string | null;
  expirationDate: string | null;
  underlyingSecurityTitle: string | null;
  underlyingSecurityShares: number | null;
  /** Footnote ids by field (`transactionPricePerShare`, `transactionCoding`, ...), text in the filing. */
  footnoteIds: Record<string, string[]>;
}

export interface Form4Filing {
  accession: string | null;
  /** `YYYY-MM-DD` from the submission wrapper or the caller. */
  filedDate: string | null;
  /** From the archive wrapper's `<ACCEPTANCE-DATETIME>` (New York clock), as UTC. */
  acceptedAt: Date | null;
  schemaVersion: string | null;
  documentType: string | null;
  periodOfReport: string | null;
  dateOfOriginalSubmission: string | null;
  notSubjectToSection16: boolean | null;
  /** Rule 10b5-1(c) checkbox (schema X0508+, 2023-04 onwards); null when the form predates it. */
  aff10b5One: boolean | null;
  issuerCik: string;
  issuerName: string | null;
  issuerTradingSymbol: string | null;
  reportingOwners: Form4ReportingOwner[];
  rows: Form4Row[];
  footnotes: Record<string, string>;
  remarks: string | null;
  signatureName: string | null;
  signatureDate: string | null;
}

export interface Form4ParseOptions {
  sourceName: string;
  /** When the caller knows them (bare XML documents carry neither). */
  accession?: string | null | undefined;
  filedDate?: string | null | undefined;
  acceptedAt?: Date | null | undefined;
  limits?: Partial<XmlLimits> | undefined;
}

const RECORDS = new Set([
  "ownershipDocument",
  "reportingOwner",
  "nonDerivativeTransaction",
  "nonDerivativeHolding",
  "derivativeTransaction",
  "derivativeHolding",
  "footnote",
]);

/**
 * Parses Form 3/4/5 `ownershipDocument` XML, bare or inside an EDGAR submission wrapper, into one
 * filing per document. A row that cannot be read becomes a located error and the filing keeps the
 * other rows.
 */
export async function* parseForm4(
  source: AsyncIterable<Uint8Array | string>,
  options: Form4ParseOptions,
): AsyncGenerator<Parsed<Form4Filing>> {
  const out: Parsed<Form4Filing>[] = [];
  let header: SubmissionHeader | null = null;
  let documentName = options.sourceName;
  let owners: Form4ReportingOwner[] = [];
  let rows: Form4Row[] = [];
  let footnotes: Record<string, string> = {};
  let rowErrors: LocatedError[] = [];

  const onRecord = (rec: XmlRecord) => {
    const at: Location = { source: documentName, element: rec.path };
    switch (rec.name) {
      case "reportingOwner": {
        const owner = toOwner(rec);
        if (owner) owners.push(owner);
        else rowErrors.push({ ...at, message: "reportingOwner has no rptOwnerCik" });
        return;
      }
      case "footnote": {
        const id = rec.attributes.id;
        if (id) footnotes[id] = (rec.fields.get("") ?? "").replace(/\s+/g, " ");
        return;
      }
      case "nonDerivativeTransaction":
      case "nonDerivativeHolding":
      case "derivativeTransaction":
      case "derivativeHolding": {
        const row = toRow(rec);
        if (typeof row === "string") rowErrors.push({ ...at, message: row });
        else rows.push(row);
        return;
      }
      case "ownershipDocument": {
        for (const e of rowErrors) out.push(parsedError(e, e.message));
        const filing = toFiling(rec, options, header, owners, rows, footnotes);
        if (typeof filing === "string") out.push(parsedError(at, filing));
        else out.push(parsedOk(filing, at));
        owners = [];
        rows = [];
        footnotes = {};
        rowErrors = [];
      }
    }
  };

  yield* driveXml(
    source,
    options.sourceName,
    {
      header(h) {
        header = h;
      },
      // Only the ownership document itself; exhibits (EX-24 powers of attorney) are skipped.
      accept: (doc) => /^[345](\/A)?$/.test(doc.type),
      open(name) {
        documentName = name;
        return new SafeXmlReader(new RecordCollector(RECORDS, onRecord), name, options.limits ?? {});
      },
    },
    out,
  );
}

function toOwner(rec: XmlRecord): Form4ReportingOwner | null {
  const f = rec.fields;
  const cik = f.get("reportingOwnerId/rptOwnerCik");
  if (!cik) return null;
  const flag = (name: string) => parseFlag(f.get(`reportingOwnerRelationship/${name}`)) ?? false;
  return {
    cik: cik.padStart(10, "0"),
    name: f.get("reportingOwnerId/rptOwnerName") ?? null,
    isDirector: flag("isDirector"),
    isOfficer: flag("isOfficer"),
    isTenPercentOwner: flag("isTenPercentOwner"),
    isOther: flag("isOther"),
    officerTitle: f.get("reportingOwnerRelationship/officerTitle") ?? null,
    otherText: f.get("reportingOwnerRelationship/otherText") ?? null,
    city: f.get("reportingOwnerAddress/rptOwnerCity") ?? null,
    state: f.get("reportingOwnerAddress/rptOwnerState") ?? null,
  };
}

/** Footnote ids keyed by the field's leaf name (`transactionAmounts/transactionShares` -> `transactionShares`). */
function footnotesByField(rec: XmlRecord): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [path, ids] of rec.footnotes) {
    const leaf = path.slice(path.lastIndexOf("/") + 1) || rec.name;
    out[leaf] = [...(out[leaf] ?? []), ...ids];
  }
  return out;
}

function toRow(rec: XmlRecord): Form4Row | string {
  const f = rec.fields;
  const table: Form4Table = rec.name.startsWith("derivative") ? "derivative" : "nonDerivative";
  const kind = rec.name.endsWith("Holding") ? "holding" : "transaction";
  const code = f.get("transactionCoding/transactionCode") ?? null;
  const adRaw = f.get("transactionAmounts/transactionAcquiredDisposedCode/value")?.toUpperCase();
  const acquiredDisposed = adRaw === "A" || adRaw === "D" ? adRaw : null;
  const diRaw = f.get("ownershipNature/directOrIndirectOwnership/value")?.toUpperCase();
  const directIndirect = diRaw === "D" || diRaw === "I" ? diRaw : null;
  const shares = parseNumber(f.get("transactionAmounts/transactionShares/value"));
  if (kind === "transaction") {
    if (!code) return `${rec.name} has no transactionCoding/transactionCode`;
    if (adRaw !== undefined && acquiredDisposed === null) {
      return `transactionAcquiredDisposedCode "${adRaw}" is neither A nor D`;
    }
  }
  return {
    table,
    kind,
    rowIndex: rec.index,
    securityTitle: f.get("securityTitle/value") ?? null,
    transactionDate: f.get("transactionDate/value") ?? null,
    deemedExecutionDate: f.get("deemedExecutionDate/value") ?? null,
    formType: f.get("transactionCoding/transactionFormType") ?? null,
    code,
    equitySwapInvolved: parseFlag(f.get("transactionCoding/equitySwapInvolved")),
    timeliness: f.get("transactionTimeliness/value") ?? null,
    shares,
    pricePerShareUsd: parseNumber(f.get("transactionAmounts/transactionPricePerShare/value")),
    acquiredDisposed,
    sharesOwnedAfter: parseNumber(f.get("postTransactionAmounts/sharesOwnedFollowingTransaction/value")),
    valueOwnedAfterUsd: parseNumber(f.get("postTransactionAmounts/valueOwnedFollowingTransaction/value")),
    directIndirect,
    natureOfOwnership: f.get("ownershipNature/natureOfOwnership/value") ?? null,
    conversionOrExercisePriceUsd: parseNumber(f.get("conversionOrExercisePrice/value")),
    exerciseDate: f.get("exerciseDate/value") ?? null,
    expirationDate: f.get("expirationDate/value") ?? null,
    underlyingSecurityTitle: f.get("underlyingSecurity/underlyingSecurityTitle/value") ?? null,
    underlyingSecurityShares: parseNumber(f.get("underlyingSecurity/underlyingSecurityShares/value")),
    footnoteIds: footnotesByField(rec),
  };
}

function toFiling(
  rec: XmlRecord,
  options: Form4ParseOptions,
  header: SubmissionHeader | null,
  reportingOwners: Form4ReportingOwner[],
  rows: Form4Row[],
  footnotes: Record<string, string>,
): Form4Filing | string {
  const f = rec.fields;
  const issuerCik = f.get("issuer/issuerCik");
  if (!issuerCik) return "ownershipDocument has no issuer/issuerCik";
  const symbolOf = filedSymbol(f.get("issuer/issuerTradingSymbol"));
  if (symbolOf !== null && !symbolOf.ok) return `issuer/issuerTradingSymbol: ${symbolOf.message}`;
  return {
    accession: options.accession ?? header?.accession ?? null,
    filedDate: options.filedDate ?? header?.filedDate ?? null,
    acceptedAt: options.acceptedAt ?? header?.acceptedAt ?? null,
    schemaVersion: f.get("schemaVersion") ?? null,
    documentType: f.get("documentType") ?? null,
    periodOfReport: f.get("periodOfReport") ?? null,
    dateOfOriginalSubmission: f.get("dateOfOriginalSubmission") ?? null,
    notSubjectToSection16: parseFlag(f.get("notSubjectToSection16")),
    aff10b5One: parseFlag(f.get("aff10b5One")),
    issuerCik: issuerCik.padStart(10, "0"),
    issuerName: f.get("issuer/issuerName") ?? null,
    issuerTradingSymbol: symbolOf?.ok ? symbolOf.symbol : null,
    reportingOwners,
    rows,
    footnotes,
    remarks: f.get("remarks") ?? null,
    signatureName: f.get("ownerSignature/signatureName") ?? null,
    signatureDate: f.get("ownerSignature/signatureDate") ?? null,
  };
}
