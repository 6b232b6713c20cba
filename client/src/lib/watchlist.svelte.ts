/**
 * The watchlist: up to MAX_WATCH tickers kept in the browser (localStorage) and in the URL (`?watch=AAPL,GME`,
 * carried from view to view so a shared link shows the same strip), shown as a live strip of last price,
 * change against the previous close and the latest off-exchange print per symbol.
 *
 * Which list wins: a `watch` parameter in the URL (a shared link, or Back to an older entry) is adopted and
 * stored; a URL without one shows the stored list and gets it added (the history entry is replaced).
 * Quotes start from REST (the newest prints and the daily closes) and move with the socket's prints of the
 * watched symbols, applied at most every FLUSH_MS.
 */
import { fetchPatterns, fetchPrints, type PatternDay } from "./api";
import { etDateHour } from "./history";
import type { PrintWire } from "./live.svelte";
import { router as defaultRouter, type Router } from "./router.svelte";
import { normalizeTicker } from "./routes";
import { hub } from "./socket.svelte";

export const MAX_WATCH = 20;
export const STORAGE_KEY = "smt.watchlist";
const FLUSH_MS = 250;
/** Prints read per symbol at start: the newest one is the last price; the newest off-exchange one is shown. */
const PRINTS_AT_START = 50;

export interface Quote {
  last: number | null;
  lastAt: string | null;
  /** Close of the New York day before the last price's day. */
  previousClose: number | null;
  /** The newest off-exchange print. */
  offExchange: { price: number; size: number; value: number; at: string } | null;
  status: "loading" | "ready" | "error";
}

/** A `watch` value as tickers: canonical form, no duplicates, invalid entries dropped, at most MAX_WATCH. */
export function parseWatch(raw: string | null | undefined): string[] {
  if (!raw) return [];
  const out: string[] = [];
  // Bounded work whatever the link holds: at most 1,000 entries are looked at.
  for (const part of raw.split(",", 1000)) {
    const t = normalizeTicker(part.trim());
    if (t && !out.includes(t)) out.push(t);
    if (out.length === MAX_WATCH) break;
  }
  return out;
}

/** The close of the last day strictly before `day` (YYYY-MM-DD), from a daily history. */
export function closeBefore(days: readonly PatternDay[], day: string): number | null {
  let close: number | null = null;
  for (const d of days) if (d.date < day && d.close !== null) close = d.close;
  return close;
}

/** Change of the last price against the previous close, in percent; null when either is unknown. */
export const changePct = (q: Quote): number | null =>
  q.last !== null && q.previousClose ? ((q.last - q.previousClose) / q.previousClose) * 100 : null;

function readStored(): string[] {
  try {
    return parseWatch(localStorage.getItem(STORAGE_KEY));
  } catch {
    return [];
  }
}

export class Watchlist {
  symbols = $state.raw<string[]>([]);
  quotes = $state.raw<Record<string, Quote>>({});
  #pending = new Map<string, PrintWire[]>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #off: (() => void)[] = [];
  #days = new Map<string, PatternDay[]>();

  constructor(readonly router: Router = defaultRouter) {}

