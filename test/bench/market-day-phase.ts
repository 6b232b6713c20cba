/**
 * How the market-day bench times its two ingest phases (the pipeline and `psql \copy`) the same way: each
 * starts after a CHECKPOINT (and a VACUUM of what the phase writes into, when given), so neither inherits the
 * other's dirty buffers or a checkpoint that its WAL started; and each reports, beside its wall time, the CPU
 * seconds of this process, of the database's backends (from /proc, by their pids in pg_stat_activity,
 * sampled every 100 ms during the phase and once after it, so a backend that ends with the phase, psql's,
 * counts up to its last sample), and of the whole machine, so a run disturbed by a neighbour shows as
 * machine CPU beyond the phase's own.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import postgres from "postgres";
import { machineCpuSeconds, ownCpuSeconds, procCpuSeconds } from "./latency-stats";
import { fmt } from "./support";

export interface PhaseFigures {
  secs: number;
  /** CPU seconds: this process, the database's backends, the whole machine (all cores, all processes). */
  nodeCpu: number;
  backendCpu: number;
  machineCpu: number;
  /** Checkpoints that ran during the phase (pg_stat_bgwriter, requested + timed). */
  checkpoints: number;
  /** WAL the phase wrote, MB. */
  walMb: number;
}

const psqlRows = (url: string, query: string): string[] =>
  execFileSync("psql", [url, "-Atqc", query], { encoding: "utf8" }).split("\n").filter(Boolean);

/** CPU seconds so far of each backend connected to the database of `url` (the probe's own excluded). */
async function backendCpu(probe: postgres.Sql, into = new Map<number, number>()) {
  const rows = await probe<{ pid: number }[]>`select pid from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`;
  for (const { pid } of rows) {
    const cpu = procCpuSeconds(pid);
    if (cpu > 0) into.set(pid, cpu);
  }
  return into;
}

const checkpointsSoFar = (url: string) =>
  Number(psqlRows(url, "select checkpoints_timed + checkpoints_req from pg_stat_bgwriter")[0]);
const walLsn = (url: string) => psqlRows(url, "select pg_current_wal_lsn()")[0] as string;
const walMbSince = (url: string, lsn: string) =>
  Number(psqlRows(url, `select pg_wal_lsn_diff(pg_current_wal_lsn(), '${lsn}') / 1e6`)[0]);

/** The machine's load averages (`uptime`'s figures). */
export const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

/**
 * Runs `work` as a timed phase: CHECKPOINT (and `vacuum` of the named tables) first, then wall time and CPU
 * of this process, the database's backends and the machine.
 */
export async function timedPhase(url: string, vacuum: string[], work: () => Promise<void>) {
  if (vacuum.length > 0) psqlRows(url, `vacuum ${vacuum.join(", ")}`);
  psqlRows(url, "checkpoint");
  const probe = postgres(url, { max: 1, onnotice: () => {} });
  const before = await backendCpu(probe);
  const during = new Map(before);
  let sampling = Promise.resolve(during);
  const sampler = setInterval(() => {
    sampling = sampling.then(() => backendCpu(probe, during));
  }, 100);
  const checkpoints = checkpointsSoFar(url);
  const lsn = walLsn(url);
  const node = ownCpuSeconds();
  const machine = machineCpuSeconds().processes;
  const t0 = performance.now();
  await work();
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  await sampling;
  await backendCpu(probe, during);
  await probe.end();
  const figures: PhaseFigures = {
    secs,
    nodeCpu: ownCpuSeconds() - node,
    backendCpu: [...during].reduce((sum, [pid, cpu]) => sum + cpu - (before.get(pid) ?? 0), 0),
    machineCpu: machineCpuSeconds().processes - machine,
    checkpoints: checkpointsSoFar(url) - checkpoints,
    walMb: walMbSince(url, lsn),
  };
  return figures;
}

/** A phase's figures as one report line. */
export const phaseLine = (f: PhaseFigures, backends: string) =>
  `CPU this process ${fmt(f.nodeCpu, 1)} s, ${backends} ${fmt(f.backendCpu, 1)} s, machine ${fmt(f.machineCpu, 1)} s (2 cores: ${fmt(2 * f.secs, 1)} s available); ${fmt(f.walMb)} MB WAL, ${f.checkpoints} checkpoint(s) during`;
