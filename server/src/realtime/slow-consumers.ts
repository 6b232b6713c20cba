/**
 * Slow consumers. Socket.IO queues whatever a connection cannot take yet (engine.io's write buffer, then
 * the WebSocket's send queue and the kernel's), without a limit: a client that stops reading, or reads
 * slower than its rooms produce (a bot on `prints:*` at 20,000 prints/s), would make the server hold an
 * ever longer backlog for it. Every second this closes connections holding more than `maxBufferedBytes`
 * (or `maxQueuedPackets` while the transport cannot write). The client reconnects on its own; connection
 * state recovery replays what its buffer still holds, or it backfills (docs/socket-protocol.md, "Limits").
 */
import type { Logger } from "../lib/log";
import type { RealtimeServer } from "./broadcast";

/** Bytes queued for one connection before it is closed: about 6 s of the whole market at 5,000 prints/s. */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Packets waiting in engine.io's write buffer (a transport that cannot write, e.g. long polling). */
export const MAX_QUEUED_PACKETS = 10_000;

interface EngineConnection {
  /** Packets engine.io holds while its transport is busy writing (or, for polling, until the next poll). */
  writeBuffer?: { data?: unknown }[];
  /** The `ws` WebSocket under engine.io's websocket transport (absent under long polling). */
  transport?: { socket?: { bufferedAmount?: number; terminate?: () => void } };
  close(discard?: boolean): void;
}

/**
 * Bytes and packets queued for a connection: engine.io's write buffer (a transport waiting for its last
 * write to reach the kernel holds every later packet there) and the WebSocket's own queue.
 */
function backlogOf(conn: EngineConnection): { bytes: number; packets: number } {
  let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
  const queued = conn.writeBuffer ?? [];
  for (const packet of queued) {
    const data = packet.data;
    if (typeof data === "string") bytes += data.length;
    else if (data instanceof Uint8Array) bytes += data.byteLength;
  }
  return { bytes, packets: queued.length };
}

export function guardSlowConsumers(
  io: RealtimeServer,
  log: Logger,
  o: { maxBufferedBytes?: number; maxQueuedPackets?: number; everyMs?: number } = {},
) {
  const maxBytes = o.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const maxPackets = o.maxQueuedPackets ?? MAX_QUEUED_PACKETS;
  let closed = 0;
  const timer = setInterval(() => {
    for (const socket of io.of("/").sockets.values()) {
      const conn = socket.conn as unknown as EngineConnection;
      const backlog = backlogOf(conn);
      if (backlog.bytes <= maxBytes && backlog.packets <= maxPackets) continue;
      closed++;
      log.warn("slow consumer disconnected", { id: socket.id, ...backlog, closed });
      // Dropped at once: a WebSocket close handshake would wait behind the very backlog it is meant to end.
      const ws = conn.transport?.socket;
      if (ws?.terminate) ws.terminate();
      else conn.close(true);
    }
  }, o.everyMs ?? 1_000);
  timer.unref();
  return { closedCount: () => closed, stop: () => clearInterval(timer) };
}
