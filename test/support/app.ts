import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppDeps, createApp } from "../../server/src/app";
import { PrintPipeline } from "../../server/src/darkpool/pipeline";
import { type Env, loadEnv } from "../../server/src/env";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import { type RunningServer, type StartOptions, startServer } from "../../server/src/server";
import { type Engine, openTestDb } from "./db";

/** Configuration for tests: quiet, no demo, no feed, an ephemeral port, a private data folder. */
export function testEnv(overrides: Record<string, string> = {}): Env {
  return loadEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    DEMO: "off",
    LOG_LEVEL: "error",
    DATA_DIR: mkdtempSync(join(tmpdir(), "smt-test-")),
    LIVE_BATCH_MS: "20",
    // Scheduled sync would reach FINRA and the SEC; sync tests start it against local fakes.
    SYNC: "off",
    ...overrides,
  });
}

/** `createApp` over a fresh database of its own, without opening a port. */
export async function buildTestApp(engine: Engine, envOverrides: Record<string, string> = {}) {
  const handle = await openTestDb(engine);
  const env = testEnv(envOverrides);
  const log = createLogger(env.LOG_LEVEL);
  const bus = new LiveBus();
  const pipeline = new PrintPipeline({ db: handle.db, bus, log, lastLitWindowMs: env.LAST_LIT_WINDOW_MS });
  const deps: AppDeps = { env, db: handle, bus, pipeline, log };
  const app = createApp(deps);
  return {
    app,
    deps,
    handle,
    async close() {
      await pipeline.close();
      await handle.close();
    },
  };
}

/** The real server (HTTP + Socket.IO on one ephemeral port) over a fresh database. */
export async function startTestServer(
  engine: Engine,
  envOverrides: Record<string, string> = {},
  plugins: StartOptions["plugins"] = [],
): Promise<RunningServer & { dispose(): Promise<void> }> {
  const handle = await openTestDb(engine);
  const server = await startServer({ env: testEnv(envOverrides), db: handle, plugins });
  return {
    ...server,
    async dispose() {
      await server.close();
      await handle.close();
    },
  };
}
