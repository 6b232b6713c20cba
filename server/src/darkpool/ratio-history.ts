/**
 * Daily off-exchange ratios of a symbol over a span of days (one rule: `offExchangeRatio`), the history a
 * day's band is set against, and the whole-week consolidated volume FINRA's weekly ATS figures are compared
 * with. Reads through the darkpool stores; no SQL of its own.
 */
import type { Db } from "@smt/db";
import { addDays, etDayBounds } from "../lib/et-time";
import { tradingDaysOfWeek } from "../lib/trading-calendar";
import { barsByDay, type DailyBar } from "./market.store";
import { dailyPrintStats } from "./print-window.store";
import { HISTORY_TRADING_DAYS, type OffExchangeRatio, offExchangeRatio } from "./ratio";

export type DailyPrintStat = Awaited<ReturnType<typeof dailyPrintStats>>[number];

export interface DayVolume {
  day: string;
  stats: DailyPrintStat | undefined;
  /** The day's bar when published as of the query. */
  bar: DailyBar | undefined;
  ratio: OffExchangeRatio;
}

/** Per day in [fromDay, toDay] with prints or a bar as known at `asOf`: the day's ratio by the one rule. */
export async function dayVolumes(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  asOf: Date,
): Promise<DayVolume[]> {
  const since = etDayBounds(fromDay).start;
  const end = etDayBounds(toDay).end;
  const until = end < asOf ? end : asOf;
  const [stats, bars] = await Promise.all([
    until > since ? dailyPrintStats(db, { symbol, since, until }) : Promise.resolve([]),
    barsByDay(db, symbol, fromDay, toDay),
  ]);
  const statsByDay = new Map(stats.map((s) => [s.day, s]));
  const days = [...new Set([...statsByDay.keys(), ...bars.keys()])]
    .filter((d) => d >= fromDay && d <= toDay)
    .sort();
  return days.flatMap((day) => {
    const s = statsByDay.get(day);
    const b = bars.get(day);
    const bar = b && b.publishedAt <= asOf ? b : undefined;
    if (!s && !bar) return [];
    const ratio = offExchangeRatio({ offExchangeShares: s?.volume ?? 0, litShares: s?.litVolume ?? 0, bar });
    return [{ day, stats: s, bar, ratio }];
  });
}

/** Ratios of the symbol's days before `day` (up to ~one year of trading days), as known at `asOf`. */
export async function ratioHistory(db: Db, symbol: string, day: string, asOf: Date): Promise<number[]> {
  const from = addDays(day, -Math.ceil(HISTORY_TRADING_DAYS * 1.45));
  const days = await dayVolumes(db, symbol, from, addDays(day, -1), asOf);
  return days
    .filter((d) => d.stats !== undefined && d.stats.volume > 0 && d.ratio.ratio !== null)
    .map((d) => d.ratio.ratio as number)
    .slice(-HISTORY_TRADING_DAYS);
}

/**
 * Consolidated volume of a whole Monday-Friday week: the sum of each trading day's denominator. Null when
 * any trading day of the week has none (a part-week sum would inflate the ATS share).
 */
export function weekConsolidatedVolume(
  weekStart: string,
  byDay: ReadonlyMap<string, DayVolume>,
): { volume: number; days: number } | null {
  const tradingDays = tradingDaysOfWeek(weekStart);
  let volume = 0;
  for (const d of tradingDays) {
    const v = byDay.get(d)?.ratio.marketVolume;
    if (v === null || v === undefined) return null;
    volume += v;
  }
  return tradingDays.length > 0 ? { volume, days: tradingDays.length } : null;
}
