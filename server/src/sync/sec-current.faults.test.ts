import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { engines } from "../../../test/support/db";
import { archivePath, feedPath, SAMPLE_FILINGS, sampleFiling } from "../../../test/support/fake-edgar";
import { secSyncFixture, secTestOptions } from "../../../test/support/sec-sync-fixture";
import { createLogger } from "../lib/log";
import { SyncRunner } from "./runner";
import { SEC_CURRENT_SOURCE, type SecCurrentOptions, secCurrentJob } from "./sec-current.job";
import { sourceState } from "./sync.store";

const log = createLogger("silent");
const { air, arw, acorn } = SAMPLE_FILINGS;
const NOON = Date.parse("2025-02-19T17:00:00Z");

describe.each(engines())("sec-current under upstream faults on %s", (engine) => {
  const fx = secSyncFixture(engine, () => {
    nowMs = NOON;
  });
  let nowMs = NOON;
  const run = async (o: Partial<SecCurrentOptions> = {}) => {
    const job = secCurrentJob({
      intervalS: 60,
      ...secTestOptions(fx.edgar.url),
      ...o,
    });
    const runner = new SyncRunner({
      db: fx.handle.db,
      jobs: [job],
      log,
      clock: () => nowMs,
      owner: "node-a",
    });
    return (await runner.runNow(SEC_CURRENT_SOURCE, {})).outcome;
  };
  const requestsTo = (path: string) => fx.edgar.upstream.requests.filter((r) => r.path === path);

  it("a 429 then success: the filing is stored, Retry-After is honoured and pauses the shared budget", async () => {
    fx.edgar.publish(sampleFiling("air"));
    const path = archivePath("1750", air.accession);
    fx.edgar.upstream.faults.set(path, { kind: "status", status: 429, times: 1, retryAfterS: 1 });
    const outcome = await run();
    expect(outcome.stats).toMatchObject({ stored: 1, failed: 0 });
    const [first, second] = requestsTo(path).map((r) => r.atMs) as [number, number];
    expect(second - first).toBeGreaterThanOrEqual(950);
    // The pause was written where every node's budget reads it.
    const [row] = await fx.handle.query<{ paused: number }>(
      sql`select paused_until_ms::float8 as paused from sync_rate_limits where name = 'sec'`,
    );
    expect(Number(row?.paused)).toBeGreaterThan(0);
    expect(await fx.count("insider_filings")).toBe(1);
  });

  it("a 503 storm on the feed fails the poll with the reason (filings already queued are still stored); the next poll recovers", async () => {
    fx.edgar.publish(sampleFiling("air"));
    fx.edgar.publish(sampleFiling("acorn"));
    fx.edgar.upstream.faults.set(feedPath("4"), { kind: "status", status: 503, times: 1000 });
    const outcome = await run();
    expect(outcome.status).toBe("dead"); // one attempt per poll: the next poll is the retry
    expect(outcome.error).toMatch(/feed not read: .*gave up after 4 attempts \(HTTP 503\)/);
    expect(requestsTo(feedPath("4"))).toHaveLength(4);
    expect(await fx.count("thirteenf_holdings")).toBe(77); // the 13F feed was read and drained
    expect(await sourceState(fx.handle.db, SEC_CURRENT_SOURCE)).toMatchObject({
      lastStatus: "dead",
      deadRuns: 1,
    });
    fx.edgar.upstream.faults.clear();
    const next = await run();
    expect(next.stats).toMatchObject({ new: 1, stored: 1 });
    expect(await fx.count("insider_filings")).toBe(1);
  });

  it("a 503 storm on one filing: the others are stored, it is retried with backoff, then stored; attempts are bounded", async () => {
    for (const f of ["air", "arw", "acorn"] as const) fx.edgar.publish(sampleFiling(f));
    const path = archivePath("7536", arw.accession);
    fx.edgar.upstream.faults.set(path, { kind: "status", status: 503, times: 1000 });
    const first = await run();
    expect(first.status).toBe("succeeded");
    expect(first.stats).toMatchObject({ stored: 2, failed: 1 });
    expect(requestsTo(path)).toHaveLength(4);
    // Not tried again before its backoff (30 s after the first failure).
    expect((await run()).stats).toMatchObject({ stored: 0, failed: 0 });
    expect(requestsTo(path)).toHaveLength(4);
    nowMs += 31_000;
    expect((await run({ itemMaxAttempts: 2 })).stats).toMatchObject({ failed: 1 });
    // Attempts used up: the filing is no longer asked for, the failure stays visible in sync_items.
    nowMs += 3_600_000;
    expect((await run({ itemMaxAttempts: 2 })).stats).toMatchObject({ stored: 0, failed: 0 });
    expect(requestsTo(path)).toHaveLength(8);
    const [item] = await fx.handle.query<{ status: string; attempts: number; error: string }>(
      sql`select status, attempts, detail->>'error' as error from sync_items where item_key = ${arw.accession}`,
    );
    expect(item).toMatchObject({ status: "failed", attempts: 2, error: expect.stringMatching(/HTTP 503/) });
    // With attempts left (the default 5) and the storm over, it lands.
    fx.edgar.upstream.faults.clear();
    expect((await run()).stats).toMatchObject({ stored: 1 });
    expect(await fx.count("insider_filings")).toBe(2);
  });

  it("a truncated submission stores nothing; the retry after the backoff stores all 77 holdings once", async () => {
    fx.edgar.publish(sampleFiling("acorn"));
    const path = archivePath("1994827", acorn.accession);
    const full = sampleFiling("acorn").body.length;
    fx.edgar.upstream.faults.set(path, { kind: "truncate", keepBytes: Math.floor(full / 2), times: 1 });
    const first = await run();
    expect(first.stats).toMatchObject({ stored: 0, failed: 1 });
    expect(await fx.count("thirteenf_holdings")).toBe(0);
    expect(await fx.count("thirteenf_filings")).toBe(0);
    const [item] = await fx.handle.query<{ error: string }>(
      sql`select detail->>'error' as error from sync_items where item_key = ${acorn.accession}`,
    );
    expect(item?.error).toMatch(/incomplete .*truncated/);
    nowMs += 31_000;
    expect((await run()).stats).toMatchObject({ stored: 1, rows_accepted: 77 });
    expect(await fx.count("thirteenf_holdings")).toBe(77);
  });
});
