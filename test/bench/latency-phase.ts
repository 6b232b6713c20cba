/**
 * One measured phase of the latency bench: a client process with N Socket.IO clients, a load generator
 * feeding prints at a rate into a target (the real server's live pipeline, or the bare Socket.IO baseline),
 * and the figures of the measured window: print -> client, the per-stage breakdown the target reports,
 * event-loop delay and CPU of every process involved.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { RawPrint } from "../../server/src/darkpool/print";
import { MarketModel } from "../../server/src/feeds/market-model";
import { type ClientFigures, startClientProcesses } from "./latency-clients";
import {
  Histogram,
  type LoopLag,
  loopLag,
  machineCpuSeconds,
  ownCpuSeconds,
  prioritise,
  procCpuSeconds,
  type Summary,
} from "./latency-stats";
import type { ParentMessage } from "./socket-clients";

/** A batch the target sent on the `prints` channel: its prints' timestamps, when it went out. */
export interface SentPrints {
  symbol: string;
  seq: number;
  timestamps: readonly string[];
  atMs: number;
}

/** What a phase drives: the real server or the baseline. */
export interface PhaseTarget {
  url: string;
  /** Hands one print in; false = the target's queue is full, wait for `drained()` before the next. */
  accept(print: RawPrint): boolean;
  drained(): Promise<void>;
  onSent(listener: (b: SentPrints) => void): () => void;
  /** Stage timings per print (queue, database write), if the target has such stages. */
  stages?(): { start(): void; stop(): Record<string, Summary> };
  /** Database server processes serving the target (their CPU is counted). */
  dbPids?(): Promise<number[]>;
}

export interface PhaseOptions {
  rate: number;
  seconds: number;
  warmupSeconds: number;
  clients: number;
  symbols: number;
  /** $12M off-exchange block prints after the warm-up (the alert path), this many a second (0: none). */
  blocksPerSecond: number;
  /** Processes the clients are spread over. */
  clientProcesses: number;
  /** Nice value for every process of the phase (this one, the clients, the Postgres backends); null = as is. */
  nice: number | null;
}

export interface PhaseResult {
  sent: number;
  blocksSent: number;
  seconds: number;
  clients: ClientFigures;
  /** Accept -> socket emit, per print. */
  toEmit: Summary;
  stages: Record<string, Summary>;
  loop: LoopLag;
  /** This process's resident memory (MB) when measuring started, its peak (sampled every 250 ms), at the end. */
  rssMb: { start: number; peak: number; end: number };
  /** Its JavaScript heap in use (MB): the largest sample, and at the end after a full collection. */
  heapMb: { peak: number; endAfterGc: number };
  /** CPU of each process over the measured window: % of one core, and ms per 1,000 prints sent in it. */
  cpu: { server: number; clients: number; database: number | null };
  cpuPer1000: { server: number; clients: number; database: number | null };
  /**
   * The whole machine over the window, % of one core: `busy` all processes, `interrupts` the kernel's
   * interrupt work (loopback TCP), `others` processes that are not part of the bench (a neighbour on a shared
   * machine; anything over a few % means the figures are not this code's alone).
   */
  machine: { cores: number; busy: number; interrupts: number; others: number };
}

/** CPU seconds of the phase's processes and of the machine, at one moment. */
function cpuNow(dbPids: Iterable<number>, clientPids: number[]) {
  const m = machineCpuSeconds();
  return {
    server: ownCpuSeconds(),
    clients: clientPids.reduce((s, p) => s + procCpuSeconds(p), 0),
    database: [...dbPids].reduce((s, p) => s + procCpuSeconds(p), 0),
    machine: m.processes,
    interrupts: m.interrupts,
    cores: m.cores,
  };
}

/** This process's resident memory and JavaScript heap, sampled every 250 ms while `on()`. */
function memorySampler() {
  const mb = () => Math.round(process.memoryUsage.rss() / 1048576);
  const heap = () => Math.round(process.memoryUsage().heapUsed / 1048576);
  const rssMb = { start: 0, peak: 0, end: 0 };
  const heapMb: PhaseResult["heapMb"] = { peak: 0, endAfterGc: 0 };
  let on = false;
  const sampler = setInterval(() => {
    if (!on) return;
    rssMb.peak = Math.max(rssMb.peak, mb());
    heapMb.peak = Math.max(heapMb.peak, heap());
  }, 250);
  return {
    start() {
      rssMb.start = mb();
      on = true;
    },
    stop() {
      on = false;
      clearInterval(sampler);
      rssMb.end = mb();
      rssMb.peak = Math.max(rssMb.peak, rssMb.end);
      // What is still held once garbage is gone (V8's gc() made reachable at run time).
      setFlagsFromString("--expose-gc");
      (runInNewContext("gc") as () => void)();
      heapMb.endAfterGc = heap();
      return { rssMb, heapMb };
    },
  };
}

/** The emit time of every batch sent while measuring, and accept -> emit per print. */
function emitLog(target: PhaseTarget) {
  const emits = new Map<string, [number, number][]>();
  const toEmit = new Histogram();
  let on = false;
  const off = target.onSent((b) => {
    if (!on) return;
    const list = emits.get(b.symbol);
    if (list) list.push([b.seq, b.atMs]);
    else emits.set(b.symbol, [[b.seq, b.atMs]]);
    for (const ts of b.timestamps) toEmit.add(b.atMs - Date.parse(ts));
  });
  return {
    start: () => {
      on = true;
    },
    stop: () => {
      on = false;
      off();
      return { emits: Object.fromEntries(emits), toEmit: toEmit.summary() };
    },
  };
}

