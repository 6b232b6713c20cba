/**
 * Issue 15, demo completeness and coherence: every demo symbol has 13F holders, Form 4s and options
 * positioning (so the Smart Money Index's options input is present), and one price path per symbol
 * drives the history, the 13F values and the insider prices.
 */
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/src/app";
import { PrintPipeline } from "../../server/src/darkpool/pipeline";
import { generateDemo } from "../../server/src/feeds/demo";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import { api, ok, testEnv } from "../support/app";
import { engines, openTestDb } from "../support/db";

/** Friday 2025-06-06, 17:00 New York: the week's sessions have closed. */
const NOW = new Date("2025-06-06T21:00:00Z");
const SYMBOLS = ["AAPL", "MSFT", "SPY"];

interface Bar {
  day: string;
  close: number;
  high: number;
  low: number;
}

describe.each(engines())("demo data for every demo symbol on %s", (engine) => {
  let handle: DbHandle;
  let pipeline: PrintPipeline;
  let app: ReturnType<typeof createApp>;
  const of = (symbol: string) => ({ param: { symbol }, query: {} });
  const holdersOf = (symbol: string) => ok(api(app).institutional[":symbol"].holders.$get(of(symbol)));
  // The insiders route has no `days` parameter (the old `?days=90` here was ignored).
  const insidersOf = (symbol: string) => ok(api(app).institutional[":symbol"].insiders.$get(of(symbol)));

  beforeAll(async () => {
    handle = await openTestDb(engine);
    const log = createLogger("silent");
    const bus = new LiveBus();
    pipeline = new PrintPipeline({ db: handle.db, bus, log, lastLitWindowMs: 60_000 });
    app = createApp({ env: testEnv(), db: handle, bus, pipeline, log, now: () => NOW });
    for (const symbol of SYMBOLS)
      await generateDemo({ db: handle.db, pipeline, symbol, days: 5, printsPerDay: 60, now: NOW });
  }, 120_000);
  afterAll(async () => {
    await pipeline?.close();
    await handle?.close();
  });

  it.each(SYMBOLS)("%s has 13F holders, Form 4 transactions and options positioning", async (symbol) => {
    const holders = await holdersOf(symbol);
    expect(holders.holders.length).toBeGreaterThan(5);
    const insiders = await insidersOf(symbol);
    expect(insiders.transactions.length).toBeGreaterThan(0);
    const positioning = await ok(api(app).blocks[":symbol"]["options-positioning"].$get(of(symbol)));
    expect(positioning.prints).toBeGreaterThan(0);
    expect(positioning.call_premium + positioning.put_premium).toBeGreaterThan(0);
    const indicators = await ok(api(app).analytics[":symbol"].indicators.$get(of(symbol)));
    expect(indicators.confidence.excluded.map((e) => e.name)).not.toContain("options");
  });

  it.each(SYMBOLS)("%s options carry open interest for the contracts traded", async (symbol) => {
    const unusual = await ok(
      api(app).blocks[":symbol"].options.$get({ param: { symbol }, query: { limit: "50" } }),
    );
    expect(unusual.contracts.length).toBeGreaterThan(0);
    expect(unusual.contracts.every((c) => typeof c.open_interest === "number" && c.open_interest > 0)).toBe(
      true,
    );
  });

  it.each(SYMBOLS)(
    "%s's 13F values and insider prices sit on the price level its prints trade at",
    async (symbol) => {
      const rows = await handle.query<Bar>(
        sql`select day::text as day, close, high, low from daily_bars where symbol = ${symbol} and source = 'demo' order by day`,
      );
      const bars = rows.map((r) => ({
        ...r,
        close: Number(r.close),
        high: Number(r.high),
        low: Number(r.low),
      }));
      const last = bars.at(-1) as Bar;
      expect(bars.length).toBe(5);
      const holders = await holdersOf(symbol);
      for (const h of holders.holders) {
        // Quarter-end value per share (2025-03-31) against the last close two months later.
        const implied = (h.value as number) / h.shares;
        expect(implied / last.close).toBeGreaterThan(0.7);
        expect(implied / last.close).toBeLessThan(1.4);
      }
      const insiders = await insidersOf(symbol);
      const priced = insiders.transactions.filter((t) => (t.price ?? 0) > 0);
      expect(priced.length).toBeGreaterThan(0);
      for (const t of priced) {
        const bar = bars.find((b) => b.day === t.transaction_date);
        if (bar) {
          expect(t.price as number).toBeGreaterThanOrEqual(bar.close * 0.99 - 0.01);
          expect(t.price as number).toBeLessThanOrEqual(bar.close * 1.01 + 0.01);
        }
        expect((t.price as number) / last.close).toBeGreaterThan(0.75);
        expect((t.price as number) / last.close).toBeLessThan(1.33);
      }
    },
  );

  it("keeps demo CUSIPs out of the unmapped-CUSIPs list", async () => {
    const body = await ok(api(app).institutional["unmapped-cusips"].$get({ query: {} }));
    expect(JSON.stringify(body)).not.toContain("DEMO");
  });

  it("a second load of the same demo stores nothing new", async () => {
    const again = await generateDemo({
      db: handle.db,
      pipeline,
      symbol: "MSFT",
      days: 5,
      printsPerDay: 60,
      now: NOW,
    });
    expect(again.extra).toMatchObject({
      institutional: { filings_13f: 0, holdings_13f: 0, insider_transactions: 0 },
      options: { option_prints: 0, open_interest_rows: 0 },
    });
  });
});
