/**
 * Issue 12 figure: the composite leaderboards (`smart_money_index`, `accumulation`), which score the
 * `universe` most active symbols with the per-symbol analytics, on real Postgres at real breadth: two real
 * FINRA CNMS days (~9,000 symbols each) plus demo prints, options, 13F and Form 4 for DEMO symbols.
 * A: as of the real FINRA day (~9,000 symbols, nothing else then), the leaderboard's time per universe
 * size beside the same-run baseline of asking `/analytics/{symbol}/indicators` for the same symbols one
 * after another over HTTP, and the set-based `short_volume` board of the whole day. B: as of now, the demo
 * symbols with every component, both metrics beside their per-symbol routes. Medians of RUNS, cache off.
 * A and B are the boards computed on request (what every request did before the precomputed store, and
 * still what a moment without a stored board gets). C: the precomputed store (market/composite.refresh.ts):
 * the job's passes (full, idle, one touched symbol, closing a past day), then the boards read from it
 * with CONCURRENCY requests in flight, each request distinct (limit/offset/universe vary; response cache
 * off, so every request is cold), beside the same-run trivial route (`/health`) and the on-request board.
 * Goal (issue 12): p99 < 50 ms at 20 connections.
 *
 * Run: `pnpm bench market-composite`. Env: DEMO (20), RUNS (3), REQUESTS (400), CONCURRENCY (20),
 * BENCH_DATABASE_URL.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openDb } from "@smt/db";
import { loadEnv } from "../../server/src/env";
import { endOfDay, refreshComposite, refreshDay } from "../../server/src/market/composite.refresh";
import { startServer } from "../../server/src/server";
import { benchDatabase, fmt, report } from "./support";

const DEMO = Number(process.env.DEMO ?? 20);
const RUNS = Number(process.env.RUNS ?? 3);
const REQUESTS = Number(process.env.REQUESTS ?? 400);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 20);
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
    // The bench drives the refresh itself, to time its passes.
    COMPOSITE_REFRESH_S: "0",
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

/** p50 and p99 of `paths`, `CONCURRENCY` requests in flight, each status checked. */
async function underLoad(paths: string[]) {
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++] as string;
      const t = performance.now();
      await get(path);
      times.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wall = performance.now() - t0;
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return `p50 ${fmt(at(0.5), 1)} ms  p99 ${fmt(at(0.99), 1)} ms  ${fmt((1000 * paths.length) / wall)} req/s (${paths.length} requests)`;
}

/** C: the precomputed boards: the job's passes, then reads under load beside the baselines. */
async function precomputed(finraAsOf: string) {
  const handle = await openDb({ url: bench.url, migrate: false });
  const db = handle.db;
  const rows: [string, string][] = [];
  const pass = async (label: string, fn: () => Promise<{ scored: number | null }[]>) => {
    const t = performance.now();
    const out = await fn();
    const scored = out.reduce((n, o) => n + (o.scored ?? 0), 0);
    rows.push([label, `${fmt(performance.now() - t, 0)} ms (${scored} rows scored)`]);
  };
  try {
    await pass("job pass, first (today's board: every member)", () => refreshComposite(db, new Date()));
    await pass("job pass, nothing written since", () => refreshComposite(db, new Date()));
    const symbol = (await get("/smart-money/market/leaders?metric=smart_money_index&limit=1")) as {
      rows: { symbol: string }[];
    };
    const target = symbol.rows[0]?.symbol ?? "AAPL";
    const ts = new Date(Date.now() - 60_000).toISOString();
    const body = [1, 2].map((i) =>
      JSON.stringify({ symbol: target, timestamp: ts, price: 50, size: 50_000, id: `b${i}` }),
    );
    await fetch(`${server.url}/smart-money/ingest/prints?name=bench.ndjson`, {
      method: "POST",
      body: body.join("\n"),
    });
    await pass(`job pass after 2 prints of ${target}`, () => refreshComposite(db, new Date()));
    const finraDayEnd = endOfDay("2021-01-26");
    await pass("closing a past day (2021-01-26, every member)", async () => [
      await refreshDay(db, { day: "2021-01-26", asOf: finraDayEnd, closed: true }, new Date()),
    ]);
    report("composite job passes (real Postgres, universe 500)", rows);

    const vary = (base: string) =>
      Array.from(
        { length: REQUESTS },
        (_, i) => `${base}&limit=${10 + (i % 41)}&offset=${i % 7}&universe=${100 + (i % 400)}`,
      );
    const load: [string, string][] = [];
    load.push(["trivial route /health", await underLoad(Array.from({ length: REQUESTS }, () => "/health"))]);
    load.push([
      "stored smart_money_index, now",
      await underLoad(vary("/smart-money/market/leaders?metric=smart_money_index")),
    ]);
    load.push([
      "stored accumulation, now, order varies",
      await underLoad(
        vary("/smart-money/market/leaders?metric=accumulation").map((p, i) => (i % 2 ? `${p}&order=asc` : p)),
      ),
    ]);
    load.push([
      "stored smart_money_index, closed day 2021-01-26 (date as_of)",
      await underLoad(
        vary(`/smart-money/market/leaders?metric=smart_money_index&as_of=${finraDayEnd.toISOString()}`),
      ),
    ]);
    load.push([
      "computed on request (no stored board at that as_of), universe 100",
      await underLoad(
        Array.from(
          { length: CONCURRENCY },
          (_, i) => `/smart-money/market/leaders?metric=smart_money_index&as_of=${finraAsOf}&limit=${10 + i}`,
        ),
      ),
    ]);
    report(
      `composite leaderboards under load: ${CONCURRENCY} in flight, response cache off (goal p99 < 50 ms)`,
      load,
    );
  } finally {
    await handle.close();
  }
}

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
  report(`composite leaderboards computed on request, median of ${RUNS}, response cache off`, rows);
  await precomputed(finraAsOf);
} finally {
  await server.close();
  await bench.drop();
}
