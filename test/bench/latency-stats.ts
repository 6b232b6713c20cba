/**
 * Figures for the latency bench: a millisecond histogram (millions of deliveries in fixed memory), CPU time
 * of a process (own or any pid through /proc) and the event-loop delay of this process.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { setPriority } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";

const MAX_MS = 300_000;

/** Whole milliseconds 0..300 s, one counter each; larger values count in the last bucket. */
export class Histogram {
  private readonly counts = new Uint32Array(MAX_MS + 1);
  count = 0;
  maxMs = 0;

  add(ms: number): void {
    const b = Math.min(MAX_MS, Math.max(0, Math.round(ms)));
    this.counts[b] = (this.counts[b] ?? 0) + 1;
    this.count++;
    if (b > this.maxMs) this.maxMs = b;
  }

  /** The smallest value with at least p% of the samples at or below it; null when empty. */
  pct(p: number): number | null {
    if (this.count === 0) return null;
    const want = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i <= this.maxMs; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= want) return i;
    }
    return this.maxMs;
  }

  summary(): Summary {
    return { n: this.count, p50: this.pct(50), p99: this.pct(99), max: this.count ? this.maxMs : null };
  }

  /** The non-empty buckets as [ms, count] pairs: what a client process sends the bench to be merged. */
  sparse(): Sparse {
    const out: Sparse = [];
    for (let i = 0; i <= this.maxMs; i++) {
      const n = this.counts[i] ?? 0;
      if (n > 0) out.push([i, n]);
    }
    return out;
  }

  /** Adds another histogram's buckets (from `sparse()`): percentiles over every process's samples. */
  merge(parts: Sparse): this {
    for (const [ms, n] of parts) {
      this.counts[ms] = (this.counts[ms] ?? 0) + n;
      this.count += n;
      if (ms > this.maxMs) this.maxMs = ms;
    }
    return this;
  }
}

export type Sparse = [ms: number, count: number][];

export interface Summary {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export const fmtSummary = (s: Summary | undefined) =>
  s && s.n > 0 ? `${s.p50} / ${s.p99} / ${s.max} ms` : "n/a";

/** CPU seconds (user + system) used by this process so far. */
export const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used by a process so far, from /proc; 0 when it is gone or unreadable. */
export function procCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds the whole machine spent busy so far, from /proc/stat (all cores): processes (user, nice,
 * system, steal) and the kernel's interrupt work apart, since loopback TCP is largely done in softirq,
 * charged to no process. With the bench's own processes subtracted it tells whether anything else (another
 * job on a shared machine) competed for the cores during a run.
 */
export function machineCpuSeconds(): { processes: number; interrupts: number; cores: number } {
  try {
    const lines = readFileSync("/proc/stat", "utf8").split("\n");
    const f = (lines[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    const cores = lines.filter((l) => /^cpu\d/.test(l)).length;
    return {
      processes: (user + nice + system + steal) / TICKS_PER_SECOND,
      interrupts: (irq + softirq) / TICKS_PER_SECOND,
      cores,
    };
  } catch {
    return { processes: 0, interrupts: 0, cores: 0 };
  }
}

/**
 * Event-loop delay of this process between start() and stop(), in ms: how late a 10 ms timer fires. Node's
 * histogram records the whole interval between the timer's runs (10 ms when nothing is late), so the
 * resolution is taken off: 0 means on time.
 */
export function loopLag() {
  const resolutionMs = 10;
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  return {
    start: () => h.enable(),
    stop: () => {
      h.disable();
      const ms = (ns: number) => Math.max(0, Math.round(ns / 1e5 - resolutionMs * 10) / 10);
      return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
    },
  };
}

export type LoopLag = ReturnType<ReturnType<typeof loopLag>["stop"]>;

/**
 * Gives a process the scheduling priority `nice` (root only). Linux with autogroups shares the cores
 * between sessions first and by nice value only inside one, so the process's autogroup gets the value too:
 * otherwise a bench that runs in one shell session gets 1/N of the machine next to N-1 busy sessions,
 * whatever its nice value. Returns false when either could not be set.
 */
export function prioritise(pid: number, nice: number): boolean {
  let ok = true;
  try {
    setPriority(pid, nice);
  } catch {
    ok = false;
  }
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    ok = false;
  }
  return ok;
}
