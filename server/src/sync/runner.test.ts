import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { createLogger } from "../lib/log";
import { type JobContext, type SyncJob, SyncRunner } from "./runner";
import { tradingDaysAt } from "./schedule";

const log = createLogger("silent");

/** A job that records which node ran which slot, and takes a while so runs overlap. */
function recordingJob(ran: { owner: string; at: number }[], owner: () => string): SyncJob {
  return {
    source: "recording",
    title: "records its runs",
    schedule: tradingDaysAt(["18:00"]),
    disabledReason: null,
    maxAttempts: 3,
    retryBaseMs: 60_000,
    expectedLatest: () => null,
    nextDueAfter: () => null,
    async run(ctx: JobContext) {
      ran.push({ owner: owner(), at: ctx.now().getTime() });
      await new Promise((r) => setTimeout(r, 50));
      return {};
    },
  };
}

describe.each(engines())("job runner on %s", (engine) => {
  let a: DbHandle;
  let b: DbHandle;
  beforeAll(async () => {
    a = await openTestDb(engine);
    // Two nodes on a real Postgres are two connection pools on one database; PGlite has one process.
    const url = (a as DbHandle & { url?: string }).url;
    b = url ? await (await import("@smt/db")).openDb({ url, migrate: false }) : a;
  });
  afterAll(async () => {
    if (b !== a) await b.close();
    await a.close();
  });

  it("two nodes on one database run each scheduled slot exactly once, at 18:00 New York time", async () => {
    let nowMs = Date.parse("2021-01-25T22:00:00Z"); // Monday 17:00 ET
    const ran: { owner: string; at: number }[] = [];
    const nodes = ["node-a", "node-b"].map(
      (owner, i) =>
        new SyncRunner({
          db: (i === 0 ? a : b).db,
          jobs: [recordingJob(ran, () => owner)],
          log,
          clock: () => nowMs,
          owner,
        }),
    );
    // First ticks only learn the schedule; nothing is due at 17:00.
    await Promise.all(nodes.map((n) => n.tick()));
    expect(await Promise.all(nodes.map((n) => n.runDue()))).toEqual([0, 0]);
    expect(nodes[0]?.nextRunAt("recording")).toBe(Date.parse("2021-01-25T23:00:00Z"));
    // Through the week, ticking every 10 minutes on both nodes at once.
    for (let i = 0; i < 6 * 24 * 5; i++) {
      nowMs += 600_000;
      await Promise.all(nodes.map((n) => n.tick()));
      await Promise.all(nodes.map((n) => n.runDue()));
    }
    const slots = ran.map((r) => new Date(r.at).toISOString().slice(0, 16));
    expect(slots).toEqual([
      "2021-01-25T23:00",
      "2021-01-26T23:00",
      "2021-01-27T23:00",
      "2021-01-28T23:00",
      "2021-01-29T23:00",
    ]);
    const runs = await a.query<{ n: number }>(
      sql`select count(*)::int as n from sync_runs where status = 'succeeded'`,
    );
    expect(Number(runs[0]?.n)).toBe(5);
  });
});
