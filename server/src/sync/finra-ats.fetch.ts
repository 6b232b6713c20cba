/**
 * One FINRA OTC Transparency week of one tier, read from FINRA's Query API (developer.finra.org "POST
 * Data"): `POST {FINRA_OTC_BASE_URL}/data/group/otcMarket/name/weeklySummary` with the week, tier and
 * summary type fixed as compare filters, `Accept: text/plain`, pipe-delimited, unquoted. The answer is the
 * same pipe-delimited layout as the otctransparency.finra.org download (the sample
 * `finra_otc_weekly_otc_20251229.psv`) plus the `weekStartDate` and `summaryTypeCode` columns we ask for.
 *
 * Paging (developer.finra.org "Platform Usage Limits"): at most 5000 records and 3 MB per answer, `offset`
 * at most 500,000, `Record-Total` says how many records match. Pages are sorted on the row key so they do
 * not overlap. A week not published yet answers with an empty body (no rows), a 403/404 is treated the
 * same: "not published", never a failure. Every page is checked before anything is stored: its header,
 * that each row is of the week, tier and summary type asked for, and that it holds exactly the rows
 * `Record-Total` says it should (a cut-off page fails the week, which is asked again on the next run).
 */
import { ATS_DOWNLOAD_COLUMNS, tierIdentifierOf } from "../darkpool/ats.parse";
import { type BoundedFetchOptions, fetchBounded, UpstreamError, underBase } from "./fetch";

export const WEEKLY_SUMMARY_PATH = "data/group/otcMarket/name/weeklySummary";
export const ATS_SUMMARY_TYPE = "ATS_W_SMBL_FIRM";
/** FINRA's tier identifiers the job can ask for. */
export const ATS_TIERS = ["T1", "T2", "OTCE"] as const;
export type AtsTier = (typeof ATS_TIERS)[number];

/** Columns asked for, in the download's order, then the two that let each row be checked. */
export const ATS_FIELDS = [...ATS_DOWNLOAD_COLUMNS, "weekStartDate", "summaryTypeCode"] as const;

/** FINRA's largest page (records) and largest offset. */
export const MAX_PAGE_ROWS = 5000;
const MAX_OFFSET = 500_000;

export interface AtsWeekRequest {
  baseUrl: string;
  weekStart: string;
  tier: AtsTier;
  /** Records per page (FINRA's maximum by default; tests use smaller pages). */
  pageRows?: number;
  fetch: Omit<BoundedFetchOptions, "method" | "body" | "headers">;
}

export interface AtsPage {
  /** `weeklySummary 2025-12-01 OTCE @0`: names the page in located parse errors. */
  name: string;
  text: string;
  rows: number;
}

export type AtsWeekOutcome =
  | { kind: "not_published"; status: number | null }
  | { kind: "ok"; pages: AtsPage[]; total: number; bytes: number };

/** The request body for one page. Every value comes from validated dates and the fixed tier list. */
export function weeklySummaryBody(weekStart: string, tier: AtsTier, offset: number, limit: number): string {
  const eq = (fieldName: string, fieldValue: string) => ({ compareType: "EQUAL", fieldName, fieldValue });
  return JSON.stringify({
    fields: ATS_FIELDS,
    compareFilters: [
      eq("weekStartDate", weekStart),
      eq("tierIdentifier", tier),
      eq("summaryTypeCode", ATS_SUMMARY_TYPE),
    ],
    sortFields: ["issueSymbolIdentifier", "MPID"],
    limit,
    offset,
    delimiter: "|",
    quoteValues: false,
  });
}

