/**
 * Issue 14: what the derived-table upkeep on `prints` costs Postgres per insert statement. Prints shaped like
 * the live feed (100 symbols, the live simulator's market model: sizes, prices, conditions, ~40%
 * off-exchange, rare blocks) go through the live path's insert statement (prints.store.ts
 * `insertPrintsStatement`) in batches of 50, 500 and 5,000 into a fresh database with every migration and 30
 * earlier trading days already stored (so the trailing means and the activity rank have history to read).
 * Per batch size it prints the Postgres backend's CPU (and the statements' wall time) per 1,000 prints:
 * with every trigger, with each trigger group on `prints` and `print_day_rollups` disabled in turn (the
 * difference is that group's cost; with `prints_rollup_*` off the print_day_rollups cascade has nothing to
 * do, so that figure includes it), with none, and the same-run baseline of INSERT and COPY of the same
 * shape into a plain table (same columns and indexes, no triggers). Each variant starts from vacuumed
 * derived tables. The figures are CPU of the one backend, so a busy neighbour moves them less than wall
 * times, but on a shared machine only the same-run comparison counts.
 *
 * `--compare SUFFIX`: the same on a second database migrated only up to (not including) the migration whose
 * tag ends with SUFFIX (default `_cheap_print_triggers`), run interleaved with the first, so the old and the
 * new trigger functions are measured side by side. `--profile`: per batch size 500, the time per trigger
 * function (track_functions) and per statement inside them (auto_explain, nested statements).
 *
 * Run: `pnpm bench trigger-cost [--prints N] [--compare SUFFIX] [--profile]` (N per batch size and variant,
 * default 20,000).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrationJournal, migrationsFolder } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { PrintEnricher } from "../../server/src/darkpool/enrich";
import type { EnrichedPrint } from "../../server/src/darkpool/print";
import { insertPrintsStatement } from "../../server/src/darkpool/prints.store";
import { MarketModel } from "../../server/src/feeds/market-model";
import { addDays, etDayBounds } from "../../server/src/lib/et-time";
import { procCpuSeconds } from "./latency-stats";
import { BENCH_URL, fmt, printsInsertSql, report } from "./support";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const value = argv[argv.indexOf(`--${name}`) + 1];
  return argv.includes(`--${name}`) && value && !value.startsWith("--") ? value : undefined;
};
const PRINTS = Number(option("prints") ?? 20_000);
const COMPARE = argv.includes("--compare") ? (option("compare") ?? "_cheap_print_triggers") : null;
const PROFILE = argv.includes("--profile");
const BATCHES = [50, 500, 5_000];
const SYMBOLS = 100;
/** The measured day (a Wednesday) and the 30 weekdays before it, stored first. */
const DAY = "2026-11-25";
const HISTORY_DAYS = 30;
const TRIGGER_TABLES = ["prints", "print_day_rollups"];
/** The tables the insert triggers write. */
const DERIVED = [
  "print_day_rollups",
  "print_day_market",
  "print_day_bins",
  "symbol_activity",
  "data_versions",
];

interface Bench {
  label: string;
  name: string;
  client: postgres.Sql;
  run(statement: SQL): Promise<Record<string, unknown>[]>;
  pid: number;
  /** Trigger groups: `table:name without _insert/_update/_delete/_truncate` -> trigger names. */
  groups: Map<string, { table: string; triggers: string[] }>;
}

/** The migrations folder with the journal cut before the migration tagged `*suffix`, or null. */
function folderBefore(suffix: string): { dir: string; tag: string } | null {
  const journal = migrationJournal();
  const at = journal.findIndex((e) => e.tag.endsWith(suffix));
  if (at < 0) return null;
  const dir = mkdtempSync(join(tmpdir(), "smt-trigger-cost-"));
  cpSync(migrationsFolder, dir, { recursive: true });
  writeFileSync(
    join(dir, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries: journal.slice(0, at) }),
  );
  return { dir, tag: (journal[at - 1] as { tag: string }).tag };
}

