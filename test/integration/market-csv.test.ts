/**
 * Issue 12, the market tape as CSV (`/smart-money/market/prints?format=csv`): read through one database
 * cursor in batches and written in ~64 KB chunks. The CSV must be the JSON prints cell for cell (the same
 * quoting, formula guard and empty cells for null), in the same order across batch and chunk edges with no
 * row lost or repeated, the limit caps must hold, and a client that goes away mid-export must give the
 * database connection back.
 */
import { type DbHandle, openDb } from "@smt/db";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TAPE_COLUMNS, TAPE_CSV_BATCH } from "../../server/src/darkpool/tape.service";
import { CSV_CHUNK_CHARS, csvLine, parseCsv } from "../../server/src/market/csv";
import { startServer } from "../../server/src/server";
import { buildTestApp, testEnv } from "../support/app";
import { engines, openTestDb } from "../support/db";

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
type Print = Record<(typeof TAPE_COLUMNS)[number], unknown>;

/** `n` large off-exchange prints, three to a timestamp (so the order's ties on ts are crossed too). */
const generated = (n: number) => sql`
  insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, trf_id, is_off_exchange,
    conditions, block_eligible, side, sentiment, premium_discount_pct, source, source_ref, published_at)
  select 'S' || (i % 7), timestamptz '2024-03-01 15:00:00+00' + (i / 3) * interval '1 millisecond',
    'k' || lpad(i::text, 7, '0'), 100.5, 2000 + i, 100.5 * (2000 + i), 'D', 1, true, '{}', true, 'mid',
    'neutral', case when i % 5 = 0 then null else -0.25 end, 'test', 'gen:' || i,
    timestamptz '2024-03-01 15:00:00+00' + (i / 3) * interval '1 millisecond' + interval '1.0004567 second'
  from generate_series(1, ${n}) i`;

/** One print whose cells need quotes, the formula guard, exponent formatting and empty cells. */
const awkward = sql`
  insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, trf_id, is_off_exchange,
    conditions, block_eligible, side, sentiment, premium_discount_pct, source, source_ref, published_at)
  values ('ODD', '2024-03-02 15:00:00.123456+00', 'a,"b"', 1e21, 1, 1e21, '@x', null, true, '{}', false,
    E'mid\r\nnext', ' spaced', 0.00004, 'test', '=HYPERLINK("x")', '2024-03-02 15:00:01+00')`;

