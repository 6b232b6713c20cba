/**
 * Dark-pool history over many days: the daily patterns (volume, ratio, FINRA short ratio, ATS share) and
 * the unusual days and intraday windows against their trailing averages.
 */
import type { Db } from "@smt/db";
import { addDays, etDateOf, etDayBounds, mondayOf } from "../lib/et-time";
import { freshness } from "../lib/openapi";
import { percent, round } from "../lib/round";
import type { DarkPoolPatterns, DarkPoolUnusual } from "./darkpool.schemas";
import { DARKPOOL_PARAMS, shortVolumeRatio, trailingRatios } from "./darkpool.signals";
import {
  atsByWeek,
  latestDataDay,
  type ShortVolumeDay,
  shortVolumeByDay,
  topAtsVenues,
} from "./market.store";
import { dailyPrintStats, intradayWindows } from "./print-window.store";
import { type DayVolume, dayVolumes, weekConsolidatedVolume } from "./ratio-history";

type AtsWeek = Awaited<ReturnType<typeof atsByWeek>>[number];

/** Daily history of `days` days ending at the latest day with data known at `asOf` (`/patterns`). */
export async function getPatterns(
  db: Db,
  symbol: string,
  days: number,
  asOf: Date,
): Promise<DarkPoolPatterns> {
  // The period ends at the latest data known at as_of, not at the clock: history stays visible.
  const latest = await latestDataDay(db, symbol, asOf);
  const lastDay = latest ?? etDateOf(asOf.getTime());
  const firstDay = addDays(lastDay, -(days - 1));
  // Whole weeks around the period, so each weekly ATS figure meets its whole week's volume.
  const [volumes, shorts, ats, venues] = await Promise.all([
    dayVolumes(db, symbol, mondayOf(firstDay), addDays(mondayOf(lastDay), 4), asOf),
    shortVolumeByDay(db, symbol, firstDay, lastDay),
    atsByWeek(db, symbol, firstDay, lastDay, asOf),
    topAtsVenues(db, symbol, asOf),
  ]);
  const volumeByDay = new Map(volumes.map((v) => [v.day, v]));
  const allDays = [...new Set([...volumeByDay.keys(), ...shorts.keys()])]
    .filter((d) => d >= firstDay && d <= lastDay)
    .sort();
  const atsByWeekStart = new Map(ats.map((a) => [a.weekStart, a]));
  const rows = allDays.map((d) => {
    const sh = shorts.get(d);
    return patternDay(
      d,
      volumeByDay,
      sh && sh.publishedAt <= asOf ? sh : undefined,
      atsByWeekStart.get(mondayOf(d)),
    );
  });
  const latestShort = [...shorts.values()].filter((s) => s.publishedAt <= asOf).at(-1);
  const latestBar = volumes.filter((v) => v.bar !== undefined).at(-1)?.bar;
  return {
    symbol,
    days: rows,
    averages: {
      dark_pool_ratio: mean(rows.map((d) => d.dark_pool_ratio)),
      short_ratio: mean(rows.map((d) => d.short_ratio)),
      daily_dark_pool_volume: mean(rows.map((d) => (d.prints > 0 ? d.dark_pool_volume : null))),
    },
    period: { from: latest ? firstDay : null, to: latest, days },
    date_basis: latest ? "latest_data_as_of" : "no_data_as_of",
    top_ats_venues: venues,
    as_of: asOf.toISOString(),
    freshness: [
      freshness("finra_short_volume", latestShort?.publishedAt ?? null, "T, after 18:00 ET", asOf),
      freshness("finra_ats_weekly", ats.at(-1)?.publishedAt ?? null, "2 weeks (Tier 1) or 4 weeks", asOf),
      freshness("daily_bars", latestBar?.publishedAt ?? null, "after the close (T)", asOf),
    ],
  };
}

