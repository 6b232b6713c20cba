import type { schema } from "@smt/db";
import { addDays, etWallTimeToUtc, isIsoDate, mondayOf } from "../lib/et-time";
import { isDigits, parseDecimal } from "../lib/fields";
import { type ByteSource, readLines } from "../lib/lines";
import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { canonicalSymbol } from "../lib/symbol-form";
import { onOrNextTradingDay } from "../lib/trading-calendar";

export type AtsWeeklyRecord = typeof schema.atsWeekly.$inferInsert;
export type AtsSummaryType = "ATS_W_SMBL_FIRM" | "OTC_W_SMBL_FIRM";

/**
 * FINRA OTC Transparency weekly data (FINRA Rules 6110/6610, Regulatory Notices 15-48, 16-14, 19-29):
 * shares and trades per week, security and venue (ATS MPID, or non-ATS member firm). Publication delay
 * (finra.org "OTC Transparency Data"): NMS Tier 1 two weeks, NMS Tier 2 and OTC equities four weeks, files
 * available from about 06:00 ET.
 */

/** The weekly download's columns, in its order (also what the ATS sync job asks FINRA's Query API for). */
export const ATS_DOWNLOAD_COLUMNS = [
  "tierDescription",
  "issueSymbolIdentifier",
  "issueName",
  "marketParticipantName",
  "MPID",
  "totalWeeklyShareQuantity",
  "totalWeeklyTradeCount",
  "lastUpdateDate",
] as const;

export interface AtsWeeklyOptions {
  sourceName: string;
  /**
   * Monday of the reported week (`YYYY-MM-DD`). Default: derived from each row's `lastUpdateDate`, which in
   * FINRA's download is the publication date (see `weekStartFromPublication`). Give it for a revised or
   * re-downloaded week, whose `lastUpdateDate` is later than the first publication. Never taken from the name.
   */
  weekStart?: string;
  /**
   * Override for every row. Default: by content, per row: a `summaryTypeCode` column when the file has one,
   * else the venue (`ATS_MPIDS`, or a participant name calling itself an ATS) -> `ATS_W_SMBL_FIRM`, any other
   * member firm -> `OTC_W_SMBL_FIRM` (non-ATS).
   */
  summaryType?: AtsSummaryType;
  /**
   * Rows without a symbol are firm-level totals (a venue's volume in securities not broken out); adding them
   * to the per-symbol rows would double count. Default `skip`; `keep` stores them with symbol "".
   */
  firmTotals?: "skip" | "keep";
}

export const ATS_SUMMARY_TYPES: readonly AtsSummaryType[] = ["ATS_W_SMBL_FIRM", "OTC_W_SMBL_FIRM"];

/** `ats`/`ATS_W_SMBL_FIRM` -> ATS, `otc`/`non-ats`/`OTC_W_SMBL_FIRM` -> non-ATS; null otherwise. */
export function atsSummaryTypeOf(text: string): AtsSummaryType | null {
  const t = text.trim().toUpperCase();
  if (t === "ATS" || t === "ATS_W_SMBL_FIRM") return "ATS_W_SMBL_FIRM";
  if (t === "OTC" || t === "NON-ATS" || t === "NON_ATS" || t === "OTC_W_SMBL_FIRM") return "OTC_W_SMBL_FIRM";
  return null;
}

/**
 * MPIDs of alternative trading systems that report to FINRA under Rule 4552: the venues named in FINRA's
 * ATS data (otctransparency.finra.org; examples in docs/methodology.md) and every venue of the real OTC
 * weekly file in test/fixtures/finra (all ATSs: OTC Link's ECN and NQB, Global OTC, ...). An ATS
 * reports under its own MPID, so the venue tells ATS from non-ATS volume; a non-ATS firm's MPID is never
 * one of these. Participants not listed but whose FINRA name says `ATS` / `ALTERNATIVE TRADING SYSTEM` are
 * classified as ATS too (`isAtsVenue`). Extend this list when FINRA adds a venue.
 */
