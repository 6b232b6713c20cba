import type { DbHandle } from "@smt/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { createApp } from "../app";
import { PrintPipeline } from "../darkpool/pipeline";
import { loadEnv } from "../env";
import { createLogger } from "../lib/log";
import { LiveBus } from "../realtime/bus";
import { demoCusip, generateInstitutionalDemo } from "./institutional.demo";
import { normalizeCusip } from "./securities";

const NOW = new Date("2025-06-02T20:00:00Z");

describe.each(engines())("institutional demo data on %s", (engine) => {
  let handle: DbHandle;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    handle = await openTestDb(engine);
    const log = createLogger("silent");
    const bus = new LiveBus();
    const pipeline = new PrintPipeline({ db: handle.db, bus, log, lastLitWindowMs: 60_000 });
    app = createApp({
      env: loadEnv({ LOG_LEVEL: "silent" }),
      db: handle,
      bus,
      pipeline,
      log,
      now: () => NOW,
    });
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("fills every institutional endpoint, with a valid CUSIP, and a second run stores nothing new", async () => {
    expect(normalizeCusip(demoCusip("NVDA"))).toBe(demoCusip("NVDA"));
    const first = await generateInstitutionalDemo(handle.db, "NVDA", { days: 90, now: NOW });
    expect(first.filings_13f).toBeGreaterThan(20);
    expect(first.insider_transactions).toBeGreaterThan(0);
    const second = await generateInstitutionalDemo(handle.db, "NVDA", { days: 90, now: NOW });
    expect(second).toMatchObject({ filings_13f: 0, holdings_13f: 0, insider_transactions: 0 });

    const holders = (await (await app.request("/smart-money/institutional/NVDA/holders")).json()) as {
      period: string;
      holders: { percent_of_shares_outstanding: number }[];
    };
    expect(holders.period).toBe("2025-03-31");
    expect(holders.holders.length).toBeGreaterThan(5);
    expect(holders.holders[0]?.percent_of_shares_outstanding).toBeGreaterThan(0);
    const flow = (await (await app.request("/smart-money/institutional/NVDA/flow")).json()) as {
      flow_direction: string;
      new_positions: number;
      sold_out_positions: number;
    };
    expect(["strong_inflow", "inflow", "neutral", "outflow", "strong_outflow"]).toContain(
      flow.flow_direction,
    );
    expect(flow.sold_out_positions).toBe(1);
    const insiders = await app.request("/smart-money/institutional/NVDA/insiders");
    expect(((await insiders.json()) as { transactions: unknown[] }).transactions.length).toBe(
      first.insider_transactions,
    );
    expect((await app.request("/smart-money/institutional/NVDA/insider-sentiment")).status).toBe(200);
  });
});
