/**
 * US Eastern time without a time-zone library. Since 2007 (Energy Policy Act of 2005, 15 U.S.C. 260a) US
 * daylight saving time starts the second Sunday of March at 02:00 local (07:00 UTC) and ends the first
 * Sunday of November at 02:00 local (06:00 UTC). Eastern is UTC-5 in standard time and UTC-4 in DST.
 * Dates before 2007 use the old rule (first Sunday of April, last Sunday of October), which matters
 * for the pre-2011 FINRA files.
 */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Day of month of the n-th Sunday (1-based) of a month, months 0-based. */
function nthSunday(year: number, month: number, n: number): number {
  const firstDow = new Date(Date.UTC(year, month, 1)).getUTCDay();
  return 1 + ((7 - firstDow) % 7) + (n - 1) * 7;
}

function lastSunday(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return lastDay.getUTCDate() - lastDay.getUTCDay();
}

const dstCache = new Map<number, { startMs: number; endMs: number }>();

/** DST interval of a year as UTC instants [start, end). */
function dstInterval(year: number): { startMs: number; endMs: number } {
  let cached = dstCache.get(year);
  if (cached === undefined) {
    const startDay = year >= 2007 ? nthSunday(year, 2, 2) : nthSunday(year, 3, 1);
    const startMonth = year >= 2007 ? 2 : 3;
    const endDay = year >= 2007 ? nthSunday(year, 10, 1) : lastSunday(year, 9);
    const endMonth = year >= 2007 ? 10 : 9;
    // 02:00 EST = 07:00 UTC; 02:00 EDT = 06:00 UTC.
    cached = {
      startMs: Date.UTC(year, startMonth, startDay, 7),
      endMs: Date.UTC(year, endMonth, endDay, 6),
    };
    dstCache.set(year, cached);
  }
  return cached;
}

/** Offset of Eastern time from UTC at an instant, in hours (-4 or -5). */
export function etOffsetHoursAt(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  const { startMs, endMs } = dstInterval(year);
  return utcMs >= startMs && utcMs < endMs ? -4 : -5;
}

/**
 * The UTC instant of a wall-clock time in New York on a calendar date (`YYYY-MM-DD`). Wall times in the
 * skipped or repeated DST hour are not needed by any caller (they use 06:00, 18:00 and 20:00).
 */
export function etWallTimeToUtc(isoDate: string, hour: number, minute = 0): Date {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7)) - 1;
  const day = Number(isoDate.slice(8, 10));
  const asIfUtc = Date.UTC(year, month, day, hour, minute);
  // Try standard time first; if that instant falls inside DST, the wall time was EDT.
  const estGuess = asIfUtc + 5 * HOUR_MS;
  const offset = etOffsetHoursAt(estGuess);
  return new Date(asIfUtc - offset * HOUR_MS);
}

let cachedDayStartMs = Number.NaN;
let cachedDayEndMs = Number.NaN;
let cachedDay = "";

/**
 * The New York calendar date (`YYYY-MM-DD`) of an instant. Cached on the last day seen, because prints
 * arrive in time order and this runs once per print.
 */
export function etDateOf(utcMs: number): string {
  if (utcMs >= cachedDayStartMs && utcMs < cachedDayEndMs) return cachedDay;
  const offsetMs = etOffsetHoursAt(utcMs) * HOUR_MS;
  const localMs = utcMs + offsetMs;
  const localDayStart = Math.floor(localMs / DAY_MS) * DAY_MS;
  const day = new Date(localDayStart).toISOString().slice(0, 10);
  // Cache only the part of the day that has the same offset (a DST switch happens at 02:00 local).
  const { startMs, endMs } = dstInterval(new Date(utcMs).getUTCFullYear());
  const sameOffsetFrom = utcMs < startMs ? Number.NEGATIVE_INFINITY : utcMs < endMs ? startMs : endMs;
  const sameOffsetTo = utcMs < startMs ? startMs : utcMs < endMs ? endMs : Number.POSITIVE_INFINITY;
  const start = localDayStart - offsetMs;
  cachedDayStartMs = Math.max(start, sameOffsetFrom);
  cachedDayEndMs = Math.min(start + DAY_MS, sameOffsetTo);
  cachedDay = day;
  return day;
}

/** Adds whole days to a `YYYY-MM-DD` date. */
export function addDays(isoDate: string, days: number): string {
  const ms = Date.UTC(
    Number(isoDate.slice(0, 4)),
    Number(isoDate.slice(5, 7)) - 1,
    Number(isoDate.slice(8, 10)),
  );
  return new Date(ms + days * DAY_MS).toISOString().slice(0, 10);
}

/** True when `text` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  if (text.length !== 10 || text[4] !== "-" || text[7] !== "-") return false;
  const ms = Date.UTC(Number(text.slice(0, 4)), Number(text.slice(5, 7)) - 1, Number(text.slice(8, 10)));
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/** [midnight, next midnight) in New York for a trading day. */
export function etDayBounds(isoDate: string): { start: Date; end: Date } {
  return { start: etWallTimeToUtc(isoDate, 0), end: etWallTimeToUtc(addDays(isoDate, 1), 0) };
}

/** Monday of the week holding a date (FINRA's ATS weeks start on Monday). */
export function mondayOf(isoDate: string): string {
  const dow = new Date(`${isoDate}T12:00:00Z`).getUTCDay();
  return addDays(isoDate, -((dow + 6) % 7));
}