async function openBench(label: string, folder: string): Promise<Bench> {
  const name = `smt_bench_triggercost_${label}_${process.pid}`;
  const admin = postgres(BENCH_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(BENCH_URL);
  u.pathname = `/${name}`;
  const client = postgres(u.toString(), { max: 1, onnotice: (n) => notices.push(String(n.message)) });
  const db = drizzle(client);
  await migrate(db, { migrationsFolder: folder });
  const run = async (s: SQL) => (await db.execute(s)) as unknown as Record<string, unknown>[];
  const pid = Number((await run(sql`select pg_backend_pid() as pid`))[0]?.pid);
  await seed(run);
  const rows = await run(sql`select c.relname as t, g.tgname as n from pg_trigger g
    join pg_class c on c.oid = g.tgrelid
    where not g.tgisinternal and c.relname in ${TRIGGER_TABLES} order by 1, 2`);
  const groups = new Map<string, { table: string; triggers: string[] }>();
  for (const r of rows) {
    const key = `${r.t}: ${String(r.n).replace(/_(insert|update|delete|truncate)$/, "_*")}`;
    const g = groups.get(key) ?? { table: String(r.t), triggers: [] };
    g.triggers.push(String(r.n));
    groups.set(key, g);
  }
  return { label, name, client, run, pid, groups };
}

/** 30 earlier weekdays of 20 prints per symbol, and the plain tables of the baseline. */
async function seed(run: Bench["run"]) {
  const days: string[] = [];
  for (let d = addDays(DAY, -1); days.length < HISTORY_DAYS; d = addDays(d, -1))
    if (![0, 6].includes(new Date(`${d}T12:00:00Z`).getUTCDay())) days.push(d);
  await run(sql`select smt_ensure_day_partitions('prints', ${`{${[...days, DAY].join(",")}}`}::date[])`);
  const starts = days.map((d) => etDayBounds(d).start.toISOString());
  await run(
    sql.raw(
      printsInsertSql(`select 'S' || s as symbol, 'seed|' || s || '|' || d || '|' || i as trade_key,
        d::timestamptz + interval '10 hours' + i * interval '1 minute' as ts, 50 + s as mkt,
        i % 5 < 2 as off, 50 + s + (i % 3 - 1) * 0.02 as price, 100 * (1 + i % 7) as size
      from unnest('{${starts.join(",")}}'::timestamptz[]) as d, generate_series(0, ${SYMBOLS - 1}) as s,
        generate_series(1, 20) as i`),
    ),
  );
  await run(sql`create table plain_prints (like prints including all)`);
  await run(sql`analyze`);
}

/** Live-feed prints of the measured day: `count` of them, 100 symbols round robin, 5,000 a second. */
const model = new MarketModel({ seed: 11 });
const enricher = new PrintEnricher({ lastLitWindowMs: 60_000 });
let clockMs = etDayBounds(DAY).start.getTime() + 10 * 3_600_000;
let sequence = 0;
function livePrints(count: number): EnrichedPrint[] {
  const out: EnrichedPrint[] = [];
  for (let i = 0; i < count; i++) {
    const symbol = `S${sequence++ % SYMBOLS}`;
    if (sequence % 5 === 0) clockMs++;
    if (sequence % 50 === 0) model.step(symbol, 0.0005);
    out.push(enricher.enrich(model.print(symbol, new Date(clockMs), "bench")));
  }
  return out;
}

const chunks = <T>(rows: T[], size: number) =>
  Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size));

interface Cost {
  cpuMs: number;
  wallMs: number;
}

/** Inserts `PRINTS` new prints in batches of `batch`; backend CPU and statement wall time per 1,000. */
async function insertCost(b: Bench, batch: number, table = "prints", settle = true): Promise<Cost> {
  const statements = chunks(livePrints(PRINTS), batch).map((c) => insertPrintsStatement(c, table));
  // Each variant from the same state: the dead row versions of the previous one vacuumed (as autovacuum
  // would between bursts); otherwise every later variant pays for the earlier ones' updates.
  if (settle) await b.run(sql.raw(`vacuum ${DERIVED.join(", ")}`));
  const cpu0 = procCpuSeconds(b.pid);
  let wallMs = 0;
  for (const s of statements) {
    const t0 = performance.now();
    await b.run(s);
    wallMs += performance.now() - t0;
  }
  const cpuMs = (procCpuSeconds(b.pid) - cpu0) * 1000;
  return { cpuMs: (cpuMs * 1000) / PRINTS, wallMs: (wallMs * 1000) / PRINTS };
}

/** The baseline: INSERT, then COPY of the same rows, in batches, into the plain table (emptied first). */
async function plainCost(b: Bench, batch: number): Promise<{ insert: Cost; copy: Cost }> {
  await b.run(sql`truncate plain_prints`);
  const insert = await insertCost(b, batch, "plain_prints");
  // The rows as COPY text, written by the (local) server and read back here.
  const file = join(tmpdir(), `smt-trigger-cost-${process.pid}.copy`);
  await b.run(sql.raw(`copy plain_prints to '${file}'`));
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  rmSync(file, { force: true });
  await b.run(sql`truncate plain_prints`);
  const cpu0 = procCpuSeconds(b.pid);
  let wallMs = 0;
  for (const part of chunks(lines, batch)) {
    const t0 = performance.now();
    const w = await b.client`copy plain_prints from stdin`.writable();
    await new Promise<void>((resolve, reject) => {
      w.on("error", reject);
      w.on("finish", resolve);
      w.end(`${part.join("\n")}\n`);
    });
    wallMs += performance.now() - t0;
  }
  const cpuMs = (procCpuSeconds(b.pid) - cpu0) * 1000;
  return {
    insert,
    copy: { cpuMs: (cpuMs * 1000) / lines.length, wallMs: (wallMs * 1000) / lines.length },
  };
}