  start() {
    this.stop();
    this.#off = [
      this.router.onChange(() => this.#fromUrl()),
      hub.on("prints", (b) => this.#onPrints(b.prints)),
    ];
    this.#fromUrl();
  }

  stop() {
    for (const off of this.#off) off();
    this.#off = [];
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    hub.want("watchlist", []);
  }

  has = (symbol: string) => this.symbols.includes(symbol);

  /** Adds a ticker at the end; false when the list is full or it is there already. */
  add(symbol: string): boolean {
    if (this.has(symbol) || this.symbols.length >= MAX_WATCH) return false;
    this.#set([...this.symbols, symbol]);
    return true;
  }

  remove(symbol: string) {
    this.#set(this.symbols.filter((s) => s !== symbol));
  }

  #fromUrl() {
    // A link's list wins over the stored one only when it names at least one valid ticker: a crafted
    // `?watch=` (empty or all junk) must not wipe the user's saved watchlist. (Emptying the list here
    // removes the parameter, so the app itself never writes an empty one.)
    const shared = parseWatch(this.router.params.get("watch"));
    this.#set(shared.length > 0 ? shared : readStored());
  }

  /** Applies a list: storage, URL (replaced), subscriptions and the quotes of new symbols. */
  #set(list: string[]) {
    const changed = list.join(",") !== this.symbols.join(",");
    this.symbols = list;
    try {
      if (list.length > 0) localStorage.setItem(STORAGE_KEY, list.join(","));
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage disabled (private mode, quota): the URL still holds the list.
    }
    const inUrl = this.router.params.get("watch");
    const wanted = list.length > 0 ? list.join(",") : null;
    if (inUrl !== wanted) this.router.setParams({ watch: wanted }, { replace: true });
    if (!changed) return;
    hub.want(
      "watchlist",
      list.map((symbol) => ({ channel: "prints" as const, symbol })),
    );
    const kept: Record<string, Quote> = {};
    for (const s of list) {
      const q = this.quotes[s];
      if (q) kept[s] = q;
    }
    this.quotes = kept;
    for (const s of list) if (!kept[s]) void this.#load(s);
  }

  async #load(symbol: string) {
    this.#patch(symbol, {
      last: null,
      lastAt: null,
      previousClose: null,
      offExchange: null,
      status: "loading",
    });
    try {
      const [page, history] = await Promise.all([
        fetchPrints(symbol, { limit: PRINTS_AT_START, includeLit: true }),
        fetchPatterns(symbol, 10, null),
      ]);
      if (!this.has(symbol)) return;
      this.#days.set(symbol, history.days);
      const newest = page.prints[0];
      const off = page.prints.find((p) => p.is_off_exchange);
      const lastDay = history.days.at(-1);
      const lastAt = newest?.timestamp ?? null;
      this.#patch(symbol, {
        last: newest?.price ?? lastDay?.close ?? null,
        lastAt,
        previousClose: closeBefore(
          history.days,
          lastAt ? etDateHour(Date.parse(lastAt)).date : (lastDay?.date ?? ""),
        ),
        offExchange: off ? { price: off.price, size: off.size, value: off.value, at: off.timestamp } : null,
        status: "ready",
      });
    } catch {
      // A symbol with no prints (404) still shows, with dashes; other failures show as "unavailable".
      if (this.has(symbol)) this.#patch(symbol, { status: "error" });
    }
  }

  #patch(symbol: string, q: Partial<Quote>) {
    const base: Quote = this.quotes[symbol] ?? {
      last: null,
      lastAt: null,
      previousClose: null,
      offExchange: null,
      status: "loading",
    };
    this.quotes = { ...this.quotes, [symbol]: { ...base, ...q } };
  }

  #onPrints(prints: readonly PrintWire[]) {
    const symbol = prints[0]?.symbol;
    if (!symbol || !this.has(symbol)) return;
    this.#pending.set(symbol, [...(this.#pending.get(symbol) ?? []), ...prints].slice(-200));
    this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush() {
    this.#timer = null;
    let next = this.quotes;
    for (const [symbol, prints] of this.#pending) {
      const q = next[symbol];
      if (!q) continue;
      let { last, lastAt, offExchange, previousClose } = q;
      for (const p of prints) {
        if (lastAt === null || p.timestamp >= lastAt) {
          const day = etDateHour(Date.parse(p.timestamp)).date;
          if (lastAt === null || etDateHour(Date.parse(lastAt)).date !== day)
            previousClose = closeBefore(this.#days.get(symbol) ?? [], day) ?? last ?? previousClose;
          last = p.price;
          lastAt = p.timestamp;
        }
        if (p.is_off_exchange && (offExchange === null || p.timestamp >= offExchange.at))
          offExchange = { price: p.price, size: p.size, value: p.value, at: p.timestamp };
      }
      next = { ...next, [symbol]: { ...q, last, lastAt, offExchange, previousClose, status: "ready" } };
    }
    this.#pending.clear();
    this.quotes = next;
  }
}

export const watchlist = new Watchlist();
