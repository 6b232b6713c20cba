/**
 * Issue 5 figure: the read API on a big database. 10M generated prints (SYMBOLS symbols x DAYS trading days,
 * 40% off-exchange), a year of daily bars, FINRA Reg SHO short volume (CNMS) and weekly ATS data in real
 * Postgres; the real server started in-process; autocannon at 50 connections for SECONDS per route, the
 * symbol routes cycling through every symbol. Prints p50/p99 latency and req/s per route, and each route's
 * req/s as a share of a trivial JSON route (`/health`: one `select 1` round trip) measured in the same run.
 * Goal (issue 5): p99 < 25 ms and share >= 30% for summary, indicators and dashboard.
 *
 * The prints are generated inside Postgres (`insert ... select generate_series`) with the table's indexes
 * dropped and rebuilt afterwards, because the figure is about the read path, not the load.
 *
 * Run: `pnpm bench api`. Env: PRINTS (default 10,000,000), SYMBOLS (200), DAYS (250), SECONDS (10),
 * CONNECTIONS (50), KEEP_DB=name to keep (or reuse, when it already holds the data) a database.
 */

import { createRequire } from "node:module";
import { openDb } from "@smt/db";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { servicePlugins } from "../../server/src/plugins";
import { startServer } from "../../server/src/server";
import { benchServerEnv, fmt, keptDatabase, printsInsertSql, report } from "./support";

