/**
 * The symbol page's state: the symbol (from the route, `/symbol/AAPL`), the history range and the as-of
 * moment (query parameters: `?range=3M&as_of=2021-01-28`, lib/routes.ts) and the REST payloads behind
 * the sections. The metric cards, blocks and flow analysis read `/analytics/{symbol}/dashboard`; sections
 * whose own endpoint says more read it too: the daily summary and price levels (`/dark-pool/{symbol}/summary`),
 * the daily history (`/dark-pool/{symbol}/patterns`), stored alerts (`/alerts/{symbol}`), 13F holders and
 * flow (`/institutional/{symbol}/holders|flow`) and options positioning (`/blocks/{symbol}/options-positioning`).
 * Each is requested once per symbol switch; with an as-of moment every one asks for that point in time.
 */

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
  type InstitutionalFlow,
  type InstitutionalHolders,
  type OptionsPositioning,
  type ServerMeta,
  type StoredAlerts,
} from "./api";
import { parseAsOf, parseRange, RANGE_DAYS, type Range } from "./history";
import { DEMO_SOURCE, live } from "./live.svelte";
import { Resource } from "./resource.svelte";
import { router as defaultRouter, type Router } from "./router.svelte";

export { normalizeTicker } from "./routes";

/** How long after a live event the payloads are refetched; events arriving meanwhile share the refetch. */
const REFRESH_DEBOUNCE_MS = 3_000;
/** Background refresh so slow inputs (FINRA, 13F) and ages stay current without live events. */
const REFRESH_EVERY_MS = 60_000;

export class DashboardState {
  symbol = $state<string | null>(null);
  /** A `/symbol/...` that is not a ticker, shown as a message instead of silently picking another symbol. */
  invalidSymbol = $state<string | null>(null);
  /** Range of the daily history charts. */
  range = $state<Range>("1M");
  /** The point-in-time view: the date picked and the instant sent as `as_of`; null = now, live. */
  asOf = $state<{ date: string; iso: string } | null>(null);
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
  /** Removes the router listener added by start(). */
  #off: (() => void) | null = null;
  /** What the payloads were last loaded for (symbol and as-of; the range only reloads the history). */
  #loadedKey = "";
  #loadedRange: Range | null = null;

  constructor(readonly router: Router = defaultRouter) {}

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

  /** Follows the router (the symbol route, range and as-of) and loads the server's demo note once. */
  start() {
    this.stop();
    this.#off = this.router.onChange(() => this.#fromRoute());
    this.#interval = setInterval(() => {
      if (!this.asOf && this.router.route.view === "symbol") this.refresh();
    }, REFRESH_EVERY_MS);
    void this.meta.load((signal) => fetchMeta(signal));
    this.#fromRoute();
  }

  /** Undoes start(): listener, timers and requests in flight. */
  stop() {
    this.#off?.();
    this.#off = null;
    if (this.#interval) clearInterval(this.#interval);
    this.#interval = null;
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
    this.#refreshTimer = null;
    for (const r of this.#resources()) r.cancel();
    this.meta.cancel();
    this.#loadedKey = "";
    this.#loadedRange = null;
  }

  #fromRoute() {
    const params = this.router.params;
    this.range = parseRange(params.get("range"));
    this.asOf = parseAsOf(params.get("as_of"));
    const route = this.router.route;
    if (route.view !== "symbol") return;
    if (route.symbol === null) {
      this.invalidSymbol = route.invalid ?? "";
      this.symbol = null;
      document.title = "Not a ticker · Smart Money Tracker";
      return;
    }
    this.invalidSymbol = null;
    this.#load(route.symbol);
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

  /** Shows a symbol's page (a new history entry unless `replace`). */
  select(symbol: string, o: { replace?: boolean } = {}) {
    this.router.go({ view: "symbol", symbol }, o);
  }

  /** Shows the daily history over another range (only the history is fetched again). */
  setRange(range: Range) {
    if (range === this.range) return;
    this.router.setParams({ range: range === "1M" ? null : range }, { replace: true });
  }

  /** Turns the page into the point-in-time view of a date (end of that New York day), or back to now (null). */
  setAsOf(date: string | null) {
    const next = parseAsOf(date);
    if ((next?.iso ?? null) === (this.asOf?.iso ?? null)) return;
    this.router.setParams({ as_of: next ? date : null });
  }

  /** Loads every payload for a symbol at the current as-of, unless exactly that is loaded already. */
  #load(symbol: string) {
    const asOf = this.asOf?.iso ?? null;
    const key = `${symbol}|${asOf ?? "now"}`;
    this.symbol = symbol;
    document.title = `${symbol}${asOf ? ` as of ${this.asOf?.date}` : ""} · Smart Money Tracker`;
    if (key === this.#loadedKey) {
      if (this.range !== this.#loadedRange) this.#loadPatterns(symbol);
      return;
    }
    this.#loadedKey = key;
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
    this.#loadedRange = this.range;
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