export const ATS_MPIDS: ReadonlySet<string> = new Set([
  // NMS stock ATSs
  "BIDS", // BIDS Trading
  "CBLC", // Citi CitiBLOC
  "DBAX", // Deutsche Bank SuperX
  "EBXL", // Level ATS
  "IATS", // Interactive Brokers ATS
  "ICBX", // Instinet CBX
  "INCR", // Intelligent Cross
  "JPBX", // JPM-X
  "KCGM", // Virtu MatchIt
  "LATS", // Barclays LX
  "LQNA", // Luminex
  "MLIX", // BofA Instinct X
  "MSPL", // Morgan Stanley MS Pool
  "SGMT", // Goldman Sachs Sigma X2
  "UBSA", // UBS ATS
  "XSTM", // Crossstream
  // OTC equity ATSs (all venues of the OTC sample file)
  "ALTS", // Lodas Securities
  "ARCA", // NYSE Arca Global OTC
  "OTCN", // OTC Link NQB
  "OTCX", // OTC Link ECN
  "PPEX", // North Capital Private Securities
  "PROS", // tZERO
  "SMKT", // Securitize Markets
  "STEN", // StartEngine Secondary
  "SWCL", // INX Securities
]);

/** True when a venue is an ATS: a listed MPID, or a participant name that says it is one. */
export function isAtsVenue(mpid: string, participantName: string): boolean {
  return ATS_MPIDS.has(mpid.toUpperCase()) || /\bATS\b|ALTERNATIVE TRADING SYSTEM/i.test(participantName);
}

/** `NMS Tier 1` -> T1, `NMS Tier 2` -> T2, `OTC`/`OTCE` -> OTCE (the Query API's `tierIdentifier`). */
export function tierIdentifierOf(tierDescription: string): string | null {
  const t = tierDescription.trim().toUpperCase();
  if (t === "NMS TIER 1" || t === "T1") return "T1";
  if (t === "NMS TIER 2" || t === "T2") return "T2";
  if (t === "OTC" || t === "OTCE" || t === "OTC EQUITY" || t === "OTC EQUITIES") return "OTCE";
  return null;
}

/** Publication delay after the week start: Tier 1 two weeks, NMS Tier 2 and OTC equities four. */
const delayDays = (tier: string): number => (tier === "T1" ? 14 : 28);

/**
 * First publication of a week's data: the delay after the week start, on that Monday or the next business
 * day when it is a market holiday (Memorial Day moves it to Tuesday), from 06:00 New York time (FINRA
 * Technical Notices of 2016-04-20 and 2016-09-29; finra.org "OTC Transparency Data").
 */
export function atsPublishedAt(weekStart: string, tier: string): Date {
  return etWallTimeToUtc(onOrNextTradingDay(addDays(weekStart, delayDays(tier))), 6);
}

/**
 * The week a publication date belongs to: FINRA publishes on the Monday (or the next business day) the
 * delay after the week start, so the week starts `delay` days before the Monday of the publication week.
 */
export function weekStartFromPublication(publicationDate: string, tier: string): string {
  return addDays(mondayOf(publicationDate), -delayDays(tier));
}

const publishedAtCache = new Map<string, Date>();
/**
 * When the stored figures became visible: the week's first publication, or the row's `lastUpdateDate`
 * (06:00 ET) when that is later (a revision: the figures held are the revised ones).
 */
function visibleFrom(weekStart: string, tier: string, lastUpdateDate: string | null): Date {
  const key = `${weekStart}|${tier}|${lastUpdateDate ?? ""}`;
  let at = publishedAtCache.get(key);
  if (at === undefined) {
    at = atsPublishedAt(weekStart, tier);
    if (lastUpdateDate !== null) {
      const updated = etWallTimeToUtc(lastUpdateDate, 6);
      if (updated > at) at = updated;
    }
    if (publishedAtCache.size > 10_000) publishedAtCache.clear();
    publishedAtCache.set(key, at);
  }
  return at;
}

const isMonday = (isoDate: string): boolean => new Date(`${isoDate}T00:00:00Z`).getUTCDay() === 1;

