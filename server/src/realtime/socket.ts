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
  /** Numbers batches; default per process, `redisSequencer` for cluster-wide numbers across nodes. */
  sequencer?: Sequencer | undefined;
}

/** `prints:AAPL`, `alerts:*`: one room per channel and symbol. */
export const roomOf = (channel: Channel, symbol: string) => `${channel}:${symbol}`;

/**
 * Socket.IO on the same HTTP server as Hono. Rooms per channel and symbol; prints gathered per symbol
 * and flushed at most once per `batchMs` (at once when the last flush is older), each batch numbered per
 * channel and symbol (cluster-wide with `redisSequencer`) so a client can detect a gap. Connection
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

  const sequencer = o.sequencer ?? localSequencer();
  // Batches are numbered and sent in the order they were flushed: with a shared (Redis) sequencer the
  // numbers arrive asynchronously, so sends queue behind one another.
  let sending: Promise<void> = Promise.resolve();
  const send = (batches: OutgoingBatch[]) => {
    if (batches.length === 0) return;
    const keys = batches.map((b) => roomOf(b.channel, b.symbol));
    const emitAll = (seqs: number[]) => {
      batches.forEach((b, i) => {
        const to = io.to([roomOf(b.channel, b.symbol), roomOf(b.channel, "*")]);
        const seq = seqs[i] ?? 0;
        if (b.channel === "prints")
          to.emit("prints", { symbol: b.symbol, seq, prints: b.items as PrintWire[] });
        else to.emit(b.channel, { symbol: b.symbol, seq, items: b.items });
      });
    };
    const numbered = sequencer.next(keys);
    if (Array.isArray(numbered)) {
      emitAll(numbered); // local counters: no reason to wait a tick
      return;
    }
    // Never hold prints back for the counter: unnumbered (seq 0) tells clients to backfill.
    const seqs = numbered.catch((error: unknown) => {
      log.warn("sequence numbers unavailable; sending batches unnumbered", { error });
      return keys.map(() => 0);
    });
    sending = sending
      .then(() => seqs)
      .then(emitAll)
      .catch((error: unknown) => log.error("batch not sent", { error }));
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
    send([...batches].map(([symbol, items]) => ({ channel: "prints" as const, symbol, items })));
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
    send([{ channel, symbol, items }]);
  });
  const offAlert = o.bus.on("alert", (alert) => {
    io.to([roomOf("alerts", alert.symbol), roomOf("alerts", "*")]).emit("alert", alert);
  });

  return {
    io,
    /**
     * Graceful end (SIGTERM): sends what is pending, says `shutdown` to this node's clients, then closes
     * their connections as a transport close, which socket.io clients answer by reconnecting (through the
     * balancer, to another node) and resuming their session: the adapter persists each session on the way
     * out. Call after the pipeline and the detectors have been flushed, so their last events go out first.
     */
    async close() {
      offPrints();
      offChannel();
      offAlert();
      if (timer) clearTimeout(timer);
      if (pending.size > 0) flushPrints();
      await sending;
      io.local.emit("shutdown", { reconnect: true });
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
    },
  };
}

interface OutgoingBatch {
  channel: "prints" | "blocks" | "options";
  symbol: string;
  items: unknown[];
}

/**
 * Numbers batches per room (`prints:AAPL`). `next` returns one number per key, each the previous one for
 * that key + 1; an array when known at once, a promise when a shared counter has to be asked.
 */
export interface Sequencer {
  next(keys: string[]): number[] | Promise<number[]>;
}

/** One process: counters in memory (they restart at 1 with the process). */
export function localSequencer(): Sequencer {
  const seqs = new Map<string, number>();
  return {
    next: (keys) =>
      keys.map((k) => {
        const s = (seqs.get(k) ?? 0) + 1;
        seqs.set(k, s);
        return s;
      }),
  };
}

/** The part of a node-redis client the shared sequencer uses. */
export interface IncrClient {
  multi(): { incr(key: string): unknown; exec(): Promise<unknown[]> };
}

/**
 * Several nodes: one counter per room in Redis (`{prefix}seq:prints:AAPL`), INCR'd for every batch by
 * whichever node sends it, all keys of one flush in one MULTI round trip. Numbers are thus cluster-wide
 * and survive restarts; a client that moves between nodes sees one sequence. A round trip slower than
 * `timeoutMs` (Redis away) fails the call and the batches go out unnumbered (seq 0) rather than late.
 */
export function redisSequencer(client: IncrClient, prefix: string, timeoutMs = 1000): Sequencer {
  return {
    next(keys) {
      const tx = client.multi();
      for (const k of keys) tx.incr(`${prefix}seq:${k}`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis INCR took over ${timeoutMs} ms`)), timeoutMs);
      });
      return Promise.race([tx.exec(), timeout])
        .then((replies) => replies.map((r) => Number(r)))
        .finally(() => clearTimeout(timer));
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
