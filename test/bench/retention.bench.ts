/**
 * Retention of a full market day (issue 14: "< 1 s for a day of 20M rows") without ingesting one: a
 * template database gets one trading day of `--rows N` prints (default 20,000,000, `--symbols S` default
 * 10,000) and its derived rows by SQL (retention-fill.ts), plus a later day of `--later-rows` prints through
 * the triggers. Each of `--runs` runs (default 3) copies the template twice and retains the old day:
 * - `before`: the sequence main ran until this change (detach first inside the transaction that deletes
 *   the derived rows, then one DROP TABLE per day, then the trailing-mean refresh);
 * - `after`: `deletePrintsBefore` (darkpool/retention.ts), with its steps: visible step (derived deletes,
 *   detach, commit), lock held, trailing-mean refresh, each relation's drop with its size.
 * Meanwhile a reader (the hottest symbol's later-day count and sum) and a writer (one print a statement
 * into the later day, through every trigger) loop on connections of their own; their max latency during
 * each phase is the lock the retention holds against other days, beside the same loop before it starts.
 *
 * Run: `pnpm bench retention [--rows N] [--symbols S] [--runs R] [--later-rows M]`. Needs ~2.5x the day's
 * size free on disk (template and one copy); filling 20M rows takes a few minutes, each copy ~1 minute.
 */
import { readFileSync } from "node:fs";
import { openDb } from "@smt/db";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { deletePrintsBefore, type RetentionResult } from "../../server/src/darkpool/retention";
import { addDays, etDateOf, etDayBounds } from "../../server/src/lib/et-time";
import { marketSymbol } from "./market-day-tape";
import { fillDays } from "./retention-fill";
import { BENCH_URL, fmt, report } from "./support";

