import { loadEnv } from "./env";
import { createLogger } from "./lib/log";
import { servicePlugins } from "./plugins";
import { startServer } from "./server";

const env = loadEnv();
const log = createLogger(env.LOG_LEVEL);
const server = await startServer({ env, log, plugins: servicePlugins });
const base = server.url;
process.stdout.write(
  [
    "",
    "Smart Money Tracker is running",
    `  dashboard:  ${base}/smart-money/dashboard`,
    `  API docs:   ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
    `  health:     ${base}/health`,
    `  database:   ${server.deps.db.kind === "pglite" ? `embedded PGlite in ${env.DATA_DIR}/pglite` : "Postgres (DATABASE_URL)"}`,
    `  live feed:  ${server.feed?.name ?? "none (set FEED=demo|alpaca|replay)"}`,
    "",
  ].join("\n"),
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
