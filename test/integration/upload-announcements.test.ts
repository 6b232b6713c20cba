import { rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlocksAlertsRuntime, startBlocksAlerts } from "../../server/src/alerts/alerts.plugin";
import { startTestServer } from "../support/app";
import { engines } from "../support/db";

const HEADER =
  "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp";
/** 2025-11-18 15:00:00 UTC (10:00 ET), in nanoseconds as the vendor's flat files carry it. */
const BASE_NS = 1_763_478_000_000_000_000n;

/** One line of the vendor's trades flat file: lit unless `trf` (exchange 4, Nasdaq TRF Carteret). */
function line(symbol: string, id: number, offsetMs: number, price: number, size: number, trf = false) {
  const ns = (BASE_NS + BigInt(offsetMs) * 1_000_000n).toString();
  return `${symbol},,0,${trf ? 4 : 11},${id},${ns},${price},${id},${ns},${size},3,${trf ? 202 : ""},${trf ? ns : ""}`;
}

describe.each(engines())("a transactional upload announces every stored print (%s)", (engine) => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let runtime: BlocksAlertsRuntime;
  let announced = 0;

  beforeAll(async () => {
    server = await startTestServer(engine, { API_KEYS: "" }, [
      (deps) => {
        runtime = startBlocksAlerts(deps, { loadBaselines: false, idleTickMs: 50 });
        return () => runtime.stop();
      },
    ]);
    server.deps.bus.on("prints", (batch) => {
      announced += batch.length;
    });
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it("a $20M block as the 50,001st new print raises an alert, and a symbol after it gets its daily bar", async () => {
    const lines = [HEADER];
    // 50,000 small lit prints first (one every 10 ms from 10:00 ET), then the block, then LATE's prints.
    for (let i = 0; i < 50_000; i++) lines.push(line("FILL", i + 1, i * 10, 10 + (i % 7) / 100, 100));
    lines.push(line("BIG20", 60_001, 600_000, 200, 100_000, true)); // $20,000,000 off exchange
    lines.push(line("LATE", 60_002, 600_010, 50, 300));
    lines.push(line("LATE", 60_003, 600_020, 51, 200));
    const res = await fetch(`${server.url}/smart-money/ingest/prints?name=big.csv`, {
      method: "POST",
      body: lines.join("\n"),
      headers: { "content-type": "text/csv" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 50_003, rejected: 0 });
    expect(announced).toBe(50_003);

    await runtime.settled();
    const alerts = (await (
      await fetch(`${server.url}/smart-money/alerts/BIG20?type=large_block`)
    ).json()) as {
      alerts: { symbol: string; values: { value: number } }[];
    };
    expect(alerts.alerts).toHaveLength(1);
    expect(alerts.alerts[0]?.values.value).toBe(20_000_000);

    const bars = rowsOf<{ symbol: string; day: string; close: number; volume: number }>(
      await server.deps.db.db.execute(
        sql`select symbol, day::text as day, close::float8 as close, volume::float8 as volume
            from daily_bars where symbol = 'LATE'`,
      ),
    );
    expect(bars).toEqual([{ symbol: "LATE", day: "2025-11-18", close: 51, volume: 500 }]);
  }, 120_000);

  it("option prints uploaded as a file reach the live detectors: an ISO sweep is pushed on the options channel", async () => {
    const pushed: unknown[] = [];
    const off = server.deps.bus.on("channel", (m) => {
      if (m.channel === "options" && m.symbol === "SWPX") pushed.push(...m.items);
    });
    const t0 = Date.parse("2025-11-18T15:30:00Z");
    const csv = [
      "ticker,conditions,correction,exchange,participant_timestamp,price,sip_timestamp,size",
      `O:SWPX251219C00200000,219,0,302,0,5.00,${t0}000000,300`,
      `O:SWPX251219C00200000,219,0,325,0,5.05,${t0 + 1}000000,300`,
    ].join("\n");
    const res = await fetch(`${server.url}/smart-money/ingest/options?name=sweep.csv`, {
      method: "POST",
      body: csv,
      headers: { "content-type": "text/csv" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: 0 });
    // The idle tick (50 ms) closes the sweep once no more fills arrive.
    await expect.poll(() => pushed.length, { timeout: 5_000 }).toBe(1);
    off();
    expect(pushed[0]).toMatchObject({
      kind: "sweep",
      symbol: "SWPX",
      contract: "SWPX251219C00200000",
      isOption: true,
      venues: ["302", "325"],
      size: 600,
      iso: true,
    });
  });
});
