/**
 * Announces the alerts ingests raised (filing and file alerts): they are stored unannounced, often inside
 * the ingest's transaction or by another process (a CLI on the same Postgres), so this node claims what is
 * there and visible, marks it announced and pushes it (bus `alert` -> Socket.IO, webhooks). It claims when
 * an ingest in this process says it raised something, and every `pollMs` for the rest. Claims skip rows
 * another node holds, so with several nodes each alert is pushed once.
 */
import type { AppDeps } from "../core/deps";
import type { Logger } from "../lib/log";
import { type SerialQueue, toAlertMessage } from "./alerts.jobs";
import type { Alert } from "./alerts.rules";
import { claimUnannounced } from "./alerts.store";
import { onAlertsRaised } from "./raised-alerts";

/** Alerts stored longer ago than this and never announced are left alone (REST backfill still has them). */
export const ANNOUNCE_MAX_AGE_MS = 10 * 60_000;
const CLAIM_LIMIT = 500;

export function startAnnouncer(w: {
  deps: AppDeps;
  log: Logger;
  queue: SerialQueue;
  deliver: (alert: Alert) => Promise<void>;
  pollMs: number;
}): () => void {
  const { deps, log, queue, deliver } = w;
  let queued = false;
  const claim = () => {
    if (queued) return;
    queued = true;
    queue.run(async () => {
      queued = false;
      try {
        for (;;) {
          // Wall time, not the service clock: raised alerts are stamped with it when stored.
          const now = new Date();
          const claimed = await claimUnannounced(deps.db.db, {
            now,
            maxAgeMs: ANNOUNCE_MAX_AGE_MS,
            limit: CLAIM_LIMIT,
          });
          for (const alert of claimed) {
            deps.bus.emit("alert", toAlertMessage(alert));
            void deliver(alert);
          }
          if (claimed.length > 0)
            deps.metrics?.set(
              "smt_alerts_total",
              (deps.metrics.get("smt_alerts_total") ?? 0) + claimed.length,
            );
          if (claimed.length < CLAIM_LIMIT) break;
        }
      } catch (error) {
        log.warn("raised alerts not announced", { error });
      }
    });
  };
  const off = onAlertsRaised(claim);
  const timer = setInterval(claim, w.pollMs);
  timer.unref();
  claim();
  return () => {
    off();
    clearInterval(timer);
  };
}
