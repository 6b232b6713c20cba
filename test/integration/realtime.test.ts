import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { RawPrint } from "../../server/src/darkpool/print";
import { AlpacaFeed } from "../../server/src/feeds/alpaca";
import { ReplayFeed } from "../../server/src/feeds/replay";
import { feedSinkFor } from "../../server/src/feeds/start";
import { createLogger } from "../../server/src/lib/log";
import type {
  ClientToServerEvents,
  PrintsBatch,
  ServerToClientEvents,
} from "../../server/src/realtime/events";
import { startTestServer } from "../support/app";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const specLine = (symbol: string, i: number, size = 100) =>
  JSON.stringify({
    symbol,
    timestamp: new Date(Date.UTC(2025, 10, 18, 15, 0, i)).toISOString(),
    price: 100,
    size,
  });

async function client(url: string, auth?: Record<string, string>): Promise<Client> {
  const socket: Client = connect(url, { transports: ["websocket"], auth, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

function collect(socket: Client) {
  const batches: PrintsBatch[] = [];
  socket.on("prints", (b) => batches.push(b));
  return batches;
}

async function until(check: () => boolean, timeoutMs = 3000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("live prints over Socket.IO", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer("pglite", { API_KEYS: "" });
  });
  afterAll(async () => server.dispose());

  it("acknowledges a subscription and refuses a malformed one with a reason", async () => {
    const socket = await client(server.url);
    const ok = await socket.emitWithAck("subscribe", { symbols: ["aapl"], channels: ["prints", "alerts"] });
    expect(ok).toMatchObject({ ok: true, symbols: ["AAPL"], channels: ["prints", "alerts"] });
    const bad = await socket.emitWithAck("subscribe", { symbols: ["AAPL"], channels: ["nope" as "prints"] });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: "INVALID_INPUT", message: expect.stringContaining("nope") },
    });
    socket.close();
  });

  it("pushes uploaded prints to subscribers of that symbol only, batched with increasing seq", async () => {
    const aapl = await client(server.url);
    const msft = await client(server.url);
    const all = await client(server.url);
    await aapl.emitWithAck("subscribe", { symbols: ["RTA"], channels: ["prints"] });
    await msft.emitWithAck("subscribe", { symbols: ["RTB"], channels: ["prints"] });
    await all.emitWithAck("subscribe", { symbols: ["*"], channels: ["prints"] });
    const got = { aapl: collect(aapl), msft: collect(msft), all: collect(all) };

    const body = Array.from({ length: 30 }, (_, i) => specLine("RTA", i)).join("\n");
    const res = await fetch(`${server.url}/smart-money/ingest/prints?name=live.ndjson`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(await res.json()).toMatchObject({ accepted: 30 });
    await until(() => got.aapl.reduce((n, b) => n + b.prints.length, 0) === 30);
    await until(() => got.all.reduce((n, b) => n + b.prints.length, 0) === 30);
    expect(got.msft).toHaveLength(0);
    expect(got.aapl[0]?.prints[0]).toMatchObject({ symbol: "RTA", size: 100, source_ref: "live.ndjson:1" });
    const seqs = got.aapl.map((b) => b.seq);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 1) + i));

    // The same upload again stores nothing and pushes nothing.
    const before = got.aapl.length;
    await fetch(`${server.url}/smart-money/ingest/prints?name=live.ndjson`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(got.aapl.length).toBe(before);
    for (const s of [aapl, msft, all]) s.close();
  });

  it("plays a recorded file through the live path with the prints' own timestamps", async () => {
    const socket = await client(server.url);
    await socket.emitWithAck("subscribe", { symbols: ["RPL"], channels: ["prints"] });
    const got = collect(socket);
    const lines = Array.from({ length: 5 }, (_, i) => specLine("RPL", i)).join("\n");
    const feed = new ReplayFeed({
      name: "replay.ndjson",
      open: () =>
        (async function* () {
          yield Buffer.from(lines);
        })(),
      speed: 100,
    });
    const started = Date.now();
    await feed.start(feedSinkFor(server.deps.pipeline, createLogger("error")));
    await feed.done();
    await until(() => got.reduce((n, b) => n + b.prints.length, 0) === 5);
    // 4 s of recorded time at 100x takes about 40 ms, not 4 s and not zero.
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(got.flatMap((b) => b.prints.map((p) => p.timestamp))[4]).toBe("2025-11-18T15:00:04.000Z");
    socket.close();
  });
});

describe("sockets when API keys are configured", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer("pglite", { API_KEYS: "bot-key-1" });
  });
  afterAll(async () => server.dispose());

  it("refuses a handshake without a valid key and accepts one with it", async () => {
    await expect(client(server.url)).rejects.toThrow(/UNAUTHORIZED/);
    await expect(client(server.url, { apiKey: "wrong" })).rejects.toThrow(/UNAUTHORIZED/);
    const ok = await client(server.url, { apiKey: "bot-key-1" });
    expect(ok.connected).toBe(true);
    ok.close();
  });

  it("needs the key for uploads", async () => {
    const res = await fetch(`${server.url}/smart-money/ingest/prints`, {
      method: "POST",
      body: specLine("KEY", 1),
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(res.status).toBe(401);
    const ok = await fetch(`${server.url}/smart-money/ingest/prints`, {
      method: "POST",
      body: specLine("KEY", 1),
      headers: { "content-type": "application/x-ndjson", "x-api-key": "bot-key-1" },
    });
    expect(ok.status).toBe(200);
  });
});

