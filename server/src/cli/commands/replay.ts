import { parseArgs } from "node:util";
import { createLogger } from "../../lib/log";
import { type CliCommand, usageError } from "../command";

export const replayCommand: CliCommand = {
  name: "replay",
  usage: "replay <file> [--speed N]",
  summary: [
    "Start the service and play a recorded prints file as a live feed",
    "(N = 1 real time, 10 = ten times faster, 0 = as fast as possible).",
  ],
  async run(args, { env }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { speed: { type: "string" } },
    });
    const file = positionals[0];
    if (!file) return usageError("replay needs a file");
    // A composition root like main.ts: the service is loaded only when this command runs.
    const { startServer } = await import("../../server");
    const { servicePlugins } = await import("../../plugins");
    const server = await startServer({
      env: {
        ...env,
        FEED: "replay",
        REPLAY_FILE: file,
        REPLAY_SPEED: Number(values.speed ?? env.REPLAY_SPEED),
        DEMO: "off",
      },
      log: createLogger(env.LOG_LEVEL),
      plugins: servicePlugins,
    });
    process.stdout.write(
      `replaying ${file}; dashboard at ${server.url}/smart-money/dashboard (Ctrl-C to stop)\n`,
    );
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    await server.close();
    return 0;
  },
};
