/**
 * Issue 2 and 4 figures: latency from a print entering the pipeline to a subscribed Socket.IO client, with
 * 1,000 clients connected (each on one of 100 symbols) and 5,000 prints/s flowing into real Postgres
 * (goal p99 < 100 ms); and from a $12M block print to the `alert` event (goal p99 < 50 ms after the alert
 * rules fire). Clients run in a separate process so they do not share the server's event loop.
 *
 * Run: `pnpm bench latency`. Env: RATE (5000), SECONDS (15), CLIENTS (1000), LIVE_BATCH_MS (the server default, 50).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import type { RawPrint } from "../../server/src/darkpool/print";
import { loadEnv } from "../../server/src/env";
import { MarketModel } from "../../server/src/feeds/market-model";
import { servicePlugins } from "../../server/src/plugins";
import { startServer } from "../../server/src/server";
import { benchDatabase, fmt, report } from "./support";

const RATE = Number(process.env.RATE ?? 5000);
const SECONDS = Number(process.env.SECONDS ?? 15);
const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const SYMBOLS = 100;

const bench = await benchDatabase("latency");
const server = await startServer({
  env: loadEnv({
    DATABASE_URL: bench.url,
    PORT: "0",
    HOST: "127.0.0.1",
    DEMO: "off",
    LOG_LEVEL: "error",
    SERVE_CLIENT: "false",
    LIVE_BATCH_MS: process.env.LIVE_BATCH_MS,
  }),
  plugins: process.env.NO_PLUGINS ? [] : servicePlugins,
});
const clients = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "socket-clients.ts")], {
  env: {
    ...process.env,
    URL: server.url,
    CLIENTS: String(CLIENTS),
    SYMBOLS: String(SYMBOLS),
    WARMUP_MS: "4000",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
let out = "";
clients.stdout.on("data", (c: Buffer) => {
  out += c.toString();
});
while (!out.includes("READY")) await new Promise((r) => setTimeout(r, 50));

const model = new MarketModel({ seed: 1, blockProbability: 0 });
const tickMs = 10;
let sent = 0;
let blocks = 0;
const started = Date.now();
await new Promise<void>((resolve) => {
  const timer = setInterval(() => {
    const now = Date.now();
    // As many as the elapsed time calls for, so a late tick does not lower the rate.
    const due = Math.floor(((now - started) * RATE) / 1000) - sent;
    for (let i = 0; i < due; i++) {
      const p: RawPrint = model.print(`L${(sent + i) % SYMBOLS}`, new Date(now), "bench");
      server.deps.pipeline.accept(p);
    }
    sent += Math.max(0, due);
    // One $12M off-exchange block a second: each must become one alert.
    if (now - started > 4000 && Math.floor((now - started) / 1000) > blocks + 4) {
      blocks++;
      server.deps.pipeline.accept(model.block(`L${blocks % SYMBOLS}`, new Date(now), 12_000_000, "bench"));
    }
    if (now - started >= SECONDS * 1000) {
      clearInterval(timer);
      resolve();
    }
  }, tickMs);
});
await new Promise((r) => setTimeout(r, 500));
const exited = new Promise((r) => clients.once("exit", r));
clients.kill("SIGTERM");
await exited;
const result = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as {
  connected: number;
  prints: { n: number; p50: number; p99: number; max: number };
  alerts: { n: number; p50: number; p99: number; max: number };
};
await server.close();
await bench.drop();

report(
  `live latency (${fmt(CLIENTS)} clients on ${SYMBOLS} symbols, ${fmt(RATE)} prints/s for ${SECONDS} s, real Postgres)`,
  [
    ["clients connected", fmt(result.connected)],
    ["prints sent", `${fmt(sent)} (${fmt(sent / SECONDS)} prints/s)`],
    ["print deliveries measured", fmt(result.prints.n)],
    [
      "print -> client p50 / p99 / max",
      `${result.prints.p50} / ${result.prints.p99} / ${result.prints.max} ms (goal p99 < 100 ms)`,
    ],
    [
      "block print -> alert p50 / p99 / max",
      `${result.alerts.p50} / ${result.alerts.p99} / ${result.alerts.max} ms over ${result.alerts.n} alerts (goal p99 < 50 ms)`,
    ],
    ["blocks sent", fmt(blocks)],
  ],
);
process.exit(0);
