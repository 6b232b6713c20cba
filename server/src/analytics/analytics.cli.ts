/**
 * `pnpm cli backtest --symbol S --from D --to D [--non-overlapping] [--horizons 1,5,20]`: computes the SMI
 * point in time at each trading day's close over the stored history and prints how each SMI band was
 * followed by forward returns (docs/methodology.md, "Backtest of the SMI bands").
 */
import { parseArgs } from "node:util";
import { type Db, openDb } from "@smt/db";
import { type CliCommand, extraCommands } from "../cli/commands";
import { refuseBesideServer } from "../cli/server-info";
import { dailyBars } from "../darkpool/darkpool.service";
import { AppError } from "../errors";
import { addDays, isIsoDate } from "../lib/et-time";
import { normalizeSymbol } from "../lib/symbols";
import { closeOf, gatherInputs, type InputProviders } from "./analytics.inputs";
import { ANALYTICS_PARAMS } from "./analytics.params";
import { computeScores } from "./analytics.scores";
import { type BacktestPoint, type BacktestResult, backtestSmiBands, formatBacktest } from "./backtest";

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

export const backtestCommand: CliCommand = {
  name: "backtest",
  usage: "backtest --symbol S --from D --to D",
  summary:
    "Forward returns after each SMI band over the stored history (--non-overlapping, --horizons 1,5,20)",
  async run(args, { env }) {
    const { values } = parseArgs({
      args,
      options: {
        symbol: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        horizons: { type: "string" },
        "non-overlapping": { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    if (!values.symbol || !values.from || !values.to || !isIsoDate(values.from) || !isIsoDate(values.to)) {
      process.stderr.write("usage: backtest --symbol S --from YYYY-MM-DD --to YYYY-MM-DD\n");
      return 2;
    }
    const horizonsDays = values.horizons?.split(",").map((h) => Number(h));
    if (horizonsDays?.some((h) => !Number.isInteger(h) || h < 1)) {
      throw new AppError("INVALID_INPUT", `--horizons must be positive whole days: ${values.horizons}`);
    }
    const refused = refuseBesideServer(
      env,
      "backtest",
      "Stop the server first, or run both on a shared Postgres (DATABASE_URL).",
    );
    if (refused !== null) return refused;
    const handle = await openDb({ url: env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite` });
    try {
      const result = await runBacktest(handle.db, normalizeSymbol(values.symbol), values.from, values.to, {
        nonOverlapping: values["non-overlapping"] ?? false,
        horizonsDays,
      });
      process.stdout.write(`${values.json ? JSON.stringify(result, null, 2) : formatBacktest(result)}\n`);
      return 0;
    } finally {
      await handle.close();
    }
  },
};

// Registered on import: `cli.ts` imports this module for its side effect.
extraCommands.push(backtestCommand);
