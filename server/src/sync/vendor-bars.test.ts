import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildTestApp, testEnv } from "../../../test/support/app";
import { engines } from "../../../test/support/db";
import { sourceStatuses, syncJobsFrom } from "./jobs";
import { SyncRunner } from "./runner";
import { type FakeBar, type FakeVendor, startFakeVendor } from "./vendor-bars.fake";
import { VENDOR_BARS_SOURCE, type VendorBarsOptions, vendorBarsJob } from "./vendor-bars.job";

/** Bars in the vendors' documented shapes; the values are made up for the test. */
const DAYS = ["2021-01-25", "2021-01-26", "2021-01-27", "2021-01-28"];
const barsOf = (day: string): FakeBar[] =>
  ["GME", "AMC", "BRK.B", "AAPL"].map((T, i) => {
    const base = 10 + i * 10 + Number(day.slice(8));
    return {
      T,
      o: base,
      h: base + 2,
      l: base - 1,
      c: base + 1,
      v: 1_000_000 * (i + 1),
      n: 1000 + i,
      vw: base + 0.5,
    };
  });
/** 2021-01-28 20:30 New York: that day's bars are final. */
const EVENING = Date.parse("2021-01-29T01:30:00Z");

describe("vendor-bars without a key", () => {
  it("is off with a status that says which key turns it on; the CLI path refuses it too", async () => {
    const jobs = syncJobsFrom(testEnv({ SYNC: "on" }), { ignoreSwitches: true });
    const job = jobs.find((j) => j.source === VENDOR_BARS_SOURCE);
    expect(job?.disabledReason).toMatch(/no vendor key: set POLYGON_API_KEY/);
    const alpacaNoSymbols = syncJobsFrom(testEnv({ ALPACA_KEY_ID: "a", ALPACA_SECRET_KEY: "b" })).find(
      (j) => j.source === VENDOR_BARS_SOURCE,
    );
    expect(alpacaNoSymbols?.disabledReason).toMatch(/VENDOR_BARS_SYMBOLS is empty/);
    const withKey = syncJobsFrom(testEnv({ SYNC: "on", POLYGON_API_KEY: "k" })).find(
      (j) => j.source === VENDOR_BARS_SOURCE,
    );
    expect(withKey?.disabledReason).toBeNull();
  });
});

