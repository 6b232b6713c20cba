/**
 * Stand-ins for the browser in the client's unit tests: a window (URL, history, listeners), a print in
 * the server's wire shape, a fetch answering by path with recorded-shape payloads, and a socket hub
 * whose events the test sends.
 */
import { vi } from "vitest";
import type { PrintWire } from "../lib/live.svelte";
import type { Want } from "../lib/socket.svelte";

export const print = (over: Partial<PrintWire> & { trade_key: string; timestamp: string }): PrintWire => ({
  symbol: "AAPL",
  price: 190,
  size: 100,
  value: 19_000,
  premium_discount: null,
  market_price: null,
  market_price_source: null,
  is_premium: null,
  sentiment: "neutral",
  side: "unknown",
  exchange: "D",
  trf_id: null,
  is_off_exchange: true,
  conditions: [],
  block_eligible: true,
  exclusion_reason: null,
  is_iso: false,
  is_late: false,
  source: "test",
  source_ref: "test:1",
  ...over,
});

/** A window stand-in: URL, history and listeners, enough for the router and DashboardState. */
export function fakeWindow(pathAndSearch: string) {
  const listeners = new Map<string, Set<() => void>>();
  const loc = new URL(`http://localhost/smart-money/dashboard${pathAndSearch}`);
  const win = {
    location: {
      get href() {
        return loc.href;
      },
      get search() {
        return loc.search;
      },
      get pathname() {
        return loc.pathname;
      },
      origin: loc.origin,
    },
    history: {
      state: null,
      pushs: 0,
      pushState: (_: unknown, __: string, url: URL) => {
        win.history.pushs++;
        loc.href = String(url);
      },
      replaceState: (_: unknown, __: string, url: URL) => {
        loc.href = String(url);
      },
    },
    addEventListener: (type: string, fn: () => void, o?: { signal?: AbortSignal }) => {
      const set = listeners.get(type) ?? new Set();
      set.add(fn);
      listeners.set(type, set);
      o?.signal?.addEventListener("abort", () => set.delete(fn));
    },
    listenerCount: (type: string) => listeners.get(type)?.size ?? 0,
    url: () => loc,
  };
  vi.stubGlobal("location", win.location);
  vi.stubGlobal("history", win.history);
  vi.stubGlobal("addEventListener", win.addEventListener);
  vi.stubGlobal("document", { title: "" });
  return win;
}

/** A JSON answer the way the server sends it. */
export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * Stubs fetch: each request is recorded and answered by `answer(url)` (a Response, or a body sent as
 * 200 JSON); the returned list holds every requested URL.
 */
export function fakeFetch(answer: (url: URL) => unknown) {
  const requests: URL[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests.push(url);
    const out = await answer(url);
    return out instanceof Response ? out : json(out);
  });
  return requests;
}

type Handler = (payload: never) => void;

/** The socket hub's surface the state classes use, with the test sending the events. */
export const fakeHub = {
  handlers: new Map<string, Set<Handler>>(),
  wants: new Map<string, readonly Want[]>(),
  on(event: string, fn: Handler) {
    const set = fakeHub.handlers.get(event) ?? new Set();
    set.add(fn);
    fakeHub.handlers.set(event, set);
    return () => set.delete(fn);
  },
  want(part: string, wants: readonly Want[]) {
    if (wants.length === 0) fakeHub.wants.delete(part);
    else fakeHub.wants.set(part, wants);
  },
  emit(event: string, payload: unknown) {
    for (const fn of fakeHub.handlers.get(event) ?? []) (fn as (p: unknown) => void)(payload);
  },
  listeners: (event: string) => fakeHub.handlers.get(event)?.size ?? 0,
};

/** Lets pending promises (fetch, json, Resource loads) run. */
export const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
};
