/**
 * The Market page's state (docs/dashboard.md "Market page"): leaderboards by metric, today's unusual
 * symbols, cluster buys, the DIX series, and the live market tape of large off-exchange prints and alerts.
 *
 * Everything the view depends on is in the URL (`?metric=short_ratio&min_value=5000000&alerts=large_block
 * &severity=high&as_of=2021-01-25`), so a view can be shared. The tape starts from REST
 * (`/market/prints`, `/alerts/*`) and continues on the socket with server-side filters (`prints:*` with
 * `min_value`, `alerts:*` with `types` / `min_severity`: docs/socket-protocol.md "Filters"); rows are also
 * filtered here, because the same socket may be in plain rooms (the watchlist's) that deliver more. In the
 * point-in-time view (`as_of`) the tape is what REST knew then, and nothing live is joined.
 */
import type { AlertMessage, PrintWire } from "@smt/server/realtime/events";
import { type DixSeries, loadDixSeries } from "./dix";
import { parseAsOf } from "./history";
import { parseMetric } from "./leaderboards";
import {
  type AlertSeverity,
  type AlertType,
  type Clusters,
  fetchClusters,
  fetchLeaders,
  fetchMarketAlerts,
  fetchTape,
  type Leaders,
  type Metric,
  type TapePrint,
} from "./market-api";
import { Resource } from "./resource.svelte";
import { router as defaultRouter, type Router } from "./router.svelte";
import { hub, type Want } from "./socket.svelte";

export const MIN_VALUES = [100_000, 250_000, 500_000, 1_000_000, 5_000_000, 10_000_000] as const;
export const DEFAULT_MIN_VALUE = 1_000_000;
/** The alert types, labelled; typed against the server's list, so a new type must be added here. */
export const ALERT_TYPE_LABELS = {
  large_block: "Large block",
  unusual_sweep: "Unusual sweep",
  options_volume_spike: "Options volume spike",
  equity_volume_spike: "Equity volume spike",
  price_flow_divergence: "Price/flow divergence",
  insider_purchase: "Insider purchase",
  insider_cluster_buy: "Insider cluster buy",
  institutional_new_position: "13F new position",
  institutional_exit: "13F exit",
  short_ratio_spike: "Short-ratio spike",
} satisfies Record<AlertType, string>;
export const ALERT_TYPES = Object.keys(ALERT_TYPE_LABELS) as AlertType[];
export const SEVERITIES: readonly AlertSeverity[] = ["low", "medium", "high", "critical"];
export const LEADER_ROWS = 25;
const SIDE_ROWS = 10;
const TAPE_ROWS = 100;
const ALERT_ROWS = 50;
const FLUSH_MS = 250;

/** One row of the tape, from REST or from the socket. */
export interface TapeRow {
  key: string;
  symbol: string;
  at: string;
  price: number;
  size: number;
  valueUsd: number;
  sentiment: string;
  premiumPct: number | null;
  exchange: string;
  source: string;
}

export const fromRest = (p: TapePrint): TapeRow => ({
  key: p.trade_key,
  symbol: p.symbol,
  at: p.ts,
  price: p.price,
  size: p.size,
  valueUsd: p.value_usd,
  sentiment: p.sentiment,
  premiumPct: p.premium_discount_pct,
  exchange: p.exchange,
  source: p.source,
});

export const fromWire = (p: PrintWire): TapeRow => ({
  key: p.trade_key,
  symbol: p.symbol,
  at: p.timestamp,
  price: p.price,
  size: p.size,
  valueUsd: p.value,
  sentiment: p.sentiment,
  premiumPct: p.premium_discount,
  exchange: p.exchange,
  source: p.source,
});

/** Newest first, one row per key, at most `max`. */
export function mergeNewestFirst<T extends { key: string; at: string }>(
  a: readonly T[],
  b: readonly T[],
  max: number,
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const r of [...a, ...b].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0))) {
    if (seen.has(r.key)) continue;
    seen.add(r.key);
    out.push(r);
    if (out.length === max) break;
  }
  return out;
}

/** `?alerts=` as alert types: null for all (absent or naming every type); unknown names dropped. */
export function parseAlertTypes(raw: string | null): AlertType[] | null {
  if (raw === null || raw === "") return null;
  const picked = ALERT_TYPES.filter((t) => raw.split(",").includes(t));
  return picked.length === 0 || picked.length === ALERT_TYPES.length ? null : picked;
}