/** CPU over the window from `c0` to `c1`, as % of one core and ms per 1,000 prints. */
function cpuFigures(c0: CpuSample, c1: CpuSample, wallSeconds: number, prints: number, withDb: boolean) {
  const d = {
    server: c1.server - c0.server,
    clients: c1.clients - c0.clients,
    database: c1.database - c0.database,
  };
  const per = (s: number) => Math.round((s / wallSeconds) * 100);
  const per1000 = (s: number) => Math.round((s * 1e7) / Math.max(1, prints)) / 10;
  const ours = d.server + d.clients + d.database;
  return {
    cpu: { server: per(d.server), clients: per(d.clients), database: withDb ? per(d.database) : null },
    cpuPer1000: {
      server: per1000(d.server),
      clients: per1000(d.clients),
      database: withDb ? per1000(d.database) : null,
    },
    machine: {
      cores: c1.cores,
      busy: per(c1.machine - c0.machine),
      interrupts: per(c1.interrupts - c0.interrupts),
      others: Math.max(0, per(c1.machine - c0.machine - ours)),
    },
  };
}

type CpuSample = ReturnType<typeof cpuNow>;

/** Runs the load against `target` with its clients connected, and gathers the figures. */
export async function runPhase(target: PhaseTarget, o: PhaseOptions): Promise<PhaseResult> {
  const clients = await startClientProcesses(target.url, {
    clients: o.clients,
    symbols: o.symbols,
    processes: o.clientProcesses,
    alerts: o.blocksPerSecond > 0,
    nice: o.nice,
  });
  const log = emitLog(target);
  const stages = target.stages?.();
  const lag = loopLag();
  const dbPids = new Set((await target.dbPids?.()) ?? []);
  if (o.nice !== null) for (const pid of [process.pid, ...dbPids]) prioritise(pid, o.nice);
  const memory = memorySampler();
  const sample = () => cpuNow(dbPids, clients.pids);
  let cpu0 = sample();
  let wall0 = 0;
  const measure = () => {
    memory.start();
    log.start();
    clients.send({ type: "measure" } satisfies ParentMessage);
    stages?.start();
    lag.start();
    cpu0 = sample();
    wall0 = performance.now();
    // The pool's connections opened during the warm-up: counted (and prioritised) from now on.
    void target.dbPids?.().then((pids) => {
      for (const pid of pids.filter((p) => !dbPids.has(p))) {
        dbPids.add(pid);
        cpu0.database += procCpuSeconds(pid);
        if (o.nice !== null) prioritise(pid, o.nice);
      }
    });
  };
  const { sent, measuredSent, blocksSent, seconds } = await generate(target, o, measure);
  await new Promise((r) => setTimeout(r, 500));
  // Backends the pool opened after the start (postgres.js connects on demand): their whole CPU time is
  // taken as the window's, which counts their warm-up too, rather than calling it a neighbour's.
  const lateDbPids = ((await target.dbPids?.()) ?? []).filter((p) => !dbPids.has(p));
  const cpu1 = sample();
  cpu1.database += lateDbPids.reduce((s, p) => s + procCpuSeconds(p), 0);
  const wallSeconds = (performance.now() - wall0) / 1000;
  const loop = lag.stop();
  const { emits, toEmit } = log.stop();
  const { rssMb, heapMb } = memory.stop();
  const clientFigures = await clients.stop({ type: "stop", emits });
  return {
    sent,
    blocksSent,
    seconds,
    clients: clientFigures,
    toEmit,
    stages: stages?.stop() ?? {},
    loop,
    rssMb,
    heapMb,
    ...cpuFigures(cpu0, cpu1, wallSeconds, measuredSent, dbPids.size + lateDbPids.length > 0),
  };
}

/**
 * Feeds `rate` prints a second over 100 symbols for the warm-up and `seconds` more (calling `measure` when
 * the warm-up ends), as many per 10 ms tick as the elapsed time calls for (up to 100 ms' worth), so a
 * late tick does not lower the rate. When the target pushes back it waits for it to drain: the rate then
 * falls, nothing is dropped.
 */
async function generate(target: PhaseTarget, o: PhaseOptions, measure: () => void) {
  const model = new MarketModel({ seed: 1, blockProbability: 0 });
  const blockModel = new MarketModel({ seed: 2, blockProbability: 0, tradeIdPrefix: "block" });
  let sent = 0;
  let blocksSent = 0;
  const started = Date.now();
  const warmupMs = o.warmupSeconds * 1000;
  const endMs = warmupMs + o.seconds * 1000;
  let measuring = false;
  let sentAtMeasure = 0;
  for (;;) {
    const now = Date.now();
    const elapsed = now - started;
    if (!measuring && elapsed >= warmupMs) {
      measuring = true;
      sentAtMeasure = sent;
      measure();
    }
    if (elapsed >= endMs) break;
    // At most 100 ms' worth at once, so a generator that fell behind catches up in steps, yielding to the
    // server between them as a feed's socket would, instead of in one long synchronous run.
    const due = Math.min(Math.floor((elapsed * o.rate) / 1000) - sent, Math.ceil(o.rate / 10));
    let full = false;
    for (let i = 0; i < due && !full; i++) {
      full = !target.accept(model.print(`L${sent % o.symbols}`, new Date(), "bench"));
      sent++;
    }
    if (measuring && Math.floor(((elapsed - warmupMs) * o.blocksPerSecond) / 1000) >= blocksSent) {
      const symbol = `L${blocksSent % o.symbols}`;
      target.accept(blockModel.block(symbol, new Date(), 12_000_000, "bench"));
      blocksSent++;
    }
    if (full) await target.drained();
    else await new Promise((r) => setTimeout(r, 10));
  }
  return {
    sent,
    measuredSent: sent - sentAtMeasure,
    blocksSent,
    seconds: (Date.now() - started - warmupMs) / 1000,
  };
}
