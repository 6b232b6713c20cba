/**
 * Batch sequence numbers: one counter per channel and symbol shared by every node through Redis, and a
 * sequencer that fails or stalls never holds batches back (they go out with seq 0, "backfill").
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient } from "redis";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import type {
  ChannelBatch,
  ClientToServerEvents,
  ServerToClientEvents,
} from "../../server/src/realtime/events";
import {
  attachRealtime,
  type IncrClient,
  redisSequencer,
  type Sequencer,
} from "../../server/src/realtime/socket";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const log = createLogger("silent");

async function node(sequencer: Sequencer | undefined) {
  const bus = new LiveBus();
  const http: HttpServer = createServer();
  const realtime = attachRealtime(http, { bus, log, apiKeys: [], batchMs: 10, sequencer });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const client: Client = connect(url, { transports: ["websocket"], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("connect_error", reject);
  });
  expect((await client.emitWithAck("subscribe", { symbols: ["SEQ"], channels: ["blocks"] })).ok).toBe(true);
  const got: ChannelBatch[] = [];
  client.on("blocks", (b) => got.push(b));
  return {
    bus,
    got,
    send: (n: number) => bus.emit("channel", { channel: "blocks", symbol: "SEQ", items: [n] }),
    async close() {
      client.close();
      await realtime.close();
    },
  };
}

const until = async (ok: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

const redis = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } });
redis.on("error", () => {});
const hasRedis = await redis.connect().then(
  () => true,
  () => false,
);
if (!hasRedis) {
  if (process.env.CI === "true") throw new Error(`sequence test needs Redis at ${REDIS_URL} in CI`);
  console.warn(`[tests] skipping the shared-sequence test: no Redis at ${REDIS_URL}`);
}
const prefix = `smt-seq-test-${process.pid}-${Date.now()}:`;

afterAll(async () => {
  if (!hasRedis) return;
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: `${prefix}*` })) keys.push(...batch);
  if (keys.length > 0) await redis.del(keys);
  await redis.quit();
});

describe("batch sequence numbers", () => {
  it.skipIf(!hasRedis)("continue across nodes sharing Redis counters", async () => {
    const a = await node(redisSequencer(redis, prefix));
    const b = await node(redisSequencer(redis, prefix));
    try {
      a.send(1);
      await until(() => a.got.length === 1);
      b.send(2);
      await until(() => b.got.length === 1);
      a.send(3);
      await until(() => a.got.length === 2);
      expect(a.got.map((x) => x.seq)).toEqual([1, 3]);
      expect(b.got.map((x) => x.seq)).toEqual([2]);
      expect(await redis.get(`${prefix}seq:blocks:SEQ`)).toBe("3");
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("go out as seq 0, in order, when the shared counter fails, and resume after", async () => {
    let failing = true;
    let n = 0;
    const flaky: Sequencer = {
      next: (keys) =>
        failing ? Promise.reject(new Error("redis away")) : Promise.resolve(keys.map(() => ++n)),
    };
    const a = await node(flaky);
    try {
      a.send(1);
      await until(() => a.got.length === 1);
      failing = false;
      a.send(2);
      await until(() => a.got.length === 2);
      expect(a.got.map((x) => [x.seq, x.items[0]])).toEqual([
        [0, 1],
        [1, 2],
      ]);
    } finally {
      await a.close();
    }
  });

  it("a Redis round trip that stalls fails after the timeout instead of holding batches", async () => {
    const stalled: IncrClient = {
      multi: () => ({ incr: () => undefined, exec: () => new Promise(() => {}) }),
    };
    await expect(redisSequencer(stalled, "", 50).next(["prints:X"])).rejects.toThrow(/over 50 ms/);
  });
});
