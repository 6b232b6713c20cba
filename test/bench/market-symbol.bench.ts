/**
 * Issue 12, per-symbol reads at the market's size: the symbol views of the most widely held stocks (most 13F
 * filers in the newest quarter) on the market bench's full-size data (market.bench.ts; reuse its database
 * with KEEP_DB), cold: a fresh server process per route (caches empty, response cache off), each symbol asked
 * once, one request at a time, beside `/health` in the same run. Printed per route: p50/p99/max wall time and
 * the CPU each request cost the server process and the Postgres backends of its pool (from /proc).
 * BASE_DIR=<another checkout> runs every route on that checkout's server too, interleaved with this one's
 * (same database, same run): a before/after that the machine's other load affects alike.
 *
 * Run: `KEEP_DB=name pnpm bench market-symbol`. Env: SYMBOLS (10 most widely held), ROUTES (comma-separated
 * substrings of the route names), BASE_DIR, CAP_SECONDS (120 per route), BENCH_DATABASE_URL.
 */
import { openDb } from "@smt/db";
import postgres from "postgres";
import { askOnce, cpuMs, type LoadResult, startServerProcess } from "./market-load";
import { fmt, keptDatabase, report } from "./support";

const KEEP = process.env.KEEP_DB;
if (!KEEP) throw new Error("KEEP_DB=name: the market bench's loaded database (smt_bench_market_<name>)");
const N = Number(process.env.SYMBOLS ?? 10);
const CAP = Number(process.env.CAP_SECONDS ?? 120);
const ROUTES = process.env.ROUTES?.split(",").filter(Boolean);
const BASE = process.env.BASE_DIR;

const database = await keptDatabase("market", KEEP);
await (await openDb({ url: database.url, maxConnections: 1 })).close(); // migrates (timed apart, not per route)
const s = postgres(database.url, { max: 1, onnotice: () => {} });
if ((await s`select count(*)::int as n from thirteenf_holdings`)[0]?.n === 0)
  throw new Error(
    `${database.name} holds no 13F rows: load it with KEEP_DB=${KEEP} LOAD_ONLY=1 pnpm bench market`,
  );

// The most widely held symbols: distinct filers of the newest quarter's rows, through the CUSIP mapping.
const held = await s`
  with p as (select max(period_of_report) as p from thirteenf_holdings)
  select s.symbol, count(distinct h.filer_cik)::int as filers
  from thirteenf_holdings h join securities s on s.cusip = h.cusip, p
  where h.period_of_report = p.p group by s.symbol order by 2 desc, 1 limit ${N}`;
const symbols = held.map((r) => r.symbol as string);
report(
  "symbols (most 13F filers in the newest quarter)",
  held.map((r) => [r.symbol as string, `${fmt(r.filers as number)} filers`]),
);

const routes: [string, (sym: string) => string][] = [
  ["/health (trivial baseline)", () => "/health"],
  ["analytics/{symbol}/indicators", (x) => `/smart-money/analytics/${x}/indicators`],
  ["analytics/{symbol}/dashboard", (x) => `/smart-money/analytics/${x}/dashboard`],
  ["institutional/{symbol}/holders", (x) => `/smart-money/institutional/${x}/holders`],
  ["institutional/{symbol}/changes", (x) => `/smart-money/institutional/${x}/changes`],
  ["institutional/{symbol}/flow", (x) => `/smart-money/institutional/${x}/flow`],
];
const picked = routes.filter(
  ([name]) => name.startsWith("/health") || !ROUTES || ROUTES.some((r) => name.includes(r)),
);

/** CPU so far of the server process and of the Postgres backends of its pool (every other connection). */
async function cpuNow(serverPid: number) {
  const backends = await s`
    select pid from pg_stat_activity where datname = ${database.name} and pid <> pg_backend_pid()`;
  return {
    server: cpuMs(serverPid),
    pids: new Map(backends.map((b) => [b.pid as number, cpuMs(b.pid as number)])),
  };
}

type Measured = LoadResult & { serverCpu: number; dbCpu: number };
async function measure(dir: string | undefined, paths: string[]): Promise<Measured> {
  const server = await startServerProcess(database.url, dir);
  try {
    await askOnce(server.url, Array(4).fill("/health"), 1, CAP); // the process warmed on the trivial route only
    const before = await cpuNow(server.pid);
    const r = await askOnce(server.url, paths, 1, CAP);
    const after = await cpuNow(server.pid);
    let db = 0;
    for (const [pid, ms] of after.pids) db += ms - (before.pids.get(pid) ?? 0);
    return { ...r, serverCpu: (after.server - before.server) / r.n, dbCpu: db / r.n };
  } finally {
    await server.stop();
  }
}

const rows: [string, string][] = [];
const sides: [string, string | undefined][] = BASE
  ? [
      ["base", BASE],
      ["this", undefined],
    ]
  : [["this", undefined]];
for (const [name, url] of picked) {
  const paths = symbols.map(url);
  for (const [side, dir] of sides) {
    const r = await measure(dir, paths);
    const line =
      `p50 ${fmt(r.p50, 1).padStart(8)} ms  p99 ${fmt(r.p99, 1).padStart(8)} ms  max ${fmt(r.max, 0).padStart(6)} ms  ` +
      `CPU/req ${fmt(r.serverCpu, 1)} + ${fmt(r.dbCpu, 1)} ms  n=${r.n}  ${fmt(r.avgKb, 1)} KB` +
      `${r.errors ? `  ERRORS ${r.errors} (${r.firstError})` : ""}`;
    const label = BASE ? `${name} [${side}]` : name;
    process.stdout.write(`  ${label}: ${line}\n`);
    rows.push([label, line]);
  }
}
report(
  `per-symbol routes, cold (server restarted per route${BASE ? " and side" : ""}), one request at a time, ${symbols.length} symbols`,
  rows,
);
await s.end();
await database.drop();
