import type { schema } from "@smt/db";
import { addDays, etWallTimeToUtc, isIsoDate } from "../lib/et-time";
import { baseName, isDigits, parseDecimal } from "../lib/fields";
import { type ByteSource, readLines } from "../lib/lines";
import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";

export type AtsWeeklyRecord = typeof schema.atsWeekly.$inferInsert;
export type AtsSummaryType = "ATS_W_SMBL_FIRM" | "OTC_W_SMBL_FIRM";

/**
 * FINRA OTC Transparency weekly data (FINRA Rules 6110/6610, Regulatory Notices 15-48, 16-14, 19-29):
 * shares and trades per week, security and venue (ATS MPID, or non-ATS member firm). Publication delay
 * (finra.org "OTC Transparency Data"): NMS Tier 1 two weeks, NMS Tier 2 and OTC equities four weeks, files
 * available from about 06:00 ET.
 */

const HEADER = [
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
  /** Monday of the reported week (`YYYY-MM-DD`); else taken from a file name ending `_YYYYMMDD.psv`. */
  weekStart?: string;
  /**
   * The download does not say whether a participant is an ATS. Default: `ATS_W_SMBL_FIRM` when the file
   * name contains "ats", `OTC_W_SMBL_FIRM` when it contains "otc".
   */
  summaryType?: AtsSummaryType;
  /**
   * Rows without a symbol are firm-level totals (a venue's volume in securities not broken out); adding them
   * to the per-symbol rows would double count. Default `skip`; `keep` stores them with symbol "".
   */
  firmTotals?: "skip" | "keep";
}

/** `NMS Tier 1` -> T1, `NMS Tier 2` -> T2, `OTC`/`OTCE` -> OTCE (the Query API's `tierIdentifier`). */
export function tierIdentifierOf(tierDescription: string): string | null {
  const t = tierDescription.trim().toUpperCase();
  if (t === "NMS TIER 1" || t === "T1") return "T1";
  if (t === "NMS TIER 2" || t === "T2") return "T2";
  if (t === "OTC" || t === "OTCE" || t === "OTC EQUITY" || t === "OTC EQUITIES") return "OTCE";
  return null;
}

/** Tier 1 is published two weeks after the week starts, everything else four, at 06:00 New York time. */
export function atsPublishedAt(weekStart: string, tier: string): Date {
  return etWallTimeToUtc(addDays(weekStart, tier === "T1" ? 14 : 28), 6);
}

const publishedAtCache = new Map<string, Date>();
function cachedPublishedAt(weekStart: string, tier: string): Date {
  const key = `${weekStart}|${tier}`;
  let at = publishedAtCache.get(key);
  if (at === undefined) {
    at = atsPublishedAt(weekStart, tier);
    if (publishedAtCache.size > 10_000) publishedAtCache.clear();
    publishedAtCache.set(key, at);
  }
  return at;
}

function weekStartFromName(name: string): string | null {
  const match = /_(\d{4})(\d{2})(\d{2})\.(?:psv|csv|txt)$/i.exec(baseName(name));
  return match === null ? null : `${match[1]}-${match[2]}-${match[3]}`;
}

function summaryTypeFromName(name: string): AtsSummaryType | null {
  const lower = baseName(name).toLowerCase();
  if (lower.includes("ats")) return "ATS_W_SMBL_FIRM";
  if (lower.includes("otc")) return "OTC_W_SMBL_FIRM";
  return null;
}

const isMonday = (isoDate: string): boolean => new Date(`${isoDate}T00:00:00Z`).getUTCDay() === 1;