/** One row of the patterns history. */
function patternDay(
  d: string,
  volumeByDay: ReadonlyMap<string, DayVolume>,
  short: ShortVolumeDay | undefined,
  a: AtsWeek | undefined,
): DarkPoolPatterns["days"][number] {
  const v = volumeByDay.get(d);
  const s = v?.stats;
  const week = a ? weekConsolidatedVolume(a.weekStart, volumeByDay) : null;
  return {
    date: d,
    dark_pool_volume: s?.volume ?? 0,
    dark_pool_value: round(s?.value ?? 0, 2) ?? 0,
    prints: s?.prints ?? 0,
    large_blocks: s?.largeBlocks ?? 0,
    market_volume: v?.ratio.marketVolume ?? null,
    market_volume_source: v?.ratio.source ?? null,
    dark_pool_ratio: s && s.prints > 0 ? round(v?.ratio.ratio ?? null) : null,
    average_premium_discount: round(s?.avgPremiumDiscountPct ?? null),
    bullish_percentage: s ? round(percent(s.bullishVolume, s.volume), 2) : null,
    bearish_percentage: s ? round(percent(s.bearishVolume, s.volume), 2) : null,
    close: v?.bar?.close ?? null,
    finra_short_volume: short?.shortVolume ?? null,
    finra_total_volume: short?.totalVolume ?? null,
    short_ratio: short ? round(shortVolumeRatio(short.shortVolume, short.totalVolume)) : null,
    ats_week_start: a?.weekStart ?? null,
    ats_week_shares: a?.shares ?? null,
    ats_share: a && week && week.volume > 0 ? round(a.shares / week.volume) : null,
  };
}

const mean = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length > 0 ? round(v.reduce((p, x) => p + x, 0) / v.length) : null;
};

export interface UnusualQuery {
  multiple: number;
  days: number;
  windowMinutes: number;
  asOf: Date;
}

/** Days and intraday windows above `multiple` x their trailing average (`/unusual`). */
export async function getUnusual(db: Db, symbol: string, q: UnusualQuery): Promise<DarkPoolUnusual> {
  const { asOf } = q;
  const p = DARKPOOL_PARAMS;
  const firstDay = addDays(etDateOf(asOf.getTime()), -(q.days + p.trailingDays * 2));
  const since = etDayBounds(firstDay).start;
  const w = { symbol, since, until: asOf };
  const stats = (await dailyPrintStats(db, w)).filter((s) => s.prints > 0);
  const ratios = trailingRatios(
    stats.map((s) => s.volume),
    p.trailingDays,
    p.minBaselineDays,
  );
  const reportFrom = addDays(etDateOf(asOf.getTime()), -(q.days - 1));
  const unusualDays = stats.flatMap((s, i) => {
    const r = ratios[i];
    if (r === null || r === undefined || r < q.multiple || s.day < reportFrom) return [];
    return [
      {
        date: s.day,
        volume: s.volume,
        trailing_average: round(s.volume / r, 2) ?? 0,
        ratio: round(r, 3) ?? 0,
      },
    ];
  });
  const lastDay = stats.at(-1)?.day;
  const windows = await intradayWindows(db, w, q.windowMinutes);
  const unusualWindows = lastDay
    ? unusualWindowsOf(
        windows,
        stats.map((s) => s.day),
        lastDay,
        q,
      )
    : [];
  return {
    symbol,
    multiple: q.multiple,
    trailing_days: p.trailingDays,
    unusual_days: unusualDays,
    unusual_windows: unusualWindows,
    is_unusual: unusualDays.some((d) => d.date === lastDay) || unusualWindows.length > 0,
    params_version: p.version,
    as_of: asOf.toISOString(),
  };
}

/** Each window of the latest day against the same window on the trailing days. */
function unusualWindowsOf(
  windows: Awaited<ReturnType<typeof intradayWindows>>,
  statDays: string[],
  lastDay: string,
  q: UnusualQuery,
): DarkPoolUnusual["unusual_windows"] {
  const p = DARKPOOL_PARAMS;
  const priorDays = statDays.filter((d) => d < lastDay).slice(-p.trailingDays);
  if (priorDays.length < p.minBaselineDays) return [];
  const prior = new Set(priorDays);
  const out: DarkPoolUnusual["unusual_windows"] = [];
  for (const w of windows.filter((x) => x.day === lastDay)) {
    const same = windows.filter((x) => x.window === w.window && prior.has(x.day));
    const avg = same.reduce((a, x) => a + x.volume, 0) / priorDays.length;
    if (avg > 0 && w.volume / avg >= q.multiple) {
      out.push({
        date: w.day,
        window_start_et: minutesToHhmm(w.window * q.windowMinutes),
        window_end_et: minutesToHhmm((w.window + 1) * q.windowMinutes),
        volume: w.volume,
        trailing_average: round(avg, 2) ?? 0,
        ratio: round(w.volume / avg, 3) ?? 0,
      });
    }
  }
  return out;
}

const minutesToHhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