/** Parses the pipe-delimited weekly download. Every row is a record, a located error, or a skipped firm total. */
export async function* parseAtsWeekly(
  source: ByteSource,
  opts: AtsWeeklyOptions,
): AsyncGenerator<Parsed<AtsWeeklyRecord>> {
  const sourceName = opts.sourceName;
  const keepFirmTotals = opts.firmTotals === "keep";
  if (opts.weekStart !== undefined && (!isIsoDate(opts.weekStart) || !isMonday(opts.weekStart))) {
    yield parsedError({ source: sourceName }, `week start ${opts.weekStart}: give a Monday (YYYY-MM-DD)`);
    return;
  }
  let col: Record<(typeof ATS_DOWNLOAD_COLUMNS)[number], number> | null = null;
  let summaryTypeCol = -1;
  for await (const { text, line } of readLines(source, sourceName)) {
    const at: Location = { source: sourceName, line };
    if (col === null) {
      const header = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split("|").map((h) => h.trim());
      const missing = ATS_DOWNLOAD_COLUMNS.filter((h) => !header.includes(h));
      if (missing.length > 0) {
        yield parsedError(at, `header lacks column(s) ${missing.join(", ")}`);
        return;
      }
      col = {} as Record<(typeof ATS_DOWNLOAD_COLUMNS)[number], number>;
      for (const h of ATS_DOWNLOAD_COLUMNS) col[h] = header.indexOf(h);
      summaryTypeCol = header.indexOf("summaryTypeCode");
      continue;
    }
    if (text.length === 0) continue;
    const fields = text.split("|");
    if (fields.length < ATS_DOWNLOAD_COLUMNS.length) {
      yield parsedError(at, `expected ${ATS_DOWNLOAD_COLUMNS.length} fields, found ${fields.length}`);
      continue;
    }
    const index = col;
    const get = (h: (typeof ATS_DOWNLOAD_COLUMNS)[number]): string => (fields[index[h]] as string).trim();
    const row: Record<string, unknown> = {
      tierDescription: get("tierDescription"),
      issueSymbolIdentifier: get("issueSymbolIdentifier"),
      issueName: get("issueName"),
      marketParticipantName: get("marketParticipantName"),
      MPID: get("MPID"),
      totalWeeklyShareQuantity: get("totalWeeklyShareQuantity"),
      totalWeeklyTradeCount: get("totalWeeklyTradeCount"),
      lastUpdateDate: get("lastUpdateDate"),
    };
    if (summaryTypeCol >= 0) row.summaryTypeCode = (fields[summaryTypeCol] ?? "").trim();
    const parsed = atsRowToRecord(row, {
      weekStart: opts.weekStart ?? null,
      summaryType: opts.summaryType ?? null,
      keepFirmTotals,
      sourceRef: `${sourceName}:${line}`,
      at,
    });
    if (parsed !== null) yield parsed;
  }
  if (col === null) yield parsedError({ source: sourceName, line: 1 }, "empty file: no header line");
}

interface RowContext {
  /** Null: derived from the row's `lastUpdateDate` (the publication date). */
  weekStart: string | null;
  /** Null: classified by the row's content. */
  summaryType: AtsSummaryType | null;
  keepFirmTotals: boolean;
  sourceRef: string;
  at: Location;
}

