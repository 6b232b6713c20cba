/**
 * Figures for the latency bench: a millisecond histogram (millions of deliveries in fixed memory), CPU time
 * of a process (own or any pid through /proc) and the event-loop delay of this process.
 */
import { readFileSync } from "node:fs";
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
}

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

/** Event-loop delay of this process between start() and stop(), in ms. */
export function loopLag() {
  const h = monitorEventLoopDelay({ resolution: 10 });
  return {
    start: () => h.enable(),
    stop: () => {
      h.disable();
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
    },
  };
}

export type LoopLag = ReturnType<ReturnType<typeof loopLag>["stop"]>;
