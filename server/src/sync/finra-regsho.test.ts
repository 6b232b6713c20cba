import { readFileSync } from "node:fs";
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { createLogger } from "../lib/log";
import { FINRA_REGSHO_SOURCE, type FinraRegShoOptions, finraRegShoJob } from "./finra-regsho.job";
import { SyncRunner } from "./runner";
import { sourceState } from "./sync.store";
import { type FakeUpstream, startFakeUpstream } from "./test-upstream";

const FIXTURES = new URL("../../../test/fixtures/analytics/", import.meta.url);
const DAYS = ["20210125", "20210126", "20210127", "20210128"];
const fileOf = (d: string) => readFileSync(new URL(`CNMSshvol${d}.txt`, FIXTURES));
const path = (d: string) => `/equity/regsho/daily/CNMSshvol${d}.txt`;
/** Rows in a file: all lines but the header and the record-count trailer. */
const rowsOf = (d: string) => fileOf(d).toString("utf8").trim().split("\n").length - 2;
const log = createLogger("silent");

describe.each(engines())("FINRA Reg SHO sync on %s", (engine) => {
  let handle: DbHandle;
  let upstream: FakeUpstream;
  let nowMs = Date.parse("2021-01-29T00:30:00Z"); // 2021-01-28 19:30 ET, after that day's 18:00 ET
  const options = (): FinraRegShoOptions => ({
    baseUrl: `${upstream.url}/equity/regsho/daily`,
    backfillDays: 14,
    maxBytes: 16 * 1024 * 1024,
    timeoutMs: 5000,
    retryBaseMs: 5,
  });
  const runner = (owner = "node-a", o = options()) =>
    new SyncRunner({ db: handle.db, jobs: [finraRegShoJob(o)], log, clock: () => nowMs, owner });
  const storedRows = async (day: string) => {
    const rows = await handle.query<{ n: number }>(
      sql`select count(*)::int as n from short_volume where day = ${day} and facility = 'CNMS'`,
    );
    return Number(rows[0]?.n);
  };
  const fetched = () => upstream.requests.map((r) => r.path.replace(/^.*CNMSshvol/, ""));

  beforeAll(async () => {
    handle = await openTestDb(engine);
  });
  afterAll(async () => {
    await handle.close();
  });
  beforeEach(async () => {
    upstream = await startFakeUpstream();
    for (const d of DAYS) upstream.files.set(path(d), fileOf(d));
    await handle.query(sql`delete from short_volume`);
    await handle.query(sql`delete from sync_items`);
    await handle.query(sql`delete from sync_runs`);
    nowMs = Date.parse("2021-01-29T00:30:00Z");
  });
  afterEach(async () => {
    await upstream.close();
  });

  it("backfills every missed trading day; holidays are not asked for, a 403 day is 'not published'", async () => {
    const { outcome } = await runner().runNow(FINRA_REGSHO_SOURCE, { since: "2021-01-14" });
    expect(outcome.status).toBe("succeeded");
    // 2021-01-16/17 weekend and 2021-01-18 (MLK day) never requested; 01-14..01-22 answer 403.
    expect(fetched()).toEqual([
      "20210114.txt",
      "20210115.txt",
      "20210119.txt",
      "20210120.txt",
      "20210121.txt",
      "20210122.txt",
      ...DAYS.map((d) => `${d}.txt`),
    ]);
    expect(outcome.stats).toMatchObject({ stored: 4, not_published: 6 });
    for (const d of DAYS)
      expect(await storedRows(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`)).toBe(rowsOf(d));
    const state = await sourceState(handle.db, FINRA_REGSHO_SOURCE);
    expect(state.newestDataDate).toBe("2021-01-28");
    expect(state.lastError).toBeNull();
  });

  it("a re-run fetches only the missing days and stores nothing new", async () => {
    await runner().runNow(FINRA_REGSHO_SOURCE, { since: "2021-01-25", until: "2021-01-26" });
    upstream.requests.length = 0;
    const { outcome } = await runner().runNow(FINRA_REGSHO_SOURCE, { since: "2021-01-25" });
    expect(fetched()).toEqual(["20210127.txt", "20210128.txt"]);
    expect(outcome.stats).toMatchObject({ stored: 2, already: 2, duplicates: 0 });
    upstream.requests.length = 0;
    const again = await runner().runNow(FINRA_REGSHO_SOURCE, { since: "2021-01-25" });
    expect(fetched()).toEqual([]);
    expect(again.outcome.stats).toMatchObject({ stored: 0, already: 4 });
  });

  it("a 429 then success stores the day; Retry-After is honoured", async () => {
    upstream.faults.set(path("20210127"), { kind: "status", status: 429, times: 1, retryAfterS: 1 });
    const { outcome } = await runner().runNow(FINRA_REGSHO_SOURCE, {
      since: "2021-01-27",
      until: "2021-01-27",
    });
    expect(outcome.status).toBe("succeeded");
    const times = upstream.requests.map((r) => r.atMs);
    expect(times).toHaveLength(2);
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(900);
    expect(await storedRows("2021-01-27")).toBe(rowsOf("20210127"));
  });

  it("a truncated file stores nothing and the run retries; the full file then lands once", async () => {
    const full = fileOf("20210128");
    upstream.faults.set(path("20210128"), {
      kind: "truncate",
      keepBytes: Math.floor(full.length / 2),
      times: 1,
    });
    const first = await runner().runNow(FINRA_REGSHO_SOURCE, { since: "2021-01-28" });
    expect(first.outcome.status).toBe("dead"); // a CLI run has one attempt
    expect(first.outcome.error).toMatch(/CNMSshvol20210128\.txt/);
    expect(await storedRows("2021-01-28")).toBe(0);
    const second = await runner().runNow(FINRA_REGSHO_SOURCE, { since: "2021-01-28" });
    expect(second.outcome.status).toBe("succeeded");
    expect(await storedRows("2021-01-28")).toBe(rowsOf("20210128"));
  });

  it("a 503 storm fails the scheduled run, which retries with backoff and ends dead-lettered", async () => {
    for (const d of DAYS) upstream.faults.set(path(d), { kind: "status", status: 503, times: 1_000 });
    const node = runner("node-a", { ...options(), backfillDays: 1 });
    await node.tick(true);
    expect(await node.runDue()).toBe(1);
    let state = await sourceState(handle.db, FINRA_REGSHO_SOURCE);
    expect(state.lastStatus).toBe("retry");
    expect(state.lastError).toMatch(/HTTP 503/);
    // Not due again until the backoff has passed.
    expect(await node.runDue()).toBe(0);
    for (let i = 0; i < 10; i++) {
      nowMs += 3 * 3_600_000;
      await node.runDue();
    }
    state = await sourceState(handle.db, FINRA_REGSHO_SOURCE);
    expect(state.lastStatus).toBe("dead");
    expect(state.deadRuns).toBe(1);
    const runs = await handle.query<{ attempts: number }>(sql`select attempts from sync_runs`);
    expect(runs.map((r) => Number(r.attempts))).toEqual([5]);
  });

  it("a run killed mid-sync (lease lapses) is taken over by another node without duplicates or gaps", async () => {
    // Node A claims the run and stores two days, then dies without finishing (no lease renewal).
    const nodeA = runner("node-a");
    await nodeA.tick(true);
    const { claimRun } = await import("./sync.store");
    const claimed = await claimRun(handle.db, [FINRA_REGSHO_SOURCE], "node-a", new Date(nowMs), 60_000);
    expect(claimed).not.toBeNull();
    const { storeDay } = await import("./finra-regsho.job");
    await storeDay(handle.db, "2021-01-25", options(), () => new Date(nowMs));
    // Rows of 01-26 committed but the day not marked: the crash hit between the two.
    await storeDay(handle.db, "2021-01-26", options(), () => new Date(nowMs));
    await handle.query(sql`delete from sync_items where item_key = '2021-01-26'`);
    // While A's lease holds, B takes nothing.
    const nodeB = runner("node-b");
    expect(await nodeB.runDue()).toBe(0);
    nowMs += 61_000;
    expect(await nodeB.runDue()).toBe(1);
    for (const d of DAYS)
      expect(await storedRows(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`)).toBe(rowsOf(d));
    const runs = await handle.query<{ status: string; owner: string; attempts: number }>(
      sql`select status, owner, attempts from sync_runs`,
    );
    expect(runs).toEqual([{ status: "succeeded", owner: "node-b", attempts: 2 }]);
  });
});
