/**
 * Page state: the selected symbol (kept in the URL as `?symbol=AAPL`), the list of symbols with data and
 * the REST payloads behind the sections. The metric cards, dark-pool charts, blocks and flow analysis read
 * the single `/analytics/{symbol}/dashboard` payload; sections whose own endpoint says more read it too:
 * the daily summary (`/dark-pool/{symbol}/summary`), stored alerts (`/alerts/{symbol}`), 13F holders and
 * flow (`/institutional/{symbol}/holders|flow`) and options positioning (`/blocks/{symbol}/options-positioning`).
 */
import {
  type DarkPoolSummary,
  type DashboardPayload,
  fetchDarkPoolSummary,
  fetchDashboard,
  fetchHolders,
  fetchInstitutionalFlow,
  fetchOptionsPositioning,
  fetchStoredAlerts,
  fetchSymbols,
  type InstitutionalFlow,
  type InstitutionalHolders,
  type OptionsPositioning,
  type StoredAlerts,
  type SymbolInfo,
} from "./api";
import { DEMO_SOURCE, live } from "./live.svelte";
import { Resource } from "./resource.svelte";

const TICKER = /^[A-Z][A-Z0-9./-]{0,13}$/;

/** Upper-cases and validates a typed ticker; null when it cannot be one. */
export function normalizeTicker(raw: string): string | null {
  const s = raw.trim().toUpperCase();
  return TICKER.test(s) ? s : null;
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
  symbols = new Resource<SymbolInfo[]>();
  dashboard = new Resource<DashboardPayload>();
  summary = new Resource<DarkPoolSummary>();
  alerts = new Resource<StoredAlerts>();
  holders = new Resource<InstitutionalHolders>();
  institutionalFlow = new Resource<InstitutionalFlow>();
  options = new Resource<OptionsPositioning>();
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #interval: ReturnType<typeof setInterval> | null = null;
  /** Removes the window listeners added by start(). */
  #listeners: AbortController | null = null;

  /**
   * Demo rows or the simulator are in play: the stored data of this symbol names the demo source, or the
   * socket delivers simulated prints. The page then says so (banner, "simulated" feed badge).
   */
  get demo(): { rows: boolean; simulator: boolean } {
    const named = (list: readonly { source: string }[] | undefined) =>
      list?.some((s) => s.source === DEMO_SOURCE) ?? false;
    const rows =
      live.demoRows ||
      named(this.summary.data?.sources) ||
      named(this.holders.data?.sources) ||
      named(this.institutionalFlow.data?.sources) ||
      (this.dashboard.data?.dark_pool.recent_prints.some((p) => p.source === DEMO_SOURCE) ?? false);
    return { rows, simulator: live.simulated };
  }

  /** Reads the URL, loads the symbol list and, if the URL named no symbol, picks the first one with data. */
  async start() {
    this.stop();
    this.#listeners = new AbortController();
    addEventListener("popstate", () => this.#fromUrl(), { signal: this.#listeners.signal });
    this.#interval = setInterval(() => this.refresh(), REFRESH_EVERY_MS);
    this.#fromUrl();
    await this.symbols.load(async (signal) => (await fetchSymbols(signal)).symbols);
    if (!this.symbol && !this.invalidSymbol) {
      const first = this.symbols.data?.[0]?.symbol;
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
  }

  #fromUrl() {
    const s = symbolFromSearch(location.search);
    if (s !== null && typeof s === "object") {
      this.invalidSymbol = s.invalid;
      return;
    }
    this.invalidSymbol = null;
    if (s && s !== this.symbol) this.#select(s);
  }

  #resources() {
    return [this.dashboard, this.summary, this.alerts, this.holders, this.institutionalFlow, this.options];
  }

  /** Switches the page to a symbol and records it in the URL (a new history entry unless `replace`). */
  select(symbol: string, o: { replace?: boolean } = {}) {
    this.invalidSymbol = null;
    const url = new URL(location.href);
    url.searchParams.set("symbol", symbol);
    if (o.replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
    this.#select(symbol);
  }

  #select(symbol: string) {
    this.symbol = symbol;
    document.title = `${symbol} · Smart Money Tracker`;
    void this.dashboard.load((signal) => fetchDashboard(symbol, signal));
    void this.summary.load((signal) => fetchDarkPoolSummary(symbol, signal));
    void this.alerts.load((signal) => fetchStoredAlerts(symbol, signal));
    void this.holders.load((signal) => fetchHolders(symbol, signal));
    void this.institutionalFlow.load((signal) => fetchInstitutionalFlow(symbol, signal));
    void this.options.load((signal) => fetchOptionsPositioning(symbol, signal));
  }

  /** Refetches the payloads in place. */
  refresh() {
    for (const r of this.#resources()) void r.refresh();
  }

  /** A live event (block, alert, options) changed the inputs: refetch soon, once for a burst. */
  refreshSoon() {
    if (this.#refreshTimer) return;
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }
}

export const page = new DashboardState();
