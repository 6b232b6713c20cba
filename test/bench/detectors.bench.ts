/**
 * Detector throughput: prints/s through every streaming detector (blocks, sweeps, intraday and daily
 * volume spikes, unusual options, divergence) and the alert rules, on one core. Inputs are generated
 * before the clock starts (parsing and enrichment are measured by the pipeline bench). Goal >= 300k/s.
 *
 * Run: `pnpm tsx test/bench/detectors.bench.ts [prints]` (also called by test/bench/run.ts when present).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "@smt/db";
import { io as connect } from "socket.io-client";
import { blocksAlertsPlugin } from "../../server/src/alerts/alerts.plugin";
import { AlertEngine } from "../../server/src/alerts/alerts.rules";
import { Detectors } from "../../server/src/blocks/detectors";
import type { OptionPrint } from "../../server/src/blocks/options.parse";
import type { EnrichedPrint, RawPrint, Sentiment } from "../../server/src/darkpool/print";
import { loadEnv } from "../../server/src/env";
import type { AlertMessage } from "../../server/src/realtime/bus";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/src/realtime/events";
import { startServer } from "../../server/src/server";
import { benchDatabase } from "./support";

export interface DetectorsBenchResult {
  prints: number;
  equityPrints: number;
  optionPrints: number;
  seconds: number;
  printsPerSecond: number;
  events: number;
  alerts: number;
}

/** Deterministic pseudo-random numbers (mulberry32) so runs compare. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function runDetectorsBench(total = 1_000_000, symbolCount = 500): DetectorsBenchResult {
  const rand = rng(42);
  const symbols = Array.from({ length: symbolCount }, (_, i) => `S${i.toString(36).toUpperCase()}`);
  const lit = "ABCHJKMNPQTVXYZ";
  const sentiments: Sentiment[] = ["bullish", "bearish", "neutral", "unknown"];
  const start = Date.parse("2025-03-12T13:30:00.000Z");
  const equityShare = 0.8;
  const inputs: (EnrichedPrint | OptionPrint)[] = new Array(total);
  const isOption: boolean[] = new Array(total);
  let ts = start;
  for (let i = 0; i < total; i++) {
    ts += rand() < 0.5 ? 0 : Math.floor(rand() * 3);
    const symbol = symbols[Math.floor(rand() * symbolCount)] as string;
    if (rand() < equityShare) {
      const offEx = rand() < 0.4;
      const size = rand() < 0.001 ? 100_000 : Math.ceil(rand() * 500);
      const price = 50 + rand() * 150;
      inputs[i] = {
        symbol,
        ts: new Date(ts),
        price,
        sizeShares: size,
        exchange: offEx ? "D" : (lit[Math.floor(rand() * lit.length)] as string),
        isOffExchange: offEx,
        conditions: [],
        conditionScheme: "polygon",
        correction: 0,
        source: "bench",
        sourceRef: `bench:${i}`,
        tradeKey: `b${i}`,
        valueUsd: price * size,
        blockEligible: rand() > 0.05,
        exclusionReason: null,
        isIso: rand() < 0.3,
        isLate: false,
        extendedHours: false,
        marketPrice: price,
        marketPriceSource: "nbbo_mid",
        premiumDiscountPct: 0,
        side: "mid",
        sentiment: sentiments[Math.floor(rand() * 4)] as Sentiment,
      };
      isOption[i] = false;
    } else {
      const strike = 100 + Math.floor(rand() * 20) * 5;
      const right = rand() < 0.5 ? "call" : "put";
      const contract = `${symbol}251219${right === "call" ? "C" : "P"}${String(strike * 1000).padStart(8, "0")}`;
      const price = 0.5 + rand() * 10;
      const size = Math.ceil(rand() * 50);
      inputs[i] = {
        contract,
        root: symbol,
        underlying: symbol,
        expiry: "2025-12-19",
        right,
        strikeUsd: strike,
        adjusted: false,
        isIndex: false,
        ts: new Date(ts),
        price,
        sizeContracts: size,
        premiumUsd: price * size * 100,
        exchangeId: 300 + Math.floor(rand() * 26),
        exchange: null,
        conditions: ["209"],
        correction: 0,
        isIso: rand() < 0.1,
        isMultiLeg: rand() < 0.2,
        isLate: false,
        isCancel: false,
        bid: null,
        ask: null,
        side: "unknown",
        sentiment: "unknown",
        tradeKey: `o${i}`,
        source: "bench",
        sourceRef: `bench:${i}`,
      };
      isOption[i] = true;
    }
  }

  const engine = new AlertEngine();
  let events = 0;
  let alerts = 0;
  const detectors = new Detectors((e) => {
    events++;
    if (engine.evaluate(e) !== null) alerts++;
  });
  // Every rule on: baselines for every symbol and for a share of contracts.
  for (const s of symbols)
    detectors.setEquityBaseline(s, {
      bucketAverageShares: new Float64Array(288).fill(5_000),
      historyDays: 20,
    });
  for (let i = 0; i < total; i += 97) {
    if (isOption[i])
      detectors.setOptionBaseline(inputs[i] as OptionPrint, {
        averageVolumeContracts: 100,
        openInterestContracts: 1_000,
      });
  }

  let equityPrints = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    if (isOption[i]) detectors.onOptionPrint(inputs[i] as OptionPrint);
    else {
      detectors.onEquityPrint(inputs[i] as EnrichedPrint);
      equityPrints++;
    }
    // The pipeline ticks once per batch (<= 50 ms); here every 1,000 prints.
    if (i % 1000 === 999) detectors.tick((inputs[i] as EnrichedPrint).ts.getTime());
  }
  detectors.flush();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return {
    prints: total,
    equityPrints,
    optionPrints: total - equityPrints,
    seconds,
    printsPerSecond: total / seconds,
    events,
    alerts,
  };
}

export interface AlertLatencyResult {
  alerts: number;
  backgroundPrintsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the stored print's announcement on the live bus to the socket client: the alert path alone. */
  alertPathP50Ms: number;
  alertPathP99Ms: number;
}

