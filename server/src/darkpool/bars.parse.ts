import type { schema } from "@smt/db";
import { etDateOf, etWallTimeToUtc, isIsoDate } from "../lib/et-time";
import { isDigits, parseDecimal } from "../lib/fields";
import { type ByteSource, readLines, splitCsvLine } from "../lib/lines";
import { type Location, type Parsed, parsedError, parsedOk } from "../lib/records";
import { canonicalSymbol } from "../lib/symbol-form";

export type DailyBarRecord = typeof schema.dailyBars.$inferInsert;

/**
 * Daily bars, the consolidated volume behind the dark-pool ratio. Two layouts, told apart by the header:
 * - generic CSV `date,symbol,open,high,low,close,volume` (names case-insensitive, any order, date YYYY-MM-DD);
 * - the Polygon/Massive day-aggregates flat file (`us_stocks_sip/day_aggs_v1`)
 *   `ticker,volume,open,close,high,low,window_start,transactions`, `window_start` in ns since epoch; the
 *   day is the New York date of `window_start`.
 * `publishedAt` is 20:00 New York time on the bar's day, when the extended session ends and the day's
 * consolidated volume is final.
 */

export interface BarsOptions {
  sourceName: string;
  /** Stored `source`; default `bars_csv` or `polygon_day_aggs` by layout. */
  source?: string;
}

const GENERIC = ["date", "symbol", "open", "high", "low", "close", "volume"] as const;
const VENDOR = ["ticker", "volume", "open", "close", "high", "low", "window_start"] as const;
type Column = (typeof GENERIC)[number] | (typeof VENDOR)[number] | "transactions";

type ColumnIndex = Partial<Record<Column, number>>;
type Prices = Record<"open" | "high" | "low" | "close", number>;
const PRICE_COLUMNS = ["open", "high", "low", "close"] as const;

/** What the header says about the file: layout, delimiter and where each column is. */
interface BarsLayout {
  vendor: boolean;
  delimiter: string;
  col: ColumnIndex;
  storedSource: string;
}

/** The header line -> the file's layout, or the message naming the missing columns. */
function readBarsHeader(text: string, opts: BarsOptions): BarsLayout | string {
  const headerText = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = headerText.includes("\t") ? "\t" : ",";
  const header = headerText.split(delimiter).map((h) => h.trim().toLowerCase());
  const vendor = header.includes("window_start");
  const required: readonly Column[] = vendor ? VENDOR : GENERIC;
  const missing = required.filter((h) => !header.includes(h));
  if (missing.length > 0) return `header lacks column(s) ${missing.join(", ")}`;
  const col: ColumnIndex = {};
  for (const h of [...required, "transactions" as const]) {
    const i = header.indexOf(h);
    if (i !== -1) col[h] = i;
  }
  return { vendor, delimiter, col, storedSource: opts.source ?? (vendor ? "polygon_day_aggs" : "bars_csv") };
}

/** One data line, split, with its location: reads fields by column name and words field errors. */
class BarRow {
  constructor(
    private readonly fields: string[],
    private readonly col: ColumnIndex,
    readonly at: Location,
  ) {}

  get(c: Column): string {
    const i = this.col[c];
    return i === undefined ? "" : (this.fields[i] ?? "").trim();
  }

  fail(field: string, message: string): Parsed<DailyBarRecord> {
    return parsedError({ ...this.at, element: field }, `${field}: ${message}`);
  }
}

/** The canonical symbol, or the error for its column. */
function barSymbol(row: BarRow, layout: BarsLayout): string | Parsed<DailyBarRecord> {
  const symbolColumn = layout.vendor ? "ticker" : "symbol";
  const rawSymbol = row.get(symbolColumn);
  if (rawSymbol.length === 0) return row.fail(symbolColumn, "empty (truncated line?)");
  const symbolOf = canonicalSymbol(rawSymbol);
  return symbolOf.ok ? symbolOf.symbol : row.fail(symbolColumn, symbolOf.message);
}

