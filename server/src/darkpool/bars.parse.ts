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

export async function* parseDailyBars(
  source: ByteSource,
  opts: BarsOptions,
): AsyncGenerator<Parsed<DailyBarRecord>> {
  const sourceName = opts.sourceName;
  let col: Partial<Record<Column, number>> | null = null;
  let layout: "generic" | "vendor" = "generic";
  let delimiter = ",";
  let storedSource = "";
  const publishedAtByDay = new Map<string, Date>();

  for await (const { text, line } of readLines(source, sourceName)) {
    const at: Location = { source: sourceName, line };
    if (col === null) {
      const headerText = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      delimiter = headerText.includes("\t") ? "\t" : ",";
      const header = headerText.split(delimiter).map((h) => h.trim().toLowerCase());
      layout = header.includes("window_start") ? "vendor" : "generic";
      const required: readonly Column[] = layout === "vendor" ? VENDOR : GENERIC;
      const missing = required.filter((h) => !header.includes(h));
      if (missing.length > 0) {
        yield parsedError(at, `header lacks column(s) ${missing.join(", ")}`);
        return;
      }
      col = {};
      for (const h of [...required, "transactions" as const]) {
        const i = header.indexOf(h);
        if (i !== -1) col[h] = i;
      }
      storedSource = opts.source ?? (layout === "vendor" ? "polygon_day_aggs" : "bars_csv");
      continue;
    }
    if (text.length === 0) continue;
    const fields = splitCsvLine(text, delimiter);
    const get = (c: Column): string => {
      const i = col?.[c];
      return i === undefined ? "" : (fields[i] ?? "").trim();
    };
    const fail = (field: string, message: string): Parsed<DailyBarRecord> =>
      parsedError({ ...at, element: field }, `${field}: ${message}`);

    const symbolColumn = layout === "vendor" ? "ticker" : "symbol";
    const rawSymbol = get(symbolColumn);
    if (rawSymbol.length === 0) {
      yield fail(symbolColumn, "empty (truncated line?)");
      continue;
    }
    const symbolOf = canonicalSymbol(rawSymbol);
    if (!symbolOf.ok) {
      yield fail(symbolColumn, symbolOf.message);
      continue;
    }
    const symbol = symbolOf.symbol;
    let day: string;
    if (layout === "vendor") {
      const ns = get("window_start");
      if (!isDigits(ns) || ns.length < 16 || ns.length > 19) {
        yield fail("window_start", `"${ns}" is not a nanosecond Unix timestamp`);
        continue;
      }
      day = etDateOf(Number(ns.slice(0, -6)));
    } else {
      day = get("date");
      if (!isIsoDate(day)) {
        yield fail("date", `"${day}" is not a YYYY-MM-DD date`);
        continue;
      }
    }
    const prices: Record<"open" | "high" | "low" | "close", number> = { open: 0, high: 0, low: 0, close: 0 };
    let bad: Parsed<DailyBarRecord> | null = null;
    for (const name of ["open", "high", "low", "close"] as const) {
      const value = parseDecimal(get(name));
      if (!(value > 0)) {
        bad = fail(name, `"${get(name)}" is not a positive price`);
        break;
      }
      prices[name] = value;
    }
    if (bad !== null) {
      yield bad;
      continue;
    }
    if (
      prices.high < Math.max(prices.open, prices.close, prices.low) ||
      prices.low > Math.min(prices.open, prices.close)
    ) {
      yield fail(
        "high",
        `high ${prices.high} / low ${prices.low} do not bound open ${prices.open} and close ${prices.close}`,
      );
      continue;
    }
    const volume = parseDecimal(get("volume"));
    if (!(volume >= 0)) {
      yield fail("volume", `"${get("volume")}" is not a non-negative number`);
      continue;
    }
    let transactions: number | null = null;
    const transactionsText = get("transactions");
    if (transactionsText.length > 0) {
      if (!isDigits(transactionsText)) {
        yield fail("transactions", `"${transactionsText}" is not a whole number`);
        continue;
      }
      transactions = Number(transactionsText);
    }
    let publishedAt = publishedAtByDay.get(day);
    if (publishedAt === undefined) {
      publishedAt = etWallTimeToUtc(day, 20);
      publishedAtByDay.set(day, publishedAt);
    }
    yield parsedOk<DailyBarRecord>(
      {
        symbol,
        day,
        ...prices,
        volume,
        transactions,
        source: storedSource,
        sourceRef: `${sourceName}:${line}`,
        publishedAt,
      },
      at,
    );
  }
  if (col === null) yield parsedError({ source: sourceName, line: 1 }, "empty file: no header line");
}