/** One row (from the file or the API) -> record, error, or null for a skipped firm total. */
function atsRowToRecord(row: Record<string, unknown>, ctx: RowContext): Parsed<AtsWeeklyRecord> | null {
  const fail = (field: string, message: string): Parsed<AtsWeeklyRecord> =>
    parsedError({ ...ctx.at, element: field }, `${field}: ${message}`);
  const text = (v: unknown): string => (typeof v === "string" ? v.trim() : v == null ? "" : String(v));
  let symbol = text(row.issueSymbolIdentifier);
  if (symbol.length === 0 && !ctx.keepFirmTotals) return null;
  if (symbol.length > 0) {
    const symbolOf = canonicalSymbol(symbol);
    if (!symbolOf.ok) return fail("issueSymbolIdentifier", symbolOf.message);
    symbol = symbolOf.symbol;
  }
  const tierText = text(row.tierIdentifier ?? row.tierDescription);
  const tier = tierIdentifierOf(tierText);
  if (tier === null) return fail("tierDescription", `"${tierText}" is not NMS Tier 1, NMS Tier 2 or OTC`);
  const mpid = text(row.MPID);
  if (mpid.length === 0) return fail("MPID", "empty");
  const sharesText = text(row.totalWeeklyShareQuantity);
  const shares = parseDecimal(sharesText);
  if (!(shares >= 0)) return fail("totalWeeklyShareQuantity", `"${sharesText}" is not a non-negative number`);
  const tradesText = text(row.totalWeeklyTradeCount);
  if (tradesText.length > 0 && !isDigits(tradesText)) {
    return fail("totalWeeklyTradeCount", `"${tradesText}" is not a whole number`);
  }
  const lastUpdateDate = text(row.lastUpdateDate).slice(0, 10);
  if (lastUpdateDate.length > 0 && !isIsoDate(lastUpdateDate)) {
    return fail("lastUpdateDate", `"${lastUpdateDate}" is not a YYYY-MM-DD date`);
  }
  const weekStart =
    ctx.weekStart ?? (lastUpdateDate.length > 0 ? weekStartFromPublication(lastUpdateDate, tier) : null);
  if (weekStart === null) {
    return fail("lastUpdateDate", "empty, and no week start given: pass the week's Monday (--week-start)");
  }
  const issueName = text(row.issueName);
  const participantName = text(row.marketParticipantName);
  const summaryTypeText = text(row.summaryTypeCode);
  let summaryType = ctx.summaryType;
  if (summaryType === null && summaryTypeText.length > 0) {
    summaryType = atsSummaryTypeOf(summaryTypeText);
    if (summaryType === null) {
      return fail("summaryTypeCode", `"${summaryTypeText}" is not ATS_W_SMBL_FIRM or OTC_W_SMBL_FIRM`);
    }
  }
  summaryType ??= isAtsVenue(mpid, participantName) ? "ATS_W_SMBL_FIRM" : "OTC_W_SMBL_FIRM";
  return parsedOk<AtsWeeklyRecord>(
    {
      weekStart,
      tier,
      symbol,
      issueName: issueName.length > 0 ? issueName : null,
      mpid,
      participantName: participantName.length > 0 ? participantName : null,
      summaryType,
      shares,
      trades: tradesText.length > 0 ? Number(tradesText) : null,
      lastUpdateDate: lastUpdateDate.length > 0 ? lastUpdateDate : null,
      source: "finra_ats",
      sourceRef: ctx.sourceRef,
      publishedAt: visibleFrom(weekStart, tier, lastUpdateDate.length > 0 ? lastUpdateDate : null),
    },
    ctx.at,
  );
}

export interface AtsApiOptions {
  sourceName: string;
  /** Rows of other summary types are left out: `*_SMBL` rows are sums of `*_SMBL_FIRM` rows. */
  summaryTypeCode: AtsSummaryType;
  firmTotals?: "skip" | "keep";
}

/**
 * Rows of the FINRA Query API dataset `otcMarket/weeklySummary` (fields `weekStartDate`, `tierIdentifier`,
 * `issueSymbolIdentifier`, `MPID`, `totalWeeklyShareQuantity`, `summaryTypeCode`, ...), filtered to one
 * summary type so aggregates are not double counted. Located by row index (`source <[i]>`).
 */
export function parseAtsApiRows(rows: readonly unknown[], opts: AtsApiOptions): Parsed<AtsWeeklyRecord>[] {
  const out: Parsed<AtsWeeklyRecord>[] = [];
  for (let i = 0; i < rows.length; i++) {
    const at: Location = { source: opts.sourceName, element: `[${i}]` };
    const row = rows[i];
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      out.push(parsedError(at, "row is not a JSON object"));
      continue;
    }
    const r = row as Record<string, unknown>;
    if (r.summaryTypeCode !== opts.summaryTypeCode) continue;
    const weekStart = typeof r.weekStartDate === "string" ? r.weekStartDate.slice(0, 10) : "";
    if (!isIsoDate(weekStart)) {
      out.push(
        parsedError(
          { ...at, element: `[${i}].weekStartDate` },
          `weekStartDate: "${weekStart}" is not a date`,
        ),
      );
      continue;
    }
    const parsed = atsRowToRecord(r, {
      weekStart,
      summaryType: opts.summaryTypeCode,
      keepFirmTotals: opts.firmTotals === "keep",
      sourceRef: `${opts.sourceName}[${i}]`,
      at,
    });
    if (parsed !== null) out.push(parsed);
  }
  return out;
}
