/**
 * The dashboard's URLs (docs/dashboard.md "Routes"), as pure functions: reading a location into a route and
 * writing a route back. Views are paths under BASE; what a view is looking at (as-of, range, watchlist,
 * a leaderboard metric) is in the query string, so any view can be shared as it is.
 *
 *   /smart-money/dashboard/market              the landing view
 *   /smart-money/dashboard/symbol/GME          one symbol
 *   /smart-money/dashboard/filer/0001067983    one 13F filer (CIK, 10 digits)
 *
 * Older links still work: `/smart-money/dashboard?symbol=AAPL` becomes `/symbol/AAPL`, the bare base becomes
 * `/market`, a lower-case ticker or a short CIK becomes its canonical form (the URL is replaced, not pushed).
 */
import { canonicalSymbol } from "../../../server/src/lib/symbol-form";

export const BASE = "/smart-money/dashboard";

export type Route =
  | { view: "market" }
  /** `symbol` null when the path's ticker cannot be one (`invalid` holds what was typed). */
  | { view: "symbol"; symbol: string | null; invalid?: string }
  | { view: "filer"; cik: string | null; invalid?: string }
  | { view: "not-found"; path: string };

/** Query parameters that describe what the user looks at whatever the view: kept when moving between views. */
export const SHARED_PARAMS = ["as_of", "range", "watch"] as const;

/** A typed ticker in the server's canonical form (`brk/b` -> `BRK.B`); null when it cannot be one. */
export function normalizeTicker(raw: string): string | null {
  const result = canonicalSymbol(raw);
  return result.ok ? result.symbol : null;
}

/** A CIK as SEC writes it in URLs and filings: 10 digits, zero-padded; null when it is not 1-10 digits. */
export function normalizeCik(raw: string): string | null {
  return /^\d{1,10}$/.test(raw) ? raw.padStart(10, "0") : null;
}

/** The path of a route (no query string). */
export function routePath(route: Route): string {
  switch (route.view) {
    case "market":
      return `${BASE}/market`;
    case "symbol":
      return `${BASE}/symbol/${encodeURIComponent(route.symbol ?? route.invalid ?? "")}`;
    case "filer":
      return `${BASE}/filer/${encodeURIComponent(route.cik ?? route.invalid ?? "")}`;
    case "not-found":
      return route.path;
  }
}

/** Two routes name the same view of the same subject. */
export function sameRoute(a: Route, b: Route): boolean {
  return routePath(a) === routePath(b);
}

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * Reads a location. `canonical` is set when the URL should be replaced by its canonical form (a legacy
 * `?symbol=`, the bare base, `gme` for `GME`): the caller replaces the history entry, it does not add one.
 */
export function parseLocation(pathname: string, search: string): { route: Route; canonical: string | null } {
  const params = new URLSearchParams(search);
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length).replace(/\/+$/, "") : null;
  const withQuery = (path: string, drop: string[] = []) => {
    const q = new URLSearchParams(search);
    for (const d of drop) q.delete(d);
    const text = queryText(q);
    return `${path}${text ? `?${text}` : ""}`;
  };
  if (rest === "" || rest === "/index.html") {
    const legacy = params.get("symbol");
    const route: Route = legacy !== null && legacy.trim() !== "" ? symbolRoute(legacy) : { view: "market" };
    return { route, canonical: withQuery(routePath(route), ["symbol"]) };
  }
  if (rest === "/market") return { route: { view: "market" }, canonical: null };
  const m = rest === null ? null : /^\/(symbol|filer)\/([^/]+)$/.exec(rest);
  if (!m) return { route: { view: "not-found", path: pathname }, canonical: null };
  const raw = decode(m[2] as string);
  const route = m[1] === "symbol" ? symbolRoute(raw) : filerRoute(raw);
  const path = routePath(route);
  const valid =
    route.view === "symbol" ? route.symbol !== null : route.view === "filer" && route.cik !== null;
  return { route, canonical: valid && path !== pathname ? withQuery(path) : null };
}

function symbolRoute(raw: string): Route {
  const symbol = normalizeTicker(raw);
  return symbol ? { view: "symbol", symbol } : { view: "symbol", symbol: null, invalid: raw };
}

function filerRoute(raw: string): Route {
  const cik = normalizeCik(raw);
  return cik ? { view: "filer", cik } : { view: "filer", cik: null, invalid: raw };
}

/**
 * The URL of a route seen from the current query string: the shared parameters carry over, the others
 * (a view's own) are dropped, then `params` is applied (null deletes).
 */
export function routeHref(
  route: Route,
  currentSearch: string,
  params: Record<string, string | null> = {},
): string {
  const from = new URLSearchParams(currentSearch);
  const q = new URLSearchParams();
  for (const k of SHARED_PARAMS) {
    const v = from.get(k);
    if (v !== null) q.set(k, v);
  }
  for (const [k, v] of Object.entries(params)) {
    if (v === null) q.delete(k);
    else q.set(k, v);
  }
  const text = queryText(q);
  return `${routePath(route)}${text ? `?${text}` : ""}`;
}

/** A query string without its "?", commas left readable (`watch=AAPL,GME`, not `AAPL%2CGME`). */
export const queryText = (q: URLSearchParams): string => q.toString().replaceAll("%2C", ",");
