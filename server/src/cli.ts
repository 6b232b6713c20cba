/**
 * `pnpm cli <command>`: the command-line entry point. Every command is listed here explicitly (each in
 * cli/commands/); importing a module never registers one.
 */
import { type CliCommand, helpOf, usageError } from "./cli/command";
import { backtestCommand } from "./cli/commands/backtest";
import { demoCommand } from "./cli/commands/demo";
import { fetchCommand } from "./cli/commands/fetch";
import { ingestCommand } from "./cli/commands/ingest";
import { migrateCommand } from "./cli/commands/migrate";
import { replayCommand } from "./cli/commands/replay";
import { syncCommand } from "./cli/commands/sync";
import { loadEnv } from "./env";
import { createLogger, describeError } from "./lib/log";

/** In the order `pnpm cli help` lists them. */
const COMMANDS: readonly CliCommand[] = [
  ingestCommand,
  replayCommand,
  demoCommand,
  migrateCommand,
  backtestCommand,
  fetchCommand,
  syncCommand,
];

const HELP = `Smart Money Tracker CLI

Usage: pnpm cli <command> [options]

Commands:
${[...COMMANDS, { usage: "help", summary: ["This text."] }].map(helpOf).join("\n")}

Database: DATABASE_URL (real Postgres) or the embedded PGlite folder under DATA_DIR (default ./data).
While a server runs on the embedded folder, ingest and demo send their work to that server instead of
opening the folder (PGlite is single-process): every ingest kind is uploaded with --accession/--filed-date,
.gz files travel compressed, and API_KEY (if set) is sent as x-api-key. migrate, backtest and fetch refuse
to open a folder a server owns. With several files, a failing one is reported and the others continue.
Exit code: 0 when everything was accepted, 1 when any record was rejected, any file failed or a command
failed, 2 on usage errors.`;

const isHelp = (arg: string | undefined) => arg === "help" || arg === "--help" || arg === "-h";

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || isHelp(name)) {
    process.stdout.write(`${HELP}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return usageError(`unknown command "${name}"`);
  if (rest.some((arg) => arg === "--help" || arg === "-h")) {
    process.stdout.write(`Usage: pnpm cli ${command.usage}\n\n${command.summary.join("\n")}\n`);
    return 0;
  }
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL);
  return command.run(rest, { env, log });
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`error: ${describeError(error)}\n`);
    process.exit(1);
  });
