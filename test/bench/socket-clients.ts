/**
 * Child process of latency.bench.ts: opens N Socket.IO clients against URL, each subscribed to one symbol's
 * prints (and one client to every symbol's alerts), and records the delay from each print's own timestamp
 * (set when it entered the pipeline) to its arrival. Prints a JSON summary when told to stop (SIGTERM).
 */
import { io } from "socket.io-client";
import type { AlertMessage } from "../../server/src/realtime/bus";
import type { PrintsBatch } from "../../server/src/realtime/events";

const url = process.env.URL ?? "";
const clients = Number(process.env.CLIENTS ?? 1000);
const symbols = Number(process.env.SYMBOLS ?? 100);
const warmupUntil = Date.now() + Number(process.env.WARMUP_MS ?? 3000);
const printLatencies: number[] = [];
const alertLatencies: number[] = [];
let connected = 0;

for (let i = 0; i < clients; i++) {
  const socket = io(url, { transports: ["websocket"], forceNew: true });
  socket.on("connect", () => {
    connected++;
    void socket.emitWithAck("subscribe", { symbols: [`L${i % symbols}`], channels: ["prints"] });
    if (connected === clients) process.stdout.write("READY\n");
  });
  socket.on("prints", (batch: PrintsBatch) => {
    const now = Date.now();
    if (now < warmupUntil) return;
    for (const p of batch.prints) printLatencies.push(now - Date.parse(p.timestamp));
  });
}
const alerts = io(url, { transports: ["websocket"], forceNew: true });
alerts.on("connect", () => void alerts.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] }));
alerts.on("alert", (a: AlertMessage) => {
  const inputs = a.inputs as { print?: { timestamp?: string }; timestamp?: string };
  const ts = inputs.print?.timestamp ?? a.timestamp;
  alertLatencies.push(Date.now() - Date.parse(ts));
});

process.on("SIGTERM", () => {
  const pct = (xs: number[], p: number) => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? null;
  };
  const summary = (xs: number[]) => ({ n: xs.length, p50: pct(xs, 50), p99: pct(xs, 99), max: pct(xs, 100) });
  process.stdout.write(
    `${JSON.stringify({ connected, prints: summary(printLatencies), alerts: summary(alertLatencies) })}\n`,
  );
  process.exit(0);
});
