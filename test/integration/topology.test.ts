/**
 * The production topology (docker-compose.yml) proven with processes: Postgres, Redis, two nodes running
 * the built bundle with plain node, and Debian's HAProxy in front with sticky sessions and WebSocket
 * upgrade. A client connected through the balancer gets prints and alerts ingested at either node; when
 * the node it is on dies (SIGKILL) it reconnects through the balancer and backfills the alerts it missed
 * by `after_seq`; when its node is shut down gracefully (SIGTERM) it resumes its session on the other node
 * with every missed event replayed. Print batch numbers are one sequence across nodes throughout.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "redis";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertMessage } from "../../server/src/realtime/bus";
import type {
  ClientToServerEvents,
  PrintsBatch,
  ServerToClientEvents,
} from "../../server/src/realtime/events";
import { engines, openTestDb } from "../support/db";
import { buildServer, type NodeProcess, spawnNode } from "../support/processes";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const KEY = "topology-key";
const SYMBOL = "TOPO";

function haproxyVersion(): string | null {
  try {
    return execFileSync("haproxy", ["-v"], { encoding: "utf8" }).split("\n")[0] ?? "haproxy";
  } catch {
    return null;
  }
}

async function redisReachable(): Promise<boolean> {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    await client.quit();
    return true;
  } catch {
    return false;
  }
}

const missing = [
  !engines().includes("postgres") && "DATABASE_URL (real Postgres)",
  !(await redisReachable()) && `Redis at ${REDIS_URL}`,
  !haproxyVersion() && "haproxy (apt-get install -y haproxy)",
].filter(Boolean);
if (missing.length > 0) {
  if (process.env.CI === "true") throw new Error(`topology test needs ${missing.join(", ")} in CI`);
  console.warn(`[tests] skipping topology test: needs ${missing.join(", ")}`);
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

let debug: (() => string) | null = null;
const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${debug ? `: ${debug()}` : ""}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.skipIf(missing.length > 0)("HAProxy + two nodes + Redis + Postgres (built bundle)", () => {
  const dir = mkdtempSync(join(tmpdir(), "smt-topology-"));
  const prefix = `smt-topo-${process.pid}-${Date.now()}:`;
  let build: Awaited<ReturnType<typeof buildServer>>;
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let haproxy: ChildProcess;
  let haproxyLog = "";
  const nodes: Record<"a" | "b", { port: number; proc: NodeProcess | null }> = {
    a: { port: 0, proc: null },
    b: { port: 0, proc: null },
  };
  let lb = "";
  let stats = "";
  let env: Record<string, string>;

  const startNode = async (name: "a" | "b") => {
    const n = nodes[name];
    n.proc = await spawnNode({ ...env, PORT: String(n.port) }, { entry: build.main });
  };
  /** HAProxy's view: which servers are up and how many connections each holds now. */
  const backend = async () => {
    const csv = await (await fetch(`${stats}/stats;csv`)).text();
    const rows = csv.split("\n").map((l) => l.split(","));
    const head = (rows[0] ?? []).map((h) => h.replace(/^# /, ""));
    const col = (name: string) => head.indexOf(name);
    const out: Record<string, { up: boolean; current: number }> = {};
    for (const r of rows) {
      if (r[0] === "nodes" && (r[1] === "a" || r[1] === "b")) {
        out[r[1]] = { up: r[col("status")] === "UP", current: Number(r[col("scur")]) };
      }
    }
    return out;
  };

  beforeAll(async () => {
    build = await buildServer();
    db = await openTestDb("postgres");
    env = {
      DATABASE_URL: db.url ?? "",
      REDIS_URL,
      REDIS_PREFIX: prefix,
      API_KEYS: KEY,
      DEMO: "off",
      RATE_LIMIT_PER_MINUTE: "0",
      HOST: "127.0.0.1",
    };
    nodes.a.port = await freePort();
    nodes.b.port = await freePort();
    const lbPort = await freePort();
    const statsPort = await freePort();
    lb = `http://127.0.0.1:${lbPort}`;
    stats = `http://127.0.0.1:${statsPort}`;
    await startNode("a");
    await startNode("b");
    // The same balancer settings as deploy/haproxy.cfg, on this test's ports.
    const cfg = join(dir, "haproxy.cfg");
    writeFileSync(
      cfg,
      `global
  maxconn 2000
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
  option redispatch
  retries 3
frontend web
  bind 127.0.0.1:${lbPort}
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk
  http-check send meth GET uri /health ver HTTP/1.1 hdr Host localhost
  http-check expect status 200
  cookie SMTNODE insert indirect nocache
  server a 127.0.0.1:${nodes.a.port} check inter 300 fall 2 rise 2 cookie a
  server b 127.0.0.1:${nodes.b.port} check inter 300 fall 2 rise 2 cookie b
listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`,
    );
    haproxy = spawn("haproxy", ["-db", "-f", cfg], { stdio: ["ignore", "pipe", "pipe"] });
    haproxy.stdout?.on("data", (c: Buffer) => (haproxyLog += c.toString()));
    haproxy.stderr?.on("data", (c: Buffer) => (haproxyLog += c.toString()));
    await until(
      "haproxy to see both nodes up",
      async () => {
        try {
          const b = await backend();
          return Boolean(b.a?.up && b.b?.up);
        } catch {
          return false;
        }
      },
      20_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${haproxyLog}`);
    });
  }, 180_000);

  afterAll(async () => {
    haproxy?.kill("SIGTERM");
    await nodes.a.proc?.stop();
    await nodes.b.proc?.stop();
    await db?.close();
    build?.remove();
    rmSync(dir, { recursive: true, force: true });
    // This run's keys only (its own prefix): the adapter stream, sessions and sequence counters.
    const redis = createClient({ url: REDIS_URL });
    redis.on("error", () => {});
    await redis.connect();
    const keys: string[] = [];
    for await (const batch of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) keys.push(...batch);
    if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  });

  it("serves a socket client through the balancer across a crash and a graceful shutdown", async () => {
    // The balancer pins a client with its cookie (needed for the long-polling handshake).
    const viaLb = await fetch(`${lb}/health`);
    expect(viaLb.headers.get("set-cookie")).toMatch(/^SMTNODE=[ab]/);

    let blockNo = 0;
    const ingestBlock = async (node: "a" | "b") => {
      const id = `topo-${blockNo++}`;
      const body = `${JSON.stringify({ symbol: SYMBOL, timestamp: new Date().toISOString(), price: 100, size: 120_000, id })}\n`;
      const res = await fetch(
        `http://127.0.0.1:${nodes[node].port}/smart-money/ingest/prints?name=${id}.ndjson`,
        {
          method: "POST",
          body,
          headers: { "content-type": "application/x-ndjson", "x-api-key": KEY },
        },
      );
      expect(await res.json()).toMatchObject({ accepted: 1 });
      return id;
    };

    // A client as documented in docs/socket-protocol.md: resubscribe and backfill when not recovered.
    const batches: PrintsBatch[] = [];
    const alerts = new Map<string, AlertMessage>();
    const backfilled: string[] = [];
    let liveDuplicates = 0;
    let lastAlertSeq = 0;
    let shutdownNotices = 0;
    const connects: { recovered: boolean }[] = [];
    const client: Client = connect(lb, {
      auth: { apiKey: KEY },
      withCredentials: true, // keep the balancer's cookie (Node client cookie jar)
      reconnectionDelay: 300,
      reconnectionDelayMax: 1000,
    });
    const subscribe = async () => {
      const ack = await client.emitWithAck("subscribe", {
        symbols: [SYMBOL],
        channels: ["prints", "alerts"],
      });
      expect(ack.ok).toBe(true);
    };
    client.on("prints", (b) => batches.push(b));
    client.on("alert", (a) => {
      if (alerts.has(a.id)) liveDuplicates++;
      alerts.set(a.id, a);
      lastAlertSeq = Math.max(lastAlertSeq, a.seq);
    });
    client.on("shutdown", () => shutdownNotices++);
    client.on("connect", () => {
      connects.push({ recovered: client.recovered });
      if (connects.length === 1) return;
      void (async () => {
        // A recovered session has its rooms and the missed events; an alert emitted during the restore
        // itself can still slip between the two, so the client backfills after every reconnect.
        if (!client.recovered) await subscribe();
        const res = await fetch(`${lb}/smart-money/alerts/${SYMBOL}?after_seq=${lastAlertSeq}&limit=1000`);
        const page = (await res.json()) as { alerts: AlertMessage[] };
        for (const a of page.alerts) {
          if (alerts.has(a.id)) continue;
          backfilled.push(a.id);
          alerts.set(a.id, a);
          lastAlertSeq = Math.max(lastAlertSeq, a.seq);
        }
      })();
    });
    debug = () =>
      JSON.stringify({
        seqs: batches.map((b) => b.seq),
        alerts: [...alerts.values()].map((a) => a.seq),
        backfilled,
        connects,
        blockNo,
      });
    await until("first connection", () => connects.length === 1);
    await subscribe();
    const onNode = async () => {
      const b = await backend();
      const on = (["a", "b"] as const).filter((n) => (b[n]?.current ?? 0) > 0);
      expect(on).toHaveLength(1);
      return on[0] as "a" | "b";
    };
    const first = await onNode();
    const slowReconnect = () => {
      client.io.randomizationFactor(0);
      client.io.reconnectionDelay(5000);
      client.io.reconnectionDelayMax(5000);
    };
    const storedAlerts = (node: "a" | "b", n: number) =>
      until(`${n} alerts stored`, async () => {
        const res = await fetch(
          `http://127.0.0.1:${nodes[node].port}/smart-money/alerts/${SYMBOL}?limit=1000`,
        );
        return ((await res.json()) as { alerts: unknown[] }).alerts.length === n;
      });

    // 1. Prints and alerts ingested at either node reach the client; numbers continue across nodes.
    await ingestBlock("a");
    await until("batch from node a", () => batches.length === 1 && alerts.size === 1);
    await ingestBlock("b");
    await until("batch from node b", () => batches.length === 2 && alerts.size === 2);
    expect(batches[1]?.seq).toBe((batches[0]?.seq ?? 0) + 1);

    // 2. Crash: the node the client is on is killed; alerts raised meanwhile come back by after_seq.
    const other = first === "a" ? "b" : "a";
    const seqBeforeCrash = batches.at(-1)?.seq ?? 0;
    // Reconnect only once the missed alerts are surely stored, so they are surely missed.
    slowReconnect();
    await nodes[first].proc?.kill();
    await until("disconnect", () => !client.connected);
    await ingestBlock(other);
    await ingestBlock(other);
    await storedAlerts(other, 4);
    await until("reconnect through the balancer", () => connects.length === 2 && client.connected);
    await until("backfill of missed alerts", () => alerts.size === 4);
    expect(connects[1]?.recovered).toBe(false);
    expect(await onNode()).toBe(other);
    const batchesAfterCrash = batches.length;
    await ingestBlock(other);
    await until("live again", () => batches.length === batchesAfterCrash + 1 && alerts.size === 5);
    // The two missed batches show as a gap of two in the shared sequence, not as a restart at 1.
    expect(batches.at(-1)?.seq).toBe(seqBeforeCrash + 3);

    // 3. Graceful: restart the crashed node, then SIGTERM the one the client is on. The client is told,
    // reconnects to the other node and resumes its session: missed prints and alerts are replayed.
    await startNode(first);
    await until("balancer sees the restarted node", async () => Boolean((await backend())[first]?.up));
    const seqBeforeShutdown = batches.at(-1)?.seq ?? 0;
    const batchesBeforeShutdown = batches.length;
    slowReconnect();
    const stopping = nodes[other].proc?.stop();
    await until("disconnect", () => !client.connected);
    expect(shutdownNotices).toBe(1);
    await ingestBlock(first);
    await ingestBlock(first);
    await storedAlerts(first, 7);
    expect(await stopping).toBe(0);
    await until("session recovered on the other node", () => connects.length === 3 && client.connected);
    expect(connects[2]?.recovered).toBe(true);
    await until(
      "missed events replayed",
      () => batches.length === batchesBeforeShutdown + 2 && alerts.size === 7,
    );
    expect(await onNode()).toBe(first);
    await ingestBlock(first);
    await until(
      "live after recovery",
      () => batches.length === batchesBeforeShutdown + 3 && alerts.size === 8,
    );
    expect(batches.slice(batchesBeforeShutdown).map((b) => b.seq)).toEqual([
      seqBeforeShutdown + 1,
      seqBeforeShutdown + 2,
      seqBeforeShutdown + 3,
    ]);

    // Every stored alert reached the client once: live or replayed on recovery, by backfill after the crash only.
    const stored = (await (await fetch(`${lb}/smart-money/alerts/${SYMBOL}?limit=1000`)).json()) as {
      alerts: AlertMessage[];
    };
    expect(stored.alerts.map((a) => a.id).sort()).toEqual([...alerts.keys()].sort());
    expect(backfilled).toHaveLength(2);
    expect(liveDuplicates).toBe(0);
    // Sequence numbers never go back: one counter for the whole cluster.
    const seqs = batches.map((b) => b.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(seqs.length);
    client.close();
  });
});
