import type { Db } from "@smt/db";
import { raiseInsiderAlerts } from "../alerts/insider-alerts";
import { raiseThirteenFAlerts } from "../alerts/thirteenf-alerts";
import { AppError } from "../errors";
import { type IngestSummary, runIngest } from "../lib/ingest";
import type { ByteSource } from "../lib/lines";
import { type Parsed, parsedError, parsedOk } from "../lib/records";
import { touchSymbols } from "../lib/symbols";
import { type Form4Filing, parseForm4 } from "./form4.parse";
import {
  type InsiderFilingRow,
  type InsiderRow,
  insertInsiderFilings,
  insertInsiderRows,
  rolesOf,
} from "./insider.store";
import {
  mapCusipsWithOpenFigi,
  normalizeCusip,
  type OpenFigiOptions,
  parseSecuritiesCsv,
  type SecurityRecord,
} from "./securities";
import { closesNearPeriodEnd, symbolsOfCusips, unmappedCusips, upsertSecurities } from "./securities.store";
import type { SubmissionHeader } from "./submission.parse";
import {
  DOLLAR_VALUE_FROM_FILING_DATE,
  isUnitSuspect,
  parse13F,
  type ThirteenFCover,
  type ThirteenFHolding,
} from "./thirteenf.parse";
import {
  insert13FFilings,
  insert13FHoldings,
  type ThirteenFFilingRow,
  type ThirteenFHoldingRow,
} from "./thirteenf.store";
import { assessStoredValueUnits } from "./thirteenf-unit.store";
import { easternToUtc } from "./xml-records";

export interface FilingHints {
  /** `source` stored on the rows. */
  origin?: string | undefined;
  /** For documents without a submission wrapper. */
  accession?: string | undefined;
  filedDate?: string | undefined;
  knownPriceUsd?: ((cusip: string) => number | undefined) | undefined;
}

/**
 * When the world could know a filing: EDGAR's acceptance time when the wrapper or the submissions JSON
 * gives it; otherwise the end of the filing date in New York (a filing dated D was public by then,
 * so point-in-time queries never see it early).
 */
export function publishedAtOf(
  acceptedAt: Date | null | undefined,
  filedDate: string | null | undefined,
): Date | null {
  if (acceptedAt) return acceptedAt;
  return filedDate ? easternToUtc(filedDate, "23:59:59") : null;
}

async function* fromList<T>(items: Parsed<T>[]): AsyncGenerator<Parsed<T>> {
  yield* items;
}

/** Marks symbols that now have institutional data (the dashboard's symbol picker reads `symbols`). */
async function touchMappedSymbols(db: Db, cusips: string[], kind: string): Promise<void> {
  if (cusips.length === 0) return;
  await touchSymbols(db, await symbolsOfCusips(db, cusips), kind);
}

/** Parsed pieces of one 13F filing, whichever documents they came from. */
export interface ThirteenFParts {
  header: SubmissionHeader | null;
  cover: ThirteenFCover | null;
  holdings: Parsed<ThirteenFHolding>[];
}

/** Parses 13F documents fully (a hostile document throws here, before anything is stored). */
export async function read13F(
  sources: { source: ByteSource; name: string }[],
  hints: FilingHints,
): Promise<ThirteenFParts> {
  const parts: ThirteenFParts = { header: null, cover: null, holdings: [] };
  for (const { source, name } of sources) {
    for await (const r of parse13F(source, {
      sourceName: name,
      filedDate: hints.filedDate,
      knownPriceUsd: hints.knownPriceUsd,
    })) {
      if (!r.ok) parts.holdings.push(parsedError(r.error, r.error.message));
      else if (r.record.kind === "submission") parts.header = r.record.header;
      else if (r.record.kind === "cover") parts.cover = r.record.cover;
      else parts.holdings.push(parsedOk(r.record.holding, r.at));
    }
  }
  return parts;
}

/**
 * A cover page alone is not a holdings report: stored, it would replace the filer's earlier report for
 * the period with nothing. Only a 13F notice (`13F-NT`, report type `13F NOTICE`, which by the form's
 * instructions has no information table) or a report whose cover says it has zero entries
 * (`tableEntryTotal` 0) may come without rows.
 */
