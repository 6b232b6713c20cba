/**
 * The live path's bounded store queue (live-store.ts) against a real database: bursts larger than the queue,
 * a producer that ignores back-pressure, duplicates, a print the database rejects, and (real Postgres) a
 * stalled and a dropped connection. Correctness only: nothing here is timed.
 */
import { type DbHandle, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { MarketModel } from "../feeds/market-model";
import { createLogger } from "../lib/log";
import { LiveBus } from "../realtime/bus";
import { type PipelineOptions, PrintPipeline } from "./pipeline";
import type { EnrichedPrint } from "./print";

type Handle = DbHandle & { url?: string };

function livePipeline(handle: Handle, o: Partial<PipelineOptions> = {}) {
  const bus = new LiveBus();
  const announced: EnrichedPrint[] = [];
  let stored = 0;
  bus.on("prints", (p) => announced.push(...p));
  bus.on("printsStored", (p) => {
    stored += p.length;
  });
  const pipeline = new PrintPipeline({
    db: handle.db,
    bus,
    log: createLogger("silent"),
    lastLitWindowMs: 60_000,
    liveFlushMs: 2,
    ...o,
  });
  return { pipeline, announced, storedCount: () => stored };
}

const countRows = async (handle: Handle, source: string) =>
  Number(
    rowsOf<{ n: string | number }>(
      await handle.db.execute(sql`select count(*) as n from prints where source = ${source}`),
    )[0]?.n ?? 0,
  );

/** `n` distinct prints over 20 symbols, all tagged with `source`. */
function prints(n: number, source: string, seed = 1) {
  const model = new MarketModel({ seed, blockProbability: 0, tradeIdPrefix: source });
  const ts = new Date("2025-06-02T15:00:00Z");
  return Array.from({ length: n }, (_, i) => model.print(`LQ${i % 20}`, new Date(ts.getTime() + i), source));
}

describe.each(engines())("live pipeline: bounded store queue (%s)", (engine) => {
  let handle: Handle;
  beforeAll(async () => {
    handle = await openTestDb(engine);
  });
  afterAll(async () => handle.close());

  it("a burst 40x the queue's high-water mark stores every print, the producer pausing whenever it is full", async () => {
    const { pipeline, announced, storedCount } = livePipeline(handle, {
      liveHighWater: 250,
      liveCapacity: 500,
      liveMaxBatch: 100,
    });
    const burst = prints(10_000, "burst");
    let pauses = 0;
    for (const p of burst) {
      if (!pipeline.accept(p)) {
        pauses++;
        await pipeline.drained();
      }
    }
    await pipeline.close();
    expect(pauses).toBeGreaterThan(0);
    expect(pipeline.liveStats.maxDepth).toBeLessThanOrEqual(500);
    expect(pipeline.liveStats.refused).toBe(0);
    expect(announced).toHaveLength(10_000);
    expect(storedCount()).toBe(10_000);
    expect(await countRows(handle, "burst")).toBe(10_000);
  });

  it("a producer that ignores back-pressure is refused past capacity; what was taken is announced and stored", async () => {
    const { pipeline, announced } = livePipeline(handle, { liveHighWater: 200, liveCapacity: 300 });
    const burst = prints(2_000, "deaf");
    // All at once, never waiting: nothing can reach the database in between.
    const answers = burst.map((p) => pipeline.accept(p));
    expect(answers.slice(0, 199).every((a) => a)).toBe(true);
    expect(answers.slice(199).every((a) => !a)).toBe(true);
    expect(pipeline.liveStats.refused).toBe(1_700);
    await pipeline.flush();
    expect(announced).toHaveLength(300);
    expect(await countRows(handle, "deaf")).toBe(300);
    // The refused ones were not remembered as seen: sent again once there is room, they are taken.
    for (const p of burst.slice(300, 400)) expect(pipeline.accept(p)).toBe(true);
    await pipeline.close();
    expect(announced).toHaveLength(400);
    expect(await countRows(handle, "deaf")).toBe(400);
  });

  it("a live print sent twice (a feed's reconnect) is announced and stored once", async () => {
    const { pipeline, announced } = livePipeline(handle);
    const batch = prints(50, "twice");
    for (const p of [...batch, ...batch]) pipeline.accept(p);
    await pipeline.flush();
    for (const p of batch.slice(0, 10)) pipeline.accept(p);
    await pipeline.close();
    expect(announced).toHaveLength(50);
    expect(await countRows(handle, "twice")).toBe(50);
  });

  it("a print the database rejects is dropped alone and counted; the prints around it are stored", async () => {
    const { pipeline } = livePipeline(handle, { liveMaxBatch: 64 });
    const batch = prints(300, "badrow");
    batch[137] = { ...(batch[137] as (typeof batch)[number]), price: Number.NaN }; // price is NOT NULL
    for (const p of batch) pipeline.accept(p);
    await pipeline.close();
    expect(pipeline.liveStats.rejected).toBe(1);
    expect(pipeline.liveStats.retries).toBe(0);
    expect(await countRows(handle, "badrow")).toBe(299);
  });
});

describe.skipIf(!engines().includes("postgres"))("live pipeline: a database that stalls or drops", () => {
  let handle: Handle;
  let admin: postgres.Sql;
  beforeAll(async () => {
    handle = await openTestDb("postgres");
    // Two connections: one holds a lock in a transaction, the other watches pg_stat_activity (which a
    // transaction sees as of its first look).
    admin = postgres(handle.url ?? "", { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin.end();
    await handle.close();
  });

  it("a table lock fills the queue to its high-water mark; the producer waits and nothing is lost", async () => {
    const { pipeline, announced } = livePipeline(handle, { liveHighWater: 300, liveCapacity: 600 });
    const burst = prints(3_000, "stall");
    const locked = admin.begin(async (tx) => {
      await tx`lock table prints in exclusive mode`;
      await new Promise((r) => setTimeout(r, 1_500));
    });
    await new Promise((r) => setTimeout(r, 100));
    let pausedAt = -1;
    for (const [i, p] of burst.entries()) {
      if (!pipeline.accept(p)) {
        if (pausedAt < 0) pausedAt = i;
        await pipeline.drained();
      }
    }
    await locked;
    await pipeline.close();
    // While the table was locked, the producer got 300 prints in and was then told to wait.
    expect(pausedAt).toBe(299);
    expect(pipeline.liveStats.maxDepth).toBeLessThanOrEqual(600);
    expect(announced).toHaveLength(3_000);
    expect(await countRows(handle, "stall")).toBe(3_000);
  });

  it("an insert cut off by a terminated connection is retried, and every print is stored", async () => {
    const { pipeline } = livePipeline(handle, { liveMaxBatch: 100 });
    const burst = prints(1_000, "dropped");
    // Hold the insert on a table lock, terminate the connection it waits on, then let go.
    const cut = admin.begin(async (tx) => {
      await tx`lock table prints in exclusive mode`;
      for (let tries = 0; tries < 200; tries++) {
        const [row] = await admin`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query ilike '%insert into prints%'`;
        if ((row?.n ?? 0) > 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error("no insert waited on the lock");
    });
    await new Promise((r) => setTimeout(r, 100));
    for (const p of burst) pipeline.accept(p);
    await cut;
    await pipeline.close();
    expect(pipeline.liveStats.retries).toBeGreaterThan(0);
    expect(await countRows(handle, "dropped")).toBe(1_000);
  });
});