/** The bar's day (YYYY-MM-DD): the `date` column, or the New York date of the vendor's `window_start`. */
function barDay(row: BarRow, layout: BarsLayout): string | Parsed<DailyBarRecord> {
  if (layout.vendor) {
    const ns = row.get("window_start");
    if (!isDigits(ns) || ns.length < 16 || ns.length > 19) {
      return row.fail("window_start", `"${ns}" is not a nanosecond Unix timestamp`);
    }
    return etDateOf(Number(ns.slice(0, -6)));
  }
  const day = row.get("date");
  return isIsoDate(day) ? day : row.fail("date", `"${day}" is not a YYYY-MM-DD date`);
}

/** Open, high, low and close: each positive, high and low bounding the others. */
function barPrices(row: BarRow): Prices | Parsed<DailyBarRecord> {
  const prices: Prices = { open: 0, high: 0, low: 0, close: 0 };
  for (const name of PRICE_COLUMNS) {
    const value = parseDecimal(row.get(name));
    if (!(value > 0)) return row.fail(name, `"${row.get(name)}" is not a positive price`);
    prices[name] = value;
  }
  if (
    prices.high < Math.max(prices.open, prices.close, prices.low) ||
    prices.low > Math.min(prices.open, prices.close)
  ) {
    return row.fail(
      "high",
      `high ${prices.high} / low ${prices.low} do not bound open ${prices.open} and close ${prices.close}`,
    );
  }
  return prices;
}

/** Volume (non-negative) and the optional transaction count (a whole number). */
function barVolume(row: BarRow): { volume: number; transactions: number | null } | Parsed<DailyBarRecord> {
  const volume = parseDecimal(row.get("volume"));
  if (!(volume >= 0)) return row.fail("volume", `"${row.get("volume")}" is not a non-negative number`);
  const transactionsText = row.get("transactions");
  if (transactionsText.length === 0) return { volume, transactions: null };
  if (!isDigits(transactionsText)) {
    return row.fail("transactions", `"${transactionsText}" is not a whole number`);
  }
  return { volume, transactions: Number(transactionsText) };
}

/** A helper's answer is a value or the located error that stops the line. */
const isError = (value: unknown): value is Parsed<DailyBarRecord> =>
  typeof value === "object" && value !== null && "ok" in value;

export async function* parseDailyBars(
  source: ByteSource,
  opts: BarsOptions,
): AsyncGenerator<Parsed<DailyBarRecord>> {
  const sourceName = opts.sourceName;
  let layout: BarsLayout | null = null;
  const publishedAtByDay = new Map<string, Date>();
  const publishedAtOf = (day: string): Date => {
    let publishedAt = publishedAtByDay.get(day);
    if (publishedAt === undefined) {
      publishedAt = etWallTimeToUtc(day, 20);
      publishedAtByDay.set(day, publishedAt);
    }
    return publishedAt;
  };

  for await (const { text, line } of readLines(source, sourceName)) {
    const at: Location = { source: sourceName, line };
    if (layout === null) {
      const header = readBarsHeader(text, opts);
      if (typeof header === "string") {
        yield parsedError(at, header);
        return;
      }
      layout = header;
      continue;
    }
    if (text.length === 0) continue;
    const row = new BarRow(splitCsvLine(text, layout.delimiter), layout.col, at);
    const symbol = barSymbol(row, layout);
    if (isError(symbol)) {
      yield symbol;
      continue;
    }
    const day = barDay(row, layout);
    if (isError(day)) {
      yield day;
      continue;
    }
    const prices = barPrices(row);
    if (isError(prices)) {
      yield prices;
      continue;
    }
    const volume = barVolume(row);
    if (isError(volume)) {
      yield volume;
      continue;
    }
    yield parsedOk<DailyBarRecord>(
      {
        symbol,
        day,
        ...prices,
        volume: volume.volume,
        transactions: volume.transactions,
        source: layout.storedSource,
        sourceRef: `${sourceName}:${line}`,
        publishedAt: publishedAtOf(day),
      },
      at,
    );
  }
  if (layout === null) yield parsedError({ source: sourceName, line: 1 }, "empty file: no header line");
}
