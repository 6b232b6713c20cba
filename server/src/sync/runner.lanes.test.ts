import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../../../test/support/db";
import { SAMPLE_FILINGS, sampleFiling, variantOf } from "../../../test/support/fake-edgar";
import { secSyncFixture, secTestOptions } from "../../../test/support/sec-sync-fixture";
import { createLogger } from "../lib/log";
import { type SyncJob, SyncRunner } from "./runner";
import { tradingDaysAt } from "./schedule";
import { SEC_CURRENT_SOURCE, secCurrentJob } from "./sec-current.job";

const log = createLogger("silent");
/** Wednesday 2025-02-19 12:00 ET: inside EDGAR's filing hours, after the slow job's 07:00 slot. */
const NOON = Date.parse("2025-02-19T17:00:00Z");

/** A stand-in for a long backfill: its run blocks until the test releases it. */
function slowJob(calls: string[], owner: string, released: Promise<void>): SyncJob {
  return {
    source: "slow-backfill",
    title: "blocks until released",
    schedule: tradingDaysAt(["07:00"]),
    disabledReason: null,
    maxAttempts: 1,
    retryBaseMs: 60_000,
    expectedLatest: () => null,
    nextDueAfter: () => null,
    async run() {
      calls.push(owner);
      await released;
      return {};
    },
  };
}

async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(engines())("runner lanes on %s", (engine) => {
  let nowMs = NOON;
  const fx = secSyncFixture(engine, () => {
    nowMs = NOON;
  });
  let other: DbHandle | null = null;
  beforeAll(async () => {
    // A second node on Postgres is a second connection pool on the same database.
    const url = (fx.handle as DbHandle & { url?: string }).url;
    if (url) other = await (await import("@smt/db")).openDb({ url, migrate: false });
  });
  afterAll(async () => {
    await other?.close();
  });

  it("a long-running job does not hold up the sec-current poll; each run still goes to one node", async () => {
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const calls: string[] = [];
    const node = (owner: string, db: DbHandle) =>
      new SyncRunner({
        db: db.db,
        jobs: [
          slowJob(calls, owner, released),
          secCurrentJob({ intervalS: 60, ...secTestOptions(fx.edgar.url) }),
        ],
        log,
        clock: () => nowMs,
        owner,
        pollMs: 25,
        leaseMs: 3_600_000,
      });
    const accessions = async () =>
      (await fx.handle.query<{ a: string }>(sql`select accession as a from insider_filings`)).map((r) => r.a);
    const a = node("node-a", fx.handle);
    const b = node("node-b", other ?? fx.handle);
    try {
      a.start();
      await until("the slow job to start", () => calls.length === 1);
      // The next minute's poll on the same node, while the slow run still blocks, stores the new filing.
      fx.edgar.publish(sampleFiling("air"));
      nowMs += 60_000;
      await until("the filing to be stored", async () =>
        (await accessions()).includes(SAMPLE_FILINGS.air.accession),
      );
      // A second node joins: it neither runs the slow job again nor the slots already run.
      b.start();
      const later = variantOf(sampleFiling("air"), "0001127602-25-009001", "2025-02-19T12:01:30-05:00");
      fx.edgar.publish(later);
      nowMs += 60_000;
      await until("the later filing to be stored", async () =>
        (await accessions()).includes(later.accession),
      );
      expect(calls).toEqual(["node-a"]);
    } finally {
      release();
      await Promise.all([a.stop(), b.stop()]);
    }
    const runs = await fx.handle.query<{ source: string; status: string; attempts: number; n: number }>(
      sql`select source, status, attempts, count(*)::int as n from sync_runs
          group by source, status, attempts order by source`,
    );
    // One slow run, run once; one sec-current run per slot (startup, +1 min, +2 min), each run once.
    expect(runs.map((r) => ({ ...r, n: Number(r.n) }))).toEqual([
      { source: SEC_CURRENT_SOURCE, status: "succeeded", attempts: 1, n: 3 },
      { source: "slow-backfill", status: "succeeded", attempts: 1, n: 1 },
    ]);
  });
});
