import type { Env } from "../env";
import type { Logger } from "../lib/log";

export interface CliContext {
  env: Env;
  log: Logger;
}

/** One `pnpm cli <name>` command. `cli.ts` lists every command explicitly; none registers itself. */
export interface CliCommand {
  name: string;
  /** The first column of `pnpm cli help`, e.g. `demo <SYMBOLS...> [--days N]`. */
  usage: string;
  /** The description lines beside it, each indented under the first. */
  summary: readonly string[];
  run(args: string[], ctx: CliContext): Promise<number>;
}

/** Where the description column of `pnpm cli help` starts. */
const COLUMN = 31;

/** The command's block of `pnpm cli help` (also what `pnpm cli <command> --help` prints). */
export function helpOf(c: Pick<CliCommand, "usage" | "summary">): string {
  const [first = "", ...more] = c.summary;
  const head =
    c.usage.length < COLUMN - 2
      ? `  ${c.usage.padEnd(COLUMN - 2)}${first}`
      : `  ${c.usage}\n${" ".repeat(COLUMN)}${first}`;
  return [head, ...more.map((line) => `${" ".repeat(COLUMN)}${line}`)].join("\n");
}

/** Reports a usage error on stderr and returns exit code 2. */
export function usageError(message: string): number {
  process.stderr.write(`error: ${message}\n\nRun \`pnpm cli help\` for usage.\n`);
  return 2;
}
