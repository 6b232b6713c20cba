import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "../../../test/support/app";
import { engines } from "../../../test/support/db";
import { scanPrintDays } from "./print-aggregate";

const fixtures = join(import.meta.dirname, "..", "..", "..", "test", "fixtures");
const msftSample = readFileSync(
  join(fixtures, "trades", "polygon_flatfile_us_stocks_sip_trades_v1_sample_MSFT_2023-03-28.tsv"),
);

const print = (timestamp: string, size: number, price: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    symbol: "MSFT",
    timestamp,
    price,
    size,
    value: price * size,
    premium_discount: 0.2,
    market_price: price / 1.002,
    is_premium: true,
    sentiment: "bullish",
    ...over,
  });

/** Every value as a number (engines return bigint/text/Date differently), days as text. */
function normalise(rows: Record<string, unknown>[]) {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        k === "day" || k === "symbol"
          ? String(v).slice(0, 10)
          : v === null
            ? null
            : v instanceof Date || k.endsWith("_ts") || k.endsWith("_at")
              ? new Date(v as string).getTime()
              : Number(v),
      ]),
    ),
  );
}

describe.each(engines())("print rollups and the read cache on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const upload = async (body: string | Uint8Array, type: string, name: string) => {
    const res = await t.app.request(`/smart-money/ingest/prints?name=${name}`, {
      method: "POST",
      body: body as unknown as BodyInit,
      headers: { "content-type": type },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { accepted: number; duplicates: number };
  };
  const get = async <T>(path: string) => {
    const res = await t.app.request(path);
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };
  /** The rollup table must equal a scan of prints, day by day (sums to float rounding). */
  const expectRollupMatchesScan = async () => {
    const stored = normalise(
      await t.handle.query(sql`
        select day::text as day, ${sql.raw(
          "min_ts, max_ts, max_published_at, off_prints, off_volume, off_value_usd, off_max_ts, lit_volume, pd_sum, pd_count, premium_count, discount_count, bull_volume, bear_volume, neut_volume, unk_volume, bull_count, bear_count, neut_count, unk_count, bull_value_usd, bear_value_usd, neut_value_usd, other_value_usd, large_count, large_value_usd, large_bull_value_usd, large_bear_value_usd",
        )}
        from print_day_rollups where symbol = 'MSFT' order by day`),
    );
    const scanned = normalise(await scanPrintDays(t.handle.db, "MSFT"));
    expect(stored.map((r) => r.day)).toEqual(scanned.map((r) => r.day));
    for (const [i, row] of scanned.entries()) {
      for (const [k, v] of Object.entries(row)) {
        const got = stored[i]?.[k];
        if (typeof v === "number" && typeof got === "number")
          expect(got, `${row.day} ${k}`).toBeCloseTo(v, 6);
        else expect(got, `${row.day} ${k}`).toEqual(v);
      }
    }
    return scanned;
  };
  /** Off-exchange counted prints and $1M blocks of one New York day, straight from prints. */
  const direct = async (day: string) => {
    const rows = await t.handle.query<{ n: unknown; v: unknown; blocks: unknown }>(sql`
      select count(*) as n, coalesce(sum(size), 0) as v,
        count(*) filter (where block_eligible and value_usd >= 1000000) as blocks
      from prints where symbol = 'MSFT' and is_off_exchange and correction < 7
        and (ts at time zone 'America/New_York')::date = ${day}::date`);
    return { prints: Number(rows[0]?.n), volume: Number(rows[0]?.v), blocks: Number(rows[0]?.blocks) };
  };

  beforeAll(async () => {
    t = await buildTestApp(engine);
  });
  afterAll(async () => t.close());

  it("keeps the per-day rollup equal to a scan of prints when the vendor sample is loaded twice", async () => {
    expect(await upload(msftSample, "text/csv", "MSFT_2023-03-28.tsv")).toMatchObject({ accepted: 10 });
    const once = await expectRollupMatchesScan();
    expect(once.length).toBe(1);
    expect(await upload(msftSample, "text/csv", "MSFT_2023-03-28.tsv")).toMatchObject({
      accepted: 0,
      duplicates: 10,
    });
    expect(normalise(await scanPrintDays(t.handle.db, "MSFT"))).toEqual(once);
    await expectRollupMatchesScan();
  });

  it("answers summary, indicators and dashboard from fresh data after each ingest, duplicates not counted", async () => {
    const day = "2023-03-29";
    const batch1 = [
      print(`${day}T14:00:00Z`, 1000, 280),
      print(`${day}T15:00:00Z`, 50000, 281, { sentiment: "bearish", premium_discount: -0.3 }),
    ].join("\n");
    expect(await upload(batch1, "application/x-ndjson", "b1.ndjson")).toMatchObject({ accepted: 2 });
    type Summary = {
      date: string;
      total_prints: number;
      total_volume: number;
      large_blocks: { count: number };
    };
    const s1 = await get<Summary>(`/smart-money/dark-pool/MSFT/summary`);
    expect(s1.date).toBe(day);
    expect(s1.total_prints).toBe((await direct(day)).prints);
    // Served again (from the cache now): the same numbers.
    expect((await get<Summary>(`/smart-money/dark-pool/MSFT/summary`)).total_volume).toBe(s1.total_volume);
    type Dashboard = { dark_pool: { date: string; summary: { total_prints: number; large_blocks: number } } };
    const d1 = await get<Dashboard>(`/smart-money/analytics/MSFT/dashboard`);
    expect(d1.dark_pool.summary.total_prints).toBe(2);

    // New prints land: one repeated from the batch before, one repeated inside the upload, one $12M block.
    const batch2 = [
      print(`${day}T14:00:00Z`, 1000, 280),
      print(`${day}T16:00:00Z`, 42000, 285.7),
      print(`${day}T16:00:00Z`, 42000, 285.7),
      print(`${day}T17:00:00Z`, 300, 282),
    ].join("\n");
    const r2 = await upload(batch2, "application/x-ndjson", "b2.ndjson");
    expect(r2.accepted).toBe(2);
    const want = await direct(day);
    expect(want).toMatchObject({ prints: 4, volume: 93300, blocks: 2 });
    const s2 = await get<Summary>(`/smart-money/dark-pool/MSFT/summary`);
    expect(s2).toMatchObject({ total_prints: 4, total_volume: 93300, large_blocks: { count: 2 } });
    const d2 = await get<Dashboard>(`/smart-money/analytics/MSFT/dashboard`);
    expect(d2.dark_pool.summary).toMatchObject({ total_prints: 4, total_volume: 93300, large_blocks: 2 });
    const ind = await get<{ dark_pool_ratio: number | null; components: unknown }>(
      `/smart-money/analytics/MSFT/indicators?total_volume=186600&as_of=2023-03-29T20:00:00Z`,
    );
    expect(ind.dark_pool_ratio).toBeCloseTo(0.5, 4);
    await expectRollupMatchesScan();
  });

  it("sees rows another writer stored with plain SQL (no app involved), and retention deletes", async () => {
    const day = "2023-03-29";
    await t.handle.query(sql`
      insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, trf_id, is_off_exchange, conditions,
        block_eligible, side, sentiment, source, source_ref, published_at)
      values ('MSFT', '2023-03-29T18:00:00Z', 'other-writer-1', 283, 700, 198100, 'D', 201, true, '{}', true,
        'unknown', 'unknown', 'psql', 'manual', '2023-03-29T18:00:00Z')`);
    const s = await get<{ total_prints: number; total_volume: number }>(
      `/smart-money/dark-pool/MSFT/summary`,
    );
    expect(s).toMatchObject({ total_prints: 5, total_volume: 94000 });
    await expectRollupMatchesScan();

    // A scanning delete by time (any writer; retention itself drops whole day partitions): the rollup of the
    // touched days is recomputed from what is left.
    await t.handle.query(sql`delete from prints where symbol = 'MSFT' and ts < '2023-03-29T15:30:00Z'`);
    const after = await expectRollupMatchesScan();
    expect(after.map((r) => r.day)).toEqual([day]);
    const s2 = await get<{ total_prints: number }>(`/smart-money/dark-pool/MSFT/summary?date=${day}`);
    expect(s2.total_prints).toBe((await direct(day)).prints);
    expect(s2.total_prints).toBe(3);
  });

  it("answers a point-in-time request from the prints published by then, not from the cache", async () => {
    type Flow = { dark_pool: { summary: { total_prints: number } | null } };
    const past = await get<Flow>(`/smart-money/analytics/MSFT/dashboard?as_of=2023-03-29T17:30:00Z`);
    // At 17:30 UTC only the 16:00 block and the 17:00 print of that day were stored and published.
    expect(past.dark_pool.summary?.total_prints).toBe(2);
  });
});
