import { type DbHandle, openDb } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import {
  type FakeEdgar,
  SEC_TABLES,
  sampleFiling,
  startFakeEdgar,
  variantOf,
} from "../../../test/support/fake-edgar";
import { RateLimiter, type RequestLimiter } from "../institutional/edgar.client";
import { createLogger } from "../lib/log";
import { SyncRunner } from "./runner";
import { SEC_CURRENT_SOURCE, type SecCurrentOptions, secCurrentJob } from "./sec-current.job";
import { SEC_BUDGET, SharedRateLimiter } from "./sec-fair-access";

const log = createLogger("silent");
const UA = "Smart Money Tracker tests admin@example.com";
const FILINGS = 40;

/** The most requests that arrived within any one second (half-open window), at the upstream's clock. */
function busiestSecond(arrivals: number[]): number {
  const t = [...arrivals].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[j] as number) <= (t[i] as number) - 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe.each(engines())("SEC fair access across nodes on %s", (engine) => {
  let nodeA: DbHandle & { url?: string };
  let nodeB: DbHandle;
  let edgar: FakeEdgar;

  beforeAll(async () => {
    nodeA = await openTestDb(engine);
    // On Postgres the second node has its own connection pool to the same database; PGlite is one process.
    nodeB = nodeA.url ? await openDb({ url: nodeA.url, migrate: false }) : nodeA;
  });
  afterAll(async () => {
    if (nodeB !== nodeA) await nodeB.close();
    await nodeA.close();
  });
  beforeEach(async () => {
    edgar = await startFakeEdgar();
    for (const t of SEC_TABLES) await nodeA.query(sql`delete from ${sql.identifier(t)}`);
    const air = sampleFiling("air");
    for (let i = 1; i <= FILINGS; i++) {
      edgar.publish(variantOf(air, `0001127602-25-${String(900000 + i).padStart(6, "0")}`));
    }
  });
  afterEach(async () => {
    await edgar.close();
  });

  const drainOnBoth = async (limiterFor?: () => RequestLimiter) => {
    const options = (): SecCurrentOptions => ({
      intervalS: 60,
      userAgent: UA,
      wwwBaseUrl: edgar.url,
      dataBaseUrl: edgar.url,
      maxBytes: 16 * 1024 * 1024,
      timeoutMs: 10_000,
      backoffBaseMs: 5,
      ...(limiterFor ? { limiterFor } : {}),
    });
    const runner = (db: DbHandle, owner: string) =>
      new SyncRunner({ db: db.db, jobs: [secCurrentJob(options())], log, owner });
    return Promise.all([
      runner(nodeA, "node-a").runNow(SEC_CURRENT_SOURCE, {}),
      runner(nodeB, "node-b").runNow(SEC_CURRENT_SOURCE, {}),
    ]);
  };

  it("two nodes polling and draining at once stay within 10 requests per second at the SEC, and share the work", async () => {
    const started = Date.now();
    const [a, b] = await drainOnBoth();
    expect(a.outcome.status).toBe("succeeded");
    expect(b.outcome.status).toBe("succeeded");
    const arrivals = edgar.upstream.requests.map((r) => r.atMs);
    // 4 feed pages (one per form type per node) and each filing exactly once.
    expect(edgar.archiveRequests()).toHaveLength(FILINGS);
    expect(new Set(edgar.archiveRequests()).size).toBe(FILINGS);
    expect(arrivals).toHaveLength(FILINGS + 4);
    expect(busiestSecond(arrivals)).toBeLessThanOrEqual(SEC_BUDGET.perWindow);
    // The budget was what limited them: 44 requests at 10 per second take more than 3.4 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3300);
    const stored = [a, b].map((r) => Number(r.outcome.stats?.stored));
    expect(stored[0] as number).toBeGreaterThan(0);
    expect(stored[1] as number).toBeGreaterThan(0);
    expect((stored[0] as number) + (stored[1] as number)).toBe(FILINGS);
    const [n] = await nodeA.query<{ n: number }>(sql`select count(*)::int as n from insider_filings`);
    expect(Number(n?.n)).toBe(FILINGS);
  });

  it("(the measure can fail) a limiter per node, not shared, lets more than 10 a second through", async () => {
    const [a, b] = await drainOnBoth(() => new RateLimiter(SEC_BUDGET.perWindow));
    expect(a.outcome.status).toBe("succeeded");
    expect(b.outcome.status).toBe("succeeded");
    expect(busiestSecond(edgar.upstream.requests.map((r) => r.atMs))).toBeGreaterThan(SEC_BUDGET.perWindow);
  });

  it("a pause (429/503 Retry-After) on one node holds the other node's next request", async () => {
    const a = new SharedRateLimiter(nodeA.db, SEC_BUDGET);
    const b = new SharedRateLimiter(nodeB.db, SEC_BUDGET);
    await a.take();
    await a.pause(600);
    const before = Date.now();
    await b.take();
    expect(Date.now() - before).toBeGreaterThanOrEqual(550);
    expect(b.waitedMs).toBeGreaterThan(0);
  });
});
