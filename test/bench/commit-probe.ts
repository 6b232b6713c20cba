/**
 * A probe of the database while the latency bench runs: five times a second, one transaction that commits
 * a transaction id (`select txid_current()`: the smallest commit that waits for its WAL to reach the disk),
 * through the server's own pool, and the same with `synchronous_commit` off for that transaction (commit
 * without waiting for the disk). The first is what a single-row insert such as an alert's costs at best
 * under the load; the difference between the two is the disk's part of it, the rest is the round trip and
 * the server's event loop.
 */

import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { Histogram } from "./latency-stats";

export function commitProbe(db: Pick<DbHandle, "query">, everyMs = 200) {
  const durable = new Histogram();
  const async = new Histogram();
  let timer: NodeJS.Timeout | null = null;
  const time = async (h: Histogram, statement: ReturnType<typeof sql>) => {
    const t0 = performance.now();
    await db.query(statement);
    h.add(performance.now() - t0);
  };
  const tick = async () => {
    await time(durable, sql`select txid_current()`);
    await time(async, sql`select set_config('synchronous_commit', 'off', true), txid_current()`);
  };
  return {
    start() {
      timer = setInterval(() => void tick().catch(() => {}), everyMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      return {
        "probe: one-row commit, durable (round trip)": durable.summary(),
        "probe: one-row commit, synchronous_commit off": async.summary(),
      };
    },
  };
}
