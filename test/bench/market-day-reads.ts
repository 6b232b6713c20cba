/**
 * The read half of the market-day bench: the real server started in-process on the bench database with the
 * response cache off, and one symbol's summary, patterns and dashboard timed request by request against
 * `/health` in the same run.
 */
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { startServer } from "../../server/src/server";
import { benchServerEnv, fmt } from "./support";

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/**
 * p50/p99 of `requests` sequential requests per route. Before every symbol request the symbol's
 * `data_versions` row is bumped (what any new print of it does), so the in-process read cache cannot
 * answer and every request computes from the database; the response cache is off (TTL 0).
 */
export async function timeRoutes(
  url: string,
  handle: DbHandle,
  symbol: string,
  day: string,
  requests: number,
): Promise<[string, string][]> {
  const server = await startServer({
    env: benchServerEnv(url, { RESPONSE_CACHE_TTL_MS: "0" }),
    plugins: [],
  });
  const routes: [string, string][] = [
    ["/health (baseline: one select 1)", "/health"],
    ["/dark-pool/{hot}/summary", `/smart-money/dark-pool/${symbol}/summary?date=${day}`],
    ["/dark-pool/{hot}/patterns", `/smart-money/dark-pool/${symbol}/patterns`],
    ["/analytics/{hot}/dashboard", `/smart-money/analytics/${symbol}/dashboard`],
  ];
  const bump = async () => {
    await handle.query(sql`update data_versions set version = version + 1 where symbol = ${symbol}`);
  };
  const rows: [string, string][] = [];
  try {
    for (const [name, path] of routes) {
      const times: number[] = [];
      let first = 0;
      for (let i = 0; i < requests; i++) {
        if (path !== "/health") await bump();
        const t = performance.now();
        const res = await fetch(`${server.url}${path}`);
        const body = await res.text();
        const ms = performance.now() - t;
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
        if (i === 0) first = ms;
        times.push(ms);
      }
      times.sort((a, b) => a - b);
      rows.push([
        name,
        `p50 ${fmt(quantile(times, 0.5), 1)} ms  p99 ${fmt(quantile(times, 0.99), 1)} ms  max ${fmt(times.at(-1) ?? 0, 1)} ms  (first ${fmt(first, 1)} ms)`,
      ]);
    }
  } finally {
    await server.close();
  }
  return rows;
}
