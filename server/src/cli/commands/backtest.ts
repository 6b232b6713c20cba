/**
 * `pnpm cli backtest --symbol S --from D --to D [--non-overlapping] [--horizons 1,5,20]`: how each SMI
 * band was followed by forward returns over the stored history (docs/methodology.md, "Backtest of the
 * SMI bands"). The computation is `runBacktest` in analytics.
 */
import { parseArgs } from "node:util";
import { runBacktest } from "../../analytics/analytics.cli";
import { formatBacktest } from "../../analytics/backtest";
import { AppError } from "../../errors";
import { isIsoDate } from "../../lib/et-time";
import { normalizeSymbol } from "../../lib/symbols";
import type { CliCommand } from "../command";
import { openConfiguredDb } from "../local";
import { refuseBesideServer } from "../server-info";

export const backtestCommand: CliCommand = {
  name: "backtest",
  usage: "backtest --symbol S --from D --to D",
  summary: [
    "Forward returns after each SMI band over the stored history (--non-overlapping, --horizons 1,5,20)",
  ],
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
    const handle = await openConfiguredDb(env);
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
