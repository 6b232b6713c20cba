import { createReadStream } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "../../../test/support/app";
import { collectorOf, located } from "../../../test/support/collect";
import { engines, openTestDb } from "../../../test/support/db";
import { type OptionPrint, parseOptionTradesCsv } from "../blocks/options.parse";
import { insertOptionPrints } from "../blocks/options.store";
import { deletePrintsBefore } from "../darkpool/retention";
import {
  BATCH_MAX_NEW_DAYS,
  createDaysAhead,
  dayPartitions,
  daysAhead,
  sweepDefaultPartitions,
} from "./day-partitions";

const OPTIONS = "polygon_flatfile_us_options_opra_trades_v1_sample_SPY230327P00390000.tsv";
const optionsFixture = new URL(`../../../test/fixtures/options/${OPTIONS}`, import.meta.url);

/** NDJSON prints of one symbol: [timestamp, size] pairs at $10. */
const ndjson = (symbol: string, prints: [string, number][]) =>
  prints.map(([timestamp, size]) => JSON.stringify({ symbol, timestamp, price: 10, size })).join("\n");

describe("days ahead", () => {
  it("are today (New York) and the next trading days, skipping weekends and NYSE holidays", () => {
    // Wednesday 2026-11-25 21:00 ET: Thanksgiving (26th) and the weekend are skipped.
    expect(daysAhead(new Date("2026-11-26T02:00:00Z"), 3)).toEqual([
      "2026-11-25",
      "2026-11-27",
      "2026-11-30",
      "2026-12-01",
    ]);
  });
});

