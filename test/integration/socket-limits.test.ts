import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/src/realtime/events";
import { MAX_ROOMS_PER_SOCKET } from "../../server/src/realtime/subscribe-limits";
import { startTestServer } from "../support/app";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function client(url: string): Promise<Client> {
  const socket: Client = connect(url, { transports: ["websocket"], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

const tickers = (n: number, prefix = "S") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("Socket.IO subscription limits", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer("pglite", { API_KEYS: "" });
  });
  afterAll(async () => server.dispose());

  it("applies each channel and symbol once and acknowledges with a room count, not the room list", async () => {
    const socket = await client(server.url);
    const subscribed = new Promise<{ rooms: unknown }>((resolve) => socket.once("subscribed", resolve));
    const ack = await socket.emitWithAck("subscribe", {
      symbols: ["AAPL", "aapl", " AAPL ", "MSFT"],
      channels: ["prints", "prints", "prints", "alerts"],
    });
    expect(ack).toEqual({ ok: true, symbols: ["AAPL", "MSFT"], channels: ["prints", "alerts"], rooms: 4 });
    expect(await subscribed).toEqual({ rooms: 4 });
    const again = await socket.emitWithAck("subscribe", { symbols: ["AAPL"], channels: ["prints"] });
    expect(again).toMatchObject({ ok: true, rooms: 4 });
    const left = await socket.emitWithAck("unsubscribe", {
      symbols: ["MSFT"],
      channels: ["prints", "alerts"],
    });
    expect(left).toMatchObject({ ok: true, rooms: 2 });
    socket.close();
  });

  it("refuses more channel entries than there are channels, before building any room", async () => {
    const socket = await client(server.url);
    const ack = await socket.emitWithAck("subscribe", {
      symbols: tickers(500),
      // 5,000 entries: under the 64 KB message cap (the 8,000 of the report are over it and close the socket).
      channels: Array.from({ length: 5000 }, () => "prints" as const),
    });
    expect(ack).toMatchObject({
      ok: false,
      error: { code: "INVALID_INPUT", message: expect.stringContaining("1 to 4") },
    });
    const ok = await socket.emitWithAck("subscribe", { symbols: ["AAPL"], channels: ["prints"] });
    expect(ok).toMatchObject({ ok: true, rooms: 1 });
    socket.close();
  });

  it(`caps a connection at ${MAX_ROOMS_PER_SOCKET} rooms and says so in the ack`, async () => {
    const socket = await client(server.url);
    const all = ["prints", "blocks", "options", "alerts"] as const;
    const full = await socket.emitWithAck("subscribe", { symbols: tickers(500), channels: [...all] });
    expect(full).toMatchObject({ ok: true, rooms: MAX_ROOMS_PER_SOCKET });
    const over = await socket.emitWithAck("subscribe", { symbols: ["ONEMORE"], channels: ["prints"] });
    expect(over).toMatchObject({
      ok: false,
      error: {
        code: "INVALID_INPUT",
        message: expect.stringContaining(`limit of ${MAX_ROOMS_PER_SOCKET} rooms`),
      },
    });
    // Rooms it already holds are not counted twice; after leaving some it may join others.
    expect(await socket.emitWithAck("subscribe", { symbols: ["S1"], channels: ["prints"] })).toMatchObject({
      ok: true,
      rooms: MAX_ROOMS_PER_SOCKET,
    });
    await socket.emitWithAck("unsubscribe", { symbols: ["S0"], channels: ["prints"] });
    expect(
      await socket.emitWithAck("subscribe", { symbols: ["ONEMORE"], channels: ["prints"] }),
    ).toMatchObject({
      ok: true,
      rooms: MAX_ROOMS_PER_SOCKET,
    });
    socket.close();
  });

  it("closes a connection that sends a message over 64 KB and keeps serving the others", async () => {
    const bystander = await client(server.url);
    const socket = await client(server.url);
    // Either the server closes the connection or (without the cap) it answers the message.
    const outcome = new Promise<string>((resolve) => {
      socket.once("disconnect", (reason) => resolve(`disconnected: ${reason}`));
      socket.emit("subscribe", { symbols: ["A".repeat(100 * 1024)], channels: ["prints"] }, () =>
        resolve("answered"),
      );
    });
    expect(await outcome).toMatch(/^disconnected: transport (close|error)/);
    expect(
      await bystander.emitWithAck("subscribe", { symbols: ["AAPL"], channels: ["prints"] }),
    ).toMatchObject({
      ok: true,
    });
    bystander.close();
  });
});
