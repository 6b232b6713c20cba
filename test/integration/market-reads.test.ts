/**
 * Issue 12, speed of the market reads at full size: the latest known day is found by one probe per newer day,
 * the tape is read a New York day at a time, and the board, day and tape statements are prepared on a real
 * server. The answers must stay those of the plain definitions, computed here from the stored rows: the
 * latest day with a row known at as_of (`max(day) where known`), and the whole tape range read at once.
 */
import { preparedRows } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tapePrints, tapeSql } from "../../server/src/darkpool/tape.service";
import { getLeaders } from "../../server/src/market/leaders.service";
import { buildTestApp } from "../support/app";
import { engines } from "../support/db";

describe.each(engines())("market reads at past moments on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  /** Moments over the stored print days: each day's open, noon and evening (UTC). */
  let moments: Date[] = [];

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    for (const s of ["AAPL", "GME", "TSLA"]) {
      const res = await t.app.request(`/smart-money/demo/${s}/generate-data?days=8`, { method: "POST" });
      expect(res.status).toBe(200);
    }
    const days = await t.handle.query<{ d: string }>(
      sql`select distinct day::text as d from print_day_rollups order by 1`,
    );
    expect(days.length).toBeGreaterThan(4);
    moments = days.flatMap(({ d }) => ["14:00", "17:00", "23:30"].map((h) => new Date(`${d}T${h}:00Z`)));
  }, 300_000);
  afterAll(async () => t?.close());

  it("ranks a board over the latest print day known at as_of, however many newer days are stored", async () => {
    for (const asOf of moments) {
      const at = asOf.toISOString();
      const [plain] = await t.handle.query<{ d: string | null }>(sql`
        select max(day)::text as d from print_day_rollups where off_prints > 0 and min_ts <= ${at}::timestamptz`);
      const board = await getLeaders(
        t.handle.db,
        { metric: "dark_pool_value", asOf, limit: 5, offset: 0, order: "desc", windowDays: 30 },
        new Date(),
      );
      expect(board.window.to, at).toBe(plain?.d ?? null);
    }
  });

  it("reads the tape a day at a time with the rows and order of the whole range read at once", async () => {
    const stored = await t.handle.query<{ n: number }>(
      sql`select count(*)::int as n from prints where is_off_exchange and value_usd >= 100000`,
    );
    expect(stored[0]?.n).toBeGreaterThan(50);
    let spanning = 0;
    for (const [i, asOf] of moments.entries()) {
      for (const limit of [3, 40, 5000]) {
        const q = {
          asOf,
          minValueUsd: i % 2 ? 100_000 : 250_000,
          limit,
          since: i % 3 === 1 ? new Date(asOf.getTime() - 2 * 86_400_000) : undefined,
        };
        const got = await tapePrints(t.handle.db, q);
        const whole = await preparedRows<{ trade_key: string; ts: string }>(t.handle.db, tapeSql(q));
        expect(got.map((p) => p.trade_key)).toEqual(whole.map((p) => p.trade_key));
        if (new Set(got.map((p) => p.ts.slice(0, 10))).size > 2) spanning++;
        // A page from a cursor continues the same order.
        const last = got[Math.floor(got.length / 2)];
        if (!last) continue;
        const after = { ts: last.ts, symbol: last.symbol, tradeKey: last.trade_key };
        const next = await tapePrints(t.handle.db, { ...q, after });
        const wholeNext = await preparedRows<{ trade_key: string }>(t.handle.db, tapeSql({ ...q, after }));
        expect(next.map((p) => p.trade_key)).toEqual(wholeNext.map((p) => p.trade_key));
      }
    }
    // Pages that cross several New York days (the slices after the first) were compared too.
    expect(spanning).toBeGreaterThan(3);
  });
});
