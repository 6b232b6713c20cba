/**
 * Issue 12, scale: the daily leaderboards and the screener are ranked in SQL over per (day, symbol) tables
 * that triggers keep (migration `*_market_day_tables`). Their answers must be the ones ranking the source rows gives (the
 * path every moment used before, and still uses for a day not wholly known at as_of): compared here payload
 * to payload, after demo prints, options, bars and FINRA files go in, after rows are inserted, updated and
 * deleted, and after the migration's back-fill rebuilds the tables. Ties, min_volume and an as_of before a
 * late FINRA facility row are checked against expectations written out here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrintsBefore } from "../../server/src/darkpool/retention";
import { getLeaders } from "../../server/src/market/leaders.service";
import { getScreener } from "../../server/src/market/market.service";
import type { Metric } from "../../server/src/market/metrics";
import { buildTestApp } from "../support/app";
import { engines } from "../support/db";

const DAILY: Metric[] = [
  "short_volume",
  "short_ratio",
  "dark_pool_value",
  "dark_pool_ratio",
  "block_value",
  "unusual_volume",
  "options_premium",
  "call_put_skew",
];
const SCREENS = [
  { filters: [], sort: undefined },
  {
    filters: [{ field: "short_ratio" as const, op: ">" as const, value: 0.3 }],
    sort: "-block_value,short_volume",
  },
  { filters: [{ field: "unusual_volume" as const, op: ">=" as const, value: 0.5 }], sort: "call_put_skew" },
  { filters: [{ field: "dark_pool_ratio" as const, op: "!=" as const, value: 0 }], sort: "-options_premium" },
];
const MIGRATIONS = join(import.meta.dirname, "..", "..", "db", "migrations");
const MIGRATION = readFileSync(
  join(MIGRATIONS, readdirSync(MIGRATIONS).find((f) => f.endsWith("_market_day_tables.sql")) ?? "missing"),
  "utf8",
);
/** A FINRA CNMS file of 2021-01-25 whose short volumes tie (published that day at 18:00 ET on ingest). */
const TIES = [
  "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market",
  "20210125|ZZB|500|0|1000|Q",
  "20210125|ZZA|500|0|2000000|N",
  "20210125|ZZ1|500|0|1000|Q",
  "20210125|ZZC|500|0|400000|Q",
  "20210125|ZY|900|0|1000|Q",
  "20210125|ZX|100|0|500000|Q",
  "",
].join("\n");

