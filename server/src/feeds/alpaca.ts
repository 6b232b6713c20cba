import WebSocket from "ws";
import { parseAlpacaMessages } from "../darkpool/alpaca.parse";
import type { Logger } from "../lib/log";
import type { Feed, FeedSink } from "./feed";

export interface AlpacaFeedOptions {
  /** `wss://stream.data.alpaca.markets/v2/sip` (or a local server speaking the protocol, in tests). */
  url: string;
  keyId: string;
  secretKey: string;
  symbols: string[];
  log: Logger;
  /** First reconnect delay; doubles per failure up to `maxBackoffMs`, with jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export type AlpacaState =
  | "idle"
  | "connecting"
  | "authenticating"
  | "subscribed"
  | "backoff"
  | "stopped"
  | "failed";

/**
 * Alpaca market-data v2 stream client: connect, authenticate (`{"action":"auth","key","secret"}`),
 * subscribe to trades and quotes, and reconnect with exponential backoff after a drop. An authentication
 * failure (code 402) or an unrecoverable error stops the feed instead of hammering the server.
 */
export class AlpacaFeed implements Feed {
  readonly name = "alpaca";
  state: AlpacaState = "idle";
  /** Connections made so far (1 = first connect); visible for tests and logs. */
  connections = 0;
  private ws: WebSocket | null = null;
  private sink: FeedSink | null = null;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<(s: AlpacaState) => void>();

  constructor(private readonly o: AlpacaFeedOptions) {
    this.backoffMs = o.initialBackoffMs ?? 1000;
  }

  onState(listener: (s: AlpacaState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(sink: FeedSink): Promise<void> {
    this.sink = sink;
    this.connect();
  }

  async stop(): Promise<void> {
    this.setState("stopped");
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close();
    this.ws = null;
  }

  private setState(s: AlpacaState) {
    this.state = s;
    for (const l of this.listeners) l(s);
  }

  private connect() {
    if (this.state === "stopped" || this.state === "failed") return;
    this.setState("connecting");
    this.connections++;
    const ws = new WebSocket(this.o.url);
    this.ws = ws;
    ws.on("message", (data) => this.onFrame(ws, data.toString()));
    ws.on("error", (error) => this.o.log.warn("stream error", { error }));
    ws.on("close", () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.scheduleReconnect();
    });
  }

  private scheduleReconnect() {
    if (this.state === "stopped" || this.state === "failed") return;
    this.setState("backoff");
    const delay = Math.round(this.backoffMs * (0.8 + Math.random() * 0.4));
    this.o.log.info("reconnecting", { in_ms: delay });
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.maxBackoffMs ?? 30_000);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /**
   * The pipeline's queue is full: stop reading the socket until it drains. The vendor's frames wait in the
   * TCP buffers (and the vendor's, which may drop a slow consumer: the feed then reconnects).
   */
  private pauseUntilDrained(ws: WebSocket, sink: FeedSink) {
    if (ws.isPaused || !sink.drained) return;
    ws.pause();
    void sink.drained().then(() => ws.resume());
  }

  private onFrame(ws: WebSocket, json: string) {
    const sink = this.sink;
    if (!sink) return;
    for (const item of parseAlpacaMessages(json, { sourceName: "alpaca" })) {
      if (!item.ok) {
        sink.error(item.error);
        continue;
      }
      const ev = item.record;
      switch (ev.kind) {
        case "trade":
          sink.print(ev.print);
          if (sink.accepting?.() === false) this.pauseUntilDrained(ws, sink);
          break;
        case "quote":
          sink.quote(ev.quote);
          break;
        case "success":
          if (ev.message === "connected") {
            this.setState("authenticating");
            ws.send(JSON.stringify({ action: "auth", key: this.o.keyId, secret: this.o.secretKey }));
          } else if (ev.message === "authenticated") {
            ws.send(JSON.stringify({ action: "subscribe", trades: this.o.symbols, quotes: this.o.symbols }));
          }
          break;
        case "subscription":
          this.backoffMs = this.o.initialBackoffMs ?? 1000;
          this.setState("subscribed");
          break;
        case "error":
          this.o.log.error("stream refused", { code: ev.code, message: ev.message });
          // 402 auth failed, 404 auth timeout, 409 insufficient subscription: retrying cannot help.
          if (ev.code === 402 || ev.code === 409) {
            this.setState("failed");
            ws.close();
          }
          break;
        default:
          break;
      }
    }
  }
}
