import type { Env } from "../env";
import type { Logger } from "../lib/log";

/** A CLI command contributed by a feature (institutional fetch, backtest, ...). */
export interface CliCommand {
  name: string;
  usage: string;
  summary: string;
  run(args: string[], ctx: { env: Env; log: Logger }): Promise<number>;
}

export const extraCommands: CliCommand[] = [];
