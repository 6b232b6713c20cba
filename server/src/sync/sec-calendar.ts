/**
 * EDGAR's business days, for the SEC jobs' schedules and lag. EDGAR accepts filings 06:00-22:00 ET on
 * weekdays that are not federal holidays (EDGAR Filer Manual vol. I, "EDGAR filing hours"; the SEC is
 * closed on the federal holidays of 5 U.S.C. 6103). That calendar differs from the NYSE's: EDGAR is
 * open on Good Friday and closed on Columbus Day and Veterans Day, when markets trade.
 *
 * Federal holidays by rule: New Year's Day, Martin Luther King Jr. Day (3rd Monday of January),
 * Washington's Birthday (3rd Monday of February), Memorial Day (last Monday of May), Juneteenth (June 19,
 * from 2021), Independence Day, Labor Day (1st Monday of September), Columbus Day (2nd Monday of
 * October), Veterans Day (November 11), Thanksgiving (4th Thursday of November), Christmas. One on a
 * Saturday is observed the Friday before (New Year's Day too: 2022-01-01 was observed 2021-12-31), one on
 * a Sunday the Monday after. One-off closures (national days of mourning) are in `EDGAR_CLOSURES`.
 */
import { addDays, etDateOf, etWallTimeToUtc } from "../lib/et-time";
import { nthWeekday, observed } from "../lib/trading-calendar";

/** Days the SEC closed by executive order (national days of mourning for Presidents Bush and Carter). */
const EDGAR_CLOSURES = new Set(["2018-12-05", "2025-01-09"]);

const iso = (y: number, m: number, d: number): string =>
  `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;

const cache = new Map<number, Set<string>>();

/** Federal holidays observed in a calendar year (an observed New Year's Day may fall on Dec 31). */
export function federalHolidays(year: number): Set<string> {
  const hit = cache.get(year);
  if (hit) return hit;
  const days = [
    observed(iso(year, 1, 1)),
    nthWeekday(year, 1, 1, 3),
    nthWeekday(year, 2, 1, 3),
    nthWeekday(year, 5, 1, -1),
    observed(iso(year, 7, 4)),
    nthWeekday(year, 9, 1, 1),
    nthWeekday(year, 10, 1, 2),
    observed(iso(year, 11, 11)),
    nthWeekday(year, 11, 4, 4),
    observed(iso(year, 12, 25)),
    observed(iso(year + 1, 1, 1)),
  ];
  if (year >= 2021) days.push(observed(iso(year, 6, 19)));
  const set = new Set(days.filter((d) => d.startsWith(`${year}-`)));
  cache.set(year, set);
  return set;
}

/** True on weekdays EDGAR accepts filings. */
export function isEdgarBusinessDay(isoDate: string): boolean {
  const dow = new Date(`${isoDate}T12:00:00Z`).getUTCDay();
  if (dow === 0 || dow === 6 || EDGAR_CLOSURES.has(isoDate)) return false;
  return !federalHolidays(Number(isoDate.slice(0, 4))).has(isoDate);
}

/** The latest EDGAR business day whose `hour`:00 ET is at or before `nowMs`. */
export function latestEdgarDayAt(nowMs: number, hour: number): string {
  let day = etDateOf(nowMs);
  for (let i = 0; i < 20; i++, day = addDays(day, -1)) {
    if (isEdgarBusinessDay(day) && etWallTimeToUtc(day, hour).getTime() <= nowMs) return day;
  }
  throw new Error("no EDGAR business day within 20 days");
}

/** The first EDGAR business day after `isoDate`. */
export function nextEdgarDay(isoDate: string): string {
  let day = addDays(isoDate, 1);
  while (!isEdgarBusinessDay(day)) day = addDays(day, 1);
  return day;
}
