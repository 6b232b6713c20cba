/**
 * The symbol page's live side over the shared socket (lib/socket.svelte.ts, docs/socket-protocol.md):
 * prints into the live table, alerts into the panel, block and options events as refresh triggers.
 *
 * Rendering is throttled: socket batches land in a plain (non-reactive) queue and are applied to the
 * table in one assignment inside an animation frame, at most every TABLE_UPDATE_MS, capped at MAX_ROWS.
 * At 2k prints/s that is five table updates a second instead of one per print (or one per frame: at 60
 * updates/s the table's layout alone took a quarter of the main thread in test/bench/dashboard-frames),
 * and a hidden tab (no frames) only holds the newest MAX_TAPE prints in memory.
 *
 * Every print (lit and off-exchange) also lands on the `tape`, oldest first, which the intraday price chart
 * draws; the table shows the tape's newest off-exchange prints (or all, with "include lit"). One REST call
 * fills both on a symbol switch, a reconnect or a gap. In the point-in-time view (`as_of`) the page leaves
 * the live rooms and shows the tape up to that moment.
 */
import type { AlertMessage, Channel, PrintsBatch, PrintWire } from "@smt/server/realtime/events";
import { fetchPrints } from "./api";
import { type ConnectionState, hub } from "./socket.svelte";

export type { AlertMessage, ConnectionState, PrintWire };

/** Rows kept in the live table; older prints stay available over REST. */
export const MAX_ROWS = 200;
/** Prints kept on the tape for the price chart. */
export const MAX_TAPE = 5000;
/** Prints fetched from REST on a switch (the API's page limit). */
const BACKFILL_LIMIT = 1000;
const MAX_ALERTS = 50;
/**
 * Live prints are pushed before their insert commits (docs/socket-protocol.md, "Delivery before
 * storage"): a backfill for a gap or a new session runs at once and again this much later, from the same
 * point, to pick up prints that were still on their way to the database the first time.
 */
export const REFILL_AFTER_MS = 2000;
/** Minimum time between two table updates: fast enough to read as live, slow enough to stay cheap. */
export const TABLE_UPDATE_MS = 200;
/** The `source` of every row the demo loader and the simulator write. */
export const DEMO_SOURCE = "demo";
const CHANNELS: Channel[] = ["prints", "alerts", "blocks", "options"];

/**
 * Oldest first, one print per trade_key, the newest `max`. ISO timestamps from the server sort as text;
 * equal timestamps keep their arrival order.
 */
export function mergeTape(a: readonly PrintWire[], b: readonly PrintWire[], max = MAX_TAPE): PrintWire[] {
  const seen = new Set<string>();
  const out: PrintWire[] = [];
  for (const p of [...a, ...b].sort((x, y) =>
    x.timestamp < y.timestamp ? -1 : x.timestamp > y.timestamp ? 1 : 0,
  )) {
    if (seen.has(p.trade_key)) continue;
    seen.add(p.trade_key);
    out.push(p);
  }
  return out.length > max ? out.slice(out.length - max) : out;
}

/** The table's rows: the tape's newest prints first, off-exchange only unless `includeLit`, at most MAX_ROWS. */
export function tableRows(tape: readonly PrintWire[], includeLit: boolean): PrintWire[] {
  const out: PrintWire[] = [];
  for (let i = tape.length - 1; i >= 0 && out.length < MAX_ROWS; i--) {
    const p = tape[i]!;
    if (includeLit || p.is_off_exchange) out.push(p);
  }
  return out;
}

class LiveState {
  /** The shared socket's state (lib/socket.svelte.ts). */
  get connection(): ConnectionState {
    return hub.connection;
  }
  /** Live table rows, newest first. */
  rows = $state.raw<PrintWire[]>([]);
  /** Every print of the followed symbol (lit and off-exchange), oldest first, at most MAX_TAPE. */
  tape = $state.raw<PrintWire[]>([]);
  /** The point-in-time view: no live rooms, the tape ends here. */
  asOf = $state<string | null>(null);
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
  /** The socket has delivered prints of the demo simulator (`source = demo`): the feed is simulated. */
  simulated = $state(false);
  /** The followed symbol's stored prints include demo rows. */
  demoRows = $state(false);

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
  /** Removes the hub listeners added by connect(). */
  #off: (() => void)[] = [];