/** The part of autocannon's API this benchmark uses (the package ships no types). */
interface AutocannonResult {
  latency: { p50: number; p99: number };
  requests: { average: number };
  throughput: { average: number };
  errors: number;
  non2xx: number;
  timeouts: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (options: {
  url: string;
  connections: number;
  duration: number;
  workers?: number;
  requests: { method: "GET"; path: string }[];
}) => Promise<AutocannonResult>;

const SYMBOLS = Number(process.env.SYMBOLS ?? 200);
const DAYS = Number(process.env.DAYS ?? 250);
const PRINTS = Number(process.env.PRINTS ?? 10_000_000);
const PER_DAY = Math.max(1, Math.round(PRINTS / SYMBOLS / DAYS));
const SECONDS = Number(process.env.SECONDS ?? 10);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const KEEP = process.env.KEEP_DB;

const database = await keptDatabase("api", KEEP);
const url = new URL(database.url);

const handle = await openDb({ url: url.toString(), maxConnections: 4 });
const symbols = Array.from({ length: SYMBOLS }, (_, i) => `B${String(i).padStart(3, "0")}`);
const have = await handle.query<{ n: string }>(sql`select count(*)::text as n from symbols`);
if (Number(have[0]?.n ?? 0) === 0) {
  const t0 = performance.now();
  await generate();
  report("generated data", [
    ["prints", `${fmt(SYMBOLS * DAYS * PER_DAY)} (${SYMBOLS} symbols x ${DAYS} days x ${PER_DAY})`],
    ["time", `${fmt((performance.now() - t0) / 1000, 1)} s`],
  ]);
}
await handle.close();

/**
 * Loads everything with set-based SQL. Trading days are the last DAYS weekdays before today (New York), so
 * the default `as_of = now` of every route finds a full year behind it.
 */
async function generate() {
  const s = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const step = async (label: string, text: string) => {
    const t = performance.now();
    await s.unsafe(text);
    process.stdout.write(`  ${label}: ${fmt((performance.now() - t) / 1000, 1)} s\n`);
  };
  await s.unsafe("set synchronous_commit = off");
  await s.unsafe("set maintenance_work_mem = '512MB'");
  await step(
    "days and symbols",
    `create table bench_days as
       select row_number() over (order by d) as n, d::date as day
       from generate_series((now() at time zone 'America/New_York')::date - ${Math.ceil(DAYS * 1.5) + 10},
         (now() at time zone 'America/New_York')::date - 1, interval '1 day') as d
       where extract(isodow from d) < 6 order by d desc limit ${DAYS};
     create table bench_symbols as
       select n, 'B' || lpad(n::text, 3, '0') as symbol, 20 + (n % 40) * 7.5 as base_usd
       from generate_series(0, ${SYMBOLS - 1}) as n;
     insert into symbols (symbol, kinds)
       select symbol, array['prints', 'short_volume', 'bars', 'ats'] from bench_symbols;`,
  );
  // prints is partitioned by New York day (migration 0017): create the days first, or all rows land in DEFAULT.
  await s`select smt_ensure_day_partitions('prints', array(select day from bench_days))`;
  // Rebuilt after the load: one sorted build per index is far cheaper than 10M incremental inserts.
  const indexes = await s<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
    where tablename = 'prints' and indexname not in (select conname from pg_constraint where conrelid = 'prints'::regclass)`;
  const pk = await s<{ name: string; def: string }[]>`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = 'prints'::regclass and contype = 'p'`;
  for (const i of indexes) await s.unsafe(`drop index ${i.name}`);
  for (const c of pk) await s.unsafe(`alter table prints drop constraint ${c.name}`);
  await step(
    "prints",
    printsInsertSql(
      `       select symbol, trade_key, ts, mkt, off, r4,
         round((mkt * (1 + (rp - 0.5) * 0.004))::numeric, 4)::float8 as price,
         case when r3 < 0.004 then 20000 + floor(rs * 180000) when r3 < 0.3 then 1 + floor(rs * 99)
              else 100 * (1 + floor(rs * 30)) end as size
       from (
         -- random() per print, outside the lateral (which Postgres evaluates once per symbol and day).
         select sy.symbol, d.n || ':' || i as trade_key,
           ((d.day + time '09:30') at time zone 'America/New_York') + ((i - 1) * ${Math.floor(23_400 / PER_DAY)}
             + floor(random() * ${Math.floor(23_400 / PER_DAY)})) * interval '1 second' as ts,
           m.mkt, random() < 0.4 as off, random() as r3, random() as r4, random() as rp, random() as rs
         from bench_days d cross join bench_symbols sy cross join generate_series(1, ${PER_DAY}) as i,
           lateral (select round((sy.base_usd * (1 + 0.15 * sin(d.n / 20.0 + sy.n)))::numeric, 2)::float8 as mkt) as m
       ) as x`,
      "case when r4 < 0.001 then 10 else 0 end",
    ),
  );
  await step(
    "prints primary key and indexes",
    [
      ...pk.map((c) => `alter table prints add constraint ${c.name} ${c.def}`),
      // A partitioned index's definition reads `ON ONLY prints`: rebuilt on the parent, it must cover the days.
      ...indexes.map((i) => i.def.replace(" ON ONLY ", " ON ")),
    ].join(";\n"),
  );
  await step(
    "daily bars",
    `insert into daily_bars (symbol, day, open, high, low, close, volume, transactions, source, source_ref, published_at)
     select symbol, day, c * 0.995, c * 1.01, c * 0.99, c, v, null, 'bench', 'bench:' || day,
       (day + time '16:30') at time zone 'America/New_York'
     from (select sy.symbol, d.day, round((sy.base_usd * (1 + 0.15 * sin(d.n / 20.0 + sy.n)))::numeric, 2)::float8 as c,
             round(${PER_DAY} * 1500 * (0.7 + random() * 0.6)) as v
           from bench_days d cross join bench_symbols sy) as b`,
  );
  await step(
    "FINRA short volume",
    `insert into short_volume (day, symbol, facility, market, short_volume, short_exempt_volume, total_volume,
       source, source_ref, published_at)
     select day, symbol, 'CNMS', 'B,Q,N', round(t * (0.35 + random() * 0.3)), 0, t, 'finra_regsho',
       'CNMSshvol' || to_char(day, 'YYYYMMDD') || '.txt', (day + time '18:00') at time zone 'America/New_York'
     from (select sy.symbol, d.day, round(${PER_DAY} * 600 * (0.7 + random() * 0.6)) as t
           from bench_days d cross join bench_symbols sy) as x`,
  );
  await step(
    "FINRA ATS weekly",
    `insert into ats_weekly (week_start, tier, symbol, issue_name, mpid, participant_name, summary_type, shares,
       trades, last_update_date, source, source_ref, published_at)
     select wk, 'T1', sy.symbol, null, v.mpid, v.mpid || ' ATS', 'ATS_W_SMBL_FIRM', round(random() * 1e6), 
       round(random() * 1e3), wk + 14, 'finra_ats', 'bench', wk + 14
     from (select distinct date_trunc('week', day)::date as wk from bench_days) as w
       cross join bench_symbols sy cross join (values ('UBSA'), ('SGMA'), ('JPMX')) as v(mpid)
     where wk + 14 < now()`,
  );
  await s.unsafe("drop table bench_days; drop table bench_symbols");
  // The triggers of migration 0005 filled print_day_rollups and data_versions during the inserts.
  await step("vacuum analyze", "vacuum analyze");
  await s.end();
}

const server = await startServer({
  env: benchServerEnv(url.toString(), { RESPONSE_CACHE_TTL_MS: process.env.RESPONSE_CACHE_TTL_MS }),
  plugins: servicePlugins,
});

interface Route {
  name: string;
  /** Path template; `{symbol}` cycles through the generated symbols. */
  path: string;
}
const routes: Route[] = [
  { name: "/health (trivial JSON)", path: "/health" },
  { name: "/dark-pool/{symbol}/summary", path: "/smart-money/dark-pool/{symbol}/summary" },
  { name: "/analytics/{symbol}/indicators", path: "/smart-money/analytics/{symbol}/indicators" },
  { name: "/analytics/{symbol}/dashboard", path: "/smart-money/analytics/{symbol}/dashboard" },
];

// Every route must answer 200 with a body before it is timed.
for (const r of routes) {
  const res = await fetch(`${server.url}${r.path.replace("{symbol}", symbols[0] as string)}`);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`${r.path}: ${res.status} ${body.slice(0, 300)}`);
}

// Cold pass: the first request per symbol computes from the database (rollups) and fills the read cache.
const cold: [string, string][] = [];
for (const r of routes.filter((x) => x.path.includes("{symbol}"))) {
  const times: number[] = [];
  for (let i = 0; i < symbols.length; i += 10) {
    await Promise.all(
      symbols.slice(i, i + 10).map(async (s) => {
        const t = performance.now();
        const res = await fetch(`${server.url}${r.path.replace("{symbol}", s)}`);
        await res.text();
        times.push(performance.now() - t);
      }),
    );
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  cold.push([r.name, `p50 ${fmt(at(0.5), 1)} ms  p99 ${fmt(at(0.99), 1)} ms (10 concurrent)`]);
}
report("cold (first request per symbol, cache empty)", cold);

const results: { route: Route; p50: number; p99: number; rps: number; bytes: number; errors: number }[] = [];
for (const route of routes) {
  // A different symbol per request (each connection cycles through all of them), so a per-symbol cache only
  // helps after its first miss, as it would for many users on many symbols.
  const requests = route.path.includes("{symbol}")
    ? symbols.map((s) => ({ method: "GET" as const, path: route.path.replace("{symbol}", s) }))
    : [{ method: "GET" as const, path: route.path }];
  const r = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: SECONDS,
    // The load generator runs on its own thread, not on the server's event loop.
    workers: 1,
    requests,
  });
  results.push({
    route,
    p50: r.latency.p50,
    p99: r.latency.p99,
    rps: r.requests.average,
    bytes: r.throughput.average / Math.max(1, r.requests.average),
    errors: r.errors + r.non2xx + r.timeouts,
  });
}

const trivial = results[0]?.rps ?? 1;
report(
  `warm, read API, ${fmt(SYMBOLS * DAYS * PER_DAY)} prints, ${CONNECTIONS} connections, ${SECONDS} s per route (goal: p99 < 25 ms, share >= 30%)`,
  results.map((x) => [
    x.route.name,
    `p50 ${fmt(x.p50, 1)} ms  p99 ${fmt(x.p99, 1)} ms  ${fmt(x.rps)} req/s  share ${fmt((100 * x.rps) / trivial, 1)}%  ` +
      `${fmt(x.bytes / 1024, 1)} KB/resp${x.errors > 0 ? `  ERRORS ${x.errors}` : ""}`,
  ]),
);

await server.close();
await database.drop();
const failed = results.slice(1).some((x) => x.p99 >= 25 || x.rps / trivial < 0.3 || x.errors > 0);
process.stdout.write(failed ? "\ngoal NOT met\n" : "\ngoal met\n");
