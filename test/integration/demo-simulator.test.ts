/**
 * Issue 15, the live simulator: it continues the demo history's price (no jump from a 465.97 close to
 * 407.98 live), trades only inside a regular session (a closed market replays the last session on a
 * clock of its own), and alerts raised on its prints are marked demo.
 */
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlocksAlertsRuntime, startBlocksAlerts } from "../../server/src/alerts/alerts.plugin";
import type { Quote, RawPrint } from "../../server/src/darkpool/print";
import { generateDemo } from "../../server/src/feeds/demo";
import type { FeedSink } from "../../server/src/feeds/feed";
import { MarketModel } from "../../server/src/feeds/market-model";
import { SimulatorFeed } from "../../server/src/feeds/simulator";
import { etWallTimeToUtc } from "../../server/src/lib/et-time";
import type { AlertMessage } from "../../server/src/realtime/bus";
import { api, buildTestApp, ok } from "../support/app";
import { engines } from "../support/db";

const SYMBOLS = ["AAPL", "MSFT", "SPY"];
/** Friday 2025-06-06 after the close: the history ends with Friday's session. */
const HISTORY_END = new Date("2025-06-06T21:00:00Z");

function collect(): FeedSink & { prints: RawPrint[]; quotes: Quote[] } {
  const prints: RawPrint[] = [];
  const quotes: Quote[] = [];
  return {
    prints,
    quotes,
    print: (p) => prints.push(p),
    quote: (q) => quotes.push(q),
    error: () => undefined,
  };
}

/** Runs the simulator for `ticks` ticks on a fixed wall clock. */
function simulate(wall: Date, ticks = 200) {
  const feed = new SimulatorFeed({ symbols: SYMBOLS, seed: 7, now: () => wall });
  const sink = collect();
  for (let i = 0; i < ticks; i++) feed.tick(sink, 0.4);
  return { feed, sink };
}

describe.each(engines())("the demo simulator on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let handle: DbHandle;
  const lastBar = new Map<string, { close: number; high: number; low: number }>();

  beforeAll(async () => {
    t = await buildTestApp(engine);
    handle = t.handle;
    for (const symbol of SYMBOLS) {
      await generateDemo({
        db: handle.db,
        pipeline: t.deps.pipeline,
        symbol,
        days: 3,
        printsPerDay: 40,
        now: HISTORY_END,
      });
      const rows = await handle.query<{ close: number; high: number; low: number }>(
        sql`select close, high, low from daily_bars where symbol = ${symbol} and source = 'demo' order by day desc limit 1`,
      );
      const r = rows[0] as { close: number; high: number; low: number };
      lastBar.set(symbol, { close: Number(r.close), high: Number(r.high), low: Number(r.low) });
    }
  }, 120_000);
  afterAll(async () => t?.close());

  it("opens the next session within 1.5% of the history's last close", () => {
    // Monday 09:31 New York, the first minute after the weekend.
    const { feed, sink } = simulate(new Date("2025-06-09T13:31:00Z"));
    expect(feed.status()).toMatchObject({ clock: "session", session_day: "2025-06-09" });
    for (const symbol of SYMBOLS) {
      const close = lastBar.get(symbol)?.close as number;
      const prices = sink.prints.filter((p) => p.symbol === symbol).map((p) => p.price);
      expect(prices.length).toBeGreaterThan(5);
      for (const price of prices) expect(Math.abs(price / close - 1)).toBeLessThan(0.015);
    }
  });

  it("on a closed market replays the last session instead of trading at 04:00 on a Saturday", () => {
    const saturday = new Date("2025-06-07T08:00:00Z");
    const { feed, sink } = simulate(saturday);
    expect(feed.status()).toMatchObject({ clock: "replay", session_day: "2025-06-06" });
    const open = etWallTimeToUtc("2025-06-06", 9, 30).getTime();
    const close = etWallTimeToUtc("2025-06-06", 16, 0).getTime();
    expect(sink.prints.length).toBeGreaterThan(0);
    for (const p of sink.prints) {
      expect(p.ts.getTime()).toBeGreaterThanOrEqual(open);
      expect(p.ts.getTime()).toBeLessThan(close);
      expect(p.source).toBe("demo");
      // Within the range the history traded that Friday, give or take the simulator's own noise.
      const bar = lastBar.get(p.symbol) as { high: number; low: number };
      expect(p.price).toBeGreaterThan(bar.low * 0.99);
      expect(p.price).toBeLessThan(bar.high * 1.01);
    }
  });

  describe("alerts", () => {
    let runtime: BlocksAlertsRuntime;
    const alerts: AlertMessage[] = [];
    beforeAll(() => {
      runtime = startBlocksAlerts(t.deps, { loadBaselines: false, idleTickMs: 20 });
      t.deps.bus.on("alert", (a) => alerts.push(a));
    });
    afterAll(async () => runtime?.stop());

    it("an alert raised on simulated prints is marked demo, in its source and its title", async () => {
      const model = new MarketModel({ seed: 3 });
      const ts = new Date("2025-06-09T15:00:00Z");
      t.deps.pipeline.accept(model.block("AAPL", ts, 20_000_000, "demo"));
      t.deps.pipeline.accept(model.block("ZZZR", ts, 20_000_000, "alpaca"));
      await t.deps.pipeline.flush();
      await runtime.settled();
      const demo = alerts.find((a) => a.symbol === "AAPL" && a.type === "large_block");
      const real = alerts.find((a) => a.symbol === "ZZZR" && a.type === "large_block");
      expect(demo).toMatchObject({ source: "demo", title: expect.stringMatching(/^DEMO /) });
      expect(real?.source).toBeUndefined();
      expect(real?.title).not.toMatch(/DEMO/);
      const stored = await ok(api(t.app).alerts[":symbol"].$get({ param: { symbol: "AAPL" }, query: {} }));
      expect(stored.alerts.find((a) => a.type === "large_block")?.source).toBe("demo");
    });
  });
});
