/**
 * The market bench's measuring side: a server process it can restart (so every endpoint starts with the
 * server's caches empty), a fixed list of distinct URLs asked once each at `connections` concurrent
 * requests (cold: no URL twice), percentiles of the wall times, and a CSV download timed with the server's
 * RSS sampled from /proc while it streams.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

export interface ServerProc {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The bench's server on `dbUrl`; `checkout`: another checkout's server (its test/bench/market-server.ts). */
export async function startServerProcess(dbUrl: string, checkout?: string): Promise<ServerProc> {
  const entry = checkout
    ? join(checkout, "test/bench/market-server.ts")
    : join(import.meta.dirname, "market-server.ts");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", entry, dbUrl], {
    stdio: ["ignore", "pipe", "inherit"],
    ...(checkout ? { cwd: checkout } : {}),
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, "line")) as [string];
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    pid: child.pid as number,
    async stop() {
      child.kill("SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    },
  };
}

/** CPU time (user + system) a process has used, ms (Linux; 0 once it is gone). */
export function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/** Resident set size of a process, MB (Linux). */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export interface LoadResult {
  n: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  firstError: string | null;
  avgKb: number;
  seconds: number;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

/**
 * Each path once, `connections` at a time; stops starting new requests after `capSeconds` (slow endpoints
 * then report fewer samples, never a shorter list asked twice).
 */
export async function askOnce(
  base: string,
  paths: string[],
  connections: number,
  capSeconds: number,
): Promise<LoadResult> {
  const times: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let bytes = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < paths.length && performance.now() - t0 < capSeconds * 1000) {
      const path = paths[next++] as string;
      const t = performance.now();
      try {
        const res = await fetch(`${base}${path}`);
        const body = await res.arrayBuffer();
        bytes += body.byteLength;
        if (res.status !== 200) {
          errors++;
          firstError ??= `${path}: ${res.status} ${Buffer.from(body).toString("utf8").slice(0, 200)}`;
        }
      } catch (e) {
        // No answer at all (e.g. no headers within undici's 300 s): an error, timed until it gave up.
        errors++;
        firstError ??= `${path}: ${(e as Error).cause ?? e}`;
      }
      times.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  times.sort((a, b) => a - b);
  return {
    n: times.length,
    p50: pct(times, 50),
    p99: pct(times, 99),
    max: times[times.length - 1] ?? Number.NaN,
    errors,
    firstError,
    avgKb: bytes / 1024 / Math.max(1, times.length),
    seconds: (performance.now() - t0) / 1000,
  };
}

export interface CsvResult {
  rows: number;
  mb: number;
  seconds: number;
  mbPerSecond: number;
  rssBeforeMb: number;
  rssPeakMb: number;
}

/** Downloads one CSV, counting bytes and lines, sampling the server's RSS every 10 ms. */
export async function downloadCsv(base: string, path: string, pid: number): Promise<CsvResult> {
  const rssBeforeMb = rssMb(pid);
  let rssPeakMb = rssBeforeMb;
  const sampler = setInterval(() => {
    rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
  }, 10);
  const t = performance.now();
  const res = await fetch(`${base}${path}`);
  if (res.status !== 200 || !res.body) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) lines++;
  }
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  rssPeakMb = Math.max(rssPeakMb, rssMb(pid));
  const mb = bytes / 1e6;
  return { rows: lines - 1, mb, seconds, mbPerSecond: mb / seconds, rssBeforeMb, rssPeakMb };
}