export function parseMinValue(raw: string | null): number {
  const v = Number(raw);
  return (MIN_VALUES as readonly number[]).includes(v) ? v : DEFAULT_MIN_VALUE;
}

export const parseSeverity = (raw: string | null): AlertSeverity | null =>
  SEVERITIES.includes(raw as AlertSeverity) ? (raw as AlertSeverity) : null;

/** An alert passes the tape's filter. */
export function alertPasses(
  a: { type: string; severity: string },
  types: readonly AlertType[] | null,
  min: AlertSeverity | null,
) {
  if (types && !types.includes(a.type as AlertType)) return false;
  return min === null || SEVERITIES.indexOf(a.severity as AlertSeverity) >= SEVERITIES.indexOf(min);
}

export class MarketState {
  metric = $state<Metric>("dark_pool_value");
  minValue = $state(DEFAULT_MIN_VALUE);
  alertTypes = $state.raw<AlertType[] | null>(null);
  minSeverity = $state<AlertSeverity | null>(null);
  asOf = $state<{ date: string; iso: string } | null>(null);
  leaders = new Resource<Leaders>();
  unusual = new Resource<Leaders>();
  clusters = new Resource<Clusters>();
  dix = new Resource<DixSeries>();
  tapeStatus = new Resource<true>();
  alertsStatus = new Resource<true>();
  tape = $state.raw<TapeRow[]>([]);
  alerts = $state.raw<AlertMessage[]>([]);
  /** Live rows received since the page opened (for the "live" note). */
  liveRows = $state(0);
  #off: (() => void)[] = [];
  #keys = { leaders: "", side: "", tape: "", alerts: "" };
  #pendingPrints: TapeRow[] = [];
  #pendingAlerts: AlertMessage[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly router: Router = defaultRouter) {}