function refuseMissingInformationTable(parts: ThirteenFParts, name: string): void {
  const cover = parts.cover as ThirteenFCover;
  if (parts.holdings.length > 0) return;
  const type = (parts.header?.submissionType ?? cover.submissionType ?? "").toUpperCase();
  const isNotice = cover.reportType?.toUpperCase() === "13F NOTICE" || type.startsWith("13F-NT");
  if (isNotice || cover.tableEntryTotal === 0) return;
  const entries = cover.tableEntryTotal === null ? "an unknown number of" : String(cover.tableEntryTotal);
  throw new AppError(
    "INVALID_INPUT",
    `${name}: incomplete 13F filing: the cover page (${cover.reportType ?? "no reportType"}) reports ${entries} ` +
      "information-table entries (summaryPage/tableEntryTotal) but no information table was given; nothing " +
      "stored. Load the cover page together with its information table XML, or the whole submission .txt",
    { accession: parts.header?.accession ?? null, tableEntryTotal: cover.tableEntryTotal },
  );
}

/** The filing row of a parsed 13F, or INVALID_INPUT naming what is missing (nothing is then stored). */
function thirteenFFilingRow(parts: ThirteenFParts, name: string, hints: FilingHints): ThirteenFFilingRow {
  const { header, cover } = parts;
  if (!cover) throw new AppError("INVALID_INPUT", `${name}: no 13F cover page (primary_doc.xml) found`);
  if (!cover.periodOfReport) throw new AppError("INVALID_INPUT", `${name}: cover page has no periodOfReport`);
  refuseMissingInformationTable(parts, name);
  const accession = header?.accession ?? hints.accession;
  if (!accession) {
    throw new AppError(
      "INVALID_INPUT",
      `${name}: accession number unknown; use the submission .txt or pass --accession`,
    );
  }
  const filedDate = header?.filedDate ?? hints.filedDate ?? null;
  const publishedAt = publishedAtOf(header?.acceptedAt, filedDate);
  if (!publishedAt) {
    throw new AppError(
      "INVALID_INPUT",
      `${name}: filing date unknown; use the submission .txt or pass --filed-date`,
    );
  }
  return {
    source: hints.origin ?? "sec_13f_xml",
    accession,
    publishedAt,
    cover,
    filedDate,
    valueUnit: filedDate !== null && filedDate < DOLLAR_VALUE_FROM_FILING_DATE ? "thousands_usd" : "usd",
  };
}

/** Flags holdings whose implied price is far from the stored close near the period end (unit check). */
async function flagUnitsAgainstCloses(db: Db, holdings: Parsed<ThirteenFHolding>[], period: string) {
  const closes = await closesNearPeriodEnd(
    db,
    holdings.flatMap((p) => (p.ok ? [p.record.cusip] : [])),
    period,
  );
  for (const p of holdings) {
    if (p.ok && !p.record.valueUnitSuspect)
      p.record.valueUnitSuspect = isUnitSuspect(p.record.impliedPriceUsd, closes.get(p.record.cusip));
  }
}

/**
 * Stores one 13F filing (cover page and information table) in one transaction: a second load stores
 * nothing new, and a filing with a rejected row still stores its good rows (the rejects are reported).
 */
export async function store13F(
  db: Db,
  parts: ThirteenFParts,
  name: string,
  hints: FilingHints,
): Promise<IngestSummary> {
  const filing = thirteenFFilingRow(parts, name, hints);
  const { accession, source, publishedAt } = filing;
  const period = filing.cover.periodOfReport as string;
  // Unit check against stored closes when no price source was given to the parser.
  if (!hints.knownPriceUsd) await flagUnitsAgainstCloses(db, parts.holdings, period);
  const records = parts.holdings.map(
    (p): Parsed<ThirteenFHoldingRow> =>
      p.ok
        ? parsedOk(
            {
              accession,
              filerCik: filing.cover.filerCik,
              periodOfReport: period,
              source,
              publishedAt,
              holding: p.record,
            },
            p.at,
          )
        : p,
  );
  let filingStored = false;
  let filingNew = false;
  const summary = await runIngest<ThirteenFHoldingRow>({
    db,
    kind: "13f",
    source,
    sourceRef: `${name} (${accession})`,
    records: fromList(records),
    transactional: true,
    insert: async (tx, batch) => {
      if (!filingStored) {
        filingNew = (await insert13FFilings(tx, [filing])).length > 0;
        filingStored = true;
      }
      return insert13FHoldings(tx, batch);
    },
  });
  if (!filingStored) filingNew = (await insert13FFilings(db, [filing])).length > 0;
  await assessStoredValueUnits(db, [accession]);
  await touchMappedSymbols(
    db,
    parts.holdings.flatMap((p) => (p.ok ? [p.record.cusip] : [])),
    "institutional",
  );
  // New positions and exits of what this call stored (alerts/thirteenf-alerts.ts); nothing on a reload.
  if (filingNew || summary.accepted > 0) await raiseThirteenFAlerts(db, filing, new Date());
  return summary;
}

