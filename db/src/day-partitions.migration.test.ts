import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines } from "../../test/support/db";
import { migrationsFolder } from "./index";
import { type Exec, foldersBefore, openEngine } from "./migration-engines.test-support";

/** A print row written by raw SQL, as any writer before 0017 stored it. */
const printRow = (symbol: string, ts: string, key: string, size: number) =>
  sql`insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, is_off_exchange, conditions,
      block_eligible, side, sentiment, source, source_ref, published_at)
    values (${symbol}, ${ts}, ${key}, 10, ${size}, ${10 * size}, 'D', true, '{}', true, 'mid', 'neutral', 'test',
      ${key}, ${ts}) on conflict do nothing`;

const optionRow = sql`insert into option_prints (contract, ts, trade_key, underlying, root, expiry, "right",
    strike_usd, price, size_contracts, premium_usd, exchange_id, conditions, side, sentiment, source, source_ref,
    published_at)
  values ('SPY250321C00500000', '2025-03-13T15:00:00Z', 'o1', 'SPY', 'SPY', '2025-03-21', 'call', 500, 1.5, 10,
    1500, 4, '{}', 'mid', 'neutral', 'test', 'o1', '2025-03-13T15:00:00Z') on conflict do nothing`;

describe.each(engines())("migration 0017 on %s, from a database with prints", (engine) => {
  let e: Exec;
  const folders = foldersBefore("0017");
  const rollups = async () =>
    (
      await e.run(
        sql`select symbol, day::text as day, off_prints::int as n, off_volume::float8 as v from print_day_rollups order by 1, 2`,
      )
    ).map((r) => `${r.symbol} ${String(r.day).slice(0, 10)} ${r.n} ${r.v}`);

  beforeAll(async () => {
    e = await openEngine(engine, "pre0017");
    await e.migrate(folders.before);
    for (const [i, ts] of ["2025-03-10T14:00:00Z", "2025-03-11T03:59:00Z", "2025-03-12T15:00:00Z"].entries())
      await e.run(printRow("MIG", ts, `k${i}`, 100 * (i + 1)));
    await e.run(optionRow);
    await e.migrate(migrationsFolder);
  });
  afterAll(async () => {
    await e.close();
    folders.cleanup();
  });

  it("keeps every row, each in its day's partition, with the rollups as they were", async () => {
    const rows = await e.run(
      sql`select tableoid::regclass::text as part, trade_key from prints order by trade_key`,
    );
    expect(rows.map((r) => `${r.part} ${r.trade_key}`)).toEqual([
      "prints_p20250310 k0",
      "prints_p20250310 k1",
      "prints_p20250312 k2",
    ]);
    const options = await e.run(sql`select tableoid::regclass::text as part from option_prints`);
    expect(options.map((r) => r.part)).toEqual(["option_prints_p20250313"]);
    expect(await rollups()).toEqual(["MIG 2025-03-10 2 300", "MIG 2025-03-12 1 300"]);
    const kinds = await e.run(
      sql`select relname, relkind from pg_class where relname in ('prints', 'option_prints')`,
    );
    expect(kinds.map((r) => `${r.relname} ${r.relkind}`).sort()).toEqual(["option_prints p", "prints p"]);
  });

  it("still stores a print once, and the rollup triggers still run on the partitioned table", async () => {
    await e.run(printRow("MIG", "2025-03-10T14:00:00Z", "k0", 100));
    await e.run(optionRow);
    expect(await e.run(sql`select count(*)::int as n from prints`)).toEqual([{ n: 3 }]);
    expect(await e.run(sql`select count(*)::int as n from option_prints`)).toEqual([{ n: 1 }]);
    await e.run(printRow("MIG", "2025-03-12T16:00:00Z", "k3", 50));
    expect(await rollups()).toEqual(["MIG 2025-03-10 2 300", "MIG 2025-03-12 2 350"]);
    await e.run(sql`delete from prints where trade_key = 'k1'`);
    expect(await rollups()).toEqual(["MIG 2025-03-10 1 100", "MIG 2025-03-12 2 350"]);
  });
});