describe.each(engines())("day partitions of prints on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const upload = async (name: string, body: string) => {
    const res = await t.app.request(`/smart-money/ingest/prints?name=${name}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { accepted: number; duplicates: number };
  };
  const count = async (table: string, where = sql`true`) =>
    Number(
      (
        await t.handle.query<{ n: number }>(
          sql`select count(*)::int as n from ${sql.raw(table)} where ${where}`,
        )
      )[0]?.n,
    );
  const rollups = async (symbol: string) =>
    (
      await t.handle.query<{ day: string; off_prints: number; off_volume: number }>(
        sql`select day::text as day, off_prints::int as off_prints, off_volume::float8 as off_volume
          from print_day_rollups where symbol = ${symbol} order by day`,
      )
    ).map((r) => ({
      day: String(r.day).slice(0, 10),
      prints: Number(r.off_prints),
      volume: Number(r.off_volume),
    }));

  beforeAll(async () => {
    t = await buildTestApp(engine);
  });
  afterAll(async () => t.close());

  it("creates a day's partition on demand at ingest, and a file ingested twice is stored once", async () => {
    const file = ndjson("PART", [
      ["2025-03-10T14:00:00Z", 100],
      ["2025-03-10T23:30:00Z", 200], // 19:30 New York, still the 10th
      ["2025-03-11T03:59:00Z", 300], // 23:59 New York on the 10th
      ["2025-03-11T14:00:00Z", 400],
    ]);
    expect(await upload("part.ndjson", file)).toMatchObject({ accepted: 4, duplicates: 0 });
    expect(await upload("part.ndjson", file)).toMatchObject({ accepted: 0, duplicates: 4 });
    expect(await dayPartitions(t.handle.db, "prints")).toEqual(
      expect.arrayContaining(["2025-03-10", "2025-03-11"]),
    );
    expect(await count("prints_p20250310", sql`symbol = 'PART'`)).toBe(3);
    expect(await count("prints_p20250311", sql`symbol = 'PART'`)).toBe(1);
    expect(await count("prints_default")).toBe(0);
    expect(await rollups("PART")).toEqual([
      { day: "2025-03-10", prints: 3, volume: 600 },
      { day: "2025-03-11", prints: 1, volume: 400 },
    ]);
  });

  it("catches rows of a day nobody created in DEFAULT and moves them out, keeping the dedupe key and the rollups", async () => {
    // A writer that bypasses insertPrints (psql, a script): the row lands in DEFAULT.
    const raw = sql`insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, is_off_exchange,
        conditions, block_eligible, side, sentiment, source, source_ref, published_at)
      values ('RAW', '2025-04-07T15:00:00Z', 'raw|1', 5, 10, 50, 'D', true, '{}', true, 'mid', 'neutral', 'test',
        'raw:1', '2025-04-07T15:00:00Z') on conflict do nothing`;
    await t.handle.query(raw);
    expect(await count("prints_default", sql`symbol = 'RAW'`)).toBe(1);
    await t.handle.query(raw);
    expect(await count("prints", sql`symbol = 'RAW'`)).toBe(1);
    const before = await rollups("RAW");
    expect(await sweepDefaultPartitions(t.handle.db)).toMatchObject({ strayDays: ["2025-04-07"] });
    expect(await count("prints_default")).toBe(0);
    expect(await count("prints_p20250407", sql`symbol = 'RAW'`)).toBe(1);
    expect(await rollups("RAW")).toEqual(before);
    // Still one row after the move: the same print now routes to the day's partition and collides.
    await t.handle.query(raw);
    expect(await count("prints", sql`symbol = 'RAW'`)).toBe(1);
    expect(await rollups("RAW")).toEqual([{ day: "2025-04-07", prints: 1, volume: 10 }]);
  });

  it("bounds the partitions one file can create: past the limit, rows are stored in DEFAULT", async () => {
    const spread: [string, number][] = Array.from({ length: BATCH_MAX_NEW_DAYS + 6 }, (_, i) => [
      new Date(Date.UTC(2010, 0, 1 + i, 15)).toISOString(),
      1,
    ]);
    const before = (await dayPartitions(t.handle.db, "prints")).length;
    const file = ndjson("MANY", spread);
    expect(await upload("many.ndjson", file)).toMatchObject({ accepted: spread.length });
    expect(await upload("many.ndjson", file)).toMatchObject({ accepted: 0, duplicates: spread.length });
    expect((await dayPartitions(t.handle.db, "prints")).length - before).toBeLessThanOrEqual(
      BATCH_MAX_NEW_DAYS,
    );
    expect(await count("prints", sql`symbol = 'MANY'`)).toBe(spread.length);
    expect(await count("prints_default", sql`symbol = 'MANY'`)).toBeGreaterThanOrEqual(6);
    // The job gives those days their partitions.
    await sweepDefaultPartitions(t.handle.db);
    expect(await count("prints_default", sql`symbol = 'MANY'`)).toBe(0);
    expect(await count("prints", sql`symbol = 'MANY'`)).toBe(spread.length);
    await t.handle.query(sql`delete from prints where symbol = 'MANY'`);
  });

  it("creates today's and the coming trading days' partitions ahead, idempotently", async () => {
    const now = new Date("2026-11-26T02:00:00Z");
    expect(await createDaysAhead(t.handle.db, now, 3)).toBe(8);
    expect(await createDaysAhead(t.handle.db, now, 3)).toBe(0);
    expect(await dayPartitions(t.handle.db, "option_prints")).toEqual(
      expect.arrayContaining(["2026-11-25", "2026-11-27", "2026-11-30", "2026-12-01"]),
    );
  });

  it("retention drops whole day partitions and their rollups, leaving the other days intact", async () => {
    await upload(
      "ret.ndjson",
      ndjson("RET", [
        ["2025-05-01T15:00:00Z", 10],
        ["2025-05-02T15:00:00Z", 20],
        ["2025-05-05T15:00:00Z", 30],
      ]),
    );
    const options = await collectorOf(located)<OptionPrint>(
      parseOptionTradesCsv(createReadStream(optionsFixture), OPTIONS),
    );
    expect((await insertOptionPrints(t.handle.db, options.records)).length).toBe(10);
    expect(await dayPartitions(t.handle.db, "option_prints")).toContain("2023-03-13");
    const versionBefore = await t.handle.query<{ v: number }>(
      sql`select version::int as v from data_versions where symbol = 'RET'`,
    );
    const summary = async (day: string) => {
      const res = await t.app.request(`/smart-money/dark-pool/RET/summary?date=${day}`);
      return { status: res.status, body: (await res.json()) as { total_prints?: number } };
    };
    expect((await summary("2025-05-01")).body.total_prints).toBe(1);
    // Cutoff inside 2025-05-02: only the days that ended before it go (2025-05-01 and older).
    const dropped = await deletePrintsBefore(t.handle.db, new Date("2025-05-02T18:00:00Z"));
    expect(dropped.printDays.filter((d) => d >= "2025")).toEqual([
      "2025-03-10",
      "2025-03-11",
      "2025-04-07",
      "2025-05-01",
    ]);
    expect(dropped.optionPrintDays).toEqual(["2023-03-13"]);
    // Detached, then dropped after the commit: no table of a dropped day is left.
    expect(
      await count("pg_class", sql`relname like '%prints_p%' and not relispartition and relkind = 'r'`),
    ).toBe(0);
    expect(await count("option_prints")).toBe(0);
    expect(await count("prints", sql`symbol in ('PART', 'RAW')`)).toBe(0);
    expect(
      (await t.handle.query<{ ts: string }>(sql`select ts from prints where symbol = 'RET' order by ts`)).map(
        (r) => new Date(r.ts).toISOString(),
      ),
    ).toEqual(["2025-05-02T15:00:00.000Z", "2025-05-05T15:00:00.000Z"]);
    // Documented (operations.md#day-partitions-and-retention): the rollups of dropped days go with them; the others are untouched.
    expect(await rollups("RET")).toEqual([
      { day: "2025-05-02", prints: 1, volume: 20 },
      { day: "2025-05-05", prints: 1, volume: 30 },
    ]);
    expect(await rollups("PART")).toEqual([]);
    expect(await summary("2025-05-02")).toMatchObject({ status: 200, body: { total_prints: 1 } });
    expect(await summary("2025-05-01")).toMatchObject({ status: 200, body: { total_prints: 0 } });
    const versionAfter = await t.handle.query<{ v: number }>(
      sql`select version::int as v from data_versions where symbol = 'RET'`,
    );
    expect(Number(versionAfter[0]?.v)).toBeGreaterThan(Number(versionBefore[0]?.v));
    // A dropped day can be loaded again: the writer re-creates its partition.
    expect(await upload("ret2.ndjson", ndjson("RET", [["2025-05-01T15:00:00Z", 10]]))).toMatchObject({
      accepted: 1,
    });
    expect(await count("prints_p20250501")).toBe(1);
  });
});

describe.each(engines())("concurrent partition creators on %s", (engine) => {
  it("two creators of the same days both succeed and leave one partition per day", async () => {
    const a = await openTestDb(engine);
    // On PGlite there is one connection: the second creator is a second call racing on it.
    const b =
      engine === "postgres" && a.url
        ? await (await import("@smt/db")).openDb({ url: a.url, migrate: false })
        : a;
    try {
      const days = "{2024-01-02,2024-01-03,2024-01-04}";
      const create = (h: typeof a) =>
        h.query<{ n: number }>(sql`select smt_ensure_day_partitions('prints', ${days}::date[]) as n`);
      const results = await Promise.all([create(a), create(b), create(a), create(b)]);
      expect(results.reduce((sum, r) => sum + Number(r[0]?.n), 0)).toBe(3);
      const parts = await dayPartitions(a.db, "prints");
      expect(parts.filter((d) => d.startsWith("2024-01-0"))).toEqual([
        "2024-01-02",
        "2024-01-03",
        "2024-01-04",
      ]);
    } finally {
      if (b !== a) await b.close();
      await a.close();
    }
  });
});
