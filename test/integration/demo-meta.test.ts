/**
 * Issue 15, an exact demo flag: `GET /smart-money/meta` says whether demo rows are stored (and for which
 * symbols) and whether the simulator runs, so the dashboard's banner does not wait for a demo row.
 */
import { afterAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/app";
import { engines } from "../support/db";

interface Meta {
  demo: {
    rows: boolean;
    symbols: string[];
    simulator: { running: boolean; clock: string; session_day: string; symbols: string[] } | null;
  };
}

describe.each(engines())("the demo flag on %s", (engine) => {
  const servers: Awaited<ReturnType<typeof startTestServer>>[] = [];
  afterAll(async () => {
    for (const s of servers) await s.dispose();
  });
  const meta = async (url: string) => (await (await fetch(`${url}/smart-money/meta`)).json()) as Meta;

  it("says no demo when demo is off, and demo rows once a demo load ran", async () => {
    const server = await startTestServer(engine, { DEMO: "off" });
    servers.push(server);
    expect(await meta(server.url)).toEqual({ demo: { rows: false, symbols: [], simulator: null } });
    const res = await fetch(`${server.url}/smart-money/demo/NVDA/generate-data?days=1`, { method: "POST" });
    expect(res.status).toBe(200);
    expect((await meta(server.url)).demo).toMatchObject({ rows: true, symbols: ["NVDA"], simulator: null });
  });

  it("reports the running simulator with its clock and symbols", async () => {
    const server = await startTestServer(engine, {
      DEMO: "on",
      DEMO_SYMBOLS: "AAPL,SPY",
      DEMO_DAYS: "1",
      FEED: "demo",
    });
    servers.push(server);
    const { demo } = await meta(server.url);
    expect(demo.rows).toBe(true);
    expect(demo.symbols).toEqual(["AAPL", "SPY"]);
    expect(demo.simulator).toMatchObject({ running: true, symbols: ["AAPL", "SPY"] });
    expect(["session", "replay"]).toContain(demo.simulator?.clock);
    expect(demo.simulator?.session_day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  }, 120_000);
});