  start() {
    this.stop();
    this.#off = [
      this.router.onChange(() => this.#fromRoute()),
      hub.on("prints", (b) => this.#onPrints(b.prints)),
      hub.on("alert", (a) => this.#onAlert(a)),
      // A new socket session may have missed rows: reload the tape from REST.
      hub.on("session", () => {
        if (this.#active) this.#reloadTape(true);
      }),
    ];
    this.#fromRoute();
  }

  stop() {
    for (const off of this.#off) off();
    this.#off = [];
    this.#leave();
  }

  get #active() {
    return this.router.route.view === "market";
  }

  setMetric(metric: Metric) {
    this.router.setParams({ metric: metric === "dark_pool_value" ? null : metric }, { replace: true });
  }
  setMinValue(v: number) {
    this.router.setParams({ min_value: v === DEFAULT_MIN_VALUE ? null : String(v) }, { replace: true });
  }
  setAlertTypes(types: AlertType[]) {
    const all = types.length === 0 || types.length === ALERT_TYPES.length;
    this.router.setParams({ alerts: all ? null : types.join(",") }, { replace: true });
  }
  setMinSeverity(s: AlertSeverity | null) {
    this.router.setParams({ severity: s }, { replace: true });
  }

  #fromRoute() {
    if (!this.#active) {
      this.#leave();
      return;
    }
    const p = this.router.params;
    this.metric = parseMetric(p.get("metric"));
    this.minValue = parseMinValue(p.get("min_value"));
    this.alertTypes = parseAlertTypes(p.get("alerts"));
    this.minSeverity = parseSeverity(p.get("severity"));
    this.asOf = parseAsOf(p.get("as_of"));
    document.title = `Market${this.asOf ? ` as of ${this.asOf.date}` : ""} · Smart Money Tracker`;
    const asOf = this.asOf?.iso ?? null;
    const metric = this.metric;
    if (this.#keys.leaders !== `${metric}|${asOf}`) {
      this.#keys.leaders = `${metric}|${asOf}`;
      void this.leaders.load((s) => fetchLeaders(metric, { asOf, limit: LEADER_ROWS }, s));
    }
    if (this.#keys.side !== `${asOf}`) {
      this.#keys.side = `${asOf}`;
      void this.unusual.load((s) => fetchLeaders("unusual_volume", { asOf, limit: SIDE_ROWS }, s));
      void this.clusters.load((s) => fetchClusters({ asOf, limit: SIDE_ROWS }, s));
      void this.dix.load((s) => loadDixSeries(asOf, s));
    }
    this.#reloadTape();
    this.#subscribe();
  }

  /** Loads the tape and alerts from REST when their filter (or as-of) changed. */
  #reloadTape(force = false) {
    const asOf = this.asOf?.iso ?? null;
    const minValue = this.minValue;
    const types = this.alertTypes;
    const minSeverity = this.minSeverity;
    const tapeKey = `${minValue}|${asOf}`;
    if (force || this.#keys.tape !== tapeKey) {
      this.#keys.tape = tapeKey;
      void this.tapeStatus.load(async (s) => {
        const page = await fetchTape({ minValue, asOf, limit: TAPE_ROWS }, s);
        this.tape = mergeNewestFirst(
          page.prints.map(fromRest),
          asOf ? [] : this.tape.filter((r) => r.valueUsd >= minValue),
          TAPE_ROWS,
        );
        return true;
      });
    }
    const alertKey = `${types?.join(",")}|${minSeverity}|${asOf}`;
    if (force || this.#keys.alerts !== alertKey) {
      this.#keys.alerts = alertKey;
      void this.alertsStatus.load(async (s) => {
        const stored = await fetchMarketAlerts({ types, minSeverity, limit: ALERT_ROWS }, s);
        // The alerts route has no as_of: the point-in-time view keeps those raised by then.
        this.alerts = stored.alerts.filter((a) => asOf === null || a.timestamp <= asOf) as AlertMessage[];
        return true;
      });
    }
  }

  /** Joins `prints:*` and `alerts:*` with the page's filter (live view only). */
  #subscribe() {
    if (this.asOf !== null) {
      hub.want("market", []);
      return;
    }
    const alertFilter = {
      ...(this.alertTypes ? { types: this.alertTypes } : {}),
      ...(this.minSeverity ? { min_severity: this.minSeverity } : {}),
    };
    const wants: Want[] = [
      { channel: "prints", symbol: "*", filter: { min_value: this.minValue } },
      {
        channel: "alerts",
        symbol: "*",
        ...(Object.keys(alertFilter).length > 0 ? { filter: alertFilter } : {}),
      },
    ];
    hub.want("market", wants);
  }

  #leave() {
    hub.want("market", []);
    for (const r of [this.leaders, this.unusual, this.clusters, this.dix, this.tapeStatus, this.alertsStatus])
      r.cancel();
    this.#keys = { leaders: "", side: "", tape: "", alerts: "" };
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pendingPrints = [];
    this.#pendingAlerts = [];
  }

  #onPrints(prints: readonly PrintWire[]) {
    if (!this.#active || this.asOf !== null) return;
    for (const p of prints)
      if (p.is_off_exchange && p.value >= this.minValue) this.#pendingPrints.push(fromWire(p));
    if (this.#pendingPrints.length > TAPE_ROWS)
      this.#pendingPrints.splice(0, this.#pendingPrints.length - TAPE_ROWS);
    this.#schedule();
  }

  #onAlert(a: AlertMessage) {
    if (!this.#active || this.asOf !== null || !alertPasses(a, this.alertTypes, this.minSeverity)) return;
    this.#pendingAlerts.push(a);
    this.#schedule();
  }

  #schedule() {
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      requestAnimationFrame(() => this.#flush());
    }, FLUSH_MS);
  }

  /** Applies what arrived since the last flush in one assignment per list. */
  #flush() {
    if (this.#pendingPrints.length > 0) {
      this.liveRows += this.#pendingPrints.length;
      this.tape = mergeNewestFirst(this.#pendingPrints, this.tape, TAPE_ROWS);
      this.#pendingPrints = [];
    }
    if (this.#pendingAlerts.length > 0) {
      const byId = new Map([...this.#pendingAlerts, ...this.alerts].map((a) => [a.id, a]));
      this.alerts = [...byId.values()]
        .sort((x, y) => (x.timestamp < y.timestamp ? 1 : -1))
        .slice(0, ALERT_ROWS);
      this.#pendingAlerts = [];
    }
  }
}

export const market = new MarketState();
