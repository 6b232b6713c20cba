/**
 * Issue 5 budget: does the dashboard stay responsive at 2k prints/s? Opens the page in Debian's Chromium
 * against the real server, pushes prints through the live path (the same `pipeline.accept` the simulator
 * and vendor feeds use: enrich, store, live bus, Socket.IO batches) at PRINTS_PER_S for SECONDS, and
 * reports what the page saw: animation-frame gaps (dropped frames) and long tasks (PerformanceObserver
 * 'longtask', main-thread work over 50 ms), against an idle baseline measured the same way just before.
 *
 * Run: `pnpm bench dashboard-frames` (or `npx tsx test/bench/dashboard-frames.bench.ts [printsPerS] [seconds]`).
 * Needs /usr/bin/chromium and a built client (`pnpm --filter @smt/client build`).
 */
import { existsSync, mkdtempSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "@smt/db";
import { chromium } from "playwright-core";
import { loadEnv } from "../../server/src/env";
import { generateDemo } from "../../server/src/feeds/demo";
import { MarketModel } from "../../server/src/feeds/market-model";
import { startServer } from "../../server/src/server";

const PRINTS_PER_S = Number(process.argv[2] ?? 2000);
const SECONDS = Number(process.argv[3] ?? 10);
const IDLE_SECONDS = 3;
const SYMBOL = "AAPL";
const CHROMIUM = "/usr/bin/chromium";
/** One frame at 60 Hz; a gap of k frames' length means k - 1 frames were dropped. */
const FRAME_MS = 1000 / 60;

if (!existsSync(CHROMIUM)) {
  console.error(`dashboard-frames: ${CHROMIUM} not found`);
  process.exit(1);
}
const root = join(import.meta.dirname, "..", "..");
if (!existsSync(join(root, "client", "dist", "index.html"))) {
  console.error("dashboard-frames: client not built; run `pnpm --filter @smt/client build`");
  process.exit(1);
}

interface FrameWindow {
  gapsMs: number[];
  longTasks: { startMs: number; durationMs: number }[];
}

/**
 * Installed before the page's own scripts: a rAF loop recording gaps, and a long-task observer. Passed as
 * source text, not a function: tsx's transform would add helpers the page does not have.
 */
const PROBE = `
  window.__probe = { recording: false, gapsMs: [], longTasks: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (window.__probe.recording) window.__probe.longTasks.push({ startMs: e.startTime, durationMs: e.duration });
    }
  }).observe({ type: "longtask", buffered: false });
  let last = 0;
  function tick(t) {
    if (window.__probe.recording && last > 0) window.__probe.gapsMs.push(t - last);
    last = t;
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
`;

const dataDir = mkdtempSync(join(tmpdir(), "smt-bench-frames-"));
const env = loadEnv({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, DEMO: "off", LOG_LEVEL: "warn" });
const db = await openDb({ dataDir: "memory://" });
const server = await startServer({ env, db });
await generateDemo({ db: db.db, pipeline: server.deps.pipeline, symbol: SYMBOL, days: 5, printsPerDay: 200 });

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
const pageErrors: string[] = [];
page.on("pageerror", (e) => pageErrors.push(e.message));
await page.addInitScript({ content: PROBE });
await page.goto(`${server.url}/smart-money/dashboard/symbol/${SYMBOL}`);
await page.locator('[data-testid="metric-smi"]').waitFor({ timeout: 15_000 });
await page
  .locator('[data-testid="connection-indicator"][data-state="connected"]')
  .waitFor({ timeout: 10_000 });

const record = async (
  seconds: number,
  during?: () => Promise<number>,
): Promise<FrameWindow & { pushed: number }> => {
  await page.evaluate(() => {
    const p = (
      window as unknown as { __probe: { recording: boolean; gapsMs: number[]; longTasks: unknown[] } }
    ).__probe;
    p.gapsMs = [];
    p.longTasks = [];
    p.recording = true;
  });
  let pushed = 0;
  if (during) pushed = await during();
  else await new Promise((r) => setTimeout(r, seconds * 1000));
  const w = await page.evaluate(() => {
    const p = (window as unknown as { __probe: FrameWindow & { recording: boolean } }).__probe;
    p.recording = false;
    return { gapsMs: p.gapsMs, longTasks: p.longTasks };
  });
  return { ...w, pushed };
};

/** Pushes prints at the target rate for `SECONDS`, paced by elapsed time so timer jitter does not lower it. */
const push = async (): Promise<number> => {
  const model = new MarketModel({ seed: 42, blockProbability: 0.001 });
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * PRINTS_PER_S);
    const now = Date.now();
    model.step(SYMBOL, 0.0002);
    server.deps.pipeline.acceptQuote(model.quote(SYMBOL, new Date(now)));
    for (; sent < due; sent++) server.deps.pipeline.accept(model.print(SYMBOL, new Date(now), "bench"));
    await new Promise((r) => setTimeout(r, 10));
  }
  await server.deps.pipeline.flush();
  return sent;
};

