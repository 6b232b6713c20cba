/**
 * The SEC's fair-access budget, shared by every job and every node: "no more than 10 requests per second"
 * per user across all machines (https://www.sec.gov/os/accessing-edgar-data); above it the SEC blocks
 * the IP for about ten minutes. The budget lives in the database every node already shares (a row of
 * `sync_rate_limits`), so it holds across nodes on Postgres and within the one process on PGlite, with no
 * extra service. Redis was the other candidate; it is optional in this project and a Postgres deployment
 * of several nodes without it would have had no shared budget.
 *
 * A sliding-window log: the row keeps the times (database clock, so node clocks may differ) of the
 * requests let through in the last window; a request passes when fewer than `perWindow` did, else it
 * waits until the oldest leaves the window and asks again. Times are recorded when a request is let
 * through, not when it was planned, so a node whose timer fired late cannot bunch requests up. The window
 * is one second plus a guard of 500 ms: 10 requests per 1.5 s, under 7 per second sustained (below the
 * ~8 rps docs/data-formats advises) with bursts of 10, so requests that reach the SEC up to 500 ms later than
 * they were let through (a busy event loop, a slow connection) still fit 10 in any second there. A
 * 429/503 answer (Retry-After) pauses the whole budget: every node waits.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import type { RequestLimiter } from "../institutional/edgar.client";
import { ArrayLiteral } from "../lib/pg-array";

export interface SharedLimiterOptions {
  /** Row name: one budget per upstream (`sec`). */
  name: string;
  perWindow: number;
  windowMs: number;
  /** Added to the window: allowance for requests reaching the upstream with different delays. */
  guardMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export const SEC_BUDGET: Omit<SharedLimiterOptions, "sleep"> = {
  name: "sec",
  perWindow: 10,
  windowMs: 1000,
  // 250 ms was seen to let 11-12 requests reach the fake SEC within one second on a loaded 2-core CI machine.
  guardMs: 500,
};

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class SharedRateLimiter implements RequestLimiter {
  private ready: Promise<void> | null = null;
  /** Requests let through by this instance (tests and summaries). */
  granted = 0;
  /** Time this instance spent waiting for the budget, ms. */
  waitedMs = 0;

  constructor(
    private readonly db: Db,
    private readonly o: SharedLimiterOptions,
  ) {}

  /** Waits until the shared budget lets one more request through, and records it. */
  async take(): Promise<void> {
    this.ready ??= this.ensureRow();
    await this.ready;
    for (;;) {
      const wait = await this.tryTake();
      if (wait === 0) {
        this.granted++;
        return;
      }
      if (wait < 0) continue;
      // Asked again after the wait: another node may have taken the slot meanwhile.
      const ms = Math.min(Math.ceil(wait), 60_000);
      this.waitedMs += ms;
      await (this.o.sleep ?? defaultSleep)(ms);
    }
  }

  /** Holds every request on this budget, on every node, for `ms` from now (database clock). */
  async pause(ms: number): Promise<void> {
    this.ready ??= this.ensureRow();
    await this.ready;
    await this.db.execute(sql`
      update sync_rate_limits
      set paused_until_ms = greatest(paused_until_ms,
        floor(extract(epoch from clock_timestamp()) * 1000)::bigint + ${Math.max(0, Math.round(ms))}::bigint)
      where name = ${this.o.name}`);
  }

  private async ensureRow(): Promise<void> {
    await this.db.execute(
      sql`insert into sync_rate_limits (name) values (${this.o.name}) on conflict (name) do nothing`,
    );
  }

  /** One attempt under the row lock: 0 when let through, -1 to ask again at once, else how long to wait. */
  private async tryTake(): Promise<number> {
    const span = this.o.windowMs + this.o.guardMs;
    return this.db.transaction(async (tx) => {
      const [row] = rowsOf<{ grants: (string | number)[]; paused: string | number }>(
        await tx.execute(sql`
          select grants::float8[] as grants, paused_until_ms::float8 as paused
          from sync_rate_limits where name = ${this.o.name} for update`),
      );
      // The clock is read after the lock is held: a request that waited for the lock is timed when it passes.
      const [clock] = rowsOf<{ now: string | number }>(
        await tx.execute(sql`select floor(extract(epoch from clock_timestamp()) * 1000)::float8 as now`),
      );
      const now = Number(clock?.now);
      if (!row) {
        // The row went away (a reset): put it back and ask again at once.
        await tx.execute(
          sql`insert into sync_rate_limits (name) values (${this.o.name}) on conflict (name) do nothing`,
        );
        return -1;
      }
      const paused = Number(row.paused);
      if (paused > now) return paused - now;
      const recent = row.grants.map(Number).filter((g) => g > now - span);
      if (recent.length >= this.o.perWindow) {
        return (recent[recent.length - this.o.perWindow] as number) + span - now;
      }
      recent.push(now);
      const list = new ArrayLiteral();
      for (const g of recent) list.num(g);
      await tx.execute(
        sql`update sync_rate_limits set grants = ${list.toString()}::bigint[] where name = ${this.o.name}`,
      );
      return 0;
    });
  }
}

const byDb = new WeakMap<Db, SharedRateLimiter>();

/** The SEC budget of a database, one instance per process and database. */
export function secFairAccess(db: Db): SharedRateLimiter {
  let limiter = byDb.get(db);
  if (!limiter) {
    limiter = new SharedRateLimiter(db, SEC_BUDGET);
    byDb.set(db, limiter);
  }
  return limiter;
}
