/**
 * Page state: the selected symbol, the history range and the as-of moment (all kept in the URL:
 * `?symbol=AAPL&range=3M&as_of=2021-01-28`), the list of symbols with data and the REST payloads behind
 * the sections. The metric cards, blocks and flow analysis read `/analytics/{symbol}/dashboard`; sections
 * whose own endpoint says more read it too: the daily summary and price levels (`/dark-pool/{symbol}/summary`),
 * the daily history (`/dark-pool/{symbol}/patterns`), stored alerts (`/alerts/{symbol}`), 13F holders and
 * flow (`/institutional/{symbol}/holders|flow`) and options positioning (`/blocks/{symbol}/options-positioning`).
 * Each is requested once per symbol switch; with an as-of moment every one asks for that point in time.
 */

import { canonicalSymbol } from "../../../server/src/lib/symbol-form";
import {
  type DarkPoolPatterns,
  type DarkPoolSummary,
  type DashboardPayload,
  fetchDarkPoolSummary,
  fetchDashboard,
  fetchHolders,
  fetchInstitutionalFlow,
  fetchMeta,
  fetchOptionsPositioning,
  fetchPatterns,
  fetchStoredAlerts,
  fetchSymbols,
  type InstitutionalFlow,
  type InstitutionalHolders,
  type OptionsPositioning,
  type ServerMeta,
  type StoredAlerts,
  type SymbolInfo,
} from "./api";
import { parseAsOf, parseRange, RANGE_DAYS, type Range } from "./history";
import { DEMO_SOURCE, live } from "./live.svelte";
import { Resource } from "./resource.svelte";

/**
 * A typed ticker in the canonical form the server stores (`brk/b` -> `BRK.B`, `AAICpB` -> `AAIC.PRB`: the
 * server's own rule, docs/data-sources.md "Symbols"); null when it cannot be one.
 */
export function normalizeTicker(raw: string): string | null {
  const result = canonicalSymbol(raw);
  return result.ok ? result.symbol : null;
}

/** The URL's `?symbol=`: a ticker, null when absent, or `{ invalid }` when it cannot be one ("AAPL!!"). */
export function symbolFromSearch(search: string): string | null | { invalid: string } {
  const raw = new URLSearchParams(search).get("symbol");
  if (raw === null || raw.trim() === "") return null;
  return normalizeTicker(raw) ?? { invalid: raw };
}

/** How long after a live event the payloads are refetched; events arriving meanwhile share the refetch. */
const REFRESH_DEBOUNCE_MS = 3_000;
/** Background refresh so slow inputs (FINRA, 13F) and ages stay current without live events. */
const REFRESH_EVERY_MS = 60_000;

export class DashboardState {
  symbol = $state<string | null>(null);
  /** A `?symbol=` that is not a ticker, shown as a message instead of silently picking another symbol. */
  invalidSymbol = $state<string | null>(null);
  /** Range of the daily history charts. */
  range = $state<Range>("1M");
  /** The point-in-time view: the date picked and the instant sent as `as_of`; null = now, live. */
  asOf = $state<{ date: string; iso: string } | null>(null);
  symbols = new Resource<SymbolInfo[]>();
  /** The server's own word on demo data (`GET /smart-money/meta`), loaded once per start. */
  meta = new Resource<ServerMeta>();
  dashboard = new Resource<DashboardPayload>();
  summary = new Resource<DarkPoolSummary>();
  patterns = new Resource<DarkPoolPatterns>();
  alerts = new Resource<StoredAlerts>();
  holders = new Resource<InstitutionalHolders>();
  institutionalFlow = new Resource<InstitutionalFlow>();
  options = new Resource<OptionsPositioning>();
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #interval: ReturnType<typeof setInterval> | null = null;
  /** Removes the window listeners added by start(). */
  #listeners: AbortController | null = null;
  /** What the payloads were last loaded for: a change of any part reloads. */
  #loadedKey = "";

  /**
   * Demo rows or the simulator are in play: the stored data of this symbol names the demo source, or the
   * socket delivers simulated prints. The page then says so (banner, "simulated" feed badge).
   */
  get demo(): { rows: boolean; simulator: boolean; replayDay: string | null } {
    const named = (list: readonly { source: string }[] | undefined) =>
      list?.some((s) => s.source === DEMO_SOURCE) ?? false;
    const meta = this.meta.data?.demo;
    const sim = meta?.simulator?.running ? meta.simulator : null;
    const rows =
      (this.symbol !== null && (meta?.symbols.includes(this.symbol) ?? false)) ||
      live.demoRows ||
      named(this.summary.data?.sources) ||
      named(this.holders.data?.sources) ||
      named(this.institutionalFlow.data?.sources) ||
      (this.dashboard.data?.dark_pool.recent_prints.some((p) => p.source === DEMO_SOURCE) ?? false);
    return {
      rows,
      simulator: sim !== null || live.simulated,
      replayDay: sim?.clock === "replay" ? sim.session_day : null,
    };
  }

