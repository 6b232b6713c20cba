/**
 * The one price path of a demo symbol. Demo history, the live simulator, demo option prints, demo 13F
 * values and demo insider prices all read it, so a demo symbol trades at one price level everywhere
 * (issue 15: MSFT's history closed at 465.97 while the simulator traded at 407.98; AAPL's 13F implied
 * ~$320 while its prints traded near $190).
 *
 * The path is a pure function of the symbol and the time, independent of when the demo was generated:
 * a daily close made of three symbol-seeded waves (about a year, a quarter and two and a half weeks)
 * plus a small per-day term, and within a session a bridge from the open to that day's close. It stays
 * within about +-20% of the symbol's base price, with daily moves of 1-2% like a large-cap stock.
 */
import { addDays, etDateOf, etWallTimeToUtc } from "../lib/et-time";
import { isTradingDay } from "../lib/trading-calendar";

/** Base prices of the default demo symbols (rough 2024 levels); others get one from their name. */
const BASE_PRICES: Record<string, number> = {
  AAPL: 190,
  MSFT: 420,
  NVDA: 130,
  TSLA: 250,
  SPY: 560,
  AMZN: 185,
  META: 520,
};

/** A stable number from a symbol: its base price and its demo seed. */
export const symbolSeed = (s: string) =>
  [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0, 7);

/** A stable value in [0, 1) from a text (FNV-1a, then an integer finaliser). */
export function unitHash(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x45d9f3b) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

export function demoBasePrice(symbol: string): number {
  return BASE_PRICES[symbol] ?? 20 + (symbolSeed(symbol) % 300);
}

const DAY_MS = 86_400_000;
const dayIndex = (isoDate: string) => Math.round(Date.parse(`${isoDate}T00:00:00Z`) / DAY_MS);
const toTick = (price: number) => Math.max(0.01, Math.round(price * 100) / 100);

/** The symbol's demo close on a calendar day (defined for any day; only trading days are used). */
export function demoClose(symbol: string, isoDate: string): number {
  const t = dayIndex(isoDate);
  const phase = (k: number) => 2 * Math.PI * unitHash(`${symbol}:phase:${k}`);
  const log =
    0.1 * Math.sin((2 * Math.PI * t) / 251 + phase(1)) +
    0.045 * Math.sin((2 * Math.PI * t) / 63 + phase(2)) +
    0.02 * Math.sin((2 * Math.PI * t) / 17 + phase(3)) +
    0.012 * (unitHash(`${symbol}:day:${isoDate}`) - 0.5);
  return toTick(demoBasePrice(symbol) * Math.exp(log));
}

/** The last trading day strictly before `isoDate`. */
export function previousTradingDay(isoDate: string): string {
  let d = addDays(isoDate, -1);
  while (!isTradingDay(d)) d = addDays(d, -1);
  return d;
}

/** The trading day on or before `isoDate`. */
export function tradingDayOnOrBefore(isoDate: string): string {
  return isTradingDay(isoDate) ? isoDate : previousTradingDay(isoDate);
}

/** The regular session of a day: 09:30-16:00 New York time. */
export function sessionBounds(isoDate: string): { open: Date; close: Date } {
  return { open: etWallTimeToUtc(isoDate, 9, 30), close: etWallTimeToUtc(isoDate, 16, 0) };
}

/** The symbol's demo open: the previous close with a small gap. */
export function demoOpen(symbol: string, isoDate: string): number {
  const prev = demoClose(symbol, previousTradingDay(isoDate));
  return toTick(prev * (1 + 0.006 * (unitHash(`${symbol}:gap:${isoDate}`) - 0.5)));
}

/**
 * The path price at a moment. In a session it runs from the open to the close with an intraday swing
 * that is zero at both ends; outside a session it is the last close (nothing trades then).
 */
export function demoPriceAt(symbol: string, at: Date): number {
  const ms = at.getTime();
  const today = etDateOf(ms);
  if (isTradingDay(today)) {
    const { open, close } = sessionBounds(today);
    if (ms >= open.getTime() && ms < close.getTime()) {
      const f = (ms - open.getTime()) / (close.getTime() - open.getTime());
      const o = demoOpen(symbol, today);
      const c = demoClose(symbol, today);
      const swing =
        0.004 * Math.sin(Math.PI * f) * Math.sin(2 * Math.PI * (2 * f + unitHash(`${symbol}:${today}`)));
      return toTick((o + (c - o) * f) * (1 + swing));
    }
    if (ms >= close.getTime()) return demoClose(symbol, today);
  }
  return demoClose(symbol, previousTradingDay(today));
}

/**
 * The session a demo clock trades in at `now`: today's when it is open, else the last finished one.
 * `inSession` tells which; the simulator replays the last session on a clock of its own when closed.
 */
export function demoSessionAt(now: Date): { day: string; open: Date; close: Date; inSession: boolean } {
  const ms = now.getTime();
  const today = etDateOf(ms);
  if (isTradingDay(today)) {
    const b = sessionBounds(today);
    if (ms >= b.open.getTime() && ms < b.close.getTime()) return { day: today, ...b, inSession: true };
    if (ms >= b.close.getTime()) return { day: today, ...b, inSession: false };
  }
  const day = previousTradingDay(today);
  return { day, ...sessionBounds(day), inSession: false };
}

/** The last `count` trading days whose session opened by `now`, oldest first. */
export function demoTradingDays(now: Date, count: number): string[] {
  const days: string[] = [];
  for (let d = etDateOf(now.getTime()); days.length < count; d = previousTradingDay(d)) {
    if (isTradingDay(d) && sessionBounds(d).open <= now) days.unshift(d);
  }
  return days;
}
