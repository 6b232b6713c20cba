import { startBanner } from "./banner";
import { loadEnv } from "./env";
import { createLogger } from "./lib/log";
import { servicePlugins } from "./plugins";
import { startServer } from "./server";

const env = loadEnv();
const log = createLogger(env.LOG_LEVEL);
const server = await startServer({ env, log, plugins: servicePlugins });
process.stdout.write(
  startBanner(env, { url: server.url, database: server.deps.db.kind, feed: server.feed?.name ?? null }),
);

let closing = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    log.info("shutting down", { signal });
    server
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error("shutdown failed", { error });
        process.exit(1);
      });
  });
}
