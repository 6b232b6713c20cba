import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions, type Socket } from "socket.io";
import { toPrintWire } from "../darkpool/print-wire";
import { isValidApiKey } from "../lib/auth";
import type { Logger } from "../lib/log";
import { canonicalSymbol } from "../lib/symbols";
import type { LiveBus } from "./bus";
import type {
  Channel,
  ClientToServerEvents,
  PrintWire,
  ServerToClientEvents,
  SocketData,
  SubscribeAck,
  SubscribeRequest,
} from "./events";
import {
  MAX_MESSAGE_BYTES,
  MAX_SYMBOLS_PER_REQUEST,
  parseChannels,
  roomBudgetError,
} from "./subscribe-limits";

export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export interface RealtimeOptions {
  bus: LiveBus;
  log: Logger;
  /** Accepted API keys; empty = anonymous read-only access (the local default). */
  apiKeys: string[];
  /**
   * Prints go out at most once per this many ms (per node): after a quiet spell a stored batch is sent at
   * once, under load what arrives within the window is gathered per symbol and sent when it ends.
   */
  batchMs: number;
  /** Lets a deployment plug in the Redis streams adapter for several nodes. */
  adapter?: Partial<ServerOptions>["adapter"] | undefined;
}

/** `prints:AAPL`, `alerts:*`: one room per channel and symbol. */
export const roomOf = (channel: Channel, symbol: string) => `${channel}:${symbol}`;

/**
 * Socket.IO on the same HTTP server as Hono. Rooms per channel and symbol; prints gathered per symbol
 * and flushed at most once per `batchMs` (at once when the last flush is older), each batch numbered per channel and symbol so a client can detect a gap. Connection
 * state recovery restores rooms after a short disconnect, and the auth middleware runs again then.
 */
export function attachRealtime(http: HttpServer, o: RealtimeOptions) {
  const io: RealtimeServer = new Server(http, {
    path: "/socket.io",
    cors: { origin: true },
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    ...(o.adapter ? { adapter: o.adapter } : {}),
  });
  const log = o.log.child("socket");

  io.use((socket, next) => {
    const auth = socket.handshake.auth as { apiKey?: unknown } | undefined;
    const key = typeof auth?.apiKey === "string" ? auth.apiKey : null;
    if (o.apiKeys.length > 0 && !isValidApiKey(key, o.apiKeys)) {
      const err = new Error("UNAUTHORIZED: a valid apiKey is required in the handshake auth") as Error & {
        data?: unknown;
      };
      err.data = { code: "UNAUTHORIZED" };
      next(err);
      return;
    }
    socket.data.apiKey = key;
    next();
  });

  io.on("connection", (socket) => {
    log.debug("connected", { id: socket.id, recovered: socket.recovered });
    const announce = (result: SubscribeAck) => {
      if (result.ok) io.to(socket.id).emit("subscribed", { rooms: result.rooms });
      return result;
    };
    socket.on("subscribe", (req, ack) => reply(ack, announce(changeRooms(socket, req, "join"))));
    socket.on("unsubscribe", (req, ack) => reply(ack, announce(changeRooms(socket, req, "leave"))));
  });

  const seqs = new Map<string, number>();
  const nextSeq = (room: string) => {
    const s = (seqs.get(room) ?? 0) + 1;
    seqs.set(room, s);
    return s;
  };

  // Prints: gather per symbol; flush at once if the last flush is batchMs old, else when it will be.
  let pending = new Map<string, PrintWire[]>();
  let timer: NodeJS.Timeout | null = null;
  let lastFlush = 0;
  const flushPrints = () => {
    timer = null;
    lastFlush = Date.now();
    const batches = pending;
    pending = new Map();
    for (const [symbol, prints] of batches) {
      io.to([roomOf("prints", symbol), roomOf("prints", "*")]).emit("prints", {
        symbol,
        seq: nextSeq(roomOf("prints", symbol)),
        prints,
      });
    }
  };
  const offPrints = o.bus.on("prints", (prints) => {
    for (const p of prints) {
      let list = pending.get(p.symbol);
      if (!list) {
        list = [];
        pending.set(p.symbol, list);
      }
      list.push(toPrintWire(p));
    }
    if (timer) return;
    const wait = lastFlush + o.batchMs - Date.now();
    if (wait <= 0) flushPrints();
    else timer = setTimeout(flushPrints, wait);
  });
  const offChannel = o.bus.on("channel", ({ channel, symbol, items }) => {
    io.to([roomOf(channel, symbol), roomOf(channel, "*")]).emit(channel, {
      symbol,
      seq: nextSeq(roomOf(channel, symbol)),
      items,
    });
  });
  const offAlert = o.bus.on("alert", (alert) => {
    io.to([roomOf("alerts", alert.symbol), roomOf("alerts", "*")]).emit("alert", alert);
  });

  return {
    io,
    async close() {
      offPrints();
      offChannel();
      offAlert();
      if (timer) clearTimeout(timer);
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
    },
  };
}

function reply(ack: unknown, result: SubscribeAck) {
  if (typeof ack === "function") (ack as (r: SubscribeAck) => void)(result);
}

function changeRooms(
  socket: Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>,
  req: SubscribeRequest | undefined,
  action: "join" | "leave",
): SubscribeAck {
  const fail = (message: string): SubscribeAck => ({ ok: false, error: { code: "INVALID_INPUT", message } });
  if (!req || !Array.isArray(req.symbols) || !Array.isArray(req.channels)) {
    return fail("expected {symbols: string[], channels: string[]}");
  }
  if (req.symbols.length === 0 || req.symbols.length > MAX_SYMBOLS_PER_REQUEST) {
    return fail(`symbols must hold 1 to ${MAX_SYMBOLS_PER_REQUEST} entries`);
  }
  const symbols: string[] = [];
  for (const raw of req.symbols) {
    // Rooms are keyed by the canonical symbol the bus publishes under (`BRK/B` joins `BRK.B`).
    const s = typeof raw === "string" ? raw.trim() : "";
    const canonical = s === "*" ? null : canonicalSymbol(s);
    if (canonical !== null && !canonical.ok)
      return fail(`symbols: ${JSON.stringify(raw)} is not a ticker or "*"`);
    symbols.push(canonical === null ? "*" : canonical.symbol);
  }
  const parsed = parseChannels(req.channels);
  if ("error" in parsed) return fail(parsed.error);
  const { channels } = parsed;
  const unique = [...new Set(symbols)];
  const rooms = channels.flatMap((c) => unique.map((s) => roomOf(c, s)));
  if (action === "join") {
    const overBudget = roomBudgetError(subscribedRooms(socket), rooms);
    if (overBudget) return fail(overBudget);
    void socket.join(rooms);
  } else for (const r of rooms) void socket.leave(r);
  return { ok: true, symbols: unique, channels, rooms: subscribedRooms(socket).size };
}

/** The channel rooms a connection is in (Socket.IO also puts each socket in a room named by its id). */
function subscribedRooms(socket: Socket): Set<string> {
  const rooms = new Set(socket.rooms);
  rooms.delete(socket.id);
  return rooms;
}