/** Fetches every page of one week and tier, checked; nothing is stored here. */
export async function fetchAtsWeek(req: AtsWeekRequest): Promise<AtsWeekOutcome> {
  const limit = Math.min(MAX_PAGE_ROWS, req.pageRows ?? MAX_PAGE_ROWS);
  const url = underBase(req.baseUrl, WEEKLY_SUMMARY_PATH);
  const pages: AtsPage[] = [];
  let total: number | null = null;
  let bytes = 0;
  for (let offset = 0; total === null || offset < total; offset += limit) {
    if (offset > MAX_OFFSET) throw new UpstreamError(`${url}: more than ${MAX_OFFSET} records`, null);
    const got = await fetchBounded(url, {
      ...req.fetch,
      method: "POST",
      body: weeklySummaryBody(req.weekStart, req.tier, offset, limit),
      headers: { accept: "text/plain", "content-type": "application/json" },
    });
    if (got.kind === "not_published") {
      if (offset === 0) return { kind: "not_published", status: got.status };
      throw new UpstreamError(`${url}: HTTP ${got.status} for the page at offset ${offset}`, got.status);
    }
    bytes += got.body.length;
    const text = got.body.toString("utf8");
    const declared = recordTotal(got.headers.get("record-total"), url);
    if (offset === 0 && (declared === 0 || text.trim().length === 0))
      return { kind: "not_published", status: 200 };
    if (total !== null && declared !== null && declared !== total)
      throw new UpstreamError(`${url}: Record-Total changed from ${total} to ${declared} while paging`, 200);
    const name = `weeklySummary ${req.weekStart} ${req.tier} @${offset}`;
    const rows = checkPage(text, name, req.weekStart, req.tier);
    if (declared === null) {
      // Without Record-Total, a short page is the last one.
      pages.push({ name, text, rows });
      if (rows < limit) return { kind: "ok", pages, total: offset + rows, bytes };
      continue;
    }
    total = declared;
    const expected = Math.min(limit, total - offset);
    if (rows !== expected)
      throw new UpstreamError(
        `${name}: ${rows} rows where Record-Total ${total} means ${expected} (cut off?)`,
        200,
      );
    pages.push({ name, text, rows });
  }
  return { kind: "ok", pages, total: total ?? 0, bytes };
}

function recordTotal(header: string | null, url: string): number | null {
  if (header === null) return null;
  const n = Number(header.trim());
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_OFFSET + MAX_PAGE_ROWS)
    throw new UpstreamError(`${url}: Record-Total "${header.slice(0, 40)}" is not a record count`, 200);
  return n;
}

/**
 * Checks one page's header and rows against what was asked; returns its row count. Row content (numbers,
 * symbols) is left to the ATS parser, which locates its errors by page and line.
 */
export function checkPage(text: string, name: string, weekStart: string, tier: AtsTier): number {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "")
    .replace(/^\uFEFF/, "")
    .split("|")
    .map((h) => h.trim());
  const missing = ATS_FIELDS.filter((f) => !header.includes(f));
  if (missing.length > 0) throw new UpstreamError(`${name}: header lacks ${missing.join(", ")}`, 200);
  const weekCol = header.indexOf("weekStartDate");
  const tierCol = header.indexOf("tierDescription");
  const typeCol = header.indexOf("summaryTypeCode");
  let rows = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.length === 0) continue;
    rows++;
    const f = line.split("|");
    const week = (f[weekCol] ?? "").trim().slice(0, 10);
    const rowTier = tierIdentifierOf(f[tierCol] ?? "");
    const type = (f[typeCol] ?? "").trim();
    const problem =
      f.length !== header.length
        ? `${f.length} fields where the header has ${header.length}`
        : week !== weekStart
          ? `week ${JSON.stringify(week)}, asked for ${weekStart}`
          : rowTier !== tier
            ? `tier ${JSON.stringify((f[tierCol] ?? "").slice(0, 30))}, asked for ${tier}`
            : type !== ATS_SUMMARY_TYPE
              ? `summary type ${JSON.stringify(type.slice(0, 30))}, asked for ${ATS_SUMMARY_TYPE}`
              : null;
    if (problem !== null) throw new UpstreamError(`${name} line ${i + 1}: ${problem}`, 200);
  }
  return rows;
}
