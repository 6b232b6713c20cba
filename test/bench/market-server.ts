/**
 * The market bench's server, in its own process so the load generator does not share its event loop and
 * its RSS is the server's alone: `node --import tsx market-server.ts <database url>`; prints `{"url"}` once
 * listening, closes on SIGTERM. Response cache off, no sync, no demo, no rate limit, no composite job (the
 * bench runs its pass itself, timed, before the servers start).
 */
import { loadEnv } from "../../server/src/env";
import { startServer } from "../../server/src/server";

const server = await startServer({
  env: loadEnv({
    DATABASE_URL: process.argv[2] as string,
    PORT: "0",
    HOST: "127.0.0.1",
    DEMO: "off",
    SYNC: "off",
    LOG_LEVEL: "error",
    SERVE_CLIENT: "false",
    RATE_LIMIT_PER_MINUTE: "0",
    RESPONSE_CACHE_TTL_MS: "0",
    COMPOSITE_REFRESH_S: "0",
  }),
});
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
