/**
 * Child process of latency.bench.ts: opens CLIENTS Socket.IO clients against URL, client i subscribed to
 * the prints of symbol `L{(FIRST + i) % SYMBOLS}` (and, with ALERTS=1, one more client to every symbol's
 * alerts; the bench runs that one in a process of its own).
 * It runs in its own process so the clients do not share the server's event loop, and the bench spreads
 * the clients over several such processes so no one process's backlog is timed as the server's.
 *
 * Clock: arrival is `Date.now()` here, compared with the print's timestamp and the batch's emit time taken
 * with `Date.now()` in the server process. Both read the same host clock (CLOCK_REALTIME), so the
 * difference is exact to the millisecond whichever process takes it; no clock offset is involved.
 *
 * IPC with the parent: sends `{type: "ready"}` once every subscription is acknowledged; on `measure` it
 * starts recording (the warm-up before it is not counted); on `stop` (with the server's emit time of every
 * batch) it answers with the figures: print -> client delay of every delivery (from the print's own
 * timestamp, set when it entered the server), the emit -> client part of it, the alert delays and its CPU.
 */
import { io, type Socket } from "socket.io-client";
import type { AlertMessage } from "../../server/src/realtime/bus";
import type { PrintsBatch } from "../../server/src/realtime/events";
import { Histogram, type LoopLag, loopLag, ownCpuSeconds, type Sparse } from "./latency-stats";

const url = process.env.URL ?? "";
const clients = Number(process.env.CLIENTS ?? 1000);
const first = Number(process.env.FIRST ?? 0);
const symbols = Number(process.env.SYMBOLS ?? 100);
const withAlerts = process.env.ALERTS === "1";

/** What the parent sends: `emits[symbol]` = [seq, emitted at (epoch ms)] pairs of the batches it sent. */
export type ParentMessage = { type: "measure" } | { type: "stop"; emits: Record<string, [number, number][]> };

/** One client process's figures; histograms as buckets, merged over the processes by the bench. */
export interface ClientResult {
  type: "result";
  pid: number;
  connected: number;
  prints: Sparse;
  receive: Sparse;
  alerts: Sparse;
  alertTypes: Record<string, number>;
  cpuSeconds: number;
  seconds: number;
  /** This process's event-loop delay while measuring: a client process that lags times itself. */
  loop: LoopLag;
}

const total = new Histogram();
/** Alerts received, by type (the blocks' `large_block` and whatever else the load raised). */
const alertTypes: Record<string, number> = {};
const alerts = new Histogram();
/** Every measured delivery: symbol index, batch seq, arrival time; matched with emit times at the end. */
let log = {
  n: 0,
  sym: new Uint16Array(1 << 16),
  seq: new Uint32Array(1 << 16),
  at: new Float64Array(1 << 16),
};
const symbolIndex = new Map<string, number>();
const symbolNames: string[] = [];
let measuring = false;
let cpuAtStart = 0;
const lag = loopLag();
let wallAtStart = 0;

function note(batch: PrintsBatch, now: number) {
  let idx = symbolIndex.get(batch.symbol);
  if (idx === undefined) {
    idx = symbolNames.push(batch.symbol) - 1;
    symbolIndex.set(batch.symbol, idx);
  }
  if (log.n === log.sym.length) {
    const grow = <T extends Uint16Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T) => {
      const b = make(a.length * 2);
      b.set(a);
      return b;
    };
    log = {
      n: log.n,
      sym: grow(log.sym, (n) => new Uint16Array(n)),
      seq: grow(log.seq, (n) => new Uint32Array(n)),
      at: grow(log.at, (n) => new Float64Array(n)),
    };
  }
  log.sym[log.n] = idx;
  log.seq[log.n] = batch.seq;
  log.at[log.n] = now;
  log.n++;
}

let connected = 0;
let subscribed = 0;
const expected = clients + (withAlerts ? 1 : 0);
const ready = () => {
  if (++subscribed === expected) process.send?.({ type: "ready" });
};
const sockets: Socket[] = [];
for (let i = 0; i < clients; i++) {
  const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  sockets.push(socket);
  socket.on("connect", () => {
    connected++;
    void socket
      .emitWithAck("subscribe", { symbols: [`L${(first + i) % symbols}`], channels: ["prints"] })
      .then(ready);
  });
  socket.on("prints", (batch: PrintsBatch) => {
    if (!measuring) return;
    const now = Date.now();
    for (const p of batch.prints) total.add(now - Date.parse(p.timestamp));
    note(batch, now);
  });
}
if (withAlerts) {
  const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  sockets.push(socket);
  socket.on("connect", () => {
    void socket.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] }).then(ready);
  });
  socket.on("alert", (a: AlertMessage) => {
    alertTypes[a.type] = (alertTypes[a.type] ?? 0) + 1;
    // The $12M blocks' alerts; heavy load also raises volume-spike alerts, which are not timed here.
    if (a.type !== "large_block") return;
    const inputs = a.inputs as { print?: { timestamp?: string } };
    alerts.add(Date.now() - Date.parse(inputs.print?.timestamp ?? a.timestamp));
  });
}

process.on("message", (m: ParentMessage) => {
  if (m.type === "measure") {
    measuring = true;
    lag.start();
    cpuAtStart = ownCpuSeconds();
    wallAtStart = Date.now();
    return;
  }
  measuring = false;
  const loop = lag.stop();
  const cpuSeconds = ownCpuSeconds() - cpuAtStart;
  const seconds = (Date.now() - wallAtStart) / 1000;
  const receive = new Histogram();
  const emitted = symbolNames.map((s) => new Map(m.emits[s] ?? []));
  for (let i = 0; i < log.n; i++) {
    const at = emitted[log.sym[i] as number]?.get(log.seq[i] as number);
    if (at !== undefined) receive.add((log.at[i] as number) - at);
  }
  for (const s of sockets) s.close();
  const result: ClientResult = {
    type: "result",
    pid: process.pid,
    connected,
    prints: total.sparse(),
    receive: receive.sparse(),
    alerts: alerts.sparse(),
    alertTypes,
    cpuSeconds,
    seconds,
    loop,
  };
  process.send?.(result, () => process.exit(0));
});