/** Rows of a Form 4 filing as stored: the first reporting owner speaks for a joint filing. */
export function insiderRowsOf(
  filing: Form4Filing,
  accession: string,
  source: string,
  publishedAt: Date,
): InsiderRow[] {
  const owner = filing.reportingOwners[0];
  return filing.rows.map((row) => ({
    accession,
    issuerCik: filing.issuerCik,
    issuerSymbol: filing.issuerTradingSymbol,
    aff10b5One: filing.aff10b5One,
    owner: {
      cik: owner?.cik ?? "",
      name: owner?.name ?? null,
      roles: rolesOf(owner),
      officerTitle: owner?.officerTitle ?? null,
    },
    source,
    publishedAt,
    row,
  }));
}

/** Parses and stores Form 3/4/5 documents (bare XML or submission wrappers), all-or-nothing per file. */
export async function ingestForm4(
  db: Db,
  source: ByteSource,
  name: string,
  hints: FilingHints = {},
): Promise<IngestSummary> {
  const parsed: Parsed<Form4Filing>[] = [];
  for await (const r of parseForm4(source, {
    sourceName: name,
    accession: hints.accession,
    filedDate: hints.filedDate,
  })) {
    parsed.push(r);
  }
  const origin = hints.origin ?? "sec_form4_xml";
  const filings: InsiderFilingRow[] = [];
  const rows: Parsed<InsiderRow>[] = [];
  for (const p of parsed) {
    if (!p.ok) {
      rows.push(p);
      continue;
    }
    const f = p.record;
    const publishedAt = publishedAtOf(f.acceptedAt, f.filedDate);
    if (!f.accession || !publishedAt) {
      rows.push(
        parsedError(
          p.at,
          "accession or filing date unknown; use the submission .txt or pass --accession and --filed-date",
        ),
      );
      continue;
    }
    filings.push({ source: origin, accession: f.accession, publishedAt, filing: f });
    for (const row of insiderRowsOf(f, f.accession, origin, publishedAt)) rows.push(parsedOk(row, p.at));
  }
  let filingsStored = false;
  const fresh: InsiderRow[] = [];
  const summary = await runIngest<InsiderRow>({
    db,
    kind: "form4",
    source: origin,
    sourceRef: name,
    records: fromList(rows),
    transactional: true,
    insert: async (tx, batch) => {
      if (!filingsStored) {
        await insertInsiderFilings(tx, filings);
        filingsStored = true;
      }
      const stored = await insertInsiderRows(tx, batch);
      fresh.push(...stored);
      return stored;
    },
    symbolOf: (r) => r.issuerSymbol,
  });
  if (!filingsStored) await insertInsiderFilings(db, filings);
  // Purchase and cluster-buy alerts of the rows this call stored (alerts/insider-alerts.ts).
  await raiseInsiderAlerts(db, filings, fresh, new Date());
  return summary;
}

/**
 * Loads a user CUSIP mapping (`symbol,cusip[,name,cik,shares_outstanding,shares_as_of]`, header names
 * with synonyms such as `Cusip,Ticker`); the summary's `columns` says which header fed each column.
 */
export async function ingestSecuritiesCsv(db: Db, source: ByteSource, name: string): Promise<IngestSummary> {
  const now = new Date();
  let columns: Record<string, string> | undefined;
  const summary = await runIngest<SecurityRecord>({
    db,
    kind: "securities",
    source: "user_csv",
    sourceRef: name,
    records: parseSecuritiesCsv(source, name, (used) => {
      columns = used;
    }),
    transactional: true,
    insert: async (tx, batch) => {
      await upsertSecurities(tx, batch, name, now);
      return batch;
    },
    symbolOf: (r) => r.symbol,
  });
  return columns ? { ...summary, columns } : summary;
}

/**
 * Maps the CUSIPs held in stored 13F filings that no source maps yet, through OpenFIGI, and stores the
 * answers (source `openfigi`). Returns what was mapped and the CUSIPs OpenFIGI did not know, which
 * stay unmapped (listed, never guessed).
 */
export async function resolveUnmappedCusips(
  db: Db,
  options: OpenFigiOptions & { limit?: number } = {},
): Promise<{ mapped: number; unmapped: string[] }> {
  const candidates = (await unmappedCusips(db, options.limit ?? 1000)).map((r) => r.cusip);
  const valid = candidates.filter((c) => normalizeCusip(c) !== null);
  const invalid = candidates.filter((c) => normalizeCusip(c) === null);
  const result = await mapCusipsWithOpenFigi(valid, options);
  await upsertSecurities(db, result.mapped, "openfigi:v3/mapping", new Date());
  await touchMappedSymbols(
    db,
    result.mapped.map((m) => m.cusip),
    "institutional",
  );
  return { mapped: result.mapped.length, unmapped: [...result.unmapped, ...invalid] };
}