describe.each(engines())("market tape CSV on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const N = 2 * TAPE_CSV_BATCH + 500;
  const csvOf = async (path: string) => {
    const res = await t.app.request(path);
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    return text;
  };
  /** Every print of the tape through the JSON pages (1,000 a page, next_cursor). */
  const jsonPrints = async (query: string) => {
    const out: Print[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.app.request(
        `/smart-money/market/prints?${query}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`,
      );
      const body = (await res.json()) as { prints: Print[]; next_cursor: string | null };
      out.push(...body.prints);
      cursor = body.next_cursor;
    } while (cursor);
    return out;
  };

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    await t.handle.query(generated(N));
    await t.handle.query(awkward);
  }, 120_000);
  afterAll(async () => t?.close());

  it("writes awkward cells quoted, guarded and empty for null, as the JSON print reads", async () => {
    const text = await csvOf("/smart-money/market/prints?format=csv&min_value=100000&limit=1");
    expect(text.split("\r\n")[0]).toBe(TAPE_COLUMNS.join(","));
    const [header, row] = parseCsv(text) as [string[], string[]];
    const cell = (c: string) => row[header.indexOf(c)];
    expect(cell("trade_key")).toBe('a,"b"');
    expect(cell("source_ref")).toBe(`'=HYPERLINK("x")`);
    expect(cell("exchange")).toBe("'@x");
    expect(cell("side")).toBe("mid\r\nnext");
    expect(cell("sentiment")).toBe(" spaced");
    expect(cell("trf_id")).toBe("");
    expect(cell("price")).toBe("1e+21");
    expect(cell("premium_discount_pct")).toBe("0.00004");
    expect(cell("block_eligible")).toBe("false");
    expect(cell("ts")).toBe("2024-03-02T15:00:00.123456Z");
    expect(cell("published_at")).toBe("2024-03-02T15:00:01.000Z");
    const [json] = await jsonPrints("min_value=100000&until=2024-03-02T16:00:00Z&since=2024-03-02T00:00:00Z");
    expect(text).toBe(`${TAPE_COLUMNS.join(",")}\r\n${csvLine(TAPE_COLUMNS.map((c) => json?.[c]))}`);
  });

  it("exports more rows than a cursor batch and a chunk hold, in order, each once", async () => {
    const text = await csvOf(`/smart-money/market/prints?format=csv&min_value=100000&limit=${N + 10}`);
    expect(text.length).toBeGreaterThan(4 * CSV_CHUNK_CHARS);
    const rows = parseCsv(text).slice(1);
    expect(rows.length).toBe(N + 1);
    const key = TAPE_COLUMNS.indexOf("trade_key");
    const keys = rows.map((r) => r[key]);
    expect(new Set(keys).size).toBe(N + 1);
    // Newest first; the generated prints share a timestamp three at a time, then symbol, trade_key desc.
    const expected = Array.from({ length: N }, (_, j) => j + 1)
      .map((i) => ({ ts: Math.floor(i / 3), symbol: `S${i % 7}`, key: `k${String(i).padStart(7, "0")}` }))
      .sort((a, b) => b.ts - a.ts || cmp(b.symbol, a.symbol) || cmp(b.key, a.key))
      .map((r) => r.key);
    expect(keys).toEqual(['a,"b"', ...expected]);
    const json = await jsonPrints("min_value=100000");
    expect(text).toBe(
      `${TAPE_COLUMNS.join(",")}\r\n${json.map((p) => csvLine(TAPE_COLUMNS.map((c) => p[c]))).join("")}`,
    );
    const limited = parseCsv(
      await csvOf("/smart-money/market/prints?format=csv&min_value=100000&limit=2001"),
    );
    expect(limited.slice(1).map((r) => r[key])).toEqual(keys.slice(0, 2001));
  });

  it("keeps the limit caps", async () => {
    const over = await t.app.request("/smart-money/market/prints?format=csv&limit=100001");
    expect(over.status).toBe(400);
    expect(await over.text()).toMatch(/limit/);
    const json = await t.app.request("/smart-money/market/prints?limit=1001");
    expect(json.status).toBe(400);
  });
});

describe.runIf(engines().includes("postgres"))("market tape CSV, client gone mid-export", () => {
  let handle: DbHandle & { url?: string };
  let pool: DbHandle;
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    handle = await openTestDb("postgres");
    await handle.query(generated(60_000));
    // One pooled connection: if the abandoned export kept it, no later request could be answered.
    pool = await openDb({ url: handle.url, maxConnections: 1, migrate: false });
    server = await startServer({ env: testEnv({ RATE_LIMIT_PER_MINUTE: "0" }), db: pool });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await pool?.close();
    await handle?.close();
  });

  it("closes the cursor and gives the connection back to the pool", async () => {
    const abort = new AbortController();
    const res = await fetch(
      `${server.url}/smart-money/market/prints?format=csv&min_value=100000&limit=60000`,
      {
        signal: abort.signal,
      },
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(first.value?.byteLength).toBeGreaterThan(0);
    abort.abort();
    await reader.cancel().catch(() => undefined);
    const next = await fetch(`${server.url}/smart-money/market/prints?min_value=100000&limit=3`);
    expect(next.status).toBe(200);
    expect(((await next.json()) as { prints: unknown[] }).prints.length).toBe(3);
    const admin = postgres(handle.url as string, { max: 1, onnotice: () => {} });
    try {
      const busy = await admin`select state, query from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`;
      expect(busy).toEqual([]);
    } finally {
      await admin.end();
    }
  }, 60_000);
});