describe.each(engines())("vendor-bars sync on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let fake: FakeVendor;
  const polygon = (o: Partial<VendorBarsOptions> = {}): VendorBarsOptions => ({
    vendor: { kind: "polygon", baseUrl: fake.url, apiKey: fake.polygonKey },
    backfillDays: 14,
    requestIntervalMs: 0,
    maxBytes: 1024 * 1024,
    timeoutMs: 3000,
    retryBaseMs: 5,
    ...o,
  });
  const run = (o: VendorBarsOptions, params: { since?: string; until?: string } = {}) =>
    new SyncRunner({
      db: t.handle.db,
      jobs: [vendorBarsJob(o)],
      log: t.deps.log,
      clock: () => EVENING,
      owner: "node-a",
    }).runNow(VENDOR_BARS_SOURCE, params);
  const barRows = async (source = "polygon_day_aggs") =>
    t.handle.query<{ symbol: string; day: string; volume: number; close: number }>(
      sql`select symbol, day::text as day, volume, close from daily_bars where source = ${source} order by day, symbol`,
    );

  beforeAll(async () => {
    t = await buildTestApp(engine);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    fake = await startFakeVendor();
    for (const d of DAYS) fake.days.set(d, barsOf(d));
    for (const table of ["daily_bars", "sync_items", "sync_runs"])
      await t.handle.query(sql.raw(`delete from ${table}`));
  });
  afterEach(async () => {
    await fake.close();
  });

  it("Polygon: backfills the trading days, one market-wide request each, the key only in a header", async () => {
    const { outcome } = await run(polygon(), { since: "2021-01-19" });
    expect(outcome.status).toBe("succeeded");
    // 2021-01-18 is MLK day: never asked. 01-19..01-22 have no bars yet: not published.
    expect(fake.requests.map((r) => /stocks\/([\d-]+)\?/.exec(r.path)?.[1])).toEqual([
      "2021-01-19",
      "2021-01-20",
      "2021-01-21",
      "2021-01-22",
      ...DAYS,
    ]);
    expect(
      fake.requests.every((r) => r.authorization === "Bearer pk-test" && !r.path.includes("pk-test")),
    ).toBe(true);
    expect(outcome.stats).toMatchObject({ stored: 4, not_published: 4, accepted: 16, rejected: 0 });
    const rows = await barRows();
    expect(rows).toHaveLength(16);
    const gme = rows.find((r) => r.symbol === "GME" && r.day === "2021-01-27");
    expect(gme).toMatchObject({ volume: 1_000_000, close: 10 + 27 + 1 });
    expect(rows.some((r) => r.symbol === "BRK.B")).toBe(true);
  });

  it("a re-run stores nothing new and asks only for the recent days not out yet", async () => {
    await run(polygon(), { since: "2021-01-19" });
    fake.requests.length = 0;
    // The scheduled window (10 days: 01-19 .. 01-28) rechecks only its last 3 trading days, all stored.
    const { outcome } = await run(polygon({ backfillDays: 10 }));
    expect(outcome.stats).toMatchObject({ days: 8, already: 8, stored: 0, accepted: 0 });
    expect(fake.requests).toHaveLength(0);
    expect(await barRows()).toHaveLength(16);
  });

  it("requests are spaced by the configured interval, retries included", async () => {
    fake.faults.set("2021-01-27", { kind: "status", status: 429, times: 1 });
    const sent: number[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      sent.push(performance.now());
      return fetch(input, init);
    };
    await run(polygon({ requestIntervalMs: 150, fetchImpl }), { since: "2021-01-26", until: "2021-01-28" });
    expect(sent).toHaveLength(4);
    // The limiter spaces its own clock readings; a loaded event loop can call fetch a few ms after one reading
    // and on time after the next, so each observed gap may fall short by that jitter. The span cannot: the limiter
    // re-checks the wall clock after each sleep (a timer armed from the loop's stale clock fires early).
    for (let i = 1; i < sent.length; i++)
      expect((sent[i] as number) - (sent[i - 1] as number)).toBeGreaterThanOrEqual(120);
    expect((sent[3] as number) - (sent[0] as number)).toBeGreaterThanOrEqual(3 * 150 - 5);
  });

  it("a refused key fails the run with the HTTP status; nothing is stored", async () => {
    const { outcome } = await run(
      polygon({ vendor: { kind: "polygon", baseUrl: fake.url, apiKey: "wrong" } }),
    );
    expect(outcome.status).toBe("dead");
    expect(outcome.error).toMatch(/HTTP 401/);
    expect(outcome.error).not.toMatch(/wrong/);
    expect(await barRows()).toHaveLength(0);
  });

  it.each([
    ["a cut-off answer", '{"status":"OK","resultsCount":4,"results":[{"T":"GME"', /not JSON/],
    [
      "fewer results than resultsCount",
      JSON.stringify({ status: "OK", resultsCount: 5, results: [] }),
      /resultsCount 5 but no results/,
    ],
    ["an error status", JSON.stringify({ status: "ERROR", error: "exceeded" }), /status "ERROR": exceeded/],
  ])("hostile answer: %s fails the day, nothing stored", async (_n, body, error) => {
    fake.faults.set("2021-01-28", { kind: "body", body, times: 1 });
    const { outcome } = await run(polygon(), { since: "2021-01-28" });
    expect(outcome.status).toBe("dead");
    expect(outcome.error).toMatch(error);
    expect(await barRows()).toHaveLength(0);
  });

  it("a bad bar is rejected and located, the day's other bars are stored", async () => {
    const bars = barsOf("2021-01-28");
    bars[1] = { ...(bars[1] as FakeBar), h: 1 };
    bars[2] = { ...(bars[2] as FakeBar), T: "not a ticker!" };
    fake.days.set("2021-01-28", bars);
    const { outcome } = await run(polygon(), { since: "2021-01-28" });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.stats).toMatchObject({ accepted: 2, rejected: 2 });
    const items = await t.handle.query<{ detail: { first_error: string } }>(
      sql`select detail from sync_items where item_key = '2021-01-28'`,
    );
    expect(items[0]?.detail.first_error).toMatch(/polygon grouped 2021-01-28 <results\[1\]\.h>: h: high 1/);
  });

  it("Alpaca: the listed symbols, paged by next_page_token, stored as alpaca_bars", async () => {
    fake.alpacaPageSymbols = 2;
    const o = polygon({
      vendor: {
        kind: "alpaca",
        baseUrl: fake.url,
        keyId: fake.alpacaKey.id,
        secretKey: fake.alpacaKey.secret,
        symbols: ["GME", "AMC", "AAPL"],
      },
    });
    const { outcome } = await run(o, { since: "2021-01-27", until: "2021-01-28" });
    expect(outcome.status).toBe("succeeded");
    expect(outcome.stats).toMatchObject({ vendor: "alpaca", stored: 2, accepted: 6 });
    expect(fake.requests.filter((r) => r.path.includes("page_token"))).toHaveLength(2);
    expect(fake.requests.every((r) => r.alpacaKeyId === "ak-id" && !r.path.includes("ak-secret"))).toBe(true);
    const rows = await barRows("alpaca_bars");
    expect(rows.map((r) => `${r.day} ${r.symbol}`)).toEqual([
      "2021-01-27 AAPL",
      "2021-01-27 AMC",
      "2021-01-27 GME",
      "2021-01-28 AAPL",
      "2021-01-28 AMC",
      "2021-01-28 GME",
    ]);
  });

  it("stored bars are the dark-pool ratio's consolidated volume; the source shows current", async () => {
    await run(polygon(), { since: "2021-01-25" });
    const res = await t.app.request("/smart-money/dark-pool/GME/patterns?days=4");
    const body = (await res.json()) as {
      days: { date: string; market_volume: number; market_volume_source: string }[];
    };
    expect(body.days.map((d) => [d.date, d.market_volume, d.market_volume_source])).toEqual(
      DAYS.map((d) => [d, 1_000_000, "daily_bars:polygon_day_aggs"]),
    );
    const [status] = await sourceStatuses(t.handle.db, [vendorBarsJob(polygon())], EVENING);
    expect(status).toMatchObject({ state: "current", newest_data_date: "2021-01-28", lag_seconds: 0 });
  });
});
