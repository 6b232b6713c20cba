import type { ServicePlugin } from "../core/plugin";
import { refreshComposite } from "./composite.refresh";

/**
 * The composite leaderboard job: a pass at start and every `COMPOSITE_REFRESH_S` seconds (one at a time),
 * so a write from any process (an upload, `pnpm cli ingest`, a sync job, a live feed) is on the
 * `smart_money_index` and `accumulation` boards within about that long plus one pass. A pass where no
 * version moved costs one query (composite.refresh.ts).
 */
export const compositePlugin: ServicePlugin = (deps) => {
  const seconds = deps.env.COMPOSITE_REFRESH_S;
  if (seconds <= 0) return undefined;
  const log = deps.log.child("composite");
  const now = () => deps.now?.() ?? new Date();
  let running: Promise<void> | null = null;
  let stopped = false;
  const pass = () => {
    if (running || stopped) return;
    const started = performance.now();
    running = refreshComposite(deps.db.db, now())
      .then((out) => {
        const scored = out.reduce((n, o) => n + (o.scored ?? 0), 0);
        if (scored > 0)
          log.info("composite boards refreshed", {
            days: out.filter((o) => o.scored !== null).map((o) => o.day),
            scored,
            ms: Math.round(performance.now() - started),
          });
      })
      .catch((error: unknown) => log.warn("composite refresh failed", { error }))
      .finally(() => {
        running = null;
      });
  };
  pass();
  const timer = setInterval(pass, seconds * 1000);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
};