describe("Alpaca stream client against a local server speaking the protocol", () => {
  it("authenticates, subscribes, receives trades and quotes, and reconnects after a drop", async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const received: unknown[] = [];
    let connections = 0;
    wss.on("connection", (ws) => {
      connections++;
      const n = connections;
      ws.send(JSON.stringify([{ T: "success", msg: "connected" }]));
      ws.on("message", (data) => {
        const msg = JSON.parse(data.toString()) as { action: string; key?: string; trades?: string[] };
        received.push(msg);
        if (msg.action === "auth") {
          ws.send(
            JSON.stringify(
              msg.key === "k"
                ? [{ T: "success", msg: "authenticated" }]
                : [{ T: "error", code: 402, msg: "auth failed" }],
            ),
          );
        } else if (msg.action === "subscribe") {
          ws.send(JSON.stringify([{ T: "subscription", trades: msg.trades, quotes: msg.trades }]));
          ws.send(
            JSON.stringify([
              {
                T: "q",
                S: "AAPL",
                bx: "Q",
                bp: 126.5,
                bs: 1,
                ax: "Q",
                ap: 126.6,
                as: 1,
                c: ["R"],
                t: "2021-02-22T15:51:44.100Z",
                z: "C",
              },
              {
                T: "t",
                i: 96921 + n,
                S: "AAPL",
                x: "D",
                p: 126.6,
                s: 500,
                t: "2021-02-22T15:51:44.208Z",
                c: ["@"],
                z: "C",
              },
            ]),
          );
          if (n === 1) setTimeout(() => ws.terminate(), 50);
        }
      });
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    const port = (http.address() as AddressInfo).port;
    const prints: RawPrint[] = [];
    const feed = new AlpacaFeed({
      url: `ws://127.0.0.1:${port}`,
      keyId: "k",
      secretKey: "s",
      symbols: ["AAPL"],
      log: createLogger("error"),
      initialBackoffMs: 50,
    });
    await feed.start({ print: (p) => prints.push(p), quote: () => {}, error: () => {} });
    await until(() => prints.length >= 2, 5000);
    expect(connections).toBeGreaterThanOrEqual(2);
    expect(received[0]).toEqual({ action: "auth", key: "k", secret: "s" });
    expect(received[1]).toEqual({ action: "subscribe", trades: ["AAPL"], quotes: ["AAPL"] });
    expect(prints[0]).toMatchObject({
      symbol: "AAPL",
      exchange: "D",
      isOffExchange: true,
      price: 126.6,
      sizeShares: 500,
    });
    await feed.stop();
    wss.close();
    http.close();
  });

  it("stops instead of retrying when the key is refused", async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    let connections = 0;
    wss.on("connection", (ws) => {
      connections++;
      ws.send(JSON.stringify([{ T: "success", msg: "connected" }]));
      ws.on("message", () => ws.send(JSON.stringify([{ T: "error", code: 402, msg: "auth failed" }])));
    });
    http.listen(0, "127.0.0.1");
    await once(http, "listening");
    const feed = new AlpacaFeed({
      url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
      keyId: "bad",
      secretKey: "bad",
      symbols: ["AAPL"],
      log: createLogger("silent"),
      initialBackoffMs: 20,
    });
    await feed.start({ print: () => {}, quote: () => {}, error: () => {} });
    await until(() => feed.state === "failed");
    await new Promise((r) => setTimeout(r, 200));
    expect(connections).toBe(1);
    await feed.stop();
    wss.close();
    http.close();
  });
});

describe("connection state recovery", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer("pglite");
  });
  afterAll(async () => server.dispose());

  it("a client that drops for 3 s right after subscribing gets the prints it missed", async () => {
    const socket: Client = connect(server.url, { transports: ["websocket"], reconnectionDelay: 100 });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const subscribed = new Promise<void>((resolve) => socket.once("subscribed", () => resolve()));
    await socket.emitWithAck("subscribe", { symbols: ["RCV"], channels: ["prints"] });
    await subscribed;
    const got = collect(socket);
    // A network blip: the transport closes, the client reconnects on its own.
    socket.io.engine.close();
    await fetch(`${server.url}/smart-money/ingest/prints?name=missed.ndjson`, {
      method: "POST",
      body: [specLine("RCV", 1), specLine("RCV", 2)].join("\n"),
      headers: { "content-type": "application/x-ndjson" },
    });
    await new Promise((r) => setTimeout(r, 3000));
    await until(() => socket.connected, 5000);
    await until(() => got.reduce((n, b) => n + b.prints.length, 0) === 2, 3000);
    expect(socket.recovered).toBe(true);
    socket.close();
  });
});
