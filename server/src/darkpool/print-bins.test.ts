/**
 * The summary's and dashboard's groupings of a day of prints (size buckets, session, price levels,
 * premium/discount, blocks by sentiment, sources) come from `print_day_bins` where whole days allow (and a
 * scan elsewhere). These tests hold every reader to the raw-scan query it replaced (kept here, or as the
 * store's `scan*` fallback), over day edges, as_of inside a day, corrections, deletes and retention, on
 * both engines; and the whole summary and dashboard served from the bins to the same payload with the
 * bins unusable (every day scanned).
 */
import type { DbHandle } from "@smt/db";
import { rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { buildDashboard } from "../analytics/analytics.dashboard";
import { num } from "../lib/row-values";
import { getSummary } from "./darkpool.service";
import { COUNTS, inWindow, type PrintWindow } from "./print-sql";
import {
  blockSentiment,
  premiumDiscountHistogram,
  priceLevels,
  printSources,
  SIZE_BUCKETS,
  scanBlockSentiment,
  scanPremiumDiscountHistogram,
  scanPriceLevels,
  sizeBuckets,
} from "./print-window.store";
import { deletePrintsBefore } from "./retention";
import { extendedHoursVolume, REGULAR_SESSION } from "./sessions.store";

const S = "BIN";

/** The raw queries the bins replaced: size buckets, sources and extended hours as main computed them. */
async function rawSizeBuckets(h: DbHandle, w: PrintWindow) {
  const rows = rowsOf<Record<string, unknown>>(
    await h.db.execute(sql`
      select width_bucket(size, array[100, 2000, 10000, 100000]::float8[]) as b,
        count(*) as prints, sum(size) as volume, sum(value_usd) as value
      from prints where ${inWindow(w)} and is_off_exchange and ${COUNTS} group by 1`),
  );
  return SIZE_BUCKETS.map((bucket, i) => {
    const r = rows.find((x) => Number(x.b) === i);
    return {
      bucket: bucket.label,
      min_shares: bucket.min,
      max_shares: bucket.max,
      prints: num(r?.prints),
      volume: num(r?.volume),
      value: num(r?.value),
    };
  });
}
async function rawSources(h: DbHandle, w: PrintWindow) {
  const rows = rowsOf<Record<string, unknown>>(
    await h.db.execute(sql`
      select source, count(*) as rows, (array_agg(source_ref order by ts desc, source_ref desc))[1] as latest_ref
      from prints where ${inWindow(w)} group by source order by 2 desc, 1`),
  );
  return rows.map((r) => ({ source: String(r.source), rows: num(r.rows), latest_ref: String(r.latest_ref) }));
}
async function rawExtended(h: DbHandle, w: PrintWindow) {
  const rows = rowsOf<Record<string, unknown>>(
    await h.db.execute(sql`
      select count(*) filter (where is_off_exchange) as prints, sum(size) filter (where is_off_exchange) as volume,
        sum(value_usd) filter (where is_off_exchange) as value, sum(size) filter (where not is_off_exchange) as lit
      from prints where ${inWindow(w)} and correction < 7 and not ${REGULAR_SESSION}`),
  );
  const r = rows[0] ?? {};
  return {
    offExchangePrints: num(r.prints),
    offExchangeVolume: num(r.volume),
    offExchangeValueUsd: num(r.value),
    litVolume: num(r.lit),
  };
}

/** Deep equality with floats equal to 1e-6 relative (sums taken in another order). */
function expectClose(got: unknown, want: unknown, label: string) {
  if (typeof want === "number" && typeof got === "number") {
    expect(Math.abs(got - want), `${label}: ${got} vs ${want}`).toBeLessThanOrEqual(
      1e-6 * Math.max(1, Math.abs(want)),
    );
  } else if (want !== null && typeof want === "object") {
    expect(typeof got, label).toBe("object");
    const g = got as Record<string, unknown>;
    const keys = new Set([...Object.keys(want), ...Object.keys(g ?? {})]);
    for (const k of keys) expectClose(g?.[k], (want as Record<string, unknown>)[k], `${label}.${k}`);
  } else expect(got, label).toEqual(want);
}

/** Windows across day edges: several whole days, one day, partial edges, a window inside a day. */
const WINDOWS: [string, string, string][] = [
  ["2024-03-01T00:00:00Z", "2024-03-12T00:00:00Z", "2024-03-20T00:00:00Z"],
  ["2024-03-05T05:00:00Z", "2024-03-06T05:00:00Z", "2024-03-20T00:00:00Z"],
  ["2024-03-04T15:30:00Z", "2024-03-06T17:10:00Z", "2024-03-20T00:00:00Z"],
  ["2024-03-01T00:00:00Z", "2024-03-12T00:00:00Z", "2024-03-05T14:00:00Z"],
  ["2024-03-06T05:00:00Z", "2024-03-07T05:00:00Z", "2024-03-06T19:00:00Z"],
  ["2024-03-07T05:00:00Z", "2024-03-08T05:00:00Z", "2024-03-20T00:00:00Z"],
];

async function expectReadersMatchScans(h: DbHandle, tag: string) {
  let prints = 0;
  for (const [from, to, at] of WINDOWS) {
    const w = { symbol: S, since: new Date(from), until: new Date(to) };
    const asOf = new Date(at);
    const label = `${tag} ${from}..${to}@${at}`;
    const size = await sizeBuckets(h.db, w);
    prints += size.reduce((n, b) => n + b.prints, 0);
    expectClose(size, await rawSizeBuckets(h, w), `${label} size`);
    expectClose(await printSources(h.db, w), await rawSources(h, w), `${label} sources`);
    expectClose(await extendedHoursVolume(h.db, w), await rawExtended(h, w), `${label} ext`);
    for (const band of [0.25, 0.5, 1])
      expectClose(
        await priceLevels(h.db, w, band),
        await scanPriceLevels(h.db, w, band, 1_000_000),
        `${label} levels@${band}`,
      );
    expectClose(
      await blockSentiment(h.db, w, asOf, 1_000_000),
      await scanBlockSentiment(h.db, w, asOf, 1_000_000),
      `${label} blocks`,
    );
    expectClose(
      await premiumDiscountHistogram(h.db, w, asOf),
      await scanPremiumDiscountHistogram(h.db, w, asOf, 0.25),
      `${label} pd`,
    );
  }
  return prints;
}

/** Every bin unusable (no day proves whole): the readers scan every day, as before the bins. */
const disableBins = async (h: DbHandle) => {
  await h.query(sql`update print_day_bins set max_ts = 'infinity'`);
  await h.query(sql`update data_versions set version = version + 1`);
};

describe.each(engines())("day bins of prints on %s", (engine) => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb(engine);
    // 420 prints over five New York days (pre-market, session, after hours), lit and off-exchange, every
    // size bucket and sentiment, two sources, blocks over $1M, premiums beyond the histogram's clamp,
    // cancelled prints, publication up to 4 h after the print; from i = 300 a price that runs from $100
    // to $460 within a day, so some bands do not hold every print of that day (the reader must scan).
    await h.query(sql`
      insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, trf_id, is_off_exchange,
        conditions, block_eligible, extended_hours, correction, premium_discount_pct, side, sentiment, source,
        source_ref, published_at)
      select ${S}, timestamptz '2024-03-04 12:00:00Z' + i * interval '17 minutes', 'k' || i, px, sz, px * sz,
        case when i % 3 = 0 then 'Q' else 'D' end, case when i % 3 = 0 then null else 201 end, i % 3 <> 0, '{}',
        i % 5 <> 0, i % 29 = 0, case when i % 23 = 0 then 8 else 0 end,
        case when i % 4 = 0 then null else ((i % 13) - 6) * 0.45 end, 'unknown',
        (array['bullish', 'bearish', 'neutral', 'unknown'])[i % 4 + 1], case when i % 7 = 0 then 'feed' else 'file' end,
        'row ' || i, timestamptz '2024-03-04 12:00:00Z' + i * interval '17 minutes' + (i % 5) * interval '1 hour'
      from generate_series(0, 419) as i,
        lateral (select case when i >= 300 then 100 + (i - 300) * 3.0 else 100 + (i % 7) * 0.25 end as px) p,
        lateral (select case when i % 11 = 0 then 150000.0 when i % 13 = 0 then 12000.0 when i % 17 = 0 then 4000.0
          when i % 2 = 0 then 40.0 else 100.0 + i end as sz) s`);
  });
  afterAll(async () => h.close());

  it("every reader equals its raw scan, over whole days, day edges and as_of inside a day", async () => {
    const bins = await h.query<{ n: string }>(
      sql`select count(*)::text as n from print_day_bins where symbol = ${S}`,
    );
    expect(Number(bins[0]?.n)).toBeGreaterThan(50);
    expect(await expectReadersMatchScans(h, "inserted")).toBeGreaterThan(500);
  });

  it("whole days are answered from the bins (a changed bin shows), partial days by a scan", async () => {
    const day = {
      symbol: S,
      since: new Date("2024-03-05T05:00:00Z"),
      until: new Date("2024-03-06T05:00:00Z"),
    };
    const before = await sizeBuckets(h.db, day);
    await h.query(
      sql`update print_day_bins set prints = prints + 1000 where symbol = ${S} and kind = 'size'`,
    );
    try {
      const whole = await sizeBuckets(h.db, day);
      expect(whole.reduce((n, b) => n + b.prints, 0)).toBe(
        before.reduce((n, b) => n + b.prints, 0) + 1000 * 5,
      );
      const partial = { ...day, until: new Date("2024-03-05T20:00:00Z") };
      expectClose(await sizeBuckets(h.db, partial), await rawSizeBuckets(h, partial), "partial day");
    } finally {
      await h.query(
        sql`update print_day_bins set prints = prints - 1000 where symbol = ${S} and kind = 'size'`,
      );
    }
  });

  it("stays exact after corrections, repricing and deletes", async () => {
    await h.query(
      sql`update prints set correction = 8 where symbol = ${S} and trade_key in ('k31', 'k62', 'k100')`,
    );
    await h.query(sql`update prints set price = price * 1.3, value_usd = value_usd * 1.3, source_ref = 'fixed'
      where symbol = ${S} and trade_key in ('k40', 'k41', 'k77')`);
    expect(await expectReadersMatchScans(h, "corrected")).toBeGreaterThan(500);
    await h.query(sql`delete from prints where symbol = ${S} and trade_key in ('k5', 'k90', 'k91', 'k200')`);
    expect(await expectReadersMatchScans(h, "deleted")).toBeGreaterThan(500);
  });

  it("the summary and dashboard from the bins equal those computed by scanning every day", async () => {
    const asOf = new Date("2024-03-20T00:00:00Z");
    const inside = new Date("2024-03-06T19:00:00Z");
    const read = async () => ({
      summaries: await Promise.all(
        ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08"].map((date) =>
          getSummary(h.db, S, { date, asOf }),
        ),
      ),
      inside: await getSummary(h.db, S, { date: "2024-03-06", asOf: inside }),
      dashboard: await buildDashboard(h.db, S, asOf),
      dashboardInside: await buildDashboard(h.db, S, inside),
    });
    const fromBins = await read();
    expect(fromBins.summaries[1]?.price_levels.levels.length).toBeGreaterThan(0);
    expect(fromBins.dashboard.dark_pool).toBeTruthy();
    await disableBins(h);
    expectClose(fromBins, await read(), "payloads");
    await h.query(sql`delete from prints where symbol = ${S} and trade_key = 'k1'`); // recomputes its day's bins
  });

  it("retention drops the days' bins with their prints; the days kept stay exact", async () => {
    await h.query(sql`update prints set correction = correction where symbol = ${S}`); // rebuilds every day
    await deletePrintsBefore(h.db, new Date("2024-03-06T12:00:00Z"));
    const days = await h.query<{ d: string }>(
      sql`select distinct day::text as d from print_day_bins where symbol = ${S} order by 1`,
    );
    expect(days.map((r) => String(r.d).slice(0, 10))).toEqual([
      "2024-03-06",
      "2024-03-07",
      "2024-03-08",
      "2024-03-09",
    ]);
    const gone = {
      symbol: S,
      since: new Date("2024-03-04T05:00:00Z"),
      until: new Date("2024-03-06T05:00:00Z"),
    };
    expect((await sizeBuckets(h.db, gone)).every((b) => b.prints === 0)).toBe(true);
    expect(await expectReadersMatchScans(h, "after retention")).toBeGreaterThan(100);
  });
});
