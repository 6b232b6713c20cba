/**
 * Connection state recovery without Redis keeps missed packets in memory, bounded by size
 * (server/src/realtime/recovery-buffer.ts): a client that missed less than the buffer holds gets it all
 * back; one that missed more is told it was not recovered (and backfills), instead of the server holding
 * two minutes of every print.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrintEnricher } from "../../server/src/darkpool/enrich";
import { MarketModel } from "../../server/src/feeds/market-model";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import type {
  ClientToServerEvents,
  PrintsBatch,
  ServerToClientEvents,
} from "../../server/src/realtime/events";
import { attachRealtime } from "../../server/src/realtime/socket";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const until = async (ok: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe("connection state recovery buffer bounded by size", () => {
  const bus = new LiveBus();
  const http: HttpServer = createServer();
  const realtime = attachRealtime(http, {
    bus,
    log: createLogger("silent"),
    apiKeys: [],
    batchMs: 5,
    recoveryItems: 100,
  });
  let url = "";
  const model = new MarketModel({ seed: 3, blockProbability: 0 });
  const enricher = new PrintEnricher({ lastLitWindowMs: 60_000 });
  const send = (symbol: string, n: number) =>
    bus.emit(
      "prints",
      Array.from({ length: n }, () => enricher.enrich(model.print(symbol, new Date(), "test"))),
    );

  beforeAll(async () => {
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => realtime.close());

  /** A client subscribed to `symbol`'s prints that drops its transport and reconnects 300 ms later. */
  async function blip(symbol: string, missed: number) {
    const socket: Client = connect(url, { transports: ["websocket"], reconnectionDelay: 300 });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const subscribed = new Promise<void>((resolve) => socket.once("subscribed", () => resolve()));
    await socket.emitWithAck("subscribe", { symbols: [symbol], channels: ["prints"] });
    await subscribed;
    const got: PrintsBatch[] = [];
    socket.on("prints", (b) => got.push(b));
    socket.io.engine.close();
    // In several turns, so the prints go out as several batches (packets) while the client is away.
    for (let sent = 0; sent < missed; sent += 10) {
      send(symbol, Math.min(10, missed - sent));
      await new Promise((r) => setTimeout(r, 8));
    }
    await until(() => socket.connected);
    return { socket, got };
  }

  it("a client that missed fewer prints than the buffer holds gets every one of them back", async () => {
    const { socket, got } = await blip("RBA", 40);
    await until(() => got.reduce((n, b) => n + b.prints.length, 0) === 40);
    expect(socket.recovered).toBe(true);
    socket.close();
  });

  it("a client that missed more than the buffer holds is not recovered, and gets only what came after", async () => {
    const { socket, got } = await blip("RBB", 300);
    expect(socket.recovered).toBe(false);
    expect(got).toHaveLength(0);
    socket.close();
  });
});
