/**
 * The whole-response cache of summary, indicators, flow and dashboard (server/src/lib/response-cache.ts):
 * a payload is reused only while nothing it read has changed, whichever table and writer changed it, and
 * never longer than its TTL.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertAlert } from "../../server/src/alerts/live-alerts.store";
import type { RawPrint } from "../../server/src/darkpool/print";
import { generateDemo } from "../../server/src/feeds/demo";
import { api, buildTestApp, refusal } from "../support/app";
import { engines } from "../support/db";

const SYMBOL = "RCA";
const ROUTES = [
  `/smart-money/dark-pool/${SYMBOL}/summary`,
  `/smart-money/analytics/${SYMBOL}/indicators`,
  `/smart-money/analytics/${SYMBOL}/flow`,
  `/smart-money/analytics/${SYMBOL}/dashboard`,
];

/** An off-exchange print of the test symbol; each use sets its own time and trade id. */
const print: RawPrint = {
  symbol: SYMBOL,
  ts: new Date(0),
  price: 100,
  sizeShares: 120_000,
  exchange: "D",
  trfId: 201,
  isOffExchange: true,
  tape: "C",
  conditions: [],
  conditionScheme: "polygon",
  correction: 0,
  source: "test",
  sourceRef: "cache-test",
};

describe.each(engines())("response cache on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  // The demo data ends at `dataEnd` (FINRA files publish that evening); the clock runs two days later.
  const dataEnd = new Date("2026-03-12T19:00:00Z");
  let clock = new Date(dataEnd.getTime() + 2 * 86_400_000);
  beforeAll(async () => {
    t = await buildTestApp(engine, { RESPONSE_CACHE_TTL_MS: "5000" });
    t.deps.now = () => clock;
    await generateDemo({ db: t.handle.db, pipeline: t.deps.pipeline, symbol: SYMBOL, days: 6, now: dataEnd });
  });
  afterAll(async () => t.close());

  const get = async (path: string) => {
    const res = await t.app.request(path);
    expect(res.status, path).toBe(200);
    return { cache: res.headers.get("x-cache"), body: await res.text() };
  };
  const expectAll = async (outcome: string) => {
    for (const path of ROUTES) expect((await get(path)).cache, path).toBe(outcome);
  };
  /** Every route computed and then served from the cache. */
  const warm = async () => {
    await Promise.all(ROUTES.map(get));
    await expectAll("hit");
  };

  it("reuses a payload byte for byte while nothing changed, and recomputes after the TTL", async () => {
    const first = await Promise.all(ROUTES.map(get));
    const second = await Promise.all(ROUTES.map(get));
    for (const [i, f] of first.entries()) {
      expect(f.cache).toBe("miss");
      expect(second[i]?.cache).toBe("hit");
      expect(second[i]?.body).toBe(f.body);
    }
    clock = new Date(clock.getTime() + 5_001);
    const later = await get(ROUTES[1] as string);
    expect(later.cache).toBe("miss");
    // Recomputed as of the new moment.
    expect(JSON.parse(later.body).as_of).toBe(clock.toISOString());
  });

  it("recomputes everything once a print lands, and the payload shows it", async () => {
    await warm();
    const before = JSON.parse((await get(ROUTES[0] as string)).body) as {
      total_prints: number;
      date: string;
    };
    const ts = new Date(dataEnd.getTime() + 60_000);
    t.deps.pipeline.accept({ ...print, ts, publishedAt: ts, tradeId: "cache-test-1" });
    await t.deps.pipeline.flush();
    const after = await Promise.all(ROUTES.map(get));
    for (const a of after) expect(a.cache).toBe("miss");
    expect(JSON.parse(after[0]?.body as string).total_prints).toBe(before.total_prints + 1);
  });

  it("sees every write made before a request, also when many requests share one version read", async () => {
    for (let round = 0; round < 3; round++) {
      const before = JSON.parse((await get(ROUTES[0] as string)).body).total_prints as number;
      // Requests in flight while the write happens, then a burst after it has committed.
      const during = Promise.all(Array.from({ length: 10 }, () => get(ROUTES[0] as string)));
      const ts = new Date(dataEnd.getTime() + 120_000 + round * 1000);
      t.deps.pipeline.accept({ ...print, ts, publishedAt: ts, tradeId: `cache-burst-${round}` });
      await t.deps.pipeline.flush();
      await during;
      const after = await Promise.all(Array.from({ length: 30 }, () => get(ROUTES[0] as string)));
      for (const a of after) expect(JSON.parse(a.body).total_prints).toBe(before + 1);
    }
  });

  it("recomputes after a write to another area's table (alerts, 13F, Form 4, options), by any writer", async () => {
    await warm();
    await insertAlert(
      t.handle.db,
      {
        id: "cache-test-alert",
        seq: null,
        symbol: SYMBOL,
        type: "large_block",
        severity: "high",
        timestamp: dataEnd.toISOString(),
        title: "cache test block",
        values: {},
        inputs: {},
        params_version: "test",
        rules_version: "test",
        dedupe_key: "cache-test",
        outcome: {
          price_at_alert: null,
          price_move_1h_pct: null,
          price_move_1d_pct: null,
          evaluated_at: null,
        },
      },
      dataEnd,
    );
    const dashboard = await get(ROUTES[3] as string);
    expect(dashboard.cache).toBe("miss");
    expect(JSON.parse(dashboard.body).alerts.items.map((a: { title: string }) => a.title)).toContain(
      "cache test block",
    );
    // Plain SQL from another process: the triggers bump the area's version all the same.
    for (const table of ["thirteenf_holdings", "insider_transactions", "option_prints", "securities"]) {
      await warm();
      await t.handle.query(sql.raw(`delete from ${table} where false`));
      await expectAll("miss");
    }
  });

  it("does not cache point-in-time requests, errors, or a symbol whose data lies after now", async () => {
    const pit = await get(`${ROUTES[1]}?as_of=${encodeURIComponent(dataEnd.toISOString())}`);
    expect(pit.cache).toBe("bypass");
    const nope = () =>
      refusal(api(t.app).analytics[":symbol"].indicators.$get({ param: { symbol: "NOPE" }, query: {} }));
    expect((await nope()).status).toBe(404);
    expect((await nope()).status).toBe(404);
    clock = new Date(dataEnd.getTime() - 3_600_000);
    expect((await get(ROUTES[0] as string)).cache).toBe("bypass");
  });
});
