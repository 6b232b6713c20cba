/**
 * The date and time parameters of every route, in one place. A shape check alone (`\d{4}-\d{2}-\d{2}`)
 * lets `2026-02-30` through to SQL, where Postgres refuses it and the caller got a 500; a timestamp in
 * year 1 or 9999 overflowed date arithmetic further on. These schemas accept only real calendar days and
 * instants between 1900 and 2999, so anything else is a 400 naming the parameter (core/http.ts).
 */
import { z } from "@hono/zod-openapi";

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2999;

const DAY_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `text` is `YYYY-MM-DD` naming a day that exists (round trip through a UTC date). */
export function isCalendarDay(text: string): boolean {
  const m = DAY_SHAPE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < MIN_YEAR || y > MAX_YEAR) return false;
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** True when `text` is an ISO 8601 instant with a real calendar day, between 1900 and 2999 (UTC). */
export function isTimestampInRange(text: string): boolean {
  if (!isCalendarDay(text.slice(0, 10))) return false;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR;
}

/** A calendar day `YYYY-MM-DD` (1900-2999). */
export const IsoDay = z
  .string()
  .regex(DAY_SHAPE, "expected YYYY-MM-DD")
  .refine(isCalendarDay, `not a calendar day between ${MIN_YEAR} and ${MAX_YEAR}`);

/** A quarter end `YYYY-03-31|06-30|09-30|12-31` (a 13F period of report). */
export const IsoQuarterEnd = IsoDay.refine(
  (d) => /-(03-31|06-30|09-30|12-31)$/.test(d),
  "expected a quarter end YYYY-MM-DD",
);

/** An ISO 8601 instant with an offset (`Z` or `+hh:mm`), 1900-2999. */
export const IsoTimestamp = z.iso
  .datetime({ offset: true })
  .refine(isTimestampInRange, `not a real instant between ${MIN_YEAR} and ${MAX_YEAR}`);
