/**
 * Issue 14 figures for a full market day on one machine (real Postgres, a database of its own):
 * 1. a synthetic day of `--prints N` (default 20,000,000) prints over 10,000 symbols in the Polygon trades
 *    flat-file layout (market-day-tape.ts), ingested through the real ingest path (`pnpm cli ingest prints`:
 *    the `prints` ingest kind, parse, enrich, store, rollups, derived bars), against `psql \copy` of the
 *    same stored rows into a plain table shaped like `prints` (same columns and indexes, no triggers) in the
 *    same run; goal: ingest >= 0.7x COPY. Both phases are timed the same way (market-day-phase.ts: after a
 *    CHECKPOINT, with the CPU of this process, of the phase's backends and of the machine, the WAL written
 *    and the checkpoints during it), and the CPU-bound ratio beside the wall-time one;
 * 2. the hottest symbol's summary, patterns and dashboard, `REQUESTS` requests each with the response cache
 *    off (`RESPONSE_CACHE_TTL_MS=0`) and the symbol's data version bumped before every request, so the
 *    in-process read cache (darkpool/rollups.ts `readScope`) never answers: every request computes from
 *    the database; `/health` (one `select 1`) is the same-run baseline; goal: p99 < 50 ms;
 * 3. retention of that day through the project's retention function (darkpool/retention.ts); goal < 1 s.
 *
 * Run: `pnpm bench market-day [--prints N] [--symbols S]` (or `npx tsx test/bench/market-day.bench.ts ...`).
 * `--symbols S` (default 10,000) spreads the day over fewer symbols, so a smaller day still has a hot
 * symbol of market size (`--prints 2500000 --symbols 10`: the hottest holds ~400k prints).
 * Env: REQUESTS (default 200); TRACK_FUNCTIONS=1: time per trigger function during the ingest. Needs `psql` and ~1 KB of free disk per print (CSV, COPY file, two tables).
 */
