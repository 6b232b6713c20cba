/**
 * Issue 12 figure: the composite leaderboards (`smart_money_index`, `accumulation`), which score the
 * `universe` most active symbols with the per-symbol analytics, on real Postgres at real breadth: two real
 * FINRA CNMS days (~9,000 symbols each) plus demo prints, options, 13F and Form 4 for DEMO symbols.
 * A: as of the real FINRA day (~9,000 symbols, nothing else then), the leaderboard's time per universe
 * size beside the same-run baseline of asking `/analytics/{symbol}/indicators` for the same symbols one
 * after another over HTTP, and the set-based `short_volume` board of the whole day. B: as of now, the demo
 * symbols with every component, both metrics beside their per-symbol routes. Medians of RUNS, cache off.
 *
 * Run: `pnpm bench market-composite`. Env: DEMO (20), RUNS (3), BENCH_DATABASE_URL.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadEnv } from "../../server/src/env";
import { startServer } from "../../server/src/server";
import { benchDatabase, fmt, report } from "./support";

const DEMO = Number(process.env.DEMO ?? 20);
const RUNS = Number(process.env.RUNS ?? 3);
const FINRA = ["CNMSshvol20210125.txt", "CNMSshvol20210126.txt"];

const bench = await benchDatabase("composite");
const server = await startServer({
  env: loadEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: bench.url,
    DEMO: "off",
    SYNC: "off",
    LOG_LEVEL: "error",
    RATE_LIMIT_PER_MINUTE: "0",
    RESPONSE_CACHE_TTL_MS: "0",
    SERVE_CLIENT: "false",
  }),
});

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return res.json() as Promise<Record<string, unknown>>;
};
const timed = async (fn: () => Promise<unknown>) => {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
};

try {
  const t0 = performance.now();
  for (const file of FINRA) {
    const body = readFileSync(join(import.meta.dirname, "..", "fixtures", "finra", file));
    const res = await fetch(`${server.url}/smart-money/ingest/short-volume?name=${file}`, {
      method: "POST",
      body,
      headers: { "content-type": "text/plain" },
    });
    if (res.status !== 200) throw new Error(`ingest ${file}: ${res.status}`);
  }
  const leaders = (await get(`/smart-money/market/leaders?metric=short_volume&limit=${DEMO}`)) as {
    rows: { symbol: string }[];
  };
  // Demo prints for the most active FINRA symbols, so the top of the universe has every component.
  for (const { symbol } of leaders.rows) {
    const res = await fetch(`${server.url}/smart-money/demo/${symbol}/generate-data?days=10`, {
      method: "POST",
    });
    if (res.status !== 200) throw new Error(`demo ${symbol}: ${res.status}`);
  }
  report("data", [
    ["FINRA days", `${FINRA.length} real CNMS files`],
    ["demo symbols", String(leaders.rows.length)],
    ["load time", `${fmt((performance.now() - t0) / 1000, 1)} s`],
  ]);

  const rows: [string, string][] = [];
  // A: the real FINRA day (~9,000 symbols; no prints then): the universe's cost at breadth, beside the
  // same symbols' /indicators one by one. No SMI comes out (two days give no short-volume baseline).
  const finraAsOf = "2021-01-26T23:30:00Z";
  rows.push([
    "short_volume leaders, whole FINRA day (set-based)",
    `${fmt(await timed(() => get(`/smart-money/market/leaders?metric=short_volume&as_of=${finraAsOf}`)), 1)} ms`,
  ]);
  for (const universe of [25, 100, 500]) {
    let scored = 0;
    const smi = await timed(async () => {
      const body = (await get(
        `/smart-money/market/leaders?metric=smart_money_index&universe=${universe}&as_of=${finraAsOf}`,
      )) as { universe: { scored: number; active_symbols: number } };
      scored = body.universe.scored;
    });
    const members = (
      (await get(
        `/smart-money/market/screener?sort=-finra_total_volume&limit=${universe}&as_of=${finraAsOf}`,
      )) as { rows: { symbol: string }[] }
    ).rows.map((r) => r.symbol);
    const baseline = await timed(async () => {
      for (const s of members) await get(`/smart-money/analytics/${s}/indicators?as_of=${finraAsOf}`);
    });
    rows.push([
      `FINRA day, universe ${universe}: smart_money_index`,
      `${fmt(smi, 1)} ms (${scored} scored, ${fmt(smi / scored, 2)} ms/symbol); baseline /indicators one by one: ${fmt(baseline, 1)} ms`,
    ]);
  }
  // B: now, the demo symbols with every component.
  const asOf = new Date().toISOString();
  for (const metric of ["smart_money_index", "accumulation"]) {
    let body = { rows: [] as { symbol: string }[], universe: { scored: 0 } };
    const ms = await timed(async () => {
      body = (await get(
        `/smart-money/market/leaders?metric=${metric}&limit=1000&as_of=${asOf}`,
      )) as typeof body;
    });
    const baseline = await timed(async () => {
      for (const r of body.rows)
        await get(
          `/smart-money/analytics/${r.symbol}/${metric === "accumulation" ? "flow" : "indicators"}?as_of=${asOf}`,
        );
    });
    rows.push([
      `demo day, ${metric}`,
      `${fmt(ms, 1)} ms (${body.universe.scored} scored, ${body.rows.length} ranked); baseline per-symbol route one by one: ${fmt(baseline, 1)} ms`,
    ]);
  }
  report(`composite leaderboards, median of ${RUNS}, response cache off`, rows);
} finally {
  await server.close();
  await bench.drop();
}