/** Parses the pipe-delimited weekly download. Every row is a record, a located error, or a skipped firm total. */
export async function* parseAtsWeekly(
  source: ByteSource,
  opts: AtsWeeklyOptions,
): AsyncGenerator<Parsed<AtsWeeklyRecord>> {
  const sourceName = opts.sourceName;
  const weekStart = opts.weekStart ?? weekStartFromName(sourceName);
  const summaryType = opts.summaryType ?? summaryTypeFromName(sourceName);
  const keepFirmTotals = opts.firmTotals === "keep";
  if (weekStart === null || !isIsoDate(weekStart) || !isMonday(weekStart)) {
    yield parsedError(
      { source: sourceName },
      `week start ${weekStart ?? "unknown"}: give a Monday as weekStart or name the file ..._YYYYMMDD.psv`,
    );
    return;
  }
  if (summaryType === null) {
    yield parsedError(
      { source: sourceName },
      "summary type unknown: pass summaryType (ATS or OTC) for this file",
    );
    return;
  }
  let col: Record<(typeof HEADER)[number], number> | null = null;
  for await (const { text, line } of readLines(source, sourceName)) {
    const at: Location = { source: sourceName, line };
    if (col === null) {
      const header = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split("|").map((h) => h.trim());
      const missing = HEADER.filter((h) => !header.includes(h));
      if (missing.length > 0) {
        yield parsedError(at, `header lacks column(s) ${missing.join(", ")}`);
        return;
      }
      col = {} as Record<(typeof HEADER)[number], number>;
      for (const h of HEADER) col[h] = header.indexOf(h);
      continue;
    }
    if (text.length === 0) continue;
    const fields = text.split("|");
    if (fields.length < HEADER.length) {
      yield parsedError(at, `expected ${HEADER.length} fields, found ${fields.length}`);
      continue;
    }
    const index = col;
    const get = (h: (typeof HEADER)[number]): string => (fields[index[h]] as string).trim();
    const parsed = atsRowToRecord(
      {
        tierDescription: get("tierDescription"),
        issueSymbolIdentifier: get("issueSymbolIdentifier"),
        issueName: get("issueName"),
        marketParticipantName: get("marketParticipantName"),
        MPID: get("MPID"),
        totalWeeklyShareQuantity: get("totalWeeklyShareQuantity"),
        totalWeeklyTradeCount: get("totalWeeklyTradeCount"),
        lastUpdateDate: get("lastUpdateDate"),
      },
      { weekStart, summaryType, keepFirmTotals, sourceRef: `${sourceName}:${line}`, at },
    );
    if (parsed !== null) yield parsed;
  }
  if (col === null) yield parsedError({ source: sourceName, line: 1 }, "empty file: no header line");
}

interface RowContext {
  weekStart: string;
  summaryType: string;
  keepFirmTotals: boolean;
  sourceRef: string;
  at: Location;
}

/** One row (from the file or the API) -> record, error, or null for a skipped firm total. */
function atsRowToRecord(row: Record<string, unknown>, ctx: RowContext): Parsed<AtsWeeklyRecord> | null {
  const fail = (field: string, message: string): Parsed<AtsWeeklyRecord> =>
    parsedError({ ...ctx.at, element: field }, `${field}: ${message}`);
  const text = (v: unknown): string => (typeof v === "string" ? v.trim() : v == null ? "" : String(v));
  const symbol = text(row.issueSymbolIdentifier);
  if (symbol.length === 0 && !ctx.keepFirmTotals) return null;
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
  const issueName = text(row.issueName);
  const participantName = text(row.marketParticipantName);
  return parsedOk<AtsWeeklyRecord>(
    {
      weekStart: ctx.weekStart,
      tier,
      symbol,
      issueName: issueName.length > 0 ? issueName : null,
      mpid,
      participantName: participantName.length > 0 ? participantName : null,
      summaryType: ctx.summaryType,
      shares,
      trades: tradesText.length > 0 ? Number(tradesText) : null,
      lastUpdateDate: lastUpdateDate.length > 0 ? lastUpdateDate : null,
      source: "finra_ats",
      sourceRef: ctx.sourceRef,
      publishedAt: cachedPublishedAt(ctx.weekStart, tier),
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
