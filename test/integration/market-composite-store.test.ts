/**
 * Issue 12: the precomputed composite leaderboards. The stored board (market/composite.refresh.ts, what the
 * job runs) must answer with exactly the per-symbol `/analytics/{symbol}/indicators`, `/flow` and
 * `/dashboard` numbers at the moment each row was scored, say where its scores come from and how old they
 * are, follow new data after a refresh (rescoring only the touched symbol), and keep point in time: a past
 * day's closed board answers its date, a moment without a stored board is computed on request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compositePlugin } from "../../server/src/market/composite.plugin";
import { endOfDay, refreshComposite, refreshDay } from "../../server/src/market/composite.refresh";
import { ACC, type Component, compositeTestApp, SMI } from "../support/composite";
import { engines } from "../support/db";

const SYMBOLS = ["AAPL", "MSFT", "GME", "TSLA", "NVDA"];

type Row = Record<string, unknown> & { rank: number; symbol: string; value: number; scored_as_of: string };
interface Scores {
  source: string;
  as_of: string;
  day: string | null;
  closed: boolean | null;
  computed_at: string;
  inputs_changed_since: boolean | null;
}
interface Leaders {
  rows: Row[];
  total: number;
  scores: Scores;
  universe: { scored: number; active_symbols: number; requested: number };
  freshness: { input: string; latest: string | null }[];
}

describe.each(engines())("stored composite leaderboards on %s", (engine) => {
  let t: Awaited<ReturnType<typeof compositeTestApp>>;
  const json = async <T>(path: string, init?: RequestInit) => {
    const res = await t.app.request(path, init);
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
    return JSON.parse(text) as T;
  };
  const board = (metric: string, query = "") =>
    json<Leaders>(`/smart-money/market/leaders?metric=${metric}&limit=1000${query}`);

  /** Every row against the per-symbol routes at the moment it was scored. */
  async function expectPerSymbolEquality(rows: Row[]) {
    for (const row of rows) {
      const at = `as_of=${row.scored_as_of}`;
      const [ind, flow, dash] = await Promise.all([
        json<{
          smart_money_index: number;
          confidence: { score: number; level: string };
          bands: { smart_money_index: { band: string } };
          components: { smart_money_index: Component[] };
        }>(`/smart-money/analytics/${row.symbol}/indicators?${at}`),
        json<{ accumulation_score: number | null; components: Component[] }>(
          `/smart-money/analytics/${row.symbol}/flow?${at}`,
        ),
        json<{ metrics: { smart_money_index: { value: number }; accumulation_score: { value: number } } }>(
          `/smart-money/analytics/${row.symbol}/dashboard?${at}`,
        ),
      ]);
      expect(row.value, row.symbol).toBe(ind.smart_money_index);
      expect(row.value).toBe(dash.metrics.smart_money_index.value);
      expect(row.confidence).toBe(ind.confidence.score);
      expect(row.band).toBe(ind.bands.smart_money_index.band);
      for (const name of SMI) {
        const c = ind.components.smart_money_index.find((x) => x.name === name) as Component;
        expect(row[`${name}_weight`], `${row.symbol} ${name}`).toBe(c.effective_weight);
        expect(row[`${name}_signal`]).toBe(c.available ? c.normalized : null);
        expect(row[`${name}_as_of`]).toBe(c.as_of);
      }
      expect(flow.accumulation_score).toBe(dash.metrics.accumulation_score.value);
    }
  }

  beforeAll(async () => {
    t = await compositeTestApp(engine, SYMBOLS);
  }, 300_000);
  afterAll(async () => t?.close());

  it("without a stored board computes on request, and says so", async () => {
    const body = await board("smart_money_index");
    expect(body.scores.source).toBe("computed_on_request");
    expect(body.rows.length).toBe(SYMBOLS.length);
  });

  it("answers from the stored board with the per-symbol indicators, flow and dashboard numbers", async () => {
    const scoredAt = new Date();
    const [today] = await refreshComposite(t.handle.db, scoredAt);
    expect(today).toMatchObject({ closed: false, scored: SYMBOLS.length, members: SYMBOLS.length });
    const smi = await board("smart_money_index");
    expect(smi.scores).toMatchObject({
      source: "stored",
      as_of: scoredAt.toISOString(),
      closed: false,
      inputs_changed_since: false,
    });
    expect(smi.universe).toMatchObject({ scored: SYMBOLS.length, active_symbols: SYMBOLS.length });
    expect(smi.rows.length).toBe(SYMBOLS.length);
    expect(new Set(smi.rows.map((r) => r.value)).size).toBeGreaterThan(1);
    expect(smi.rows.map((r) => r.value)).toEqual([...smi.rows.map((r) => r.value)].sort((a, b) => b - a));
    expect(smi.freshness.find((f) => f.input === "prints")?.latest).not.toBeNull();
    await expectPerSymbolEquality(smi.rows);

    const acc = await board("accumulation");
    const asc = await board("accumulation", "&order=asc");
    expect(asc.rows.map((r) => r.symbol)).toEqual([...acc.rows].reverse().map((r) => r.symbol));
    for (const row of acc.rows) {
      const flow = await json<{ accumulation_score: number; net_flow: string; components: Component[] }>(
        `/smart-money/analytics/${row.symbol}/flow?as_of=${row.scored_as_of}`,
      );
      expect(row.value, row.symbol).toBe(flow.accumulation_score);
      expect(row.net_flow).toBe(flow.net_flow);
      for (const name of ACC) {
        const c = flow.components.find((x) => x.name === name) as Component;
        expect(row[`${name}_weight`]).toBe(c.effective_weight);
      }
    }
    const page = await json<Leaders>(
      "/smart-money/market/leaders?metric=smart_money_index&limit=2&offset=2&universe=4",
    );
    expect(page.total).toBe(4);
    expect(page.rows.map((r) => r.rank)).toEqual([3, 4]);
  });

  it("shows new data as pending, and rescores only the touched symbol on the next refresh", async () => {
    const before = await board("smart_money_index");
    const target = before.rows.find((r) => r.symbol === "GME") as Row;
    const ts = new Date(Date.now() - 60_000).toISOString();
    const lines = [1, 2, 3].map((i) =>
      JSON.stringify({ symbol: "GME", timestamp: ts, price: 40 + i, size: 400_000, id: `store-${i}` }),
    );
    await json("/smart-money/ingest/prints?name=gme-blocks.ndjson", {
      method: "POST",
      body: lines.join("\n"),
      headers: { "content-type": "text/plain" },
    });
    const pending = await board("smart_money_index");
    expect(pending.scores.inputs_changed_since).toBe(true);

    const [today] = await refreshComposite(t.handle.db, new Date());
    expect(today?.scored).toBe(1);
    const after = await board("smart_money_index");
    expect(after.scores.inputs_changed_since).toBe(false);
    const gme = after.rows.find((r) => r.symbol === "GME") as Row;
    expect(gme.scored_as_of).not.toBe(target.scored_as_of);
    expect(gme.block_flow_as_of).not.toBe(target.block_flow_as_of);
    for (const r of after.rows.filter((x) => x.symbol !== "GME"))
      expect(r.scored_as_of).toBe(before.rows.find((x) => x.symbol === r.symbol)?.scored_as_of);
    await expectPerSymbolEquality(after.rows);

    // Nothing written since: a pass does no work.
    const [idle] = await refreshComposite(t.handle.db, new Date());
    expect(idle?.scored).toBeNull();
  });

  it("keeps a closed past day for its date, and computes other past moments on request", async () => {
    const yesterday = new Date(Date.now() - 86_400_000);
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(yesterday);
    const out = await refreshDay(t.handle.db, { day, asOf: endOfDay(day), closed: true }, new Date());
    expect(out.scored).toBeGreaterThan(0);
    const closed = await board("smart_money_index", `&as_of=${endOfDay(day).toISOString()}`);
    expect(closed.scores).toMatchObject({ source: "stored", day, closed: true, inputs_changed_since: null });
    expect(closed.rows.every((r) => r.scored_as_of === endOfDay(day).toISOString())).toBe(true);
    await expectPerSymbolEquality(closed.rows);
    const midday = new Date(endOfDay(day).getTime() - 6 * 3_600_000).toISOString();
    const onRequest = await board("smart_money_index", `&as_of=${midday}`);
    expect(onRequest.scores).toMatchObject({ source: "computed_on_request", as_of: midday });
  });

  it("the job (COMPOSITE_REFRESH_S) puts an upload on the board by itself", async () => {
    const stop = compositePlugin(
      { ...t.deps, env: { ...t.deps.env, COMPOSITE_REFRESH_S: 1 } },
      undefined as never,
    );
    try {
      const before = (await board("smart_money_index")).rows.find((r) => r.symbol === "MSFT") as Row;
      const line = JSON.stringify({
        symbol: "MSFT",
        timestamp: new Date(Date.now() - 30_000).toISOString(),
        price: 300,
        size: 50_000,
        id: "job-1",
      });
      await json("/smart-money/ingest/prints?name=msft-job.ndjson", {
        method: "POST",
        body: line,
        headers: { "content-type": "text/plain" },
      });
      let after = before;
      for (let i = 0; i < 100 && after.scored_as_of === before.scored_as_of; i++) {
        await new Promise((r) => setTimeout(r, 200));
        after = (await board("smart_money_index")).rows.find((r) => r.symbol === "MSFT") as Row;
      }
      expect(after.scored_as_of).not.toBe(before.scored_as_of);
      await expectPerSymbolEquality([after]);
    } finally {
      await stop?.();
    }
  });
});
