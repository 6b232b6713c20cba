import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, ok, upload } from "../../../test/support/app";
import { engines } from "../../../test/support/db";
import { deletePrintsBefore, detachPrintDaysBefore } from "./retention";

/** NDJSON prints at $10: [symbol, timestamp, size]. */
const ndjson = (rows: [string, string, number][]) =>
  rows.map(([symbol, timestamp, size]) => JSON.stringify({ symbol, timestamp, price: 10, size })).join("\n");

// Midnight New York in June is 04:00 UTC: the first cutoff ends 2025-06-02, the second 2025-06-03.
const FIRST_CUTOFF = new Date("2025-06-03T04:00:00Z");
const SECOND_CUTOFF = new Date("2025-06-04T04:00:00Z");

describe.each(engines())("print retention on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const count = async (query: ReturnType<typeof sql>) =>
    Number((await t.handle.query<{ n: number }>(query))[0]?.n);
  /** Rows of days before `day` left in prints and in each table derived from them. */
  const leftBefore = async (day: string) => ({
    prints: await count(
      sql`select count(*)::int as n from prints where (ts at time zone 'America/New_York')::date < ${day}::date`,
    ),
    rollups: await count(sql`select count(*)::int as n from print_day_rollups where day < ${day}::date`),
    bins: await count(sql`select count(*)::int as n from print_day_bins where day < ${day}::date`),
    market: await count(sql`select count(*)::int as n from print_day_market where day < ${day}::date`),
  });
  const leftTables = async () =>
    (
      await t.handle.query<{ relname: string }>(
        sql`select relname from pg_class where relname like 'prints_p%_dropping' and relkind = 'r' order by 1`,
      )
    ).map((r) => r.relname);
  const summaryPrints = async (day: string) => {
    const res = await t.app.request(`/smart-money/dark-pool/AAA/summary?date=${day}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { total_prints: number }).total_prints;
  };

  beforeAll(async () => {
    t = await buildTestApp(engine);
    const rows: [string, string, number][] = [];
    for (const day of ["2025-06-02", "2025-06-03", "2025-06-04", "2025-06-05"])
      for (const [symbol, n] of [
        ["AAA", 3],
        ["BBB", 2],
      ] as const)
        for (let i = 0; i < n; i++) rows.push([symbol, `${day}T1${4 + i}:00:00Z`, 100 * (i + 1)]);
    expect(
      await ok(upload(t.app, "prints", ndjson(rows), "application/x-ndjson", { name: "ret.ndjson" })),
    ).toMatchObject({
      accepted: rows.length,
    });
  });
  afterAll(async () => t.close());

  it("a crash between detach and drop: the day is gone from every read at once, and the next run drops its tables", async () => {
    expect(await summaryPrints("2025-06-02")).toBe(3);
    // The job's first step commits, then the process dies before dropping anything.
    const detached = await detachPrintDaysBefore(t.handle.db, FIRST_CUTOFF);
    expect(detached.printDays).toEqual(["2025-06-02"]);
    expect(await leftBefore("2025-06-03")).toEqual({ prints: 0, rollups: 0, bins: 0, market: 0 });
    expect(await summaryPrints("2025-06-02")).toBe(0);
    expect(await leftTables()).toEqual(["prints_p20250602_dropping"]);
    // ... and a second crash in the middle of the drop, after its first index went.
    await t.handle.query(sql`alter table prints_p20250602_dropping drop constraint prints_p20250602_pkey`);
    const next = await deletePrintsBefore(t.handle.db, FIRST_CUTOFF);
    expect(next.printDays).toEqual([]);
    // The kept days' trailing means the dead run never refreshed: 3 days of AAA and BBB.
    expect(next.refreshedDays).toBe(6);
    expect(next.dropped.map((s) => s.relation)).toContain("prints_p20250602_dropping");
    expect(await leftTables()).toEqual([]);
    expect(await summaryPrints("2025-06-03")).toBe(3);
  });

  it("later days keep their prints and derived rows, equal to a count of those prints", async () => {
    // Independent of the triggers: each kept day's prints grouped from the raw rows.
    const raw = await t.handle.query<{ symbol: string; day: string; n: number; volume: number }>(
      sql`select symbol, (ts at time zone 'America/New_York')::date::text as day, count(*)::int as n,
        sum(size)::float8 as volume from prints group by 1, 2 order by 1, 2`,
    );
    expect(raw).toHaveLength(6);
    const rollups = await t.handle.query<{ symbol: string; day: string; n: number; volume: number }>(
      sql`select symbol, day::text as day, off_prints::int as n, off_volume::float8 as volume
        from print_day_rollups order by 1, 2`,
    );
    expect(rollups.map((r) => ({ ...r, day: String(r.day).slice(0, 10) }))).toEqual(raw);
    const binned = await t.handle.query<{ symbol: string; day: string; n: number }>(
      sql`select symbol, day::text as day, sum(prints)::int as n from print_day_bins where kind = 'source'
        group by 1, 2 order by 1, 2`,
    );
    expect(binned.map((r) => ({ ...r, day: String(r.day).slice(0, 10) }))).toEqual(
      raw.map(({ symbol, day, n }) => ({ symbol, day, n })),
    );
    expect(await count(sql`select count(*)::int as n from print_day_market where day >= '2025-06-03'`)).toBe(
      6,
    );
  });

  it.runIf(engine === "postgres")(
    "a long read in flight does not queue other readers behind retention: it gives up and the next run drops the day",
    async () => {
      const url = (t.handle as { url?: string }).url as string;
      const other = postgres(url, { max: 2, onnotice: () => {} });
      const long = await other.reserve();
      try {
        await long`begin`;
        await long`select count(*) from prints`;
        const retention = detachPrintDaysBefore(t.handle.db, SECOND_CUTOFF).then(
          () => "detached",
          (error: unknown) => `failed: ${String((error as { cause?: unknown }).cause ?? error)}`,
        );
        await new Promise((r) => setTimeout(r, 100));
        const t0 = performance.now();
        const read = await Promise.race([
          other`select count(*)::int as n from prints where symbol = 'AAA'`.then((r) => Number(r[0]?.n)),
          new Promise<string>((r) => setTimeout(() => r("still waiting after 2 s"), 2000)),
        ]);
        expect(read).toBe(9);
        expect(performance.now() - t0).toBeLessThan(1000);
        expect(await retention).toMatch(/lock timeout/);
        expect(await leftBefore("2025-06-04")).toMatchObject({ prints: 2 + 3 });
      } finally {
        await long`rollback`;
        long.release();
      }
      const next = await deletePrintsBefore(t.handle.db, SECOND_CUTOFF);
      expect(next.printDays).toEqual(["2025-06-03"]);
      expect(await leftBefore("2025-06-04")).toEqual({ prints: 0, rollups: 0, bins: 0, market: 0 });
      await other.end();
    },
    20_000,
  );

  it("symbol activity stays the newest day's off-exchange volume, and goes when every day is dropped", async () => {
    // Independent of the triggers: the newest stored day's off-exchange volume per symbol, from the prints.
    const expected = async () =>
      (
        await t.handle.query<{ symbol: string; v: number }>(
          sql`select symbol, sum(size)::float8 as v from prints where is_off_exchange
            and (ts at time zone 'America/New_York')::date = (select max((ts at time zone 'America/New_York')::date) from prints)
            group by 1 order by 1`,
        )
      ).map((r) => ({ symbol: r.symbol, v: Number(r.v) }));
    const activity = async () =>
      (
        await t.handle.query<{ symbol: string; v: number }>(
          sql`select symbol, activity::float8 as v from symbol_activity order by 1`,
        )
      ).map((r) => ({ symbol: r.symbol, v: Number(r.v) }));
    expect(await expected()).toEqual([
      { symbol: "AAA", v: 600 },
      { symbol: "BBB", v: 300 },
    ]);
    expect(await activity()).toEqual(await expected());
    await deletePrintsBefore(t.handle.db, new Date("2025-06-06T04:00:00Z"));
    expect(await count(sql`select count(*)::int as n from prints`)).toBe(0);
    expect(await activity()).toEqual([]);
  });
});
