/**
 * The live side of the page over Socket.IO (docs/socket-protocol.md): prints into the live table, alerts
 * into the panel, block and options events as refresh triggers, and the connection indicator.
 *
 * Rendering is throttled: socket batches land in a plain (non-reactive) queue and are applied to the
 * table in one assignment inside an animation frame, at most every TABLE_UPDATE_MS, capped at MAX_ROWS.
 * At 2k prints/s that is five table updates a second instead of one per print (or one per frame: at 60
 * updates/s the table's layout alone took a quarter of the main thread in test/bench/dashboard-frames),
 * and a hidden tab (no frames) only holds the newest MAX_ROWS in memory.
 */
import type {
  AlertMessage,
  ClientToServerEvents,
  PrintsBatch,
  PrintWire,
  ServerToClientEvents,
  SubscribeRequest,
} from "@smt/server/realtime/events";
import { io, type Socket } from "socket.io-client";
import { fetchPrints } from "./api";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";
export type { AlertMessage, PrintWire };

/** Rows kept in the live table; older prints stay available over REST. */
export const MAX_ROWS = 200;
const MAX_ALERTS = 50;
/** Minimum time between two table updates: fast enough to read as live, slow enough to stay cheap. */
export const TABLE_UPDATE_MS = 200;
const CHANNELS: SubscribeRequest["channels"] = ["prints", "alerts", "blocks", "options"];

/** Newest first, one row per trade_key, at most MAX_ROWS. ISO timestamps from the server sort as text. */
export function mergePrints(a: readonly PrintWire[], b: readonly PrintWire[]): PrintWire[] {
  const seen = new Set<string>();
  const out: PrintWire[] = [];
  for (const p of [...a, ...b].sort((x, y) =>
    x.timestamp < y.timestamp ? 1 : x.timestamp > y.timestamp ? -1 : 0,
  )) {
    if (seen.has(p.trade_key)) continue;
    seen.add(p.trade_key);
    out.push(p);
    if (out.length === MAX_ROWS) break;
  }
  return out;
}

class LiveState {
  connection = $state<ConnectionState>("connecting");
  /** Live table rows, newest first. */
  rows = $state.raw<PrintWire[]>([]);
  /** Alerts pushed since the page opened for this symbol, newest first. */
  alerts = $state.raw<AlertMessage[]>([]);
  /** Show lit (on-exchange) prints as well as off-exchange ones. */
  includeLit = $state(false);
  /** When the newest print reached the page (ms since epoch). */
  lastPrintAtMs = $state<number | null>(null);
  printsPerSecond = $state(0);
  /** Sequence gaps seen (missed batches) and REST backfills run for them. */
  gaps = $state(0);
  backfills = $state(0);
  /** Block and options events seen for this symbol since it was selected. */
  blockEvents = $state(0);
  optionEvents = $state(0);

  #socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  #symbol: string | null = null;
  #pending: PrintWire[] = [];
  #frame: number | null = null;
  #wait: ReturnType<typeof setTimeout> | null = null;
  #lastFlushMs = 0;
  #keys = new Set<string>();
  #lastSeq: number | null = null;
  #countThisSecond = 0;
  #rateTimer: ReturnType<typeof setInterval> | null = null;
  #onChange: (() => void) | null = null;

