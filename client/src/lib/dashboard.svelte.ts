/**
 * Page state: the selected symbol (kept in the URL as `?symbol=AAPL`), the list of symbols with data and
 * the REST payloads behind the sections. The metric cards, dark-pool charts, blocks and flow analysis read
 * the single `/analytics/{symbol}/dashboard` payload; sections whose own endpoint says more read it too:
 * the daily summary (`/dark-pool/{symbol}/summary`), stored alerts (`/alerts/{symbol}`), 13F holders and
 * flow (`/institutional/{symbol}/holders|flow`) and options positioning (`/blocks/{symbol}/options-positioning`).
 */

import { canonicalSymbol } from "../../../server/src/lib/symbol-form";
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
import { Resource } from "./resource.svelte";

/**
 * A typed ticker in the canonical form the server stores (`brk/b` -> `BRK.B`, `AAICpB` -> `AAIC.PRB`: the
 * server's own rule, docs/data-sources.md "Symbols"); null when it cannot be one.
 */
export function normalizeTicker(raw: string): string | null {
  const result = canonicalSymbol(raw);
  return result.ok ? result.symbol : null;
}

function symbolFromUrl(): string | null {
  return normalizeTicker(new URLSearchParams(location.search).get("symbol") ?? "");
}

/** How long after a live event the payloads are refetched; events arriving meanwhile share the refetch. */
const REFRESH_DEBOUNCE_MS = 3_000;
/** Background refresh so slow inputs (FINRA, 13F) and ages stay current without live events. */
const REFRESH_EVERY_MS = 60_000;

class DashboardState {
  symbol = $state<string | null>(symbolFromUrl());
  symbols = new Resource<SymbolInfo[]>();
  dashboard = new Resource<DashboardPayload>();
  summary = new Resource<DarkPoolSummary>();
  alerts = new Resource<StoredAlerts>();
  holders = new Resource<InstitutionalHolders>();
  institutionalFlow = new Resource<InstitutionalFlow>();
  options = new Resource<OptionsPositioning>();
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #interval: ReturnType<typeof setInterval> | null = null;

  /** Loads the symbol list and, if the URL named none, picks the first symbol that has data. */
  async start() {
    addEventListener("popstate", () => {
      const s = symbolFromUrl();
      if (s && s !== this.symbol) this.#select(s);
    });
    this.#interval = setInterval(() => this.refresh(), REFRESH_EVERY_MS);
    if (this.symbol) this.#select(this.symbol);
    await this.symbols.load(async (signal) => (await fetchSymbols(signal)).symbols);
    if (!this.symbol) {
      const first = this.symbols.data?.[0]?.symbol;
      if (first) this.select(first, { replace: true });
    }
  }

  stop() {
    if (this.#interval) clearInterval(this.#interval);
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
  }

  /** Switches the page to a symbol and records it in the URL (a new history entry unless `replace`). */
  select(symbol: string, o: { replace?: boolean } = {}) {
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
    void this.dashboard.refresh();
    void this.summary.refresh();
    void this.alerts.refresh();
    void this.holders.refresh();
    void this.institutionalFlow.refresh();
    void this.options.refresh();
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