import { execFile, execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "@smt/db";
import { sql } from "drizzle-orm";
import { deriveBarsFromPrints } from "../../server/src/darkpool/market.store";
import { PrintPipeline } from "../../server/src/darkpool/pipeline";
import { deletePrintsBefore } from "../../server/src/darkpool/retention";
import { ingestKind } from "../../server/src/ingest/registry";
import { addDays, etDateOf, etDayBounds } from "../../server/src/lib/et-time";
import type { IngestSummary } from "../../server/src/lib/ingest";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import { loadAverage, phaseLine, timedPhase } from "./market-day-phase";
import { timeRoutes } from "./market-day-reads";
import { MARKET_SYMBOLS, marketSymbol, writeMarketDay } from "./market-day-tape";
import { benchDatabase, fmt, report } from "./support";

const argv = process.argv.slice(2);
const printsArg = argv.find((a) => a.startsWith("--prints="))?.slice(9) ?? argv[argv.indexOf("--prints") + 1];
const PRINTS = argv.some((a) => a.startsWith("--prints")) ? Number(printsArg) : 20_000_000;
if (!Number.isInteger(PRINTS) || PRINTS < 10_000) throw new Error("--prints N: an integer >= 10,000");
const symbolsArg =
  argv.find((a) => a.startsWith("--symbols="))?.slice(10) ?? argv[argv.indexOf("--symbols") + 1];
const SYMBOLS = argv.some((a) => a.startsWith("--symbols")) ? Number(symbolsArg) : MARKET_SYMBOLS;
if (!Number.isInteger(SYMBOLS) || SYMBOLS < 1 || SYMBOLS > MARKET_SYMBOLS)
  throw new Error(`--symbols N: an integer from 1 to ${MARKET_SYMBOLS}`);
const REQUESTS = Number(process.env.REQUESTS ?? 200);

/** The last weekday before today (New York): the routes' default `as_of` (now) sees it whole. */
function lastWeekday(): string {
  let day = addDays(etDateOf(Date.now()), -1);
  while ([0, 6].includes(new Date(`${day}T12:00:00Z`).getUTCDay())) day = addDays(day, -1);
  return day;
}

const day = lastWeekday();
const bounds = etDayBounds(day);
const dir = mkdtempSync(join(tmpdir(), "smt-market-day-"));
const csv = join(dir, `trades_${day}.csv`);
process.stdout.write(`market day ${day}: ${fmt(PRINTS)} prints (--prints), temp files in ${dir}\n`);

let t0 = performance.now();
const tape = await writeMarketDay(csv, PRINTS, bounds.start.getTime() + 4 * 3_600_000, SYMBOLS);
const genSecs = (performance.now() - t0) / 1000;
report("generated", [
  ["file", `${fmt(tape.bytes / 1e6, 1)} MB Polygon trades CSV in ${fmt(genSecs, 1)} s`],
  [
    "shape",
    `${fmt(tape.symbols)} symbols, hottest ${tape.hottest.symbol} ${fmt(tape.hottest.prints)} prints`,
  ],
]);

const bench = await benchDatabase("marketday");
// TRACK_FUNCTIONS=1: per-trigger-function time of the ingest (pg_stat_user_functions), printed after it.
if (process.env.TRACK_FUNCTIONS === "1")
  execFileSync("psql", [bench.url, "-qc", `alter database ${bench.name} set track_functions = 'pl'`]);
const handle = await openDb({ url: bench.url });
const loadBefore = loadAverage();
/** psql as a child process (the event loop keeps running, for the phase's CPU sampling). */
const psqlAsync = (cmd: string) =>
  new Promise<void>((resolve, reject) => {
    execFile("psql", [bench.url, "-v", "ON_ERROR_STOP=1", "-qc", cmd], (err) =>
      err ? reject(err) : resolve(),
    );
  });
const psql = (cmd: string) =>
  execFileSync("psql", [bench.url, "-v", "ON_ERROR_STOP=1", "-qc", cmd], {
    stdio: ["ignore", "pipe", "inherit"],
  });

// 1. Ingest: the CLI's path (`pnpm cli ingest prints FILE`: cli/commands/ingest.ts -> the prints kind).
const bus = new LiveBus();
const pipeline = new PrintPipeline({
  db: handle.db,
  bus,
  log: createLogger("error"),
  lastLitWindowMs: 60_000,
});
let summary: IngestSummary | undefined;
const ingestPhase = await timedPhase(bench.url, [], async () => {
  summary = await (ingestKind("prints") ?? fail("no prints kind")).run(createReadStream(csv), {
    db: handle.db,
    pipeline,
    bus,
    name: csv,
    path: csv,
    origin: "cli",
  });
});
if (!summary) throw new Error("no ingest summary");
if (summary.rejected > 0)
  throw new Error(`ingest rejected ${summary.rejected}: ${JSON.stringify(summary.errors[0])}`);
const accepted = summary.accepted;

// The same stored rows via psql \copy into a table shaped like prints (columns, defaults, indexes), timed
// the same way (after a CHECKPOINT and a VACUUM of prints, as the ingest started after one).
const copyFile = join(dir, "prints.copy");
psql(`\\copy (select * from prints) to '${copyFile}'`);
const copyBytes = statSync(copyFile).size;
psql("create table prints_copy (like prints including all)");
const copyPhase = await timedPhase(bench.url, ["prints"], async () => {
  await psqlAsync(`\\copy prints_copy from '${copyFile}'`);
});
psql("drop table prints_copy");
rmSync(copyFile, { force: true });
const ingestRate = accepted / ingestPhase.secs;
const copyRate = accepted / copyPhase.secs;
report(
  `ingest ${fmt(PRINTS)} prints (${fmt(tape.bytes / 1e6, 1)} MB CSV; COPY file ${fmt(copyBytes / 1e6, 1)} MB); each phase after a CHECKPOINT, the COPY also after VACUUM prints; load average before ${loadBefore}`,
  [
    [
      "pipeline (cli ingest path)",
      `${fmt(ingestRate)} rows/s: ${fmt(accepted)} stored in ${fmt(ingestPhase.secs, 1)} s`,
    ],
    ["", phaseLine(ingestPhase, "its Postgres backends")],
    ["psql \\copy same rows", `${fmt(copyRate)} rows/s in ${fmt(copyPhase.secs, 1)} s`],
    ["", phaseLine(copyPhase, "psql's Postgres backend")],
    ["ratio ingest / COPY", `${fmt(ingestRate / copyRate, 2)} (goal >= 0.7)`],
    // The ingest's two processes overlap (parse and enrich beside the database write): on two idle cores it
    // takes at least the larger of their CPU times; COPY takes its backend's. A busy machine slows the
    // ingest (two processes wanting a core each) more than the COPY, so this moves less with neighbours.
    [
      "CPU-bound ratio",
      `${fmt(copyPhase.backendCpu / Math.max(ingestPhase.nodeCpu, ingestPhase.backendCpu), 2)} (COPY backend CPU / the larger of the ingest's process and backend CPU)`,
    ],
  ],
);
await pipeline.close();
if (process.env.TRACK_FUNCTIONS === "1") await reportFunctionTimes();
// Where the ingest time went: the same derived-bars statement the ingest ends with (an idempotent upsert).
t0 = performance.now();
await deriveBarsFromPrints(
  handle.db,
  [...Array(tape.symbols).keys()].map(marketSymbol),
  bounds.start,
  bounds.end,
);
process.stdout.write(
  `  of which derived daily bars (re-run after): ${fmt((performance.now() - t0) / 1000, 1)} s\n`,
);
psql("vacuum analyze");

// 2. The hottest symbol's reads, cold.
const reads = await timeRoutes(bench.url, handle, tape.hottest.symbol, day, REQUESTS);
report(
  `hottest symbol ${tape.hottest.symbol} (${fmt(tape.hottest.prints)} prints), ${REQUESTS} sequential requests each, cold (goal p99 < 50 ms)`,
  reads,
);

// 3. Retention of the day.
t0 = performance.now();
const removed = await deletePrintsBefore(handle.db, bounds.end);
const retentionSecs = (performance.now() - t0) / 1000;
report("retention of the day (darkpool/retention.ts deletePrintsBefore)", [
  ["days dropped", `${removed.printDays.join(", ")} in ${fmt(retentionSecs, 2)} s (goal < 1 s)`],
  [
    "of which",
    `visible step ${fmt(removed.detachMs)} ms (prints locked ${fmt(removed.lockMs)} ms), drop ${fmt(removed.dropMs)} ms (after, no lock)`,
  ],
  [
    "then",
    `${fmt(removed.refreshedDays)} later market days' trailing means refreshed in ${fmt(removed.refreshMs)} ms`,
  ],
]);
const left = await handle.query<{ n: string }>(sql`select count(*)::text as n from prints`);
if (Number(left[0]?.n) !== 0) throw new Error(`retention left ${left[0]?.n} prints`);

await handle.close();
await bench.drop();
rmSync(dir, { recursive: true, force: true });

/** The ingest's time per trigger function (self and total ms, calls), from pg_stat_user_functions. */
async function reportFunctionTimes(): Promise<void> {
  await handle.query(sql`select pg_stat_force_next_flush()`);
  await new Promise((r) => setTimeout(r, 2500));
  const rows = await handle.query<{ f: string; calls: string; self: string; total: string }>(
    sql`select funcname as f, calls::text, round(self_time)::text as self, round(total_time)::text as total
        from pg_stat_user_functions order by self_time desc limit 12`,
  );
  report(
    "trigger functions during ingest (track_functions = pl)",
    rows.map((r) => [
      r.f,
      `self ${fmt(Number(r.self))} ms, total ${fmt(Number(r.total))} ms, ${r.calls} calls`,
    ]),
  );
}

function fail(message: string): never {
  throw new Error(message);
}
