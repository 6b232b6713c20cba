/**
 * The fund (filer) page's state (`/filer/0001067983?period=2024-09-30`): one 13F filer's portfolio for a
 * quarter against the prior one (`/institutional/filers/{cik}`), loaded a page of holdings at a time.
 * The period and the as-of moment are in the URL; choosing another quarter adds a history entry.
 */
import { parseAsOf } from "./history";
import { type Filer, type FilerHolding, fetchFiler } from "./market-api";
import { Resource } from "./resource.svelte";
import { router as defaultRouter, type Router } from "./router.svelte";

/** Holdings per request (the route's maximum is 1,000). */
export const HOLDINGS_PAGE = 200;
const QUARTER_END = /^\d{4}-(03-31|06-30|09-30|12-31)$/;

/** The quarter end after `period` (YYYY-MM-DD of a quarter end). */
export function nextQuarterEnd(period: string): string {
  const [y, m] = period.split("-").map(Number) as [number, number];
  const next = m === 12 ? { y: y + 1, m: 3 } : { y, m: m + 3 };
  const day = next.m === 3 || next.m === 12 ? 31 : 30;
  return `${next.y}-${String(next.m).padStart(2, "0")}-${day}`;
}

export class FilerState {
  cik = $state<string | null>(null);
  period = $state<string | null>(null);
  asOf = $state<{ date: string; iso: string } | null>(null);
  portfolio = new Resource<Filer>();
  /** Holdings loaded so far (the first page comes with the portfolio, more on request). */
  holdings = $state.raw<FilerHolding[]>([]);
  loadingMore = $state(false);
  #key = "";
  #off: (() => void) | null = null;

  constructor(readonly router: Router = defaultRouter) {}

  start() {
    this.stop();
    this.#off = this.router.onChange(() => this.#fromRoute());
    this.#fromRoute();
  }

  stop() {
    this.#off?.();
    this.#off = null;
    this.portfolio.cancel();
    this.#key = "";
  }

  /** Shows another quarter (null: the newest published by as-of). */
  setPeriod(period: string | null) {
    this.router.setParams({ period });
  }

  async loadMore() {
    const p = this.portfolio.data;
    if (!p || p.next_offset === null || this.loadingMore || this.holdings.length >= p.total) return;
    this.loadingMore = true;
    const key = this.#key;
    try {
      const more = await fetchFiler(p.cik, {
        period: p.period,
        asOf: this.asOf?.iso ?? null,
        limit: HOLDINGS_PAGE,
        offset: this.holdings.length,
      });
      if (key === this.#key) this.holdings = [...this.holdings, ...more.holdings];
    } finally {
      this.loadingMore = false;
    }
  }

  #fromRoute() {
    const route = this.router.route;
    if (route.view !== "filer") return;
    const params = this.router.params;
    const raw = params.get("period");
    this.period = raw && QUARTER_END.test(raw) ? raw : null;
    this.asOf = parseAsOf(params.get("as_of"));
    this.cik = route.cik;
    const cik = route.cik;
    if (cik === null) {
      document.title = "Not a CIK · Smart Money Tracker";
      return;
    }
    document.title = `Filer ${cik} · Smart Money Tracker`;
    const period = this.period;
    const asOf = this.asOf?.iso ?? null;
    const key = `${cik}|${period}|${asOf}`;
    if (key === this.#key) return;
    this.#key = key;
    this.holdings = [];
    void this.portfolio.load(async (signal) => {
      const p = await fetchFiler(cik, { period, asOf, limit: HOLDINGS_PAGE, offset: 0 }, signal);
      this.holdings = p.holdings;
      if (p.name) document.title = `${p.name} (13F ${p.period}) · Smart Money Tracker`;
      return p;
    });
  }
}

export const filer = new FilerState();
