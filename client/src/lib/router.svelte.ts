/**
 * The page's location as state: the current route (lib/routes.ts) and query string, kept in step with the
 * browser's history. Navigation pushes a history entry (so Back returns), parameter tweaks may replace it;
 * Back and Forward (popstate) are read the same way. Clicks on same-origin links under BASE are handled
 * here (no reload), except with a modifier key or a target, so "open in new tab" keeps working.
 */
import { BASE, parseLocation, queryText, type Route, routeHref } from "./routes";

/** How the route changed: the first read, a pushed or replaced entry, or Back/Forward. */
export type NavigationKind = "start" | "push" | "replace" | "pop";
type Listener = (route: Route, kind: NavigationKind) => void;

export class Router {
  route = $state.raw<Route>({ view: "market" });
  /** The query string (with its "?"), or "". */
  search = $state("");
  #listeners = new Set<Listener>();
  #abort: AbortController | null = null;

  /** Reads the location (replacing it by its canonical form if needed) and follows history from now on. */
  start() {
    this.stop();
    this.#abort = new AbortController();
    const { signal } = this.#abort;
    addEventListener("popstate", () => this.#read("pop"), { signal });
    if (typeof document !== "undefined" && typeof document.addEventListener === "function") {
      document.addEventListener("click", (e) => this.#onClick(e), { signal });
    }
    this.#read("start");
  }

  stop() {
    this.#abort?.abort();
    this.#abort = null;
  }

  /** Called after every change of route or query (also on start); returns its removal. */
  onChange(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  get params(): URLSearchParams {
    return new URLSearchParams(this.search);
  }

  /** A link to a route from here: shared parameters (as_of, range, watch) kept, `params` applied. */
  href(route: Route, params: Record<string, string | null> = {}): string {
    return routeHref(route, this.search, params);
  }

  /** Shows a route (a new history entry unless `replace`). */
  go(route: Route, o: { replace?: boolean; params?: Record<string, string | null> } = {}) {
    this.navigate(this.href(route, o.params), o.replace);
  }

  /** Changes query parameters of the current view (null deletes). */
  setParams(changes: Record<string, string | null>, o: { replace?: boolean } = {}) {
    const url = new URL(location.href);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) url.searchParams.delete(k);
      else url.searchParams.set(k, v);
    }
    const text = queryText(url.searchParams);
    url.search = text ? `?${text}` : "";
    this.navigate(url.href, o.replace);
  }

  navigate(href: string, replace = false) {
    const target = new URL(href, location.href);
    if (target.href === location.href) return;
    if (replace) history.replaceState(null, "", target);
    else history.pushState(null, "", target);
    this.#read(replace ? "replace" : "push");
  }

  #read(kind: NavigationKind) {
    const url = new URL(location.href);
    const { route, canonical } = parseLocation(url.pathname, url.search);
    if (canonical !== null) history.replaceState(history.state ?? null, "", new URL(canonical, url));
    this.route = route;
    this.search = new URL(location.href).search;
    for (const fn of this.#listeners) fn(route, kind);
  }

  #onClick(e: MouseEvent) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target instanceof Element ? e.target.closest("a") : null;
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
    e.preventDefault();
    this.navigate(url.href);
  }
}

export const router = new Router();
