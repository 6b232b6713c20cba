import { openDb } from "@smt/db";
import { configureFilingAlerts, filingAlertSettingsFrom } from "../alerts/raised-alerts";
import { PrintPipeline } from "../darkpool/pipeline";
import type { Env } from "../env";
import type { Logger } from "../lib/log";
import { LiveBus } from "../realtime/bus";

/**
 * Opens the configured database (Postgres, or the embedded PGlite folder under DATA_DIR). Filing and
 * file alerts the command's ingests raise follow the environment's settings; they are stored unannounced
 * and a server on the same database pushes them (alerts/announcer.ts).
 */
export function openConfiguredDb(env: Env) {
  configureFilingAlerts(filingAlertSettingsFrom(env));
  return openDb({ url: env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite` });
}

/** The database this CLI opens itself (no server owns it), with a print pipeline that announces to nobody. */
export async function openLocal(env: Env, log: Logger) {
  const db = await openConfiguredDb(env);
  const bus = new LiveBus();
  const pipeline = new PrintPipeline({
    db: db.db,
    bus,
    log,
    lastLitWindowMs: env.LAST_LIT_WINDOW_MS,
  });
  return {
    db,
    bus,
    pipeline,
    async close() {
      await pipeline.close();
      await db.close();
    },
  };
}

export type LocalDb = Awaited<ReturnType<typeof openLocal>>;
