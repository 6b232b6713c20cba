/**
 * Daily bars from the vendors whose formats the service already reads, as `daily_bars` records (the same
 * table, key and checks as `darkpool/bars.parse.ts`: positive prices, high/low bounding open and close,
 * non-negative volume, canonical symbols, `published_at` 20:00 New York time on the bar's day):
 * - Polygon/Massive grouped daily aggregates, `GET /v2/aggs/grouped/locale/us/market/stocks/{date}`:
 *   `{status, queryCount, resultsCount, adjusted, results: [{T, o, h, l, c, v, vw, t, n}]}`, `t` in ms;
 *   the same day aggregates as the `day_aggs_v1` flat file, so they are stored as `polygon_day_aggs`.
 * - Alpaca Market Data v2 multi-symbol bars, `GET /v2/stocks/bars?timeframe=1Day`:
 *   `{bars: {SYMBOL: [{t, o, h, l, c, v, n, vw}]}, next_page_token}`, `t` RFC 3339; stored as `alpaca_bars`.
 * A vendor answer is parsed whole (it is bounded by SYNC_MAX_FETCH_BYTES); every rejected bar is located
 * (`results[12].h`, `bars.AAPL[0].c`).
 */
import type { DailyBarRecord } from "../darkpool/bars.parse";
import { etDateOf, etWallTimeToUtc } from "../lib/et-time";
import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { canonicalSymbol } from "../lib/symbol-form";

export const POLYGON_BARS_SOURCE = "polygon_day_aggs";
export const ALPACA_BARS_SOURCE = "alpaca_bars";

export type VendorDay =
  | { kind: "empty" }
  | { kind: "bars"; records: Parsed<DailyBarRecord>[]; nextPageToken: string | null };

interface RawBar {
  symbol: unknown;
  o: unknown;
  h: unknown;
  l: unknown;
  c: unknown;
  v: unknown;
  n: unknown;
  /** The bar's instant, ms. */
  atMs: number | null;
}

const finite = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** One vendor bar -> record or located error; the bar must belong to `day` (New York date). */
function barRecord(
  raw: RawBar,
  day: string,
  source: string,
  at: Location,
  publishedAt: Date,
): Parsed<DailyBarRecord> {
  const fail = (field: string, message: string) =>
    parsedError<DailyBarRecord>({ ...at, element: `${at.element}.${field}` }, `${field}: ${message}`);
  if (typeof raw.symbol !== "string" || raw.symbol.length === 0) return fail("symbol", "missing");
  const sym = canonicalSymbol(raw.symbol);
  if (!sym.ok) return fail("symbol", sym.message);
  if (raw.atMs === null) return fail("t", "not a time");
  const barDay = etDateOf(raw.atMs);
  if (barDay !== day) return fail("t", `bar of ${barDay}, asked for ${day}`);
  const prices = { o: 0, h: 0, l: 0, c: 0 };
  for (const name of ["o", "h", "l", "c"] as const) {
    const v = finite(raw[name]);
    if (v === null || v <= 0) return fail(name, `${JSON.stringify(raw[name])} is not a positive price`);
    prices[name] = v;
  }
  const { o, h, l, c } = prices;
  if (h < Math.max(o, c, l) || l > Math.min(o, c))
    return fail("h", `high ${h} / low ${l} do not bound open ${o} and close ${c}`);
  const volume = finite(raw.v);
  if (volume === null || volume < 0)
    return fail("v", `${JSON.stringify(raw.v)} is not a non-negative number`);
  let transactions: number | null = null;
  if (raw.n !== undefined && raw.n !== null) {
    const n = finite(raw.n);
    if (n === null || !Number.isInteger(n) || n < 0)
      return fail("n", `${JSON.stringify(raw.n)} is not a whole number`);
    transactions = n;
  }
  return parsedOk<DailyBarRecord>(
    {
      symbol: sym.symbol,
      day,
      open: o,
      high: h,
      low: l,
      close: c,
      volume,
      transactions,
      source,
      sourceRef: `${at.source} <${at.element}>`,
      publishedAt,
    },
    at,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Polygon grouped daily answer for `day`. No results: the day is not out (or not a session). */
export function polygonGroupedBars(json: unknown, day: string, sourceName: string): VendorDay {
  if (!isObject(json)) throw new Error(`${sourceName}: answer is not a JSON object`);
  if (json.status !== "OK" && json.status !== "DELAYED")
    throw new Error(
      `${sourceName}: status ${JSON.stringify(json.status)}${json.error ? `: ${String(json.error).slice(0, 200)}` : ""}`,
    );
  const results = json.results;
  const count = json.resultsCount;
  if (results === undefined || results === null || (Array.isArray(results) && results.length === 0)) {
    if (typeof count === "number" && count > 0)
      throw new Error(`${sourceName}: resultsCount ${count} but no results`);
    return { kind: "empty" };
  }
  if (!Array.isArray(results)) throw new Error(`${sourceName}: results is not an array`);
  if (typeof count === "number" && count !== results.length)
    throw new Error(`${sourceName}: ${results.length} results where resultsCount says ${count} (cut off?)`);
  const publishedAt = etWallTimeToUtc(day, 20);
  const records = results.map((r, i) => {
    const at: Location = { source: sourceName, element: `results[${i}]` };
    if (!isObject(r)) return parsedError<DailyBarRecord>(at, "not a JSON object");
    const raw: RawBar = { symbol: r.T, o: r.o, h: r.h, l: r.l, c: r.c, v: r.v, n: r.n, atMs: finite(r.t) };
    return barRecord(raw, day, POLYGON_BARS_SOURCE, at, publishedAt);
  });
  return { kind: "bars", records, nextPageToken: null };
}

/** A page token goes back into a URL: only the characters Alpaca's base64 tokens use. */
const PAGE_TOKEN = /^[A-Za-z0-9+/=_-]{1,512}$/;

/** Alpaca multi-symbol bars answer (one page) for `day`. */
export function alpacaBars(json: unknown, day: string, sourceName: string): VendorDay {
  if (!isObject(json)) throw new Error(`${sourceName}: answer is not a JSON object`);
  const bars = json.bars ?? {};
  if (!isObject(bars)) throw new Error(`${sourceName}: bars is not an object of symbol -> bars`);
  const token = json.next_page_token ?? null;
  if (token !== null && (typeof token !== "string" || !PAGE_TOKEN.test(token)))
    throw new Error(`${sourceName}: next_page_token is not a page token`);
  const publishedAt = etWallTimeToUtc(day, 20);
  const records: Parsed<DailyBarRecord>[] = [];
  for (const [symbol, list] of Object.entries(bars)) {
    if (!Array.isArray(list)) {
      records.push(parsedError({ source: sourceName, element: `bars.${symbol}` }, "not an array of bars"));
      continue;
    }
    for (const [i, b] of list.entries()) {
      const at: Location = { source: sourceName, element: `bars.${symbol}[${i}]` };
      if (!isObject(b)) {
        records.push(parsedError(at, "not a JSON object"));
        continue;
      }
      const ms = typeof b.t === "string" ? Date.parse(b.t) : Number.NaN;
      const raw: RawBar = {
        symbol,
        o: b.o,
        h: b.h,
        l: b.l,
        c: b.c,
        v: b.v,
        n: b.n,
        atMs: Number.isFinite(ms) ? ms : null,
      };
      records.push(barRecord(raw, day, ALPACA_BARS_SOURCE, at, publishedAt));
    }
  }
  if (records.length === 0 && token === null) return { kind: "empty" };
  return { kind: "bars", records, nextPageToken: token as string | null };
}