  /** Reads the URL, loads the symbol list and, if the URL named no symbol, picks the first one with data. */
  async start() {
    this.stop();
    this.#listeners = new AbortController();
    addEventListener("popstate", () => this.#fromUrl(), { signal: this.#listeners.signal });
    this.#interval = setInterval(() => {
      if (!this.asOf) this.refresh();
    }, REFRESH_EVERY_MS);
    this.#fromUrl();
    void this.meta.load((signal) => fetchMeta(signal));
    await this.symbols.load(async (signal) => (await fetchSymbols(signal)).symbols);
    if (!this.symbol && !this.invalidSymbol) {
      // Prefer a symbol with prints (a FINRA file alone lists thousands of symbols, alphabetically first).
      const list = this.symbols.data ?? [];
      const first = (list.find((x) => x.kinds.includes("prints")) ?? list[0])?.symbol;
      if (first) this.select(first, { replace: true });
    }
  }

  /** Undoes start(): listeners, timers and requests in flight. */
  stop() {
    this.#listeners?.abort();
    this.#listeners = null;
    if (this.#interval) clearInterval(this.#interval);
    this.#interval = null;
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
    for (const r of this.#resources()) r.cancel();
    this.symbols.cancel();
    this.meta.cancel();
    this.#loadedKey = "";
  }

  #fromUrl() {
    const params = new URLSearchParams(location.search);
    this.range = parseRange(params.get("range"));
    this.asOf = parseAsOf(params.get("as_of"));
    const s = symbolFromSearch(location.search);
    if (s !== null && typeof s === "object") {
      this.invalidSymbol = s.invalid;
      return;
    }
    this.invalidSymbol = null;
    if (s) this.#load(s);
  }

  #resources() {
    return [
      this.dashboard,
      this.summary,
      this.patterns,
      this.alerts,
      this.holders,
      this.institutionalFlow,
      this.options,
    ];
  }

  /** Switches the page to a symbol and records it in the URL (a new history entry unless `replace`). */
  select(symbol: string, o: { replace?: boolean } = {}) {
    this.invalidSymbol = null;
    this.#pushUrl({ symbol }, o.replace);
    this.#load(symbol);
  }

  /** Shows the daily history over another range (only the history is fetched again). */
  setRange(range: Range) {
    if (range === this.range) return;
    this.range = range;
    this.#pushUrl({ range: range === "1M" ? null : range }, true);
    const symbol = this.symbol;
    if (symbol) this.#loadPatterns(symbol);
  }

  /** Turns the page into the point-in-time view of a date (end of that New York day), or back to now (null). */
  setAsOf(date: string | null) {
    const next = parseAsOf(date);
    if ((next?.iso ?? null) === (this.asOf?.iso ?? null)) return;
    this.asOf = next;
    this.#pushUrl({ as_of: next ? date : null });
    if (this.symbol) this.#load(this.symbol);
  }

  #pushUrl(changes: Record<string, string | null>, replace = false) {
    const url = new URL(location.href);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) url.searchParams.delete(k);
      else url.searchParams.set(k, v);
    }
    if (url.href === location.href) return;
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
  }

  /** Loads every payload for a symbol at the current as-of, unless exactly that is loaded already. */
  #load(symbol: string) {
    const asOf = this.asOf?.iso ?? null;
    const key = `${symbol}|${asOf ?? "now"}|${this.range}`;
    this.symbol = symbol;
    if (key === this.#loadedKey) return;
    this.#loadedKey = key;
    document.title = `${symbol}${asOf ? ` as of ${this.asOf?.date}` : ""} · Smart Money Tracker`;
    void this.dashboard.load((signal) => fetchDashboard(symbol, asOf, signal));
    void this.summary.load((signal) => fetchDarkPoolSummary(symbol, asOf, signal));
    this.#loadPatterns(symbol);
    void this.alerts.load(async (signal) => {
      const stored = await fetchStoredAlerts(symbol, signal);
      // The alerts route has no as_of: the point-in-time view keeps the alerts raised by then.
      return asOf ? { ...stored, alerts: stored.alerts.filter((a) => a.timestamp <= asOf) } : stored;
    });
    void this.holders.load((signal) => fetchHolders(symbol, asOf, signal));
    void this.institutionalFlow.load((signal) => fetchInstitutionalFlow(symbol, asOf, signal));
    void this.options.load((signal) => fetchOptionsPositioning(symbol, asOf, signal));
  }

  #loadPatterns(symbol: string) {
    const asOf = this.asOf?.iso ?? null;
    const days = RANGE_DAYS[this.range];
    this.#loadedKey = `${symbol}|${asOf ?? "now"}|${this.range}`;
    void this.patterns.load((signal) => fetchPatterns(symbol, days, asOf, signal));
  }

  /** Refetches the payloads in place. */
  refresh() {
    for (const r of this.#resources()) void r.refresh();
  }

  /** A live event (block, alert, options) changed the inputs: refetch soon, once for a burst. */
  refreshSoon() {
    if (this.asOf || this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }
}

export const page = new DashboardState();
