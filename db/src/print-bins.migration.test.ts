import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../../test/support/db";
import { migrationsFolder } from "./index";
import { type Exec, foldersBefore, openEngine } from "./migration-engines.test-support";

/** Prints as a database before 0021 (print day bins) holds them: two symbols, three days, lit, off-exchange and a cancel. */
const PRINTS = sql`insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, is_off_exchange,
    conditions, block_eligible, correction, premium_discount_pct, side, sentiment, source, source_ref, published_at)
  select s, timestamptz '2025-03-10 13:00:00Z' + i * interval '5 hours', s || i, 50 + i, sz, (50 + i) * sz,
    case when i % 3 = 0 then 'Q' else 'D' end, i % 3 <> 0, '{}', true, case when i = 7 then 8 else 0 end,
    (i % 5) * 0.3 - 0.6, 'mid', 'bullish', 'test', 'r' || i, timestamptz '2025-03-10 13:00:00Z' + i * interval '5 hours'
  from unnest(array['MIGA', 'MIGB']) s, generate_series(0, 14) i,
    lateral (select case when i % 4 = 0 then 30000.0 else 150.0 + i end as sz) z`;

describe.each(engines())("migration 0021 (print day bins) on %s, from a database with prints", (engine) => {
  let e: Exec;
  const folders = foldersBefore("0021");
  const bins = async (table: string) =>
    (
      await e.run(
        sql.raw(`select symbol, day::text as day, kind, band, bin, label, prints::int as n, volume::float8 as v,
          coalesce(latest_ref, '') as ref from ${table} order by 1, 2, 3, 4, 5, 6`),
      )
    ).map(
      (r) =>
        `${r.symbol} ${String(r.day).slice(0, 10)} ${r.kind} ${r.band} ${r.bin} ${r.label} ${r.n} ${r.v} ${r.ref}`,
    );

  beforeAll(async () => {
    e = await openEngine(engine, "pre0021");
    await e.migrate(folders.before);
    await e.run(PRINTS);
    await e.migrate(migrationsFolder);
  });
  afterAll(async () => {
    await e.close();
    folders.cleanup();
  });

  it("back-fills the bins of the prints already stored, as the triggers would have kept them", async () => {
    const backfilled = await bins("print_day_bins");
    expect(backfilled.length).toBeGreaterThan(20);
    expect(backfilled).toContain("MIGA 2025-03-10 source 0 0 test 3 0 r2");
    // Reloading the same prints through the triggers gives the same bins.
    await e.run(sql`delete from prints`);
    expect(await bins("print_day_bins")).toEqual([]);
    await e.run(PRINTS);
    expect(await bins("print_day_bins")).toEqual(backfilled);
  });
});
