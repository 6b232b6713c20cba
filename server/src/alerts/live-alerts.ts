/**
 * Detector events into alerts, pushed before they are stored: an alert the rules raise takes a sequence
 * number from the reserve (alert-seqs.ts) and goes on the bus (`alert`: Socket.IO) at once, in the
 * event-loop turn the block arrived in; its insert follows on the alerts queue, with that number, and
 * webhooks get it once the insert has stored it (only the call that stored it delivers). With no fresh
 * number in hand it is stored first and pushed after the commit, as before. docs/architecture.md,
 * "Live path", has why and what happens when the insert fails.
 */
import type { DetectorEvent } from "../blocks/detectors";
import type { AppDeps } from "../core/deps";
import type { Logger } from "../lib/log";
import { isBadRowError } from "../lib/sql-state";
import type { AlertSeqReserve } from "./alert-seqs";
import { type ChannelPushes, type DemoSources, type SerialQueue, toAlertMessage } from "./alerts.jobs";
import { type Alert, type AlertEngine, asDemoAlert } from "./alerts.rules";
import { insertAlerts, insertNumberedAlerts } from "./live-alerts.store";

export interface LiveAlertsWiring {
  deps: AppDeps;
  log: Logger;
  engine: AlertEngine;
  queue: SerialQueue;
  channels: ChannelPushes;
  deliver: (alert: Alert) => Promise<void>;
  demo?: DemoSources;
  /** Numbers to push alerts before their insert; null stores every alert before pushing it. */
  seqs: AlertSeqReserve | null;
  /** True once the wiring is stopping: a failing insert of pushed alerts is then given up. */
  stopping: () => boolean;
}

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * Stores alerts that were already pushed, retrying for as long as the database is unreachable (after
 * 100 ms, doubling up to 5 s; given up, logged, once stopping). An alert the database rejects itself
 * (SQLSTATE class 22/23) is dropped and logged, the others of its batch stored. Returns those stored.
 */
async function storePushed(w: LiveAlertsWiring, alerts: Alert[]): Promise<Alert[]> {
  const ids = alerts.map((a) => a.id);
  for (let pauseMs = RETRY_FIRST_MS; ; pauseMs = Math.min(pauseMs * 2, RETRY_MAX_MS)) {
    try {
      return await insertNumberedAlerts(w.deps.db.db, alerts);
    } catch (error) {
      if (isBadRowError(error)) {
        if (alerts.length === 1) {
          w.log.error("pushed alert rejected by the database; not stored", { ids, error });
          return [];
        }
        const stored: Alert[] = [];
        for (const a of alerts) stored.push(...(await storePushed(w, [a])));
        return stored;
      }
      if (w.stopping()) {
        w.log.error("pushed alerts not stored: the database is unavailable at shutdown", { ids, error });
        return [];
      }
      w.log.warn("pushed alerts not stored; retrying", { ids, pauseMs, error });
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  }
}

/** Alerts with no number yet: stored, then pushed (only what this call stored). */
async function storeThenPush(w: LiveAlertsWiring, alerts: Alert[]): Promise<Alert[]> {
  try {
    const stored = await insertAlerts(w.deps.db.db, alerts);
    for (const alert of stored) w.deps.bus.emit("alert", toAlertMessage(alert));
    return stored;
  } catch (error) {
    w.log.error("alerts not stored", { ids: alerts.map((a) => a.id), error });
    return [];
  }
}

/**
 * What happens to each detector event: blocks, sweeps and unusual options go to their channel; an event
 * the rules turn into an alert is pushed (when a number is in hand) and stored. Alerts raised while an
 * insert is out are stored together by the next one (one round trip for a burst of blocks).
 */
export function alertOnEvent(w: LiveAlertsWiring) {
  const { deps, engine, queue, channels } = w;
  const pending: Alert[] = [];
  const bump = (name: string, n: number) => deps.metrics?.set(name, (deps.metrics.get(name) ?? 0) + n);
  const count = (n: number) => bump("smt_alerts_total", n);
  const storePending = async (): Promise<void> => {
    const batch = pending.splice(0);
    const pushed = batch.filter((a) => a.seq !== null);
    const stored = pushed.length > 0 ? await storePushed(w, pushed) : [];
    if (stored.length < pushed.length) {
      const ids = new Set(stored.map((a) => a.id));
      const missing = pushed.filter((a) => !ids.has(a.id)).map((a) => a.id);
      w.log.info("pushed alerts not stored (already stored, or rejected)", { ids: missing });
    }
    const unnumbered = batch.filter((a) => a.seq === null);
    const late = unnumbered.length > 0 ? await storeThenPush(w, unnumbered) : [];
    count(late.length);
    if (late.length > 0) bump("smt_alerts_stored_before_push_total", late.length);
    for (const alert of [...stored, ...late]) void w.deliver(alert);
    if (stored.length + late.length > 0)
      deps.bus.emit("alertsStored", [...stored, ...late].map(toAlertMessage));
  };
  return (e: DetectorEvent): void => {
    if (e.kind === "block") channels.push("blocks", e.symbol, e.block);
    else if (e.kind === "sweep")
      channels.push(e.sweep.isOption ? "options" : "blocks", e.symbol, { kind: "sweep", ...e.sweep });
    else if (e.kind === "options_volume_spike")
      channels.push("options", e.symbol, { kind: "unusual", ...e.unusual });
    const evaluated = engine.evaluate(e);
    if (evaluated === null) return;
    let alert = w.demo?.has(e.symbol) ? asDemoAlert(evaluated) : evaluated;
    const seq = w.seqs?.take() ?? null;
    if (seq !== null) {
      alert = { ...alert, seq };
      deps.bus.emit("alert", toAlertMessage(alert));
      count(1);
    }
    pending.push(alert);
    if (pending.length === 1) queue.run(storePending);
  };
}
