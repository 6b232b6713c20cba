/**
 * The print window aggregate has one definition (`printAggregateColumns`). These tests hold the three
 * places that compute it to that definition, on both engines: the SQL of migration 0005's trigger
 * (`smt_print_rollup_select`), the rows the triggers maintain in `print_day_rollups`, and
 * `printWindowAggregate` over the rollup against a plain scan of the same prints.
 */
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import {
  type PrintWindowAggregate,
  printWindowAggregate,
  ROLLUP_AGGREGATES,
  scanPrintDays,
  scanWindowAggregate,
} from "./print-aggregate";

const squash = (s: string) => s.toLowerCase().replace(/\s+/g, "");

/** Every value as a number (engines return bigint/text/Date differently), days as text. */
const normalise = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        k === "day"
          ? String(v).slice(0, 10)
          : v === null
            ? null
            : k.endsWith("_ts") || k.endsWith("_at")
              ? new Date(v as string).getTime()
              : Number(v),
      ]),
    ),
  );

/** Numbers equal to float rounding, everything else exactly. */
function expectSameAggregate(got: PrintWindowAggregate, want: PrintWindowAggregate, label: string) {
  const flat = (a: PrintWindowAggregate) =>
    Object.entries({ ...a, offMaxTs: a.offMaxTs?.getTime() ?? null }).flatMap(([k, v]) =>
      v !== null && typeof v === "object" ? Object.entries(v).map(([j, x]) => [`${k}.${j}`, x]) : [[k, v]],
    ) as [string, number | null][];
  const w = new Map(flat(want));
  for (const [k, v] of flat(got)) {
    if (typeof v === "number" && typeof w.get(k) === "number")
      expect(v, `${label} ${k}`).toBeCloseTo(w.get(k) as number, 6);
    else expect(v, `${label} ${k}`).toEqual(w.get(k));
  }
}

describe.each(engines())("the print window aggregate on %s", (engine) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(engine);
    // 400 prints over six New York days, lit and off-exchange, every sentiment, priced and unpriced,
    // blocks above and below $1M (some not block-eligible), and cancelled prints (correction 8).
    await h.query(sql`
      insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, trf_id, is_off_exchange,
        conditions, block_eligible, correction, premium_discount_pct, side, sentiment, source, source_ref,
        published_at)
      select 'AGG', timestamptz '2024-03-04 12:00:00Z' + i * interval '17 minutes', 'k' || i,
        100 + (i % 7) * 0.25, sz, (100 + (i % 7) * 0.25) * sz, case when i % 3 = 0 then 'Q' else 'D' end,
        case when i % 3 = 0 then null else 201 end, i % 3 <> 0, '{}', i % 5 <> 0,
        case when i % 23 = 0 then 8 else 0 end,
        case when i % 4 = 0 then null else ((i % 9) - 4) * 0.05 end, 'unknown',
        (array['bullish', 'bearish', 'neutral', 'unknown'])[i % 4 + 1], 'test', 'row ' || i,
        timestamptz '2024-03-04 12:00:00Z' + i * interval '17 minutes' + (i % 5) * interval '1 hour'
      from generate_series(0, 399) as i,
        lateral (select case when i % 11 = 0 then 20000.0 when i % 13 = 0 then 4000.0 else 100.0 + i end as sz) s`);
  });
  afterAll(async () => h.close());

  it("the trigger's SQL lists the same aggregate expressions, in the same order", async () => {
    const rows = await h.query<{ q: string }>(sql`select smt_print_rollup_select('prints') as q`);
    const text = squash(String(rows[0]?.q));
    const list = text.slice(text.indexOf("asday,") + "asday,".length, text.indexOf("from"));
    expect(list).toBe(squash(ROLLUP_AGGREGATES.map(([, expr]) => expr).join(",")));
  });

  it("the trigger-maintained rollup equals the aggregate scanned over the same prints, day by day", async () => {
    const stored = normalise(
      await h.query(
        sql`select day::text as day, ${sql.raw(ROLLUP_AGGREGATES.map(([c]) => c).join(", "))}
          from print_day_rollups where symbol = 'AGG' order by day`,
      ),
    );
    const scanned = normalise(await scanPrintDays(h.db, "AGG"));
    expect(scanned.length).toBeGreaterThan(3);
    expect(stored.map((r) => r.day)).toEqual(scanned.map((r) => r.day));
    for (const [i, row] of scanned.entries())
      for (const [k, v] of Object.entries(row)) {
        const got = stored[i]?.[k];
        if (typeof v === "number" && typeof got === "number")
          expect(got, `${row.day} ${k}`).toBeCloseTo(v, 6);
        else expect(got, `${row.day} ${k}`).toEqual(v);
      }
  });

  it("printWindowAggregate (rollup where whole days allow) equals one scan, for any window and as_of", async () => {
    const windows: [string, string, string | null][] = [
      ["2024-03-01T00:00:00Z", "2024-03-09T00:00:00Z", null],
      ["2024-03-04T05:00:00Z", "2024-03-06T05:00:00Z", null],
      ["2024-03-04T15:30:00Z", "2024-03-05T17:10:00Z", null],
      ["2024-03-01T00:00:00Z", "2024-03-09T00:00:00Z", "2024-03-05T14:00:00Z"],
      ["2024-03-05T05:00:00Z", "2024-03-06T05:00:00Z", "2024-03-07T00:00:00Z"],
    ];
    for (const [from, to, asOf] of windows) {
      const opts = { asOf: asOf ? new Date(asOf) : null };
      const got = await printWindowAggregate(
        h.db,
        { symbol: "AGG", since: new Date(from), until: new Date(to) },
        opts,
      );
      const want = await scanWindowAggregate(
        h.db,
        { symbol: "AGG", since: new Date(from), until: new Date(to) },
        opts,
      );
      expect(want.offPrints).toBeGreaterThan(0);
      expectSameAggregate(got, want, `${from}..${to}@${asOf}`);
    }
    const whole = await printWindowAggregate(h.db, {
      symbol: "AGG",
      since: new Date("2024-03-01Z"),
      until: new Date("2024-03-09Z"),
    });
    expect(whole.large.count).toBeGreaterThan(0);
    expect(whole.litVolume).toBeGreaterThan(0);
  });

  it("at another block threshold counts the blocks a direct query counts", async () => {
    const from = new Date("2024-03-01Z");
    const to = new Date("2024-03-09Z");
    const agg = await printWindowAggregate(
      h.db,
      { symbol: "AGG", since: from, until: to },
      { blockMinUsd: 300_000 },
    );
    const direct = await h.query<{ n: unknown; v: unknown }>(sql`
      select count(*) as n, sum(value_usd) as v from prints
      where symbol = 'AGG' and is_off_exchange and block_eligible and value_usd >= 300000 and correction < 7`);
    expect(agg.large.count).toBe(Number(direct[0]?.n));
    expect(agg.large.valueUsd).toBeCloseTo(Number(direct[0]?.v), 4);
    expect(agg.large.count).toBeGreaterThan(
      (await printWindowAggregate(h.db, { symbol: "AGG", since: from, until: to })).large.count,
    );
  });
});
