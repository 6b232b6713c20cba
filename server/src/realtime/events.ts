/**
 * The Socket.IO protocol, shared by the server and the dashboard (and documented in docs/socket-protocol.md).
 * Clients emit `subscribe`/`unsubscribe`; the server emits one event per channel.
 */
import type { AlertSeverity, AlertType } from "../alerts/alerts.rules";
import type { PrintWire } from "../darkpool/print-wire";
import type { AlertMessage } from "./bus";

export const CHANNELS = ["prints", "blocks", "options", "alerts"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface SubscribeRequest {
  /** Upper-case tickers, or `["*"]` for every symbol. */
  symbols: string[];
  channels: Channel[];
  /**
   * Optional, applied on the server: only prints worth at least `min_value` USD, only alerts of one of
   * `types` and at least `min_severity`. Each field needs its channel in `channels`; unknown keys are
   * refused. One subscription per channel and symbol: a new `subscribe` replaces the filter (or its
   * absence) of the channels and symbols it names.
   */
  filter?: SubscribeFilter;
}

export interface SubscribeFilter {
  /** Prints: `value` (price x size, USD) at least this; 0 to 1e12. */
  min_value?: number;
  /** Alerts: only these types (1 to 16 entries). */
  types?: AlertType[];
  /** Alerts: this severity or higher (`low` < `medium` < `high` < `critical`). */
  min_severity?: AlertSeverity;
}

export type SubscribeAck =
  | {
      ok: true;
      /** The symbols and channels applied, each once. */
      symbols: string[];
      channels: Channel[];
      /** The filter applied, normalized (present only when one was given). */
      filter?: SubscribeFilter;
      /** How many rooms (channel x symbol) the connection is in now. */
      rooms: number;
    }
  | { ok: false; error: { code: string; message: string } };

export interface PrintsBatch {
  symbol: string;
  /**
   * Per channel and symbol, +1 per batch: a jump means a missed batch. Backfill over REST at once and
   * again a couple of seconds later: live prints are sent before their insert commits
   * (docs/socket-protocol.md, "Delivery before storage").
   */
  seq: number;
  prints: PrintWire[];
}

export interface ChannelBatch {
  symbol: string;
  seq: number;
  items: unknown[];
}

export interface ServerToClientEvents {
  prints: (batch: PrintsBatch) => void;
  blocks: (batch: ChannelBatch) => void;
  options: (batch: ChannelBatch) => void;
  alert: (alert: AlertMessage) => void;
  /**
   * Sent through the adapter right after a subscription changes. Being a broadcast it carries a recovery
   * offset, so even a client that has received nothing else yet can resume its session after a blip.
   */
  subscribed: (info: { rooms: number }) => void;
  /**
   * This node is shutting down (SIGTERM): every pending batch has been sent, and the connection closes right
   * after. The client reconnects on its own (through the load balancer, to another node) and recovers its
   * session; the event only lets a UI say so.
   */
  shutdown: (info: { reconnect: true }) => void;
}

export interface ClientToServerEvents {
  subscribe: (request: SubscribeRequest, ack: (result: SubscribeAck) => void) => void;
  unsubscribe: (request: SubscribeRequest, ack: (result: SubscribeAck) => void) => void;
}

export interface SocketData {
  apiKey: string | null;
}

export type { AlertMessage, PrintWire };
