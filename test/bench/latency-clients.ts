/**
 * The latency bench's client side: its Socket.IO clients spread over several child processes
 * (socket-clients.ts), so a delivery is timed by a process that is not itself behind: 1,000 sockets in one
 * process parse ~20,000 messages a second on one core, and their backlog would be counted as the server's.
 * Each process reports its own event-loop delay and CPU; the delays of all of them are merged here.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Histogram, type LoopLag, prioritise, type Summary } from "./latency-stats";
import type { ClientResult, ParentMessage } from "./socket-clients";

export interface ClientOptions {
  clients: number;
  symbols: number;
  /** Processes the print clients are spread over. */
  processes: number;
  /** One more process with a single `alerts:*` subscriber. */
  alerts: boolean;
  /** Scheduling priority (nice value) given to every client process; null leaves it. */
  nice: number | null;
}

/** What the client processes measured, merged. */
export interface ClientFigures {
  connected: number;
  prints: Summary;
  receive: Summary;
  alerts: Summary;
  alertTypes: Record<string, number>;
  cpuSeconds: number;
  seconds: number;
  /** Event-loop delay of each print client process, and of the alert subscriber's. */
  loops: LoopLag[];
  alertLoop: LoopLag | null;
}

/** One client process: `clients` print subscribers from index `first` and, with `alerts`, one `alerts:*` subscriber. */
async function startProcess(url: string, symbols: number, clients: number, first: number, alerts: boolean) {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "socket-clients.ts")], {
    env: {
      ...process.env,
      URL: url,
      CLIENTS: String(clients),
      FIRST: String(first),
      SYMBOLS: String(symbols),
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
    pid: child.pid ?? 0,
    alerts,
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
 * The print clients, `processes` ways (client i on symbol `L{i % symbols}` whichever process holds it), and
 * the alert subscriber in a process of its own (an alert consumer is a bot, not one of a thousand
 * dashboards; sharing their process would time its queue behind theirs).
 */
export async function startClientProcesses(url: string, o: ClientOptions) {
  const n = Math.max(1, Math.min(o.processes, o.clients));
  const starts = Array.from({ length: n }, (_, k) => {
    const first = Math.floor((k * o.clients) / n);
    const next = Math.floor(((k + 1) * o.clients) / n);
    return startProcess(url, o.symbols, next - first, first, false);
  });
  if (o.alerts) starts.push(startProcess(url, o.symbols, 0, 0, true));
  const processes = await Promise.all(starts);
  if (o.nice !== null) for (const p of processes) prioritise(p.pid, o.nice);
  return {
    pids: processes.map((p) => p.pid),
    send: (m: ParentMessage) => {
      for (const p of processes) p.send(m);
    },
    async stop(m: ParentMessage): Promise<ClientFigures> {
      const results = await Promise.all(
        processes.map(async (p) => ({ alerts: p.alerts, r: await p.result(m) })),
      );
      return mergeResults(results);
    },
  };
}

function mergeResults(results: { alerts: boolean; r: ClientResult }[]): ClientFigures {
  const prints = new Histogram();
  const receive = new Histogram();
  const alerts = new Histogram();
  const alertTypes: Record<string, number> = {};
  const loops: LoopLag[] = [];
  let alertLoop: LoopLag | null = null;
  let connected = 0;
  let cpuSeconds = 0;
  let seconds = 0;
  for (const { alerts: isAlerts, r } of results) {
    prints.merge(r.prints);
    receive.merge(r.receive);
    alerts.merge(r.alerts);
    for (const [t, k] of Object.entries(r.alertTypes)) alertTypes[t] = (alertTypes[t] ?? 0) + k;
    if (isAlerts) alertLoop = r.loop;
    else {
      loops.push(r.loop);
      connected += r.connected;
    }
    cpuSeconds += r.cpuSeconds;
    seconds = Math.max(seconds, r.seconds);
  }
  return {
    connected,
    prints: prints.summary(),
    receive: receive.summary(),
    alerts: alerts.summary(),
    alertTypes,
    cpuSeconds,
    seconds,
    loops,
    alertLoop,
  };
}
