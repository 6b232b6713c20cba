/**
 * The page's one Socket.IO connection (docs/socket-protocol.md), shared by every live part of the page:
 * the symbol page (prints, alerts, blocks, options of one symbol), the watchlist strip (prints of the
 * watched symbols) and the Market page's tape (`prints:*` and `alerts:*` with a server-side filter).
 *
 * Each part declares the subscriptions it wants under its own name (`want("watchlist", [...])`); the hub
 * sends the union and only the difference to what the server already has. The server keeps one
 * subscription per channel and symbol, so an `unsubscribe` by one part must not drop a room another part
 * still needs: that is why parts never emit directly. When two parts want the same channel and symbol with
 * different filters, the hub asks for it unfiltered (a superset) and each part filters what it receives.
 */
import type {
  AlertMessage,
  Channel,
  ClientToServerEvents,
  PrintsBatch,
  ServerToClientEvents,
  SubscribeFilter,
} from "@smt/server/realtime/events";
import { io, type Socket } from "socket.io-client";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "offline";

export interface Want {
  channel: Channel;
  /** A ticker, or "*" for every symbol. */
  symbol: string;
  filter?: SubscribeFilter;
}

/** The server's limit of symbols per subscribe/unsubscribe message. */
const SYMBOLS_PER_MESSAGE = 500;

/** A filter as a stable text (key order fixed), "" for none. */
export function filterKey(f: SubscribeFilter | undefined): string {
  if (!f) return "";
  const parts: string[] = [];
  if (f.min_value !== undefined) parts.push(`min_value=${f.min_value}`);
  if (f.types !== undefined) parts.push(`types=${[...f.types].sort().join(",")}`);
  if (f.min_severity !== undefined) parts.push(`min_severity=${f.min_severity}`);
  return parts.join("&");
}

/** Everything the parts want: channel|symbol -> filter (undefined = unfiltered; conflicting filters -> none). */
export function unionOf(parts: Iterable<readonly Want[]>): Map<string, SubscribeFilter | undefined> {
  const out = new Map<string, SubscribeFilter | undefined>();
  for (const wants of parts) {
    for (const w of wants) {
      const key = `${w.channel}|${w.symbol}`;
      if (!out.has(key)) out.set(key, w.filter);
      else if (filterKey(out.get(key)) !== filterKey(w.filter)) out.set(key, undefined);
    }
  }
  return out;
}

export interface Message {
  symbols: string[];
  channels: [Channel];
  filter?: SubscribeFilter;
}

/**
 * The messages that turn what the server has (`sent`) into what is wanted: unsubscribes for rooms nobody
 * wants, subscribes for new rooms and for rooms whose filter changed, one message per channel and filter
 * (at most SYMBOLS_PER_MESSAGE symbols each).
 */
export function plan(
  sent: ReadonlyMap<string, SubscribeFilter | undefined>,
  wanted: ReadonlyMap<string, SubscribeFilter | undefined>,
): { unsubscribe: Message[]; subscribe: Message[] } {
  const drop = new Map<Channel, string[]>();
  for (const key of sent.keys()) {
    if (wanted.has(key)) continue;
    const [channel, symbol] = key.split("|") as [Channel, string];
    drop.set(channel, [...(drop.get(channel) ?? []), symbol]);
  }
  const add = new Map<string, { channel: Channel; filter?: SubscribeFilter; symbols: string[] }>();
  for (const [key, filter] of wanted) {
    if (sent.has(key) && filterKey(sent.get(key)) === filterKey(filter)) continue;
    const [channel, symbol] = key.split("|") as [Channel, string];
    const group = `${channel}|${filterKey(filter)}`;
    const entry = add.get(group) ?? { channel, ...(filter ? { filter } : {}), symbols: [] };
    entry.symbols.push(symbol);
    add.set(group, entry);
  }
  const chunks = (symbols: string[]) => {
    const out: string[][] = [];
    for (let i = 0; i < symbols.length; i += SYMBOLS_PER_MESSAGE)
      out.push(symbols.slice(i, i + SYMBOLS_PER_MESSAGE));
    return out;
  };
  return {
    unsubscribe: [...drop].flatMap(([channel, symbols]) =>
      chunks(symbols).map((s) => ({ symbols: s, channels: [channel] as [Channel] })),
    ),
    subscribe: [...add.values()].flatMap((g) =>
      chunks(g.symbols).map((s) => ({
        symbols: s,
        channels: [g.channel] as [Channel],
        ...(g.filter ? { filter: g.filter } : {}),
      })),
    ),
  };
}