/** Main-thread time of the renderer by kind (Chrome's Performance domain), to tell script from layout. */
const cdp = await page.context().newCDPSession(page);
await cdp.send("Performance.enable");
// TaskDuration is wall time of main-thread tasks; ThreadTime is the CPU that thread actually got. On a
// small machine shared with the server the two differ a lot: long tasks are then partly waiting for a core.
const METRICS = [
  "TaskDuration",
  "ThreadTime",
  "ScriptDuration",
  "LayoutDuration",
  "RecalcStyleDuration",
  "ProcessTime",
] as const;
const rendererTimes = async () => {
  const { metrics } = await cdp.send("Performance.getMetrics");
  return Object.fromEntries(METRICS.map((m) => [m, metrics.find((x) => x.name === m)?.value ?? 0]));
};
const diffMs = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(METRICS.map((m) => [m, Math.round(((b[m] ?? 0) - (a[m] ?? 0)) * 1000)]));

const t0 = await rendererTimes();
const idle = await record(IDLE_SECONDS);
const t1 = await rendererTimes();
let stored = 0;
const offStored = server.deps.bus.on("prints", (p) => {
  stored += p.length;
});
const serverCpu = process.cpuUsage();
const loaded = await record(SECONDS, push);
const serverCpuMs = process.cpuUsage(serverCpu);
const t2 = await rendererTimes();
offStored();
// Let the last socket batch and frame land.
await new Promise((r) => setTimeout(r, 300));
const rows = await page.locator('[data-testid="print-row"]').count();
const responsive = await page.evaluate(async () => {
  const t0 = performance.now();
  await new Promise((r) => requestAnimationFrame(() => r(null)));
  return performance.now() - t0;
});

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const summarize = (w: FrameWindow, seconds: number) => {
  const dropped = w.gapsMs.reduce((n, g) => n + Math.max(0, Math.round(g / FRAME_MS) - 1), 0);
  const longMs = w.longTasks.reduce((n, t) => n + t.durationMs, 0);
  return {
    frames: w.gapsMs.length,
    fps: (w.gapsMs.length / seconds).toFixed(1),
    dropped_frames: dropped,
    dropped_share: `${((100 * dropped) / Math.max(1, dropped + w.gapsMs.length)).toFixed(1)}%`,
    gap_p50_ms: quantile(w.gapsMs, 0.5).toFixed(1),
    gap_p95_ms: quantile(w.gapsMs, 0.95).toFixed(1),
    gap_p99_ms: quantile(w.gapsMs, 0.99).toFixed(1),
    gap_max_ms: Math.max(0, ...w.gapsMs).toFixed(1),
    long_tasks: w.longTasks.length,
    long_task_ms_total: longMs.toFixed(0),
    long_task_max_ms: Math.max(0, ...w.longTasks.map((t) => t.durationMs)).toFixed(0),
  };
};

console.log(
  `dashboard-frames: ${SYMBOL}, target ${PRINTS_PER_S} prints/s for ${SECONDS} s; pushed ${loaded.pushed}, stored and announced ${stored} (${(stored / SECONDS).toFixed(0)}/s); table rows at end ${rows}; next frame after load ${responsive.toFixed(1)} ms`,
);
console.table({ idle: summarize(idle, IDLE_SECONDS), [`${PRINTS_PER_S}/s`]: summarize(loaded, SECONDS) });
console.log("renderer main-thread ms (idle window, load window):");
console.table({ idle: diffMs(t0, t1), [`${PRINTS_PER_S}/s`]: diffMs(t1, t2) });
console.log(
  `server process CPU during the load window (same machine, ${cpus().length} cores): ${((serverCpuMs.user + serverCpuMs.system) / 1000).toFixed(0)} ms over ${SECONDS * 1000} ms`,
);
if (pageErrors.length > 0) console.log(`page errors: ${pageErrors.join("; ")}`);

await browser.close();
await server.close();
await db.close();
