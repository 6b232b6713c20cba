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
import { START_TIMEOUT_MS, spawnNode } from "../support/processes";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

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

const hasPostgres = engines().includes("postgres");
const hasRedis = await redisReachable();
const missing = [!hasPostgres && "DATABASE_URL (real Postgres)", !hasRedis && `Redis at ${REDIS_URL}`].filter(
  Boolean,
);
if (missing.length > 0) {
  if (process.env.CI === "true") throw new Error(`multi-node test needs ${missing.join(" and ")} in CI`);
  console.warn(`[tests] skipping multi-node test: needs ${missing.join(" and ")}`);
}

describe.skipIf(missing.length > 0)("two server nodes sharing Redis and one Postgres", () => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  let a: Awaited<ReturnType<typeof spawnNode>>;
  let b: Awaited<ReturnType<typeof spawnNode>>;

  beforeAll(
    async () => {
      db = await openTestDb("postgres");
      const env = { DATABASE_URL: db.url ?? "", REDIS_URL, DEMO: "off" };
      a = await spawnNode(env);
      b = await spawnNode(env);
    },
    2 * START_TIMEOUT_MS + 30_000,
  );

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.close();
  });

  it("an upload to node A reaches a client on node B once, and its $12M block raises one alert there", async () => {
    const client: Client = connect(b.url, { transports: ["websocket"], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("connect_error", reject);
    });
    const ack = await client.emitWithAck("subscribe", { symbols: ["MNODE"], channels: ["prints", "alerts"] });
    expect(ack.ok).toBe(true);
    const prints: PrintsBatch[] = [];
    const alerts: AlertMessage[] = [];
    client.on("prints", (batch) => prints.push(batch));
    client.on("alert", (alert) => alerts.push(alert));

    const body = `${JSON.stringify({
      symbol: "MNODE",
      timestamp: new Date().toISOString(),
      price: 100,
      size: 120_000,
      id: "mnode-block-1",
    })}\n`;
    const res = await fetch(`${a.url}/smart-money/ingest/prints?name=mnode.ndjson`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const deadline = Date.now() + 5000;
    while ((prints.length === 0 || alerts.length === 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    expect(prints.flatMap((p) => p.prints).map((p) => p.size)).toEqual([120_000]);
    expect(alerts.filter((x) => x.type === "large_block")).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ symbol: "MNODE", severity: expect.any(String) });
    client.close();
  });
});
