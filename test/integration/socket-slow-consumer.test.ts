/**
 * A client that stops reading is disconnected once the server holds more than its backlog limit for it
 * (server/src/realtime/slow-consumers.ts), while a client reading the same room keeps everything.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebSocket } from "ws";
import { PrintEnricher } from "../../server/src/darkpool/enrich";
import { MarketModel } from "../../server/src/feeds/market-model";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/src/realtime/events";
import { attachRealtime } from "../../server/src/realtime/socket";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe("slow consumers", () => {
  const bus = new LiveBus();
  const http: HttpServer = createServer();
  const realtime = attachRealtime(http, {
    bus,
    log: createLogger("silent"),
    apiKeys: [],
    batchMs: 5,
    slowConsumers: { maxBufferedBytes: 1024 * 1024, everyMs: 100 },
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => realtime.close());

  async function subscriber(): Promise<Client> {
    const socket: Client = connect(url, { transports: ["websocket"], reconnection: false });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    await socket.emitWithAck("subscribe", { symbols: ["SLOW"], channels: ["prints"] });
    return socket;
  }

  it("a client that stops reading is disconnected; one that reads the same room gets every print", async () => {
    const stalled = await subscriber();
    const reader = await subscriber();
    let received = 0;
    reader.on("prints", (b) => {
      received += b.prints.length;
    });
    const disconnected = new Promise<void>((resolve) => stalled.once("disconnect", () => resolve()));
    // Stop reading at the TCP level: what the server sends piles up in kernel buffers, then in its own.
    const ws = (stalled.io.engine.transport as unknown as { ws: WebSocket }).ws;
    ws.pause();

    const model = new MarketModel({ seed: 5, blockProbability: 0 });
    const enricher = new PrintEnricher({ lastLitWindowMs: 60_000 });
    let sent = 0;
    let cut = false;
    void disconnected.then(() => {
      cut = true;
    });
    // Up to ~100 MB of prints, 500 at a time, until the server lets the stalled client go.
    for (let round = 0; round < 400 && realtime.slowConsumersClosed() === 0; round++) {
      bus.emit(
        "prints",
        Array.from({ length: 500 }, () => enricher.enrich(model.print("SLOW", new Date(), "test"))),
      );
      sent += 500;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(realtime.slowConsumersClosed()).toBe(1);
    ws.resume();
    await disconnected;
    expect(cut).toBe(true);
    const deadline = Date.now() + 10_000;
    while (received < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(received).toBe(sent);
    expect(reader.connected).toBe(true);
    reader.close();
    stalled.close();
  });
});
