/**
 * Issue 12: the composite leaderboard metrics `smart_money_index` and `accumulation`, market-wide over a
 * bounded universe. Each row must equal the per-symbol `/analytics/{symbol}/indicators` and `/flow` answer
 * at the same `as_of`, its parts must add up to its value, and the universe must be the most active
 * symbols of the day as the screener's own fields rank them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../server/src/market/csv";
import { ACC, type Component, compositeTestApp, SMI } from "../support/composite";
import { engines } from "../support/db";

const SYMBOLS = ["AAPL", "MSFT", "GME", "TSLA", "NVDA", "AMD"];

type Row = Record<string, unknown> & { rank: number; symbol: string; value: number; activity: number };
interface Leaders {
  metric: string;
  rows: Row[];
  total: number;
  window: { from: string | null; to: string | null; days: number };
  universe: { requested: number; scored: number; active_symbols: number; basis: string } | null;
  freshness: { input: string; latest: string | null }[];
  as_of: string;
}

describe.each(engines())("composite leaders (smart_money_index, accumulation) on %s", (engine) => {
  let t: Awaited<ReturnType<typeof compositeTestApp>>;
  let asOf: string;
  const json = async <T>(path: string) => {
    const res = await t.app.request(path);
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
    return JSON.parse(text) as T;
  };

  beforeAll(async () => {
    t = await compositeTestApp(engine, SYMBOLS);
    asOf = new Date().toISOString();
  }, 300_000);
  afterAll(async () => t?.close());

  it("scores every active symbol with the per-symbol indicators, and the parts add up to the SMI", async () => {
    const body = await json<Leaders>(
      `/smart-money/market/leaders?metric=smart_money_index&as_of=${asOf}&limit=1000`,
    );
    expect(body.universe?.scored).toBe(SYMBOLS.length);
    expect(body.universe?.active_symbols).toBe(SYMBOLS.length);
    expect(body.rows.length).toBe(SYMBOLS.length);
    expect(body.as_of).toBe(asOf);
    const values = body.rows.map((r) => r.value);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    expect(new Set(values).size).toBeGreaterThan(1);
    const available = (r: Row) => SMI.filter((n) => r[`${n}_signal`] !== null).length;
    expect(Math.max(...body.rows.map(available))).toBeGreaterThanOrEqual(3);
    for (const row of body.rows) {
      const ind = await json<{
        smart_money_index: number;
        confidence: { score: number; level: string };
        bands: { smart_money_index: { band: string } };
        components: { smart_money_index: Component[] };
      }>(`/smart-money/analytics/${row.symbol}/indicators?as_of=${asOf}`);
      expect(row.value, row.symbol).toBe(ind.smart_money_index);
      expect(row.confidence).toBe(ind.confidence.score);
      expect(row.confidence_level).toBe(ind.confidence.level);
      expect(row.band).toBe(ind.bands.smart_money_index.band);
      let sum = 0;
      for (const name of SMI) {
        const c = ind.components.smart_money_index.find((x) => x.name === name) as Component;
        expect(row[`${name}_weight`], `${row.symbol} ${name}`).toBe(c.effective_weight);
        expect(row[`${name}_signal`]).toBe(c.available ? c.normalized : null);
        expect(row[`${name}_as_of`]).toBe(c.as_of);
        sum += c.available ? (c.effective_weight as number) * (c.normalized as number) : 0;
      }
      expect(row.value).toBeCloseTo(50 + 50 * sum, 1);
    }
  });

  it("ranks accumulation as /flow computes it, ascending on request", async () => {
    const desc = await json<Leaders>(`/smart-money/market/leaders?metric=accumulation&as_of=${asOf}`);
    const asc = await json<Leaders>(
      `/smart-money/market/leaders?metric=accumulation&as_of=${asOf}&order=asc`,
    );
    expect(asc.rows.map((r) => r.symbol)).toEqual([...desc.rows].reverse().map((r) => r.symbol));
    expect(desc.rows.length).toBeGreaterThan(1);
    for (const row of desc.rows) {
      const flow = await json<{
        accumulation_score: number;
        net_flow: string;
        accumulation_band: { band: string };
        components: Component[];
      }>(`/smart-money/analytics/${row.symbol}/flow?as_of=${asOf}`);
      expect(row.value, row.symbol).toBe(flow.accumulation_score);
      expect(row.net_flow).toBe(flow.net_flow);
      expect(row.band).toBe(flow.accumulation_band.band);
      let sum = 0;
      for (const name of ACC) {
        const c = flow.components.find((x) => x.name === name) as Component;
        expect(row[`${name}_weight`]).toBe(c.effective_weight);
        sum += c.available ? c.effective_weight * (c.normalized as number) : 0;
      }
      expect(row.value).toBeCloseTo(100 * sum, 1);
    }
  });

  it("takes the universe from the day's most active symbols, as the screener's fields rank them", async () => {
    const screener = await json<{
      rows: { symbol: string; finra_total_volume: number | null; dark_pool_volume: number | null }[];
    }>(`/smart-money/market/screener?as_of=${asOf}&limit=1000`);
    const activity = screener.rows
      .map((r) => ({ symbol: r.symbol, a: Math.max(r.finra_total_volume ?? 0, r.dark_pool_volume ?? 0) }))
      .sort((x, y) => y.a - x.a || x.symbol.localeCompare(y.symbol));
    for (const universe of [1, 3]) {
      const body = await json<Leaders>(
        `/smart-money/market/leaders?metric=smart_money_index&as_of=${asOf}&universe=${universe}`,
      );
      expect(body.universe).toMatchObject({ requested: universe, scored: universe });
      expect(body.rows.map((r) => r.symbol).sort()).toEqual(
        activity
          .slice(0, universe)
          .map((x) => x.symbol)
          .sort(),
      );
      for (const r of body.rows) expect(r.activity).toBe(activity.find((x) => x.symbol === r.symbol)?.a);
    }
    const floor = activity[2]?.a as number;
    const filtered = await json<Leaders>(
      `/smart-money/market/leaders?metric=smart_money_index&as_of=${asOf}&min_volume=${floor}`,
    );
    expect(filtered.rows.every((r) => r.activity >= floor)).toBe(true);
    expect(filtered.rows.length).toBe(activity.filter((x) => x.a >= floor).length);
  });

  it("is point in time: before any data there is no universe, and CSV carries the parts", async () => {
    const before = await json<Leaders>(
      "/smart-money/market/leaders?metric=smart_money_index&as_of=2001-01-02T00:00:00Z",
    );
    expect(before.rows).toEqual([]);
    expect(before.universe?.scored).toBe(0);
    expect(before.window.to).toBeNull();
    const res = await t.app.request(
      `/smart-money/market/leaders?metric=smart_money_index&as_of=${asOf}&format=csv`,
    );
    expect(res.status).toBe(200);
    const [header, ...rows] = parseCsv(await res.text());
    expect(header).toEqual(
      expect.arrayContaining(["rank", "symbol", "value", "dark_pool_signal", "activity"]),
    );
    expect(rows.length).toBe(SYMBOLS.length);
  });

  it("refuses a universe out of range, naming it", async () => {
    for (const u of ["0", "501", "abc", "1.5"]) {
      const res = await t.app.request(`/smart-money/market/leaders?metric=accumulation&universe=${u}`);
      expect(res.status, u).toBe(400);
      expect(await res.text()).toMatch(/universe/);
    }
  });
});
