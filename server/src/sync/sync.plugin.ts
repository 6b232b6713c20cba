/**
 * Starts scheduled sync with the server (SYNC=on): the runner's loop, and the per-source status kept on
 * /metrics (refreshed after each run and every 30 s, so a node that did not run a job still reports it).
 * Each filing `sec-current` stores is announced on the live bus (`filing`) and counted on /metrics.
 */
import type { ServicePlugin } from "../core/plugin";
import { sourceStatuses, statusMetrics, syncJobsFrom } from "./jobs";
import { SyncRunner } from "./runner";

export const syncPlugin: ServicePlugin = (deps) => {
  if (deps.env.SYNC === "off") return undefined;
  const jobs = syncJobsFrom(deps.env, {
    onFilingStored: (filing) => {
      deps.bus.emit("filing", filing);
      const key = `smt_sec_filings_stored_total{form="${filing.form}"}`;
      deps.metrics?.set(key, (deps.metrics.get(key) ?? 0) + 1);
    },
  });
  // The service clock (tests and benches move it to EDGAR's filing hours); wall time otherwise.
  const clock = () => (deps.now?.() ?? new Date()).getTime();
  const log = deps.log.child("sync");
  const refresh = async () => {
    try {
      const statuses = await sourceStatuses(deps.db.db, jobs, clock());
      for (const [k, v] of statusMetrics(statuses)) deps.metrics?.set(k, v);
    } catch (error) {
      log.warn("source status not refreshed", { error });
    }
  };
  const runner = new SyncRunner({
    db: deps.db.db,
    jobs,
    log,
    clock,
    onRunFinished: (run, outcome) => {
      const key = `smt_sync_runs_total{source="${run.source}",status="${outcome.status}"}`;
      deps.metrics?.set(key, (deps.metrics.get(key) ?? 0) + 1);
      void refresh();
    },
  });
  runner.start();
  void refresh();
  const timer = setInterval(() => void refresh(), 30_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await runner.stop();
  };
};