/**
 * Alert latency: from a $12M off-exchange print entering the live pipeline (`pipeline.accept`, as a feed
 * does) to the `alert` event on a Socket.IO client subscribed to `alerts:*`, over the real server (embedded
 * database, HTTP and Socket.IO on loopback) while background prints flow. Goal p99 < 50 ms.
 */
export async function runAlertLatencyBench(
  alertCount = 200,
  backgroundPerSecond = 2_000,
  databaseUrl?: string,
): Promise<AlertLatencyResult> {
  const db = databaseUrl ? await openDb({ url: databaseUrl }) : await openDb({ dataDir: "memory://" });
  const env = loadEnv({
    PORT: "0",
    HOST: "127.0.0.1",
    DEMO: "off",
    LOG_LEVEL: "error",
    DATA_DIR: mkdtempSync(join(tmpdir(), "smt-bench-")),
  });
  const server = await startServer({ env, db, plugins: [blocksAlertsPlugin] });
  const socket = connect(server.url, {
    transports: ["websocket"],
    reconnection: false,
  }) as import("socket.io-client").Socket<ServerToClientEvents, ClientToServerEvents>;
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  await socket.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] });
  const sentAt = new Map<string, number>();
  const storedAt = new Map<string, number>();
  const latencies: number[] = [];
  const pathLatencies: number[] = [];
  server.deps.bus.on("prints", (prints) => {
    const now = performance.now();
    for (const p of prints) if (sentAt.has(p.symbol)) storedAt.set(p.symbol, now);
  });
  socket.on("alert", (a: AlertMessage) => {
    const now = performance.now();
    const t0 = sentAt.get(a.symbol);
    if (t0 !== undefined) latencies.push(now - t0);
    const t1 = storedAt.get(a.symbol);
    if (t1 !== undefined) pathLatencies.push(now - t1);
  });
  const raw = (symbol: string, i: number, price: number, size: number): RawPrint => ({
    symbol,
    ts: new Date(),
    price,
    sizeShares: size,
    exchange: "D",
    isOffExchange: true,
    conditions: [],
    conditionScheme: "sip_letter",
    correction: 0,
    tradeId: `lat-${i}`,
    source: "bench",
    sourceRef: `bench:${i}`,
  });
  let i = 0;
  const background = setInterval(() => {
    for (let k = 0; k < backgroundPerSecond / 100; k++)
      server.deps.pipeline.accept(raw(`BG${k % 50}`, i++, 50, 100));
  }, 10);
  await new Promise((r) => setTimeout(r, 500));
  for (let n = 0; n < alertCount; n++) {
    const symbol = `LAT${n}`;
    sentAt.set(symbol, performance.now());
    server.deps.pipeline.accept(raw(symbol, i++, 200, 60_000));
    await new Promise((r) => setTimeout(r, 25));
  }
  const deadline = Date.now() + 5_000;
  while (latencies.length < alertCount && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  clearInterval(background);
  socket.close();
  await server.close();
  await db.close();
  latencies.sort((a, b) => a - b);
  pathLatencies.sort((a, b) => a - b);
  const quantile = (xs: number[], p: number) =>
    xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? Number.NaN;
  const q = (p: number) => quantile(latencies, p);
  return {
    alerts: latencies.length,
    backgroundPrintsPerSecond: backgroundPerSecond,
    p50Ms: q(0.5),
    p99Ms: q(0.99),
    maxMs: latencies.at(-1) ?? Number.NaN,
    alertPathP50Ms: quantile(pathLatencies, 0.5),
    alertPathP99Ms: quantile(pathLatencies, 0.99),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2] ?? 1_000_000);
  runDetectorsBench(Math.min(100_000, n)); // warm-up
  const r = runDetectorsBench(n);
  console.log(
    `detectors: ${r.prints.toLocaleString("en-US")} prints (${r.optionPrints.toLocaleString("en-US")} options) in ${r.seconds.toFixed(2)} s = ${Math.round(r.printsPerSecond).toLocaleString("en-US")} prints/s on one core (goal >= 300,000); ${r.events} detector events, ${r.alerts} alerts`,
  );
  const report = (engine: string, lat: AlertLatencyResult) =>
    console.log(
      `alert latency on ${engine} (print accepted -> socket client, ${lat.backgroundPrintsPerSecond}/s background prints): ${lat.alerts} alerts, p50 ${lat.p50Ms.toFixed(1)} ms, p99 ${lat.p99Ms.toFixed(1)} ms, max ${lat.maxMs.toFixed(1)} ms (goal p99 < 50 ms); alert path alone (stored print announced -> socket client) p50 ${lat.alertPathP50Ms.toFixed(1)} ms, p99 ${lat.alertPathP99Ms.toFixed(1)} ms`,
    );
  report("PGlite", await runAlertLatencyBench());
  try {
    const pg = await benchDatabase("alerts");
    try {
      report("Postgres", await runAlertLatencyBench(200, 2_000, pg.url));
    } finally {
      await pg.drop();
    }
  } catch (error) {
    console.log(
      `alert latency on Postgres skipped: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.exit(0);
}
