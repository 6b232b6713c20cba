/**
 * Issue 13 figure: delay from a Form 4 purchase appearing on (the local) EDGAR's latest-filings feed to its
 * `insider_purchase` alert reaching a real Socket.IO client subscribed to alerts, p50/p99/max over SAMPLES
 * filings, each put on the feed at a random point of the poll cycle. Goal: under one poll interval + 2 s.
 * Also printed: the parts (feed -> the next poll of the Form 4 feed reads it; that poll -> alert at the
 * client) and feed -> stored + bus `filing`. The real server (HTTP, Socket.IO, the production plugins:
 * alerts, retention, sync with only `sec-current` on) runs on real Postgres; its clock is shifted into
 * EDGAR's filing hours so the poll schedule fires whatever day the bench runs. Same-run baseline: the same
 * kind of filing stored directly (no feed, no poll, no HTTP) and its alert at the same client.
 *
 * p99 is the nearest-rank percentile: with fewer than 100 samples it is the largest.
 *
 * Run: `pnpm bench filing-alert`. Env: INTERVAL_S (10, the smallest SEC_POLL_INTERVAL_S), SAMPLES (12).
 */
import { io } from "socket.io-client";
import { loadEnv } from "../../server/src/env";
import { ingestSubmissionText } from "../../server/src/institutional/institutional.cli";
import { servicePlugins } from "../../server/src/plugins";
import type { AlertMessage, FilingStored } from "../../server/src/realtime/bus";
import { startServer } from "../../server/src/server";
import { syncPlugin } from "../../server/src/sync/sync.plugin";
import { purchaseFiling, shiftedClock, startFakeEdgar } from "../support/fake-edgar";
import { benchDatabase, report } from "./support";

const INTERVAL_S = Number(process.env.INTERVAL_S ?? 10);
const SAMPLES = Number(process.env.SAMPLES ?? 12);
const START = "2025-02-19T17:00:00Z"; // Wednesday 12:00 New York (EST, UTC-5)

const bench = await benchDatabase("filing_alert");
const edgar = await startFakeEdgar();
const clock = shiftedClock(START);
const stored = new Map<string, number>();
const server = await startServer({
  env: loadEnv({
    DATABASE_URL: bench.url,
    PORT: "0",
    HOST: "127.0.0.1",
    DEMO: "off",
    LOG_LEVEL: "error",
    SERVE_CLIENT: "false",
    SYNC: "on",
    // Only the SEC feed runs: the other jobs would reach for their real hosts.
    SYNC_DISABLED: "finra-regsho,finra-ats-weekly,vendor-bars,sec-tickers,cusip-map,sec-datasets",
    SEC_USER_AGENT: "Smart Money Tracker bench admin@example.com",
    SEC_WWW_BASE_URL: edgar.url,
    SEC_DATA_BASE_URL: edgar.url,
    SEC_POLL_INTERVAL_S: String(INTERVAL_S),
  }),
  plugins: servicePlugins.map((p) =>
    p === syncPlugin
      ? (deps, realtime) => {
          deps.now = clock;
          deps.bus.on("filing", (f: FilingStored) => stored.set(f.accession, Date.now()));
          return syncPlugin(deps, realtime);
        }
      : p,
  ),
});
const alerts: { at: number; alert: AlertMessage }[] = [];
const socket = io(server.url, { transports: ["websocket"], forceNew: true });
await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
await socket.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] });
socket.on("alert", (alert: AlertMessage) => alerts.push({ at: Date.now(), alert }));

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(get: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined || Date.now() > end) return v;
    await wait(5);
  }
}
const alertFor = (accession: string) =>
  alerts.find((a) => a.alert.type === "insider_purchase" && a.alert.origin?.ref === accession);
/** The service clock's time as EDGAR's feed writes an acceptance time (New York, EST in February). */
const acceptedNow = () => `${new Date(clock().getTime() - 5 * 3600_000).toISOString().slice(0, 19)}-05:00`;

