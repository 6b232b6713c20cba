import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { engines } from "../../test/support/db";
import { migrationJournal, migrationsFolder } from "./index";

/** The migrations folder as it was before 0017 (the journal cut there). */
function foldersBefore0017(): { before: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), "smt-pre0017-"));
  cpSync(migrationsFolder, dir, { recursive: true });
  const entries = migrationJournal().filter((e) => e.tag < "0017");
  writeFileSync(
    join(dir, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }),
  );
  return { before: dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

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

interface Exec {
  run(statement: ReturnType<typeof sql>): Promise<Record<string, unknown>[]>;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

async function openEngine(engine: "pglite" | "postgres"): Promise<Exec> {
  if (engine === "pglite") {
    const client = await PGlite.create("memory://");
    const db = drizzlePglite(client);
    return {
      run: async (s) => (await db.execute(s)).rows as Record<string, unknown>[],
      migrate: (folder) => migratePglite(db, { migrationsFolder: folder }),
      close: () => client.close(),
    };
  }
  const templateUrl = new URL(inject("pgTemplateUrl"));
  const name = `smt_t_${inject("pgRunId")}_${process.pid}_pre0017`;
  const adminUrl = new URL(templateUrl);
  adminUrl.pathname = "/postgres";
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const db = drizzlePostgres(client);
  return {
    run: async (s) => (await db.execute(s)) as unknown as Record<string, unknown>[],
    migrate: (folder) => migratePostgres(db, { migrationsFolder: folder }),
    async close() {
      await client.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

describe.each(engines())("migration 0017 on %s, from a database with prints", (engine) => {
  let e: Exec;
  const folders = foldersBefore0017();
  const rollups = async () =>
    (
      await e.run(
        sql`select symbol, day::text as day, off_prints::int as n, off_volume::float8 as v from print_day_rollups order by 1, 2`,
      )
    ).map((r) => `${r.symbol} ${String(r.day).slice(0, 10)} ${r.n} ${r.v}`);

  beforeAll(async () => {
    e = await openEngine(engine);
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