type Handlers = {
  prints: (batch: PrintsBatch) => void;
  alert: (alert: AlertMessage) => void;
  blocks: (batch: { symbol: string; items: unknown[] }) => void;
  options: (batch: { symbol: string; items: unknown[] }) => void;
  /** A reconnect the server could not recover (a new session): rooms were re-joined, events may be missing. */
  session: () => void;
};

class SocketHub {
  connection = $state<ConnectionState>("connecting");
  #socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  #parts = new Map<string, readonly Want[]>();
  #sent = new Map<string, SubscribeFilter | undefined>();
  #handlers: { [K in keyof Handlers]: Set<Handlers[K]> } = {
    prints: new Set(),
    alert: new Set(),
    blocks: new Set(),
    options: new Set(),
    session: new Set(),
  };
  #listeners: AbortController | null = null;
  /** A session existed before: a later unrecovered connect is a reconnect whose gap needs a backfill. */
  #hadSession = false;

  /** Opens the connection once. */
  connect() {
    if (this.#socket) return;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
      path: "/socket.io",
      transports: ["websocket", "polling"],
      tryAllTransports: true,
    });
    this.#socket = socket;
    socket.on("connect", () => {
      this.connection = "connected";
      // A recovered session keeps its rooms (and gets missed packets replayed); a new one has none.
      if (!socket.recovered) this.#sent.clear();
      this.#sync();
      // The first session needs no backfill: every part loads from REST when it starts.
      if (!socket.recovered && this.#hadSession) for (const fn of this.#handlers.session) fn();
      this.#hadSession = true;
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
    socket.on("prints", (b) => this.#emit("prints", b));
    socket.on("alert", (a) => this.#emit("alert", a));
    socket.on("blocks", (b) => this.#emit("blocks", b));
    socket.on("options", (b) => this.#emit("options", b));
    this.#listeners = new AbortController();
    const { signal } = this.#listeners;
    addEventListener("offline", () => (this.connection = "offline"), { signal });
    addEventListener(
      "online",
      () => {
        if (socket.connected) this.connection = "connected";
        else socket.connect();
      },
      { signal },
    );
  }

  disconnect() {
    this.#socket?.disconnect();
    this.#socket = null;
    this.#sent.clear();
    this.#hadSession = false;
    this.#listeners?.abort();
    this.#listeners = null;
  }

  get connected(): boolean {
    return this.#socket?.connected ?? false;
  }

  /** Sets what one part of the page wants (an empty list drops its subscriptions). */
  want(part: string, wants: readonly Want[]) {
    if (wants.length === 0) this.#parts.delete(part);
    else this.#parts.set(part, wants);
    this.#sync();
  }

  on<K extends keyof Handlers>(event: K, fn: Handlers[K]): () => void {
    this.#handlers[event].add(fn);
    return () => this.#handlers[event].delete(fn);
  }

  #emit<K extends "prints" | "alert" | "blocks" | "options">(event: K, payload: Parameters<Handlers[K]>[0]) {
    for (const fn of this.#handlers[event]) (fn as (p: typeof payload) => void)(payload);
  }

  #sync() {
    const socket = this.#socket;
    if (!socket?.connected) return;
    const wanted = unionOf(this.#parts.values());
    const { unsubscribe, subscribe } = plan(this.#sent, wanted);
    for (const m of unsubscribe) socket.emit("unsubscribe", m, () => {});
    for (const m of subscribe) {
      socket.emit("subscribe", m, (ack) => {
        if (!ack.ok)
          console.warn(`subscribe ${m.channels[0]}:${m.symbols.join(",")} refused: ${ack.error.message}`);
      });
    }
    this.#sent = new Map(wanted);
  }
}

export const hub = new SocketHub();
