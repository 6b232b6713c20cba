/**
 * History controls: the range of the time charts and the point-in-time ("as of") view, both kept in the
 * URL (`?range=3M&as_of=2021-01-28`) so a view can be shared; and the live extension of the daily history
 * by prints that arrived after the history was computed.
 */
import type { PatternDay } from "./api";
import type { PrintWire } from "./live.svelte";

export const RANGES = ["1D", "5D", "1M", "3M", "1Y"] as const;
export type Range = (typeof RANGES)[number];
export const DEFAULT_RANGE: Range = "1M";

/** Calendar days of daily history per range (the patterns endpoint counts days ending at the latest data day). */
export const RANGE_DAYS: Record<Range, number> = { "1D": 1, "5D": 7, "1M": 31, "3M": 92, "1Y": 365 };

export function parseRange(raw: string | null): Range {
  return (RANGES as readonly string[]).includes(raw ?? "") ? (raw as Range) : DEFAULT_RANGE;
}

const etParts = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  hourCycle: "h23",
});

/** The New York calendar date (YYYY-MM-DD) and hour of an instant. */
export function etDateHour(ms: number): { date: string; hour: number } {
  const p = Object.fromEntries(etParts.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour) };
}

/** The last millisecond of a New York trading date as an ISO instant (EST or EDT, whichever applies). */
export function etEndOfDay(date: string): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const local = Date.UTC(y, m - 1, d, 23, 59, 59, 999);
  for (const offsetHours of [5, 4]) {
    const t = local + offsetHours * 3_600_000;
    const et = etDateHour(t);
    if (et.date === date && et.hour === 23) return new Date(t).toISOString();
  }
  return new Date(local + 5 * 3_600_000).toISOString();
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `?as_of=`: a date (the end of that New York day) or a full ISO instant. Returns the date to show in the
 * picker and the instant sent to the API; null for "now" or an unreadable value.
 */
export function parseAsOf(raw: string | null): { date: string; iso: string } | null {
  if (!raw) return null;
  if (DATE.test(raw)) return Number.isNaN(Date.parse(raw)) ? null : { date: raw, iso: etEndOfDay(raw) };
  const t = Date.parse(raw);
  if (Number.isNaN(t)) return null;
  return { date: etDateHour(t).date, iso: new Date(t).toISOString() };
}

/**
 * The daily history with the prints that arrived after it was computed (`computedAt`) added to their New
 * York day: off-exchange prints to the off-exchange volume, every print to the consolidated volume, and
 * the ratio recomputed. A day the history does not have yet is appended. Returns the input unchanged when
 * nothing is newer.
 */
export function extendHistory(
  days: readonly PatternDay[],
  tape: readonly PrintWire[],
  computedAt: string,
): PatternDay[] {
  const since = Date.parse(computedAt);
  const extra = new Map<string, { off: number; all: number }>();
  for (const p of tape) {
    const t = Date.parse(p.timestamp);
    if (!(t > since)) continue;
    const { date } = etDateHour(t);
    const e = extra.get(date) ?? { off: 0, all: 0 };
    e.all += p.size;
    if (p.is_off_exchange) e.off += p.size;
    extra.set(date, e);
  }
  if (extra.size === 0) return [...days];
  const out = days.map((d) => {
    const e = extra.get(d.date);
    if (!e) return d;
    extra.delete(d.date);
    const dark = d.dark_pool_volume + e.off;
    const market = d.market_volume === null ? null : d.market_volume + e.all;
    return {
      ...d,
      dark_pool_volume: dark,
      market_volume: market,
      dark_pool_ratio: market ? dark / market : null,
    };
  });
  for (const [date, e] of [...extra].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (out.length > 0 && date < out[out.length - 1]!.date) continue;
    out.push({
      date,
      dark_pool_volume: e.off,
      dark_pool_value: 0,
      prints: 0,
      large_blocks: 0,
      market_volume: e.all,
      market_volume_source: "live tape",
      dark_pool_ratio: e.all > 0 ? e.off / e.all : null,
      average_premium_discount: null,
      bullish_percentage: null,
      bearish_percentage: null,
      close: null,
      finra_short_volume: null,
      finra_total_volume: null,
      short_ratio: null,
      ats_week_start: null,
      ats_week_shares: null,
      ats_share: null,
    });
  }
  return out;
}