  /** Listens on the shared socket once; `onInputsChanged` is called when an alert, block or options event arrives. */
  connect(onInputsChanged: () => void) {
    if (this.#off.length > 0) return;
    this.#onChange = onInputsChanged;
    hub.connect();
    this.#off = [
      // A new session (the server could not recover the old one) may have missed prints: backfill.
      hub.on("session", () => {
        if (this.#symbol && this.asOf === null) this.#refill(this.#symbol);
      }),
      hub.on("prints", (batch) => this.#onPrints(batch)),
      hub.on("alert", (alert) => {
        if (alert.symbol !== this.#symbol || this.asOf !== null) return;
        if (this.alerts.some((a) => a.id === alert.id)) return;
        this.alerts = [alert, ...this.alerts].slice(0, MAX_ALERTS);
        this.#onChange?.();
      }),
      hub.on("blocks", (batch) => {
        if (batch.symbol !== this.#symbol) return;
        this.blockEvents += batch.items.length;
        this.#onChange?.();
      }),
      hub.on("options", (batch) => {
        if (batch.symbol !== this.#symbol) return;
        this.optionEvents += batch.items.length;
        this.#onChange?.();
      }),
    ];
    this.#rateTimer = setInterval(() => {
      this.printsPerSecond = this.#countThisSecond;
      this.#countThisSecond = 0;
    }, 1000);
  }

  /**
   * Follows a symbol (as of a moment, or live when `asOf` is null): leaves the old rooms, clears the table,
   * joins the new rooms (live only) and backfills.
   */
  follow(symbol: string, asOf: string | null = null) {
    if (symbol === this.#symbol && asOf === this.asOf) return;
    this.#symbol = symbol;
    this.asOf = asOf;
    hub.want("symbol", asOf === null ? CHANNELS.map((channel) => ({ channel, symbol })) : []);
    this.#pending = [];
    this.#keys.clear();
    this.#lastSeq = null;
    this.rows = [];
    this.tape = [];
    this.alerts = [];
    this.lastPrintAtMs = null;
    this.blockEvents = 0;
    this.optionEvents = 0;
    this.demoRows = false;
    void this.#backfill(symbol);
  }

  /** Stops following (another view is shown): leaves the symbol's rooms, keeps nothing queued. */
  unfollow() {
    this.#symbol = null;
    this.#pending = [];
    hub.want("symbol", []);
  }

  /** The tape holds lit prints too: switching only re-filters it. */
  setIncludeLit(on: boolean) {
    this.includeLit = on;
    this.rows = tableRows(this.tape, on);
  }

  /** Undoes connect(): hub listeners and timers (the socket itself is the hub's). */
  disconnect() {
    for (const off of this.#off) off();
    this.#off = [];
    hub.want("symbol", []);
    if (this.#rateTimer) clearInterval(this.#rateTimer);
    this.#rateTimer = null;
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    this.#frame = null;
    if (this.#wait !== null) clearTimeout(this.#wait);
    this.#wait = null;
    this.#symbol = null;
  }

  #onPrints(batch: PrintsBatch) {
    if (batch.symbol !== this.#symbol || this.asOf !== null) return;
    // Sequence numbers rise by one per batch and room across all nodes; a jump means batches were missed,
    // 0 means the server could not number it. A batch from another node may arrive a little late (lower).
    if (batch.seq === 0 || (this.#lastSeq !== null && batch.seq > this.#lastSeq + 1)) {
      this.gaps += 1;
      this.#refill(batch.symbol);
    }
    if (batch.seq > (this.#lastSeq ?? 0)) this.#lastSeq = batch.seq;
    this.#countThisSecond += batch.prints.length;
    if (!this.simulated && batch.prints.some((p) => p.source === DEMO_SOURCE)) this.simulated = true;
    for (const p of batch.prints) this.#pending.push(p);
    // Older queued prints would fall off the tape anyway.
    if (this.#pending.length > MAX_TAPE) this.#pending.splice(0, this.#pending.length - MAX_TAPE);
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
    for (const p of this.#pending) {
      if (this.#keys.has(p.trade_key)) continue;
      this.#keys.add(p.trade_key);
      incoming.push(p);
    }
    this.#pending = [];
    if (incoming.length === 0) return;
    const last = this.tape.at(-1);
    // Live prints nearly always arrive in time order: append; otherwise merge.
    let next =
      last === undefined || incoming.every((p) => p.timestamp >= last.timestamp)
        ? this.tape.concat(incoming)
        : mergeTape(this.tape, incoming, Number.POSITIVE_INFINITY);
    if (next.length > MAX_TAPE) {
      for (const p of next.slice(0, next.length - MAX_TAPE)) this.#keys.delete(p.trade_key);
      next = next.slice(next.length - MAX_TAPE);
    }
    this.tape = next;
    this.rows = tableRows(next, this.includeLit);
    this.lastPrintAtMs = Date.now();
  }

  /** A backfill from the newest print held now, at once and again REFILL_AFTER_MS later. */
  #refill(symbol: string) {
    const since = this.tape.at(-1)?.timestamp;
    void this.#backfill(symbol, since);
    setTimeout(() => {
      if (symbol === this.#symbol && this.asOf === null) void this.#backfill(symbol, since);
    }, REFILL_AFTER_MS);
  }

  /** Fills the tape and table from REST (lit and off-exchange): after a gap, a new session, or a switch. */
  async #backfill(symbol: string, since = this.tape.at(-1)?.timestamp) {
    const newest = since;
    const asOf = this.asOf;
    try {
      const page = await fetchPrints(symbol, {
        limit: BACKFILL_LIMIT,
        includeLit: true,
        ...(newest ? { since: newest } : {}),
        ...(asOf ? { until: asOf } : {}),
      });
      if (symbol !== this.#symbol || asOf !== this.asOf) return;
      this.backfills += 1;
      if (page.prints.some((p) => p.source === DEMO_SOURCE)) this.demoRows = true;
      if (page.prints.length === 0) return;
      const merged = mergeTape(page.prints, this.tape);
      this.#keys = new Set(merged.map((p) => p.trade_key));
      this.tape = merged;
      this.rows = tableRows(merged, this.includeLit);
    } catch (e) {
      // The section's own REST state shows a missing symbol; a failed backfill only loses older rows.
      if (symbol === this.#symbol)
        console.warn(`backfill for ${symbol} failed: ${e instanceof Error ? e.message : e}`);
    }
  }
}

export const live = new LiveState();