async function withDisabled<T>(b: Bench, keys: string[], f: () => Promise<T>): Promise<T> {
  const toggle = async (on: boolean) => {
    for (const k of keys) {
      const g = b.groups.get(k);
      if (!g) continue;
      for (const t of g.triggers)
        await b.run(sql.raw(`alter table ${g.table} ${on ? "enable" : "disable"} trigger ${t}`));
    }
  };
  await toggle(false);
  try {
    return await f();
  } finally {
    await toggle(true);
  }
}

const notices: string[] = [];

/** Batch size 500 with track_functions and auto_explain (nested statements): where the time goes. */
async function profile(b: Bench) {
  await b.run(sql.raw(`vacuum ${DERIVED.join(", ")}`));
  await b.run(sql`begin`);
  await b.run(sql`set local track_functions = 'all'`);
  await b.run(sql`load 'auto_explain'`);
  for (const [k, v] of [
    ["log_min_duration", "0"],
    ["log_nested_statements", "on"],
    ["log_level", "notice"],
  ])
    await b.run(sql.raw(`set local auto_explain.${k} = '${v}'`));
  notices.length = 0;
  await insertCost(b, 500, "prints", false);
  const fns = await b.run(sql`select funcname as f, calls, self_time as self, total_time as total
    from pg_stat_xact_user_functions order by self_time desc limit 10`);
  await b.run(sql`commit`);
  const byStatement = new Map<string, { ms: number; calls: number }>();
  for (const n of notices) {
    const m = /duration: ([\d.]+) ms\s+plan:\s*Query Text:\s*([\s\S]*?)(\n[A-Z][a-z]|$)/.exec(n);
    if (!m) continue;
    const key = (m[2] as string).replace(/\s+/g, " ").trim().slice(0, 110);
    const s = byStatement.get(key) ?? { ms: 0, calls: 0 };
    s.ms += Number(m[1]);
    s.calls++;
    byStatement.set(key, s);
  }
  report(
    `${b.label}: trigger functions, batches of 500 (ms per 1,000 prints; self / total, calls)`,
    fns.map((r) => [
      String(r.f),
      `${fmt((Number(r.self) * 1000) / PRINTS, 1)} / ${fmt((Number(r.total) * 1000) / PRINTS, 1)}, ${r.calls}`,
    ]),
  );
  report(
    `${b.label}: statements (auto_explain, nested ones inside their callers; ms per 1,000 prints, calls)`,
    [...byStatement.entries()]
      .sort((x, y) => y[1].ms - x[1].ms)
      .slice(0, 14)
      .map(([k, s]) => [k, `${fmt((s.ms * 1000) / PRINTS, 1)}, ${s.calls}`]),
  );
}

const benches: Bench[] = [await openBench("new", migrationsFolder)];
const before = COMPARE ? folderBefore(COMPARE) : null;
if (COMPARE && !before) process.stdout.write(`no migration tagged *${COMPARE}: no comparison\n`);
if (before) {
  benches.unshift(await openBench("old", before.dir));
  rmSync(before.dir, { recursive: true, force: true });
}
process.stdout.write(
  `${fmt(PRINTS)} prints per batch size and variant, ${SYMBOLS} symbols, ${HISTORY_DAYS} days stored before` +
    (before ? `; old = migrations up to ${before.tag}, new = all` : "") +
    "\nPostgres backend CPU ms per 1,000 prints (statement wall ms in parentheses)\n",
);

const cell = (c: Cost) => `${fmt(c.cpuMs, 1)} (${fmt(c.wallMs, 1)})`;
for (const batch of BATCHES) {
  const rows = new Map<string, string[]>();
  const add = (label: string, value: string) => rows.set(label, [...(rows.get(label) ?? []), value]);
  for (const b of benches) {
    const all = await insertCost(b, batch);
    add("all triggers", `${b.label} ${cell(all)}`);
    for (const key of b.groups.keys()) {
      const without = await withDisabled(b, [key], () => insertCost(b, batch));
      add(
        `group ${key}`,
        `${b.label} ${fmt(all.cpuMs - without.cpuMs, 1)} (${fmt(all.wallMs - without.wallMs, 1)})`,
      );
    }
    add(
      "no triggers",
      `${b.label} ${cell(await withDisabled(b, [...b.groups.keys()], () => insertCost(b, batch)))}`,
    );
    const plain = await plainCost(b, batch);
    add("plain table INSERT", `${b.label} ${cell(plain.insert)}`);
    add("plain table COPY", `${b.label} ${cell(plain.copy)}`);
  }
  report(
    `batches of ${fmt(batch)} (a group: all triggers minus the run with that group disabled)`,
    [...rows.entries()].map(([k, v]) => [k, v.join("   ")]),
  );
}

if (PROFILE) for (const b of benches) await profile(b);

for (const b of benches) await b.client.end({ timeout: 5 });
const admin = postgres(BENCH_URL, { max: 1, onnotice: () => {} });
for (const b of benches) await admin.unsafe(`drop database if exists ${b.name} with (force)`);
await admin.end();