// Startup poll reads the empty feeds first.
await until(() => (edgar.upstream.requests.length >= 2 ? true : undefined), 30_000);
const rows: { toPoll: number; toStored: number; toAlert: number }[] = [];
for (let i = 0; i < SAMPLES; i++) {
  await wait(Math.floor(Math.random() * INTERVAL_S * 1000)); // a random point of the poll cycle
  const accession = `0001127602-25-${String(950001 + i).padStart(6, "0")}`;
  const seenBefore = edgar.upstream.requests.length;
  const filing = { ...purchaseFiling(accession, 20_000, acceptedNow()), filed: "2025-02-19" };
  const published = Date.now();
  edgar.publish(filing);
  const limitMs = (INTERVAL_S + 30) * 1000;
  const alert = await until(() => alertFor(accession), limitMs);
  if (alert === undefined) throw new Error(`no alert for ${accession} within ${limitMs} ms`);
  const at = await until(() => stored.get(accession), 5_000);
  if (at === undefined) throw new Error(`${accession} alerted but never announced as stored`);
  const poll = edgar.upstream.requests
    .slice(seenBefore)
    .find((r) => r.path.startsWith("/cgi-bin/") && r.path.includes("type=4&"));
  if (poll === undefined) throw new Error(`no Form 4 feed request after ${accession} appeared`);
  rows.push({ toPoll: poll.atMs - published, toStored: at - published, toAlert: alert.at - published });
}

// Baseline: the same kind of filing stored directly, and its alert at the socket.
const direct: { store: number; alert: number }[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const filing = purchaseFiling(
    `0001127602-25-${String(960001 + i).padStart(6, "0")}`,
    20_000,
    acceptedNow(),
  );
  const t0 = Date.now();
  await ingestSubmissionText(server.deps.db.db, filing.body, {
    accession: filing.accession,
    form: "4",
    filingDate: "2025-02-19",
  });
  const t1 = Date.now();
  const alert = await until(() => alertFor(filing.accession), 5_000);
  if (alert === undefined) throw new Error(`no alert for the directly stored ${filing.accession}`);
  direct.push({ store: t1 - t0, alert: alert.at - t0 });
}
const duplicates = alerts.length - new Set(alerts.map((a) => a.alert.id)).size;

socket.close();
await server.close();
await edgar.close();
await bench.drop();

/** Nearest-rank percentile. */
const pct = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${pct(s, 50)} ms, p99 ${pct(s, 99)} ms, max ${s.at(-1)} ms`;
};
const goalMs = INTERVAL_S * 1000 + 2000;
const p99 = pct(
  rows.map((r) => r.toAlert).sort((a, b) => a - b),
  99,
) as number;
report(
  `Form 4 on the EDGAR feed -> alert at a socket.io client (poll every ${INTERVAL_S} s, ${SAMPLES} filings, real Postgres)`,
  [
    ["poll interval (SEC_POLL_INTERVAL_S)", `${INTERVAL_S} s`],
    ["feed -> `alert` at the client", stat(rows.map((r) => r.toAlert))],
    ["  of which feed -> next Form 4 poll", stat(rows.map((r) => r.toPoll))],
    ["  of which that poll -> alert", stat(rows.map((r) => r.toAlert - r.toPoll))],
    ["feed -> stored + bus `filing`", stat(rows.map((r) => r.toStored))],
    ["baseline: direct store (no feed)", stat(direct.map((d) => d.store))],
    ["baseline: direct store -> alert", stat(direct.map((d) => d.alert))],
    ["alerts pushed twice", String(duplicates)],
    ["goal: p99 < interval + 2 s", `${goalMs} ms; p99 ${p99} ms: ${p99 < goalMs ? "met" : "NOT met"}`],
  ],
);
process.exit(p99 < goalMs && duplicates === 0 ? 0 : 1);
