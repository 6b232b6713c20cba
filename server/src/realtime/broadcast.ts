/**
 * What goes out to Socket.IO rooms: numbered batches per channel and symbol (to the symbol's room and the
 * `*` room, plus the filter rooms of this node) and alerts. Socket.IO serialises each emit once for every
 * connection it reaches (the adapter encodes the packet and pre-frames it for WebSocket once), so the cost
 * of a batch is one JSON encoding per emit, not per subscriber.
 */
import type { Server } from "socket.io";
import type { Logger } from "../lib/log";
import type { AlertMessage } from "./bus";
import type { Channel, ClientToServerEvents, PrintWire, ServerToClientEvents, SocketData } from "./events";
import type { Sequencer } from "./sequencer";
import { alertPasses, type FilterRooms, printPasses } from "./subscribe-filter";

export type RealtimeServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** `prints:AAPL`, `alerts:*`: one room per channel and symbol. */
export const roomOf = (channel: Channel, symbol: string) => `${channel}:${symbol}`;

export interface OutgoingBatch {
  channel: "prints" | "blocks" | "options";
  symbol: string;
  items: unknown[];
}

/** A batch as it went out: its number and when (epoch ms). Benchmarks and metrics listen. */
export interface SentBatch extends OutgoingBatch {
  seq: number;
  atMs: number;
}

export class Broadcaster {
  /**
   * Batches are numbered and sent in the order they were flushed: with a shared (Redis) sequencer the
   * numbers arrive asynchronously, so sends queue behind one another.
   */
  private sending: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(b: SentBatch) => void>();

  constructor(
    private readonly io: RealtimeServer,
    private readonly filterRooms: FilterRooms,
    private readonly sequencer: Sequencer,
    private readonly log: Logger,
  ) {}

  onSent(listener: (b: SentBatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when every batch handed to `send` so far has been emitted. */
  settled(): Promise<void> {
    return this.sending;
  }

  send(batches: OutgoingBatch[]): void {
    if (batches.length === 0) return;
    const keys = batches.map((b) => roomOf(b.channel, b.symbol));
    const numbered = this.sequencer.next(keys);
    if (Array.isArray(numbered)) {
      this.emitAll(batches, numbered); // local counters: no reason to wait a tick
      return;
    }
    // Never hold prints back for the counter: unnumbered (seq 0) tells clients to backfill.
    const seqs = numbered.catch((error: unknown) => {
      this.log.warn("sequence numbers unavailable; sending batches unnumbered", { error });
      return keys.map(() => 0);
    });
    this.sending = this.sending
      .then(() => seqs)
      .then((s) => this.emitAll(batches, s))
      .catch((error: unknown) => this.log.error("batch not sent", { error }));
  }

  /** One emit to the plain rooms and every filter room the alert passes: each connection gets it once. */
  alert(alert: AlertMessage): void {
    const rooms = [roomOf("alerts", alert.symbol), roomOf("alerts", "*")];
    if (this.filterRooms.byBase.size > 0) {
      for (const base of [rooms[0] as string, rooms[1] as string]) {
        for (const [room, f] of this.filterRooms.byBase.get(base) ?? [])
          if (alertPasses(f, alert)) rooms.push(room);
      }
    }
    this.io.to(rooms).emit("alert", alert);
  }

  private emitAll(batches: OutgoingBatch[], seqs: number[]): void {
    const atMs = Date.now();
    batches.forEach((b, i) => {
      const plain = [roomOf(b.channel, b.symbol), roomOf(b.channel, "*")];
      const to = this.io.to(plain);
      const seq = seqs[i] ?? 0;
      if (b.channel === "prints") {
        to.emit("prints", { symbol: b.symbol, seq, prints: b.items as PrintWire[] });
        if (this.filterRooms.byBase.size > 0)
          this.emitFilteredPrints(plain, b.symbol, seq, b.items as PrintWire[]);
      } else to.emit(b.channel, { symbol: b.symbol, seq, items: b.items });
      for (const l of this.listeners) l({ ...b, seq, atMs });
    });
  }

  /**
   * One emit per distinct `min_value` (not per connection), lowest first. Each threshold's prints are a
   * subset of the lower one's, so a connection already served (a plain room, a lower threshold) is
   * excluded from the later emits: it never gets a print twice.
   */
  private emitFilteredPrints(plain: string[], symbol: string, seq: number, prints: PrintWire[]): void {
    const byMin = new Map<number, string[]>();
    for (const base of plain) {
      for (const [room, f] of this.filterRooms.byBase.get(base) ?? []) {
        const min = f.min_value ?? 0;
        const rooms = byMin.get(min);
        if (rooms) rooms.push(room);
        else byMin.set(min, [room]);
      }
    }
    if (byMin.size === 0) return;
    const served = [...plain];
    for (const [min, rooms] of [...byMin].sort((a, b) => a[0] - b[0])) {
      const passing = prints.filter((p) => printPasses({ min_value: min }, p));
      if (passing.length === 0) break; // higher thresholds pass nothing either
      this.io.to(rooms).except(served).emit("prints", { symbol, seq, prints: passing });
      served.push(...rooms);
    }
  }
}
