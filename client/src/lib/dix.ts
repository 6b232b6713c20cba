/**
 * The DIX over recent trading days for the Market page's chart. The server computes one day per request
 * (`/dark-pool/dix?date=`, docs/methodology.md "DIX"); the series is the newest day (the server's default)
 * and the weekdays before it, fetched a few at a time. A day under the basket coverage floor answers 422
 * (INSUFFICIENT_COVERAGE): it is left out and counted, and when the newest day itself has no DIX the
 * section shows the server's reason instead of a chart.
 */
import { ApiError } from "./api";
import { type Dix, fetchDix } from "./market-api";

/** Weekdays asked for before the newest day (about a month of sessions). */
export const DIX_DAYS = 20;
const CONCURRENCY = 4;

export interface DixPoint {
  date: string;
  dix: number;
  /** Basket members with FINRA short volume and a close / basket size. */
  coverage: number;
}

export interface DixSeries {
  /** Oldest first. */
  points: DixPoint[];
  latest: Dix | null;
  /** Why there is no DIX (the server's message), when the newest day has none. */
  unavailable: string | null;
  /** Weekdays asked for that had no DIX (holidays, days under the coverage floor, days without data). */
  missingDays: number;
}

/** The `n` weekdays before `day` (YYYY-MM-DD), newest first. */
export function weekdaysBefore(day: string, n: number): string[] {
  const out: string[] = [];
  const t = new Date(`${day}T12:00:00Z`);
  while (out.length < n) {
    t.setUTCDate(t.getUTCDate() - 1);
    const wd = t.getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(t.toISOString().slice(0, 10));
  }
  return out;
}

const point = (d: Dix): DixPoint | null =>
  d.date !== null && d.dix !== null ? { date: d.date, dix: d.dix, coverage: d.coverage.ratio } : null;

export async function loadDixSeries(asOf: string | null, signal: AbortSignal): Promise<DixSeries> {
  let latest: Dix;
  try {
    latest = await fetchDix({ asOf }, signal);
  } catch (e) {
    if (e instanceof ApiError && e.status === 422)
      return { points: [], latest: null, unavailable: e.message, missingDays: 0 };
    throw e;
  }
  const first = point(latest);
  if (!first) return { points: [], latest, unavailable: "the server reported no DIX value", missingDays: 0 };
  const days = weekdaysBefore(first.date, DIX_DAYS);
  const points: DixPoint[] = [first];
  let missingDays = 0;
  for (let i = 0; i < days.length; i += CONCURRENCY) {
    const got = await Promise.all(
      days.slice(i, i + CONCURRENCY).map(async (date) => {
        try {
          return point(await fetchDix({ date, asOf }, signal));
        } catch (e) {
          if (e instanceof ApiError && (e.status === 422 || e.status === 404)) return null;
          throw e;
        }
      }),
    );
    for (const p of got) {
      if (p) points.push(p);
      else missingDays++;
    }
  }
  points.sort((a, b) => (a.date < b.date ? -1 : 1));
  return { points, latest, unavailable: null, missingDays };
}