describe.each(engines())("daily market boards ranked in SQL on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const now = () => new Date();
  const json = async <T>(path: string) => {
    const res = await t.app.request(path);
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
    return JSON.parse(text) as T;
  };
  /** Both paths at `asOf`, every daily metric, both orders, a min_volume and a page past the first. */
  const sameBoards = async (asOf: Date) => {
    for (const metric of DAILY) {
      for (const [order, minVolume, offset] of [
        ["desc", undefined, 0],
        ["asc", undefined, 1],
        ["desc", 1000, 2],
      ] as const) {
        const q = { metric, asOf, limit: 3, offset, order, minVolume, windowDays: 30 };
        const at = now();
        const fast = await getLeaders(t.handle.db, q, at);
        const scanned = await getLeaders(t.handle.db, q, at, { fromSourceRows: true });
        expect(close(fast), `${metric} ${order} ${minVolume} ${offset}`).toEqual(close(scanned));
      }
    }
    for (const s of SCREENS) {
      const q = { asOf, ...s, limit: 5, offset: 1 };
      const at = now();
      const fast = await getScreener(t.handle.db, q, at);
      const scanned = await getScreener(t.handle.db, q, at, { fromSourceRows: true });
      expect(close(fast), JSON.stringify(s)).toEqual(close(scanned));
    }
  };

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    for (const s of ["AAPL", "MSFT", "GME", "TSLA"]) {
      const res = await t.app.request(`/smart-money/demo/${s}/generate-data?days=12`, { method: "POST" });
      expect(res.status).toBe(200);
    }
    const res = await t.app.request("/smart-money/ingest/short-volume?name=CNMSshvol20210125.txt", {
      method: "POST",
      body: TIES,
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(200);
  }, 300_000);
  afterAll(async () => t?.close());

  it("answers every daily board and the screener as ranking the source rows does", async () => {
    const counts = await t.handle.query<{ f: number; p: number; o: number }>(sql`
      select (select count(*)::int from finra_day_symbols) as f, (select count(*)::int from print_day_market) as p,
        (select count(*)::int from option_day_rollups) as o`);
    expect(counts[0]?.p).toBeGreaterThan(20);
    expect(counts[0]?.o).toBeGreaterThan(20);
    await sameBoards(new Date());
    await sameBoards(new Date(Date.now() - 3 * 86_400_000));
  });

  it("answers a settled screen in two statements and a daily board in one, a page past the end too", async () => {
    const db = t.handle.db;
    let statements = 0;
    let prepared = 0;
    // Statements go through `execute`, or on a real server prepared through the driver's `unsafe`.
    const client = (db as unknown as { $client?: Record<string, unknown> }).$client;
    const countedClient =
      typeof client?.unsafe === "function" &&
      new Proxy(client, {
        get: (o, k) =>
          k === "unsafe"
            ? (...args: unknown[]) => {
                statements++;
                if ((args[2] as { prepare?: boolean } | undefined)?.prepare) prepared++;
                return (o.unsafe as (...a: unknown[]) => unknown)(...args);
              }
            : Reflect.get(o, k),
      });
    const counted = new Proxy(db, {
      get: (o, k) =>
        k === "execute"
          ? (q: Parameters<typeof db.execute>[0]) => {
              statements++;
              return o.execute(q);
            }
          : k === "$client"
            ? countedClient || client
            : Reflect.get(o, k),
    });
    const at = now();
    const screen = await getScreener(counted, { asOf: at, filters: [], limit: 5, offset: 0 }, at);
    expect(screen.rows.length).toBeGreaterThan(0);
    // The days are chosen, checked wholly known and listed in one statement; the page and total in another.
    expect(statements).toBe(2);
    statements = 0;
    const past = await getScreener(counted, { asOf: at, filters: [], limit: 5, offset: 10_000 }, at);
    expect([past.rows, past.total, statements]).toEqual([[], screen.total, 3]);
    statements = 0;
    const q = { metric: "dark_pool_value" as const, asOf: at, limit: 5, offset: 0, order: "desc" as const };
    const board = await getLeaders(counted, { ...q, windowDays: 30 }, at);
    expect(board.rows.length).toBeGreaterThan(0);
    expect(statements).toBe(1);
    statements = 0;
    const beyond = await getLeaders(counted, { ...q, offset: 10_000, windowDays: 30 }, at);
    expect([beyond.rows, beyond.total, statements]).toEqual([[], board.total, 1]);
    // On a real server the days and boards are prepared statements (parsed once per connection), not unnamed
    // ones; the screen of variable text stays unnamed.
    if (engine === "postgres") expect(prepared).toBe(4);
  });

  it("ranks ties by symbol, applies min_volume, and pages across a tie", async () => {
    type L = {
      rows: { rank: number; symbol: string; value: number }[];
      total: number;
      window: { to: string };
    };
    const asOf = "2021-01-26T12:00:00Z";
    const all = await json<L>(`/smart-money/market/leaders?metric=short_volume&as_of=${asOf}&limit=10`);
    expect(all.window.to).toBe("2021-01-25");
    expect(all.rows.map((r) => [r.symbol, r.value])).toEqual([
      ["ZY", 900],
      ["ZZ1", 500],
      ["ZZA", 500],
      ["ZZB", 500],
      ["ZZC", 500],
      ["ZX", 100],
    ]);
    const second = await json<L>(
      `/smart-money/market/leaders?metric=short_volume&as_of=${asOf}&limit=2&offset=2`,
    );
    expect(second.rows.map((r) => [r.rank, r.symbol])).toEqual([
      [3, "ZZA"],
      [4, "ZZB"],
    ]);
    // short_ratio: ZZA 0.00025, ZZC 0.00125, ZX 0.0002; the default floor (100,000) drops the 1,000-share rows.
    const ratio = await json<L>(`/smart-money/market/leaders?metric=short_ratio&as_of=${asOf}`);
    expect(ratio.rows.map((r) => r.symbol)).toEqual(["ZZC", "ZZA", "ZX"]);
    const floor = await json<L>(
      `/smart-money/market/leaders?metric=short_ratio&as_of=${asOf}&min_volume=450000`,
    );
    expect(floor.rows.map((r) => r.symbol)).toEqual(["ZZA", "ZX"]);
    expect(floor.total).toBe(2);
    // The settled day is read from finra_day_symbols: a changed row there changes the answer.
    await t.handle.db.execute(sql`update finra_day_symbols set short_volume = 1e9 where symbol = 'ZZB'`);
    const read = await json<L>(`/smart-money/market/leaders?metric=short_volume&as_of=${asOf}&limit=1`);
    await t.handle.db.execute(sql`update finra_day_symbols set short_volume = 500 where symbol = 'ZZB'`);
    expect(read.rows[0]?.symbol).toBe("ZZB");
  });

  it("leaves out a FINRA row published after as_of, and ranks it once published", async () => {
    await t.handle.db.execute(sql`
      insert into short_volume (day, symbol, facility, market, short_volume, short_exempt_volume, total_volume,
        source, source_ref, published_at)
      values ('2021-01-25', 'ZLATE', 'FNSQ', 'Q', 5000, 0, 600000, 'finra_regsho', 'late', '2021-01-27T15:00:00Z')`);
    type L = { rows: { symbol: string; value: number }[]; freshness: { latest: string | null }[] };
    const before = await json<L>(
      "/smart-money/market/leaders?metric=short_volume&as_of=2021-01-26T12:00:00Z",
    );
    expect(before.rows.map((r) => r.symbol)).not.toContain("ZLATE");
    expect(before.freshness[0]?.latest).toBe("2021-01-25T23:00:00.000Z");
    const after = await json<L>("/smart-money/market/leaders?metric=short_volume&as_of=2021-01-28T12:00:00Z");
    expect(after.rows[0]).toMatchObject({ symbol: "ZLATE", value: 5000 });
    expect(after.freshness[0]?.latest).toBe("2021-01-27T15:00:00.000Z");
    await sameBoards(new Date("2021-01-26T12:00:00Z"));
    await sameBoards(new Date("2021-01-28T12:00:00Z"));
  });

  it("stays exact when rows are inserted, updated and deleted", async () => {
    const res = await t.app.request("/smart-money/demo/AMD/generate-data?days=12", { method: "POST" });
    expect(res.status).toBe(200);
    const db = t.handle.db;
    await db.execute(sql`delete from prints where symbol = 'GME' and ts > now() - interval '3 days'`);
    await db.execute(sql`update prints set size = size * 3, value_usd = value_usd * 3
      where symbol = 'MSFT' and ts > now() - interval '6 days'`);
    await db.execute(sql`delete from daily_bars where symbol = 'AAPL'`);
    await db.execute(sql`update option_prints set premium_usd = premium_usd * 2 where underlying = 'TSLA'`);
    await db.execute(sql`delete from option_prints where underlying = 'MSFT'`);
    await db.execute(sql`update short_volume set short_volume = short_volume / 2 where symbol = 'AAPL'`);
    await sameBoards(new Date());
    await sameBoards(new Date(Date.now() - 2 * 86_400_000));
  });

  it("stays exact when batches of prints land on days already ranked, in and out of order", async () => {
    const db = t.handle.db;
    const rows = async (table: string, order: string) =>
      close(await t.handle.query(sql`select * from ${sql.raw(table)} order by ${sql.raw(order)}`));
    /** `n` prints of `symbol` on its newest stored day minus `back` days, published `lateMin` minutes after. */
    const batch = (symbol: string, back: number, n: number, off: boolean, lateMin = 0) =>
      db.execute(sql`
        insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, trf_id, is_off_exchange,
          conditions, block_eligible, correction, premium_discount_pct, side, sentiment, source, source_ref,
          published_at)
        select ${symbol}::text, d.t + i * interval '1 second', 'batch|' || d.t || '|' || i || '|' || ${lateMin}::int || ${off ? "off" : "lit"}::text,
          40 + i % 3, 100 * i, (40 + i % 3) * 100 * i, ${off ? "D" : "Q"}::text, ${off ? 201 : null}::int, ${off}::boolean,
          '{}', true, 0,
          (i % 5 - 2) * 0.1, 'mid', (array['bullish', 'bearish', 'neutral'])[i % 3 + 1], 'test', 'batch ' || i,
          d.t + i * interval '1 second' + ${lateMin}::int * interval '1 minute'
        from (select ((max(day) - ${back}::int)::timestamp + interval '11 hours') at time zone 'America/New_York' as t
          from print_day_rollups where symbol = ${symbol}::text) d, generate_series(1, ${n}) as i`);
    // The newest day of a ranked symbol (its market row updated in place), then lit prints only, a late
    // publication, an earlier day (the later days' trailing means move) and a day with no row yet.
    await batch("AAPL", 0, 40, true);
    await batch("AAPL", 0, 10, false);
    await batch("MSFT", 0, 5, true, 90);
    await batch("TSLA", 2, 30, true);
    await batch("GME", 40, 12, true);
    const market = await rows("print_day_market", "day, symbol");
    const activity = await rows("symbol_activity", "symbol");
    // What the migration's back-fills compute from the stored rows alone.
    await db.execute(sql`delete from print_day_market`);
    await db.execute(sql`select smt_print_market_refresh(array_agg(day), array_agg(symbol), false)
      from print_day_rollups where off_prints > 0`);
    await db.execute(sql`delete from symbol_activity`);
    await db.execute(sql`select smt_symbol_activity_refresh(null)`);
    expect(await rows("print_day_market", "day, symbol")).toEqual(market);
    expect(await rows("symbol_activity", "symbol")).toEqual(activity);
    await sameBoards(new Date());
  });

  it("rebuilds the same tables from the stored rows with the migration's back-fill", async () => {
    const tables = ["finra_day_symbols", "print_day_market", "option_day_rollups", "market_day_sources"];
    const snapshot = async () => {
      const out: unknown[] = [];
      for (const table of tables)
        out.push(close(await t.handle.query(sql`select * from ${sql.raw(table)} order by 1, 2, 3`)));
      return out;
    };
    const kept = await snapshot();
    for (const table of tables) await t.handle.db.execute(sql`delete from ${sql.raw(table)}`);
    const backfill = MIGRATION.slice(MIGRATION.indexOf("-- Back-fill")).split("--> statement-breakpoint");
    for (const statement of backfill) await t.handle.db.execute(sql.raw(statement));
    expect(await snapshot()).toEqual(kept);
  });

  it("after retention drops the oldest days, the later days' trailing means are those of the stored days", async () => {
    const market = async () =>
      close(await t.handle.query(sql`select * from print_day_market order by day, symbol`));
    const before = await market();
    const removed = await deletePrintsBefore(t.handle.db, new Date(Date.now() - 8 * 86_400_000));
    expect(removed.printDays.length).toBeGreaterThan(0);
    expect(removed.refreshedDays).toBeGreaterThan(0);
    const kept = await market();
    expect(kept).not.toEqual(before);
    // What the migration's back-fill computes from the stored rollups alone.
    await t.handle.db.execute(sql`delete from print_day_market`);
    await t.handle.db.execute(sql`select smt_print_market_refresh(array_agg(day), array_agg(symbol), false)
      from print_day_rollups where off_prints > 0`);
    expect(await market()).toEqual(kept);
    await sameBoards(new Date());
  });
});

/** Numbers to 10 significant digits (sums in another order differ in the last bits), dates as ISO text. */
function close(v: unknown): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? v : Number(v.toPrecision(10));
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(close);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, close(x)]));
  return v;
}
