/**
 * The DIX over a range of days in one answer (`/dark-pool/dix/series`): one store read for every day of the
 * range (`dixInputsByDay`), each day computed with the same `dix` and `dixCoverage` as the one-day route, so
 * a point equals what `/dark-pool/dix?date=` answers for that day at the same `as_of`. Days under the
 * coverage floor are listed as excluded with their coverage instead of failing the whole range.
 */
import type { Db } from "@smt/db";
import type { Env } from "../env";
import { AppError } from "../errors";
import { addDays } from "../lib/et-time";
import { round } from "../lib/round";
import { dix } from "./darkpool.signals";
import { dixBasket, dixInputsByDay, latestShortVolumeDay } from "./dix";
import { dixCoverage } from "./dix-basket";

/** Calendar days a series covers when `from` is not given (`to` and the 28 days before it: 4 weeks). */
export const DIX_SERIES_DEFAULT_DAYS = 29;
/** Longest range one request may ask for, calendar days (both ends included). */
export const DIX_SERIES_MAX_DAYS = 366;
/** Most basket members a request may name. */
export const DIX_SERIES_MAX_BASKET = 1000;

export interface DixSeriesQuery {
  from?: string | undefined;
  to?: string | undefined;
  basket?: string | undefined;
  asOf: Date;
}

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

/** Weekdays from `from` to `to`, both included. */
function weekdays(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const wd = new Date(`${d}T12:00:00Z`).getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(d);
  }
  return out;
}

/** The range asked for, checked: INVALID_INPUT (400) when reversed or longer than DIX_SERIES_MAX_DAYS. */
function rangeOf(from: string | undefined, to: string): { from: string; to: string } {
  const start = from ?? addDays(to, -(DIX_SERIES_DEFAULT_DAYS - 1));
  if (start > to)
    throw new AppError("INVALID_INPUT", `from (${start}) is after to (${to})`, { from: start, to });
  if (daysBetween(start, to) + 1 > DIX_SERIES_MAX_DAYS)
    throw new AppError(
      "INVALID_INPUT",
      `from..to spans ${daysBetween(start, to) + 1} days; at most ${DIX_SERIES_MAX_DAYS}`,
      { from: start, to, max_days: DIX_SERIES_MAX_DAYS },
    );
  return { from: start, to };
}

export async function getDixSeries(
  db: Db,
  q: DixSeriesQuery,
  env: Pick<Env, "DIX_BASKET" | "DIX_CONSTITUENTS_FILE" | "DIX_MIN_COVERAGE">,
) {
  const { list, basket } = dixBasket(q.basket, env);
  if (basket.length > DIX_SERIES_MAX_BASKET)
    throw new AppError(
      "INVALID_INPUT",
      `basket names ${basket.length} symbols; at most ${DIX_SERIES_MAX_BASKET}`,
    );
  const to = q.to ?? (await latestShortVolumeDay(db, basket, q.asOf));
  const range = to ? rangeOf(q.from, to) : null;
  const byDay = range ? await dixInputsByDay(db, basket, range, q.asOf) : new Map();
  const points: {
    date: string;
    dix: number | null;
    coverage: number;
    covered: number;
    members_used: number;
  }[] = [];
  const excluded: { date: string; reason: "insufficient_coverage"; coverage: number; covered: number }[] = [];
  for (const [date, members] of [...byDay].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const coverage = dixCoverage(basket.length, members, env.DIX_MIN_COVERAGE);
    const ratio = round(coverage.ratio) as number;
    if (coverage.ratio < coverage.floor) {
      excluded.push({ date, reason: "insufficient_coverage", coverage: ratio, covered: coverage.covered });
      continue;
    }
    const result = dix(members);
    points.push({
      date,
      dix: round(result.dix),
      coverage: ratio,
      covered: coverage.covered,
      members_used: result.members_used,
    });
  }
  const withData = new Set(byDay.keys());
  return {
    from: range?.from ?? null,
    to: range?.to ?? null,
    points,
    excluded,
    /** Weekdays of the range without any FINRA row for the basket (holidays, files not loaded). */
    days_without_data: range ? weekdays(range.from, range.to).filter((d) => !withData.has(d)) : [],
    basket_size: basket.length,
    coverage_floor: env.DIX_MIN_COVERAGE,
    basket_source: list ? { file: list.file, as_of: list.asOf } : null,
    limits: {
      default_days: DIX_SERIES_DEFAULT_DAYS,
      max_days: DIX_SERIES_MAX_DAYS,
      max_basket: DIX_SERIES_MAX_BASKET,
    },
    as_of: q.asOf.toISOString(),
  };
}
