/**
 * The DIX over recent trading days for the Market page's chart, in one request
 * (`/dark-pool/dix/series`, docs/methodology.md "DIX"): the server's default range, the 4 weeks up to the
 * newest day with FINRA data. Days under the basket coverage floor and weekdays without FINRA data are
 * left out and counted; when the newest day itself has no DIX the section says why instead of a chart.
 */
import { type DixSeriesPayload, fetchDixSeries } from "./market-api";

export interface DixPoint {
  date: string;
  dix: number;
  /** Basket members with FINRA short volume and a close / basket size. */
  coverage: number;
  /** Basket members the DIX used (with a close). */
  membersUsed: number;
}

export interface DixSeries {
  /** Oldest first. */
  points: DixPoint[];
  basketSize: number;
  basketSource: DixSeriesPayload["basket_source"];
  asOf: string;
  /** Why there is no DIX for the newest day, when it has none. */
  unavailable: string | null;
  /** Weekdays of the range that have no DIX (holidays, days without FINRA data or under the coverage floor). */
  missingDays: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The chart's series from the server's answer. */
export function dixSeriesOf(s: DixSeriesPayload): DixSeries {
  const points = s.points
    .filter((p): p is typeof p & { dix: number } => p.dix !== null)
    .map((p) => ({ date: p.date, dix: p.dix, coverage: p.coverage, membersUsed: p.members_used }));
  const newest = s.to;
  const excludedNewest = s.excluded.find((e) => e.date === newest);
  let unavailable: string | null = null;
  if (newest === null) unavailable = "no FINRA short volume for the basket";
  else if (excludedNewest)
    unavailable =
      `DIX for ${newest}: ${excludedNewest.covered} of ${s.basket_size} basket members have FINRA short volume ` +
      `and a close (${pct(excludedNewest.coverage)}), under the ${pct(s.coverage_floor)} floor (DIX_MIN_COVERAGE)`;
  else if (points.length === 0) unavailable = `no DIX between ${s.from} and ${newest}`;
  return {
    points: unavailable === null ? points : [],
    basketSize: s.basket_size,
    basketSource: s.basket_source,
    asOf: s.as_of,
    unavailable,
    missingDays: s.excluded.length + s.days_without_data.length,
  };
}

export async function loadDixSeries(asOf: string | null, signal: AbortSignal): Promise<DixSeries> {
  return dixSeriesOf(await fetchDixSeries({ asOf }, signal));
}
