import { addDays } from "./et-time";

/**
 * NYSE full-day holidays by rule (NYSE Rule 7.2 and the holiday schedule on nyse.com/markets/hours-calendars):
 * New Year's Day, Martin Luther King Jr. Day (3rd Monday of January), Washington's Birthday (3rd Monday of
 * February), Good Friday, Memorial Day (last Monday of May), Juneteenth (June 19, from 2022), Independence
 * Day, Labor Day (1st Monday of September), Thanksgiving (4th Thursday of November) and Christmas. A holiday
 * on Saturday is observed on the Friday before (except New Year's Day: NYSE does not close on Dec 31), one
 * on Sunday on the Monday after. One-off closures (national days of mourning, e.g. 2025-01-09, 2018-12-05)
 * are listed in `SPECIAL_CLOSURES`. FINRA publishes its OTC Transparency data on business days; this module
 * is used as that calendar too (FINRA's TRFs follow the NYSE/Nasdaq holiday schedule).
 */

const SPECIAL_CLOSURES = new Set(["2012-10-29", "2012-10-30", "2018-12-05", "2025-01-09"]);

const iso = (y: number, m: number, d: number): string =>
  `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;

const weekday = (isoDate: string): number => new Date(`${isoDate}T12:00:00Z`).getUTCDay();

/** The n-th (1-based) weekday `dow` of a month; n = -1 for the last. */
export function nthWeekday(year: number, month: number, dow: number, n: number): string {
  if (n > 0) {
    const first = iso(year, month, 1);
    const offset = (dow - weekday(first) + 7) % 7;
    return addDays(first, offset + (n - 1) * 7);
  }
  const last = addDays(month === 12 ? iso(year + 1, 1, 1) : iso(year, month + 1, 1), -1);
  return addDays(last, -((weekday(last) - dow + 7) % 7));
}

/** Easter Sunday (Gregorian, anonymous algorithm of Meeus/Jones/Butcher). */
function easter(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(year, month, day);
}

/** Saturday -> Friday before, Sunday -> Monday after. */
export function observed(isoDate: string): string {
  const dow = weekday(isoDate);
  return dow === 6 ? addDays(isoDate, -1) : dow === 0 ? addDays(isoDate, 1) : isoDate;
}

const holidayCache = new Map<number, Set<string>>();

/** NYSE full-day holidays of a year, as `YYYY-MM-DD`. */
export function nyseHolidays(year: number): Set<string> {
  let set = holidayCache.get(year);
  if (set) return set;
  const days = [
    nthWeekday(year, 1, 1, 3),
    nthWeekday(year, 2, 1, 3),
    addDays(easter(year), -2),
    nthWeekday(year, 5, 1, -1),
    observed(iso(year, 7, 4)),
    nthWeekday(year, 9, 1, 1),
    nthWeekday(year, 11, 4, 4),
    observed(iso(year, 12, 25)),
  ];
  const newYear = iso(year, 1, 1);
  if (weekday(newYear) !== 6) days.push(observed(newYear));
  if (year >= 2022) days.push(observed(iso(year, 6, 19)));
  set = new Set(days);
  holidayCache.set(year, set);
  return set;
}

/** True on Monday-Friday dates that are neither an NYSE holiday nor a special closure. */
export function isTradingDay(isoDate: string): boolean {
  const dow = weekday(isoDate);
  if (dow === 0 || dow === 6) return false;
  if (SPECIAL_CLOSURES.has(isoDate)) return false;
  return !nyseHolidays(Number(isoDate.slice(0, 4))).has(isoDate);
}

/** The date itself when it is a trading day, else the next one. */
export function onOrNextTradingDay(isoDate: string): string {
  let d = isoDate;
  while (!isTradingDay(d)) d = addDays(d, 1);
  return d;
}

/** The trading days of the Monday-Friday week starting `monday`. */
export function tradingDaysOfWeek(monday: string): string[] {
  return [0, 1, 2, 3, 4].map((i) => addDays(monday, i)).filter(isTradingDay);
}
