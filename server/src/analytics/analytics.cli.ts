/**
 * The backtest behind `pnpm cli backtest` (cli/commands/backtest.ts): computes the SMI point in time at
 * each trading day's close over the stored history and how each SMI band was followed by forward
 * returns (docs/methodology.md, "Backtest of the SMI bands").
 */
import type { Db } from "@smt/db";
import { dailyBars } from "../darkpool/darkpool.service";
import { addDays } from "../lib/et-time";
import { closeOf, gatherInputs, type InputProviders } from "./analytics.inputs";
import { ANALYTICS_PARAMS } from "./analytics.params";
import { computeScores } from "./analytics.scores";
import { type BacktestPoint, type BacktestResult, backtestSmiBands } from "./backtest";

/** Longest horizon's worth of calendar days read past `to`, so the last starts get forward closes. */
const FORWARD_CALENDAR_DAYS = 40;

/**
 * The daily series: one row per stored bar between `from` and `to` (plus forward closes after `to`),
 * each scored with the SMI as of that day's 16:00 ET close from rows published by then. Closes come
 * from the bars as known today (a later correction is the truth we measure against).
 */
export async function pointInTimeSeries(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  providers: InputProviders = {},
): Promise<BacktestPoint[]> {
  const bars = await dailyBars(db, symbol, fromDay, addDays(toDay, FORWARD_CALENDAR_DAYS), new Date());
  const series: BacktestPoint[] = [];
  for (const bar of bars) {
    let smartMoneyIndex: number | null = null;
    if (bar.day <= toDay) {
      const asOf = closeOf(bar.day);
      const { inputs } = await gatherInputs(db, symbol, asOf, { providers });
      smartMoneyIndex = computeScores(inputs, asOf, ANALYTICS_PARAMS).smartMoneyIndex;
    }
    series.push({ day: bar.day, closePrice: bar.close, smartMoneyIndex });
  }
  return series;
}

export async function runBacktest(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  o: { nonOverlapping?: boolean; horizonsDays?: number[]; providers?: InputProviders } = {},
): Promise<BacktestResult> {
  const series = await pointInTimeSeries(db, symbol, fromDay, toDay, o.providers);
  return backtestSmiBands(symbol, series, { nonOverlapping: o.nonOverlapping, horizonsDays: o.horizonsDays });
}
