import type { Server as HttpServer } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import { toPrintWire } from "../darkpool/print-wire";
import { isValidApiKey } from "../lib/auth";
import type { Logger } from "../lib/log";
import { Broadcaster, type RealtimeServer, roomOf, type SentBatch } from "./broadcast";
import type { LiveBus } from "./bus";
import type { PrintWire, SubscribeRequest } from "./events";
import { PrintBatcher } from "./print-batcher";
import { boundedRecoveryAdapter } from "./recovery-buffer";
import { localSequencer, type Sequencer } from "./sequencer";
import { guardSlowConsumers } from "./slow-consumers";
import { FilterRooms } from "./subscribe-filter";
import { MAX_MESSAGE_BYTES } from "./subscribe-limits";
import { changeRooms, reply } from "./subscriptions";

export { type IncrClient, localSequencer, redisSequencer, type Sequencer } from "./sequencer";
export { type RealtimeServer, roomOf, type SentBatch };

export interface RealtimeOptions {
  bus: LiveBus;
  log: Logger;
  /** Accepted API keys; empty = anonymous read-only access (the local default). */
  apiKeys: string[];
  /**
   * Each symbol's prints go out at most once per this many ms (per node): after a quiet spell a print is
   * sent at once, under load what arrives within the window is gathered and sent when it ends.
   */
  batchMs: number;
  /** Lets a deployment plug in the Redis streams adapter for several nodes. */
  adapter?: Partial<ServerOptions>["adapter"] | undefined;
  /** Numbers batches; default per process, `redisSequencer` for cluster-wide numbers across nodes. */
  sequencer?: Sequencer | undefined;
  /** Prints (or other items) kept for connection state recovery without Redis (recovery-buffer.ts). */
  recoveryItems?: number | undefined;
  /** Backlog at which a connection is closed (slow-consumers.ts); defaults there. */
  slowConsumers?: Parameters<typeof guardSlowConsumers>[2];
}

/**
 * Socket.IO on the same HTTP server as Hono. Rooms per channel and symbol; prints gathered per symbol
 * (print-batcher.ts), each batch numbered per channel and symbol (cluster-wide with `redisSequencer`) so a
 * client can detect a gap (broadcast.ts). Connection state recovery restores rooms and missed events after
 * a short disconnect (recovery-buffer.ts bounds what it keeps), and the auth middleware runs again then.
 */
export function attachRealtime(http: HttpServer, o: RealtimeOptions) {
  const io: RealtimeServer = new Server(http, {
    path: "/socket.io",
    cors: { origin: true },
    maxHttpBufferSize: MAX_MESSAGE_BYTES,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    adapter: o.adapter ?? boundedRecoveryAdapter(o.recoveryItems),
  });
  const log = o.log.child("socket");
  // Filtered subscriptions are rooms too (subscribe-filter.ts); this node's are tracked from the adapter.
  const filterRooms = new FilterRooms();
  io.of("/").adapter.on("create-room", (room: string) => filterRooms.add(room));
  io.of("/").adapter.on("delete-room", (room: string) => filterRooms.remove(room));
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { apiKey?: unknown } | undefined;
    const key = typeof auth?.apiKey === "string" ? auth.apiKey : null;
    if (o.apiKeys.length > 0 && !isValidApiKey(key, o.apiKeys)) {
      const err = new Error("UNAUTHORIZED: a valid apiKey is required in the handshake auth");
      next(Object.assign(err, { data: { code: "UNAUTHORIZED" } }));
      return;
    }
    socket.data.apiKey = key;
    next();
  });
  io.on("connection", (socket) => {
    log.debug("connected", { id: socket.id, recovered: socket.recovered });
    const change = (req: SubscribeRequest | undefined, ack: unknown, action: "join" | "leave") => {
      const result = changeRooms(socket, req, action);
      if (result.ok) io.to(socket.id).emit("subscribed", { rooms: result.rooms });
      reply(ack, result);
    };
    socket.on("subscribe", (req, ack) => change(req, ack, "join"));
    socket.on("unsubscribe", (req, ack) => change(req, ack, "leave"));
  });
  const broadcaster = new Broadcaster(io, filterRooms, o.sequencer ?? localSequencer(), log);
  const offBus = wireBus(o.bus, broadcaster, o.batchMs);
  const slow = guardSlowConsumers(io, log, o.slowConsumers);
  return {
    io,
    /** Every batch as it goes out (benchmarks, metrics). */
    onSent: (listener: (b: SentBatch) => void) => broadcaster.onSent(listener),
    /**
     * Graceful end (SIGTERM): sends what is pending, says `shutdown` to this node's clients, then closes
     * their connections as a transport close, which socket.io clients answer by reconnecting (through the
     * balancer, to another node) and resuming their session: the adapter persists each session on the way
     * out. Call after the pipeline and the detectors have been flushed, so their last events go out first.
     */
    /** Connections closed for holding too large a backlog (`/metrics`). */
    slowConsumersClosed: () => slow.closedCount(),
    async close() {
      offBus();
      slow.stop();
      await broadcaster.settled();
      io.local.emit("shutdown", { reconnect: true });
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
    },
  };
}

/**
 * Bus events to rooms: prints through the per-symbol batcher, channel pushes and alerts as they come.
 * The batches a bus `prints` event makes due are written in the next event-loop turn, not inside the
 * event: the fan-out to a thousand connections is a thousand socket writes, and the detectors listening
 * after this layer would otherwise see a $12M block only once they are done, and its alert's insert would
 * leave after them (issue 14: the block -> alert p99).
 */
function wireBus(bus: LiveBus, broadcaster: Broadcaster, batchMs: number): () => void {
  const prints = new PrintBatcher<PrintWire>(batchMs, (batches) =>
    broadcaster.send(batches.map((b) => ({ channel: "prints" as const, ...b }))),
  );
  let releasing = false;
  const release = () => {
    releasing = false;
    prints.release(Date.now());
  };
  const offs = [
    bus.on("prints", (batch) => {
      const nowMs = Date.now();
      for (const p of batch) prints.add(p.symbol, toPrintWire(p), nowMs);
      if (!releasing) {
        releasing = true;
        setImmediate(release);
      }
    }),
    bus.on("channel", ({ channel, symbol, items }) => broadcaster.send([{ channel, symbol, items }])),
    bus.on("alert", (alert) => broadcaster.alert(alert)),
  ];
  return () => {
    for (const off of offs) off();
    prints.flushAll();
    prints.stop();
  };
}
