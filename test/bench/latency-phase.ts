/**
 * One measured phase of the latency bench: a client process with N Socket.IO clients, a load generator
 * feeding prints at a rate into a target (the real server's live pipeline, or the bare Socket.IO baseline),
 * and the figures of the measured window: print -> client, the per-stage breakdown the target reports,
 * event-loop delay and CPU of every process involved.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { RawPrint } from "../../server/src/darkpool/print";
import { MarketModel } from "../../server/src/feeds/market-model";
import {
  Histogram,
  type LoopLag,
  loopLag,
  ownCpuSeconds,
  procCpuSeconds,
  type Summary,
} from "./latency-stats";
import type { ClientResult, ParentMessage } from "./socket-clients";

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
  /** $12M off-exchange block prints, one a second after the warm-up (the alert path). */
  blocks: boolean;
}

export interface PhaseResult {
  sent: number;
  blocksSent: number;
  seconds: number;
  clients: ClientResult;
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
}

/** A client process: `clients` print subscribers and, with `alerts`, one `alerts:*` subscriber. */
async function startClients(url: string, o: PhaseOptions, clients: number, alerts: boolean) {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "socket-clients.ts")], {
    env: {
      ...process.env,
      URL: url,
      CLIENTS: String(clients),
      SYMBOLS: String(o.symbols),
      ALERTS: alerts ? "1" : "0",
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`socket clients exited (${code}) before they were ready`)));
    child.on("message", (m: { type?: string }) => {
      if (m.type === "ready") resolve();
    });
  });
  child.removeAllListeners("exit");
  return {
    child,
    send: (m: ParentMessage) => child.send(m),
    result: (m: ParentMessage) =>
      new Promise<ClientResult>((resolve) => {
        child.on("message", (r: ClientResult) => {
          if (r.type === "result") resolve(r);
        });
        child.send(m);
      }),
  };
}

/**
 * The print clients in one process and, when blocks are sent, the alert subscriber in a process of its
 * own (an alert consumer is a bot, not one of a thousand dashboards; sharing their process would time
 * its queue behind theirs). Their results merged: prints from the first, alerts from the second.
 */
async function startAllClients(url: string, o: PhaseOptions) {
  const processes = [await startClients(url, o, o.clients, false)];
  if (o.blocks) processes.push(await startClients(url, o, 0, true));
  return {
    send: (m: ParentMessage) => {
      for (const p of processes) p.send(m);
    },
    async stop(m: ParentMessage): Promise<ClientResult> {
      const [prints, alerts] = await Promise.all(processes.map((p) => p.result(m)));
      if (!prints) throw new Error("no client results");
      return {
        ...prints,
        alerts: alerts?.alerts ?? prints.alerts,
        alertTypes: alerts?.alertTypes ?? prints.alertTypes,
        cpuSeconds: prints.cpuSeconds + (alerts?.cpuSeconds ?? 0),
      };
    },
  };
}

/** Runs the load against `target` with its clients connected, and gathers the figures. */
export async function runPhase(target: PhaseTarget, o: PhaseOptions): Promise<PhaseResult> {
  const clients = await startAllClients(target.url, o);
  const emits = new Map<string, [number, number][]>();
  const toEmit = new Histogram();
  let measuring = false;
  const offSent = target.onSent((b) => {
    if (!measuring) return;
    const list = emits.get(b.symbol);
    if (list) list.push([b.seq, b.atMs]);
    else emits.set(b.symbol, [[b.seq, b.atMs]]);
    for (const ts of b.timestamps) toEmit.add(b.atMs - Date.parse(ts));
  });
  const stages = target.stages?.();
  const lag = loopLag();
  const pids = (await target.dbPids?.()) ?? [];
  let cpu0 = { server: 0, database: 0 };
  const mb = () => Math.round(process.memoryUsage.rss() / 1048576);
  const rssMb = { start: 0, peak: 0, end: 0 };
  const heapMb: PhaseResult["heapMb"] = { peak: 0, endAfterGc: 0 };
  const heap = () => Math.round(process.memoryUsage().heapUsed / 1048576);
  const sampler = setInterval(() => {
    if (!measuring) return;
    rssMb.peak = Math.max(rssMb.peak, mb());
    heapMb.peak = Math.max(heapMb.peak, heap());
  }, 250);
  const measure = () => {
    rssMb.start = mb();
    measuring = true;
    clients.send({ type: "measure" } satisfies ParentMessage);
    stages?.start();
    lag.start();
    cpu0 = { server: ownCpuSeconds(), database: pids.reduce((s, p) => s + procCpuSeconds(p), 0) };
  };
  const { sent, measuredSent, blocksSent, seconds } = await generate(target, o, measure);
  await new Promise((r) => setTimeout(r, 500));
  measuring = false;
  const cpuServer = ownCpuSeconds() - cpu0.server;
  const cpuDb = pids.reduce((s, p) => s + procCpuSeconds(p), 0) - cpu0.database;
  const loop = lag.stop();
  clearInterval(sampler);
  rssMb.end = mb();
  rssMb.peak = Math.max(rssMb.peak, rssMb.end);
  // What is still held once garbage is gone (V8's gc() made reachable at run time).
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
  heapMb.endAfterGc = heap();
  offSent();
  const clientResult = await clients.stop({ type: "stop", emits: Object.fromEntries(emits) });
  const per = (s: number) => Math.round((s / clientResult.seconds) * 100);
  const per1000 = (s: number) => Math.round((s * 1e7) / Math.max(1, measuredSent)) / 10;
  return {
    sent,
    blocksSent,
    seconds,
    clients: clientResult,
    toEmit: toEmit.summary(),
    stages: stages?.stop() ?? {},
    loop,
    rssMb,
    heapMb,
    cpuPer1000: {
      server: per1000(cpuServer),
      clients: per1000(clientResult.cpuSeconds),
      database: pids.length > 0 ? per1000(cpuDb) : null,
    },
    cpu: {
      server: per(cpuServer),
      clients: per(clientResult.cpuSeconds),
      database: pids.length > 0 ? per(cpuDb) : null,
    },
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
    if (o.blocks && measuring && Math.floor((elapsed - warmupMs) / 1000) >= blocksSent) {
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