const argv = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  const v = Number(argv[i]?.includes("=") ? argv[i]?.split("=")[1] : argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} N: a positive integer`);
  return v;
};
const ROWS = arg("rows", 20_000_000);
const SYMBOLS = arg("symbols", 10_000);
const RUNS = arg("runs", 3);
const LATER_ROWS = arg("later-rows", 200_000);

const weekdayBefore = (d: string) => {
  let day = addDays(d, -1);
  while ([0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay())) day = addDays(day, -1);
  return day;
};
const later = weekdayBefore(etDateOf(Date.now()));
const day = weekdayBefore(later);
const cutoff = etDayBounds(day).end;
const admin = postgres(BENCH_URL, { max: 1, onnotice: () => {} });
const urlOf = (name: string) => Object.assign(new URL(BENCH_URL), { pathname: `/${name}` }).toString();
const connect = (name: string) =>
  postgres(urlOf(name), { max: 1, onnotice: () => {}, connection: { jit: "off" } });
/** KEEP_TEMPLATE=1: the filled template is kept (named by its shape and day) and reused by the next run. */
const KEEP = process.env.KEEP_TEMPLATE === "1";
const template = KEEP
  ? `smt_bench_retention_tpl_${ROWS}_${SYMBOLS}_${LATER_ROWS}_${day.replaceAll("-", "")}`
  : `smt_bench_retention_tpl_${process.pid}`;

process.stdout.write(
  `retention of ${day} (${fmt(ROWS)} prints, ${fmt(SYMBOLS)} symbols), later day ${later}\n`,
);
const reuse = KEEP && (await admin`select 1 from pg_database where datname = ${template}`).length > 0;
if (!reuse) await admin.unsafe(`create database ${template}`);
try {
  let t0 = performance.now();
  const fill = connect(template);
  if (!reuse) {
    await (await openDb({ url: urlOf(template) })).close();
    await fillDays(fill, day, later, ROWS, LATER_ROWS, SYMBOLS);
  }
  const [size] =
    await fill`select pg_total_relation_size(${`prints_p${day.replaceAll("-", "")}`}::regclass)::float8 as b,
    (select count(*) from print_day_bins where day = ${day})::int as bins`;
  await fill.end();
  report("template", [
    [reuse ? "reused" : "filled", `${template} in ${fmt((performance.now() - t0) / 1000, 1)} s`],
    [
      "day partition",
      `${fmt(Number(size?.b) / 1e9, 2)} GB with indexes, ${fmt(Number(size?.bins))} bin rows`,
    ],
  ]);
  for (let run = 1; run <= RUNS; run++) {
    for (const mode of ["before", "after"] as const) {
      t0 = performance.now();
      const name = `smt_bench_retention_${mode}_${process.pid}`;
      await admin.unsafe(`create database ${name} template ${template} strategy file_copy`);
      const copySecs = (performance.now() - t0) / 1000;
      try {
        report(`run ${run} ${mode} (copied in ${fmt(copySecs, 1)} s)`, await retainOnce(name, mode));
      } finally {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
      }
    }
  }
} finally {
  if (!KEEP) await admin.unsafe(`drop database if exists ${template} with (force)`);
  await admin.end();
}

type Phase = { name: string; start: number; end: number };

/** One retention of the old day on a fresh copy, with the probe looping; the figures to print. */
async function retainOnce(name: string, mode: "before" | "after"): Promise<[string, string][]> {
  const handle = await openDb({ url: urlOf(name), migrate: mode === "after" });
  if (mode === "before") await handle.db.execute(sql.raw(mainActivityTrigger()));
  const probeDb = [connect(name), connect(name), connect(name)] as const;
  await probeDb[0]`checkpoint`;
  const probe = startProbe(probeDb[0], probeDb[1]);
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = performance.now();
  const phases: Phase[] = [{ name: "idle (same loop before)", start: t0 - 1500, end: t0 }];
  let rows: [string, string][];
  if (mode === "before") {
    const r = await mainSequence(probeDb[2], etDateOf(cutoff.getTime()));
    const dropped = t0 + r.detachMs + r.dropMs;
    phases.push({ name: "detach transaction", start: t0, end: t0 + r.detachMs });
    phases.push({ name: "drop", start: t0 + r.detachMs, end: dropped });
    phases.push({ name: "trailing-mean refresh", start: dropped, end: performance.now() });
    rows = [
      ["detach transaction", `${fmt(r.detachMs)} ms (the lock on prints: all of it)`],
      ["drop (one DROP TABLE)", `${fmt(r.dropMs)} ms`],
      ["trailing-mean refresh", `${fmt(r.refreshMs)} ms`],
    ];
  } else {
    const r = await deletePrintsBefore(handle.db, cutoff);
    const refreshed = t0 + r.detachMs + r.refreshMs;
    phases.push({ name: "visible step", start: t0, end: t0 + r.detachMs });
    phases.push({ name: "trailing-mean refresh", start: t0 + r.detachMs, end: refreshed });
    phases.push({ name: "drop", start: refreshed, end: performance.now() });
    rows = afterRows(r);
  }
  const total = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300));
  const samples = await probe.stop();
  rows.push(["job wall time", `${fmt(total)} ms`]);
  for (const p of phases) {
    const during = samples.filter((s) => s.start < p.end && s.end > p.start);
    const worst = (kind: string) =>
      Math.max(0, ...during.filter((s) => s.kind === kind).map((s) => s.end - s.start));
    rows.push([
      `probe max, ${p.name}`,
      `read ${fmt(worst("read"), 1)} ms, insert ${fmt(worst("insert"), 1)} ms (${during.length} statements)`,
    ]);
  }
  rows.push(["check", await check(probeDb[0])]);
  await Promise.all([...probeDb.map((c) => c.end()), handle.close()]);
  return rows;
}

function afterRows(r: RetentionResult): [string, string][] {
  const gb = r.dropped.reduce((a, s) => a + s.bytes, 0) / 1e9;
  const heap = r.dropped.at(-1);
  return [
    ["visible step", `${fmt(r.detachMs)} ms (derived deletes, detach, commit; goal < 1 s)`],
    ["of which lock on prints", `${fmt(r.lockMs)} ms (detach to commit)`],
    ["trailing-mean refresh", `${fmt(r.refreshMs)} ms (${fmt(r.refreshedDays)} later day rows)`],
    [
      "drop after, off the locks",
      `${fmt(r.dropMs)} ms for ${fmt(gb, 2)} GB (${fmt(r.dropMs / 1000 / gb, 2)} s/GB)`,
    ],
    ["  heap", heap ? `${fmt(heap.ms)} ms, ${fmt(heap.bytes / 1e9, 2)} GB` : "-"],
    ...r.dropped
      .slice(0, -1)
      .map((s): [string, string] => [`  ${s.relation}`, `${fmt(s.ms)} ms, ${fmt(s.bytes / 1e9, 2)} GB`]),
  ];
}

/** Main's rollup-activity trigger function until migration `*_retention_steps` (migration 0023's). */
function mainActivityTrigger(): string {
  const file = readFileSync(
    new URL("../../db/migrations/0023_search_insider_indexes.sql", import.meta.url),
    "utf8",
  );
  const start = file.indexOf("CREATE FUNCTION smt_symbol_activity_touched()");
  const body = file.slice(start, file.indexOf("$f$;", start) + 4);
  return body.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION");
}

/** Main's retention until this change, statement for statement (detach first, one DROP TABLE a day). */
async function mainSequence(db: postgres.Sql, before: string) {
  const t0 = performance.now();
  await db.begin(async (tx) => {
    await tx`select smt_detach_day_partitions('prints', ${before}::date)`;
    await tx`select set_config('smt.day_drop', 'on', true)`;
    await tx`delete from print_day_rollups where day < ${before}::date`;
    await tx`delete from print_day_market where day < ${before}::date`;
    await tx`delete from print_day_bins where day < ${before}::date`;
    await tx`select set_config('smt.day_drop', '', true)`;
    await tx`update data_versions set version = version + 1`;
    await tx`select smt_detach_day_partitions('option_prints', ${before}::date)`;
  });
  const t1 = performance.now();
  const tables =
    await db`select relname from pg_class where relname ~ '_p[0-9]{8}_dropping$' and relkind = 'r'`;
  for (const t of tables) await db.unsafe(`drop table "${t.relname}"`);
  const t2 = performance.now();
  await db`select smt_print_market_after_drop(${before}::date)`;
  return { detachMs: t1 - t0, dropMs: t2 - t1, refreshMs: performance.now() - t2 };
}

/** The reader and the writer of the later day, each looping on its own connection until stopped. */
function startProbe(reader: postgres.Sql, writer: postgres.Sql) {
  const samples: { kind: "read" | "insert"; start: number; end: number }[] = [];
  const { start, end } = etDayBounds(later);
  const hot = marketSymbol(0);
  let stopped = false;
  let n = 0;
  const loop = async (kind: "read" | "insert", statement: () => Promise<unknown>) => {
    while (!stopped) {
      const s = performance.now();
      await statement().catch((error: unknown) => process.stderr.write(`probe ${kind}: ${String(error)}\n`));
      samples.push({ kind, start: s, end: performance.now() });
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const ts = new Date(start.getTime() + 15 * 3_600_000);
  const loops = [
    loop(
      "read",
      () =>
        reader`select count(*)::int, sum(size) from prints where symbol = ${hot} and ts >= ${start} and ts < ${end}`,
    ),
    loop(
      "insert",
      () => writer`insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, is_off_exchange,
      conditions, block_eligible, side, sentiment, source, source_ref, published_at)
      values (${hot}, ${ts}, ${`probe-${n++}`}, 10, 100, 1000, '4', true, '{}', true, 'buy', 'bullish', 'probe', 'probe', ${ts})`,
    ),
  ];
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return samples;
    },
  };
}

/** The old day gone from prints and every derived table, the later day kept. */
async function check(db: postgres.Sql): Promise<string> {
  const [c] = await db`select
    (select count(*) from prints where ts < ${cutoff})::int as prints,
    (select count(*) from print_day_rollups where day = ${day})::int as rollups,
    (select count(*) from print_day_bins where day = ${day})::int as bins,
    (select count(*) from print_day_market where day = ${day})::int as market,
    (select count(*) from pg_class where relname like '%_dropping')::int as dropping,
    (select count(*) from prints where ts >= ${cutoff})::int as kept,
    (select count(*) from print_day_rollups where day = ${later})::int as kept_rollups`;
  const gone =
    Number(c?.prints) + Number(c?.rollups) + Number(c?.bins) + Number(c?.market) + Number(c?.dropping);
  if (gone !== 0) throw new Error(`retention left rows of ${day}: ${JSON.stringify(c)}`);
  return `${day} gone from prints and derived tables; ${later} kept (${fmt(Number(c?.kept))} prints, ${fmt(Number(c?.kept_rollups))} rollups)`;
}
