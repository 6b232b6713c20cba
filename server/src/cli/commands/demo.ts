import { parseArgs } from "node:util";
import { generateDemo } from "../../feeds/demo";
import { normalizeSymbol } from "../../lib/symbols";
import { type CliCommand, usageError } from "../command";
import { openLocal } from "../local";
import { runningServer } from "../server-info";

export const demoCommand: CliCommand = {
  name: "demo",
  usage: "demo <SYMBOLS...> [--days N]",
  summary: ["Generate N weekdays (default 7) of demo data for each symbol."],
  async run(args, { env, log }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { days: { type: "string" } },
    });
    const days = Number(values.days ?? 7);
    if (!Number.isInteger(days) || days < 1 || days > 365)
      return usageError("--days must be a whole number from 1 to 365");
    const symbols = positionals.map(normalizeSymbol);
    if (symbols.length === 0) return usageError("demo needs at least one symbol");
    const server = runningServer(env);
    if (server) {
      for (const symbol of symbols) {
        const res = await fetch(`${server.url}/smart-money/demo/${symbol}/generate-data?days=${days}`, {
          method: "POST",
        });
        process.stdout.write(`${symbol}: ${await res.text()}\n`);
      }
      return 0;
    }
    const { db, pipeline, close } = await openLocal(env, log);
    try {
      for (const symbol of symbols) {
        const s = await generateDemo({ db: db.db, pipeline, symbol, days });
        process.stdout.write(
          `${symbol}: ${s.days} days, ${s.prints} prints, ${s.bars} bars, ${s.short_volume_rows} short-volume rows, ${s.ats_rows} ATS rows\n`,
        );
      }
    } finally {
      await close();
    }
    return 0;
  },
};