  /** Connects once; `onInputsChanged` is called when an alert, block or options event arrives. */
  connect(onInputsChanged: () => void) {
    if (this.#socket) return;
    this.#onChange = onInputsChanged;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
      path: "/socket.io",
      transports: ["websocket", "polling"],
      tryAllTransports: true,
    });
    this.#socket = socket;
    socket.on("connect", () => {
      this.connection = "connected";
      // A recovered session keeps its rooms and gets the missed packets replayed by the server
      // (connection state recovery); a new session must subscribe again and backfill over REST.
      if (!socket.recovered && this.#symbol) {
        this.#subscribe(this.#symbol);
        void this.#backfill(this.#symbol);
      }
    });
    socket.on("disconnect", (reason) => {
      this.connection = reason === "io client disconnect" ? "offline" : "reconnecting";
    });
    socket.on("connect_error", () => {
      this.connection = socket.active ? "reconnecting" : "offline";
    });
    socket.io.on("reconnect_failed", () => {
      this.connection = "offline";
    });
    socket.on("prints", (batch) => this.#onPrints(batch));
    socket.on("alert", (alert) => {
      if (alert.symbol !== this.#symbol) return;
      if (this.alerts.some((a) => a.id === alert.id)) return;
      this.alerts = [alert, ...this.alerts].slice(0, MAX_ALERTS);
      this.#onChange?.();
    });
    socket.on("blocks", (batch) => {
      if (batch.symbol !== this.#symbol) return;
      this.blockEvents += batch.items.length;
      this.#onChange?.();
    });
    socket.on("options", (batch) => {
      if (batch.symbol !== this.#symbol) return;
      this.optionEvents += batch.items.length;
      this.#onChange?.();
    });
    addEventListener("offline", () => {
      this.connection = "offline";
    });
    addEventListener("online", () => {
      if (socket.connected) this.connection = "connected";
      else socket.connect();
    });
    this.#rateTimer = setInterval(() => {
      this.printsPerSecond = this.#countThisSecond;
      this.#countThisSecond = 0;
    }, 1000);
  }

  /** Follows a symbol: leaves the old rooms, clears the table, joins the new rooms and backfills. */
  follow(symbol: string) {
    if (symbol === this.#symbol) return;
    const previous = this.#symbol;
    this.#symbol = symbol;
    if (previous && this.#socket?.connected) {
      this.#socket.emit("unsubscribe", { symbols: [previous], channels: CHANNELS }, () => {});
    }
    this.#pending = [];
    this.#keys.clear();
    this.#lastSeq = null;
    this.rows = [];
    this.alerts = [];
    this.lastPrintAtMs = null;
    this.blockEvents = 0;
    this.optionEvents = 0;
    if (this.#socket?.connected) this.#subscribe(symbol);
    void this.#backfill(symbol);
  }

  setIncludeLit(on: boolean) {
    this.includeLit = on;
    this.rows = [];
    this.#keys.clear();
    if (this.#symbol) void this.#backfill(this.#symbol);
  }

  disconnect() {
    this.#socket?.disconnect();
    this.#socket = null;
    if (this.#rateTimer) clearInterval(this.#rateTimer);
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    if (this.#wait !== null) clearTimeout(this.#wait);
  }

  #subscribe(symbol: string) {
    this.#socket?.emit("subscribe", { symbols: [symbol], channels: CHANNELS }, (ack) => {
      if (!ack.ok) console.warn(`subscribe ${symbol} refused: ${ack.error.message}`);
    });
  }

  #onPrints(batch: PrintsBatch) {
    if (batch.symbol !== this.#symbol) return;
    // Sequence numbers rise by one per batch and room across all nodes; a jump means batches were missed,
    // 0 means the server could not number it. A batch from another node may arrive a little late (lower).
    if (batch.seq === 0 || (this.#lastSeq !== null && batch.seq > this.#lastSeq + 1)) {
      this.gaps += 1;
      void this.#backfill(batch.symbol);
    }
    if (batch.seq > (this.#lastSeq ?? 0)) this.#lastSeq = batch.seq;
    this.#countThisSecond += batch.prints.length;
    for (const p of batch.prints) if (this.includeLit || p.is_off_exchange) this.#pending.push(p);
    // Older queued prints would fall off the table anyway.
    if (this.#pending.length > MAX_ROWS) this.#pending.splice(0, this.#pending.length - MAX_ROWS);
    this.#schedule();
  }

  /** One flush per animation frame, no sooner than TABLE_UPDATE_MS after the previous one. */
  #schedule() {
    if (this.#frame !== null || this.#wait !== null || this.#pending.length === 0) return;
    const waitMs = this.#lastFlushMs + TABLE_UPDATE_MS - performance.now();
    const inFrame = () => {
      this.#wait = null;
      this.#frame = requestAnimationFrame(() => this.#flush());
    };
    if (waitMs <= 0) inFrame();
    else this.#wait = setTimeout(inFrame, waitMs);
  }

  /** Applies the queued prints in one assignment: one keyed-each update per frame. */
  #flush() {
    this.#frame = null;
    this.#lastFlushMs = performance.now();
    if (this.#pending.length === 0) return;
    const incoming: PrintWire[] = [];
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const p = this.#pending[i]!;
      if (!this.#keys.has(p.trade_key)) incoming.push(p);
    }
    this.#pending = [];
    if (incoming.length === 0) return;
    const next =
      incoming.length >= MAX_ROWS
        ? incoming.slice(0, MAX_ROWS)
        : incoming.concat(this.rows.slice(0, MAX_ROWS - incoming.length));
    this.#keys = new Set(next.map((p) => p.trade_key));
    this.rows = next;
    this.lastPrintAtMs = Date.now();
  }

  /** Fills the table from REST: after a gap, a new session, or a symbol switch. */
  async #backfill(symbol: string) {
    const newest = this.rows[0]?.timestamp;
    try {
      const page = await fetchPrints(symbol, {
        limit: MAX_ROWS,
        includeLit: this.includeLit,
        ...(newest ? { since: newest } : {}),
      });
      if (symbol !== this.#symbol) return;
      const fetched = this.includeLit ? page.prints : page.prints.filter((p) => p.is_off_exchange);
      this.backfills += 1;
      if (fetched.length === 0) return;
      const merged = mergePrints(fetched, this.rows);
      this.#keys = new Set(merged.map((p) => p.trade_key));
      this.rows = merged;
    } catch (e) {
      // The section's own REST state shows a missing symbol; a failed backfill only loses older rows.
      if (symbol === this.#symbol)
        console.warn(`backfill for ${symbol} failed: ${e instanceof Error ? e.message : e}`);
    }
  }
}

export const live = new LiveState();
