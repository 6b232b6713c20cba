/**
 * The watchlist against a fake window, storage, socket hub and API (payloads in the server's shapes):
 * adding and removing, the URL and localStorage kept in step, hostile `watch` values, the quotes from
 * REST and their live updates.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeFetch, fakeHub, fakeWindow, json, print, settle } from "../test/support";
import type { DarkPoolPatterns, PatternDay, PrintsPage } from "./api";
import { Router } from "./router.svelte";
import { MAX_WATCH, STORAGE_KEY, Watchlist } from "./watchlist.svelte";

vi.mock("./socket.svelte", async () => ({ hub: (await import("../test/support")).fakeHub }));

const day = (date: string, close: number | null): PatternDay => ({
  date,
  dark_pool_volume: 0,
  dark_pool_value: 0,
  prints: 0,
  large_blocks: 0,
  market_volume: null,
  market_volume_source: null,
  dark_pool_ratio: null,
  average_premium_discount: null,
  bullish_percentage: null,
  bearish_percentage: null,
  close,
  finra_short_volume: null,
  finra_total_volume: null,
  short_ratio: null,
  ats_week_start: null,
  ats_week_shares: null,
  ats_share: null,
});

const patterns = (symbol: string, days: PatternDay[]): DarkPoolPatterns => ({
  symbol,
  days,
  averages: { dark_pool_ratio: null, short_ratio: null, daily_dark_pool_volume: null },
  period: { from: days[0]?.date ?? null, to: days.at(-1)?.date ?? null, days: days.length },
  date_basis: "latest_data_as_of",
  top_ats_venues: [],
  as_of: "2026-01-07T21:00:00.000Z",
  freshness: [],
});

/** AAPL: a lit print at 15:30 (newest), an off-exchange one at 15:00, closes of the two days before. */
const AAPL_PRINTS: PrintsPage = {
  symbol: "AAPL",
  prints: [
    print({ trade_key: "lit", timestamp: "2026-01-07T15:30:00.000Z", price: 121, is_off_exchange: false }),
    print({ trade_key: "off", timestamp: "2026-01-07T15:00:00.000Z", price: 120, size: 500, value: 60_000 }),
  ],
  next_cursor: null,
  as_of: "2026-01-07T21:00:00.000Z",
};
const AAPL_DAYS = [day("2026-01-05", 100), day("2026-01-06", 110), day("2026-01-07", 122)];

/** Answers every symbol with AAPL's history, shaped for the symbol asked; `fail` symbols get a 500. */
function api(fail: string[] = []) {
  return fakeFetch((url) => {
    const [, , , symbol, what] = url.pathname.split("/");
    if (!symbol) throw new Error(`unexpected ${url.pathname}`);
    if (fail.includes(symbol))
      return json({ error: { code: "INTERNAL", message: "boom", details: null } }, 500);
    const prints = AAPL_PRINTS.prints.map((p) => ({ ...p, symbol }));
    return what === "prints" ? { ...AAPL_PRINTS, symbol, prints } : patterns(symbol, AAPL_DAYS);
  });
}

/** A localStorage stand-in (or one that throws, as in a private window with storage disabled). */
function fakeStorage(initial: Record<string, string> = {}, broken = false) {
  const data = new Map(Object.entries(initial));
  const fail = () => {
    throw new DOMException("denied", "SecurityError");
  };
  vi.stubGlobal("localStorage", {
    getItem: (k: string) => (broken ? fail() : (data.get(k) ?? null)),
    setItem: (k: string, v: string) => (broken ? fail() : void data.set(k, v)),
    removeItem: (k: string) => (broken ? fail() : void data.delete(k)),
  });
  return data;
}

function start(path: string) {
  const win = fakeWindow(path);
  const router = new Router();
  router.start();
  const list = new Watchlist(router);
  list.start();
  return { win, router, list, watchParam: () => win.url().searchParams.get("watch") };
}

describe("Watchlist", () => {
  let running: ReturnType<typeof start> | null = null;
  const open = (path: string) => {
    running = start(path);
    return running;
  };
  beforeEach(() => fakeHub.wants.clear());
  afterEach(() => {
    running?.list.stop();
    running?.router.stop();
    running = null;
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("adds at the end, once per ticker, up to MAX_WATCH, keeping storage and the URL in step", async () => {
    const storage = fakeStorage();
    api();
    const { list, win, watchParam } = open("/market");
    expect(list.symbols).toEqual([]);
    expect(list.add("GME")).toBe(true);
    expect(list.add("AAPL")).toBe(true);
    expect(list.add("GME")).toBe(false);
    expect(list.symbols).toEqual(["GME", "AAPL"]);
    expect(storage.get(STORAGE_KEY)).toBe("GME,AAPL");
    expect(watchParam()).toBe("GME,AAPL");
    // Edits replace the history entry: Back leaves the page rather than undoing a click.
    expect(win.history.pushs).toBe(0);
    for (let i = 0; list.symbols.length < MAX_WATCH; i++) expect(list.add(`S${i}`)).toBe(true);
    expect(list.add("MSFT")).toBe(false);
    expect(list.symbols).toHaveLength(MAX_WATCH);
    expect(list.has("MSFT")).toBe(false);
    await settle();
  });

  it("removes a ticker from the list, storage, URL and subscriptions; an empty list leaves no trace", async () => {
    const storage = fakeStorage({ [STORAGE_KEY]: "GME,AAPL" });
    const requests = api();
    const { list, watchParam } = open("/market");
    expect(fakeHub.wants.get("watchlist")?.map((w) => `${w.channel}:${w.symbol}`)).toEqual([
      "prints:GME",
      "prints:AAPL",
    ]);
    await settle();
    requests.length = 0;
    list.remove("GME");
    expect(list.symbols).toEqual(["AAPL"]);
    // The quote still shown is kept, not fetched again.
    expect(Object.keys(list.quotes)).toEqual(["AAPL"]);
    expect(list.quotes.AAPL?.status).toBe("ready");
    await settle();
    expect(requests).toEqual([]);
    expect(storage.get(STORAGE_KEY)).toBe("AAPL");
    expect(watchParam()).toBe("AAPL");
    expect(fakeHub.wants.get("watchlist")?.map((w) => w.symbol)).toEqual(["AAPL"]);
    list.remove("AAPL");
    expect(storage.has(STORAGE_KEY)).toBe(false);
    expect(watchParam()).toBeNull();
    expect(fakeHub.wants.has("watchlist")).toBe(false);
  });

  it("adopts a shared link's list and stores it; without one, puts the stored list into the URL", async () => {
    const storage = fakeStorage({ [STORAGE_KEY]: "MSFT" });
    api();
    let s = open("/market?watch=gme,brk/b");
    expect(s.list.symbols).toEqual(["GME", "BRK.B"]);
    expect(storage.get(STORAGE_KEY)).toBe("GME,BRK.B");
    expect(s.watchParam()).toBe("GME,BRK.B");
    s.list.stop();
    s.router.stop();
    await settle();

    s = open("/symbol/AAPL?range=3M");
    expect(s.list.symbols).toEqual(["GME", "BRK.B"]);
    expect(s.watchParam()).toBe("GME,BRK.B");
    expect(s.win.url().searchParams.get("range")).toBe("3M");
    expect(s.win.history.pushs).toBe(0);
    await settle();
  });

  it("keeps the saved list when a link's watch value is empty or names no valid ticker", async () => {
    for (const link of ["/market?watch=", "/market?watch=%3Cscript%3E,..%2F,%00"]) {
      const storage = fakeStorage({ [STORAGE_KEY]: "MSFT,GME" });
      api();
      const s = open(link);
      expect(s.list.symbols).toEqual(["MSFT", "GME"]);
      expect(storage.get(STORAGE_KEY)).toBe("MSFT,GME");
      expect(s.watchParam()).toBe("MSFT,GME");
      s.list.stop();
      s.router.stop();
      await settle();
    }
  });

  it("reads a hostile watch value safely: bad entries dropped, duplicates once, at most MAX_WATCH fetched", async () => {
    const storage = fakeStorage();
    const requests = api();
    const junk = [
      "<script>alert(1)</script>",
      "../../etc/passwd",
      "AAPL!!",
      "A".repeat(5000),
      "%00",
      "",
      " ",
      "aapl",
      "AAPL",
      ...Array.from({ length: 500 }, (_, i) => `X${i}`),
    ].join(",");
    const raw = `${junk},${"Z".repeat(100_000)}`;
    const { list, watchParam } = open(`/market?watch=${encodeURIComponent(raw)}`);
    expect(list.symbols[0]).toBe("AAPL");
    expect(list.symbols).toHaveLength(MAX_WATCH);
    expect(new Set(list.symbols).size).toBe(MAX_WATCH);
    for (const s of list.symbols) expect(s).toMatch(/^[A-Z0-9.]{1,10}$/);
    // The URL and storage hold the clean list, not the hostile text.
    expect(watchParam()).toBe(list.symbols.join(","));
    expect(storage.get(STORAGE_KEY)).toBe(list.symbols.join(","));
    await settle();
    // Two requests (prints and daily history) per kept symbol, none for the rest.
    expect(requests).toHaveLength(2 * MAX_WATCH);
    const asked = new Set(requests.map((u) => u.pathname.split("/")[3]));
    expect([...asked].sort()).toEqual([...list.symbols].sort());
  });

  it("ignores a corrupt stored list's bad entries, and works from the URL when storage is disabled", async () => {
    fakeStorage({ [STORAGE_KEY]: "GME,<img src=x>,GME,,tsla" });
    api();
    let s = open("/market");
    expect(s.list.symbols).toEqual(["GME", "TSLA"]);
    s.list.stop();
    s.router.stop();
    await settle();

    fakeStorage({}, true);
    s = open("/market");
    expect(s.list.symbols).toEqual([]);
    s.list.stop();
    s.router.stop();
    s = open("/market?watch=AAPL");
    expect(s.list.symbols).toEqual(["AAPL"]);
    expect(s.list.add("GME")).toBe(true);
    expect(s.watchParam()).toBe("AAPL,GME");
    await settle();
  });

  it("shows the last price, the change basis and the newest off-exchange print from REST", async () => {
    fakeStorage();
    const requests = api(["GME"]);
    const { list } = open("/market?watch=AAPL,GME");
    expect(list.quotes.AAPL?.status).toBe("loading");
    await settle();
    expect(list.quotes.AAPL).toEqual({
      last: 121,
      lastAt: "2026-01-07T15:30:00.000Z",
      previousClose: 110,
      offExchange: { price: 120, size: 500, value: 60_000, at: "2026-01-07T15:00:00.000Z" },
      status: "ready",
    });
    expect(list.quotes.GME?.status).toBe("error");
    const printsUrl = requests.find((u) => u.pathname === "/smart-money/dark-pool/AAPL/prints");
    expect(printsUrl?.searchParams.get("include_lit")).toBe("true");
  });

  it("applies live prints of watched symbols after the flush delay, and none of other symbols", async () => {
    fakeStorage();
    api();
    const { list } = open("/market?watch=AAPL");
    await settle();
    vi.useFakeTimers();
    fakeHub.emit("prints", {
      symbol: "MSFT",
      prints: [print({ trade_key: "m", symbol: "MSFT", timestamp: "2026-01-07T16:00:00.000Z" })],
    });
    // Prints of a symbol not watched (the Market page's rooms share the socket) cause no work.
    expect(vi.getTimerCount()).toBe(0);
    fakeHub.emit("prints", {
      symbol: "AAPL",
      prints: [
        print({ trade_key: "a1", timestamp: "2026-01-07T16:00:00.000Z", price: 125, is_off_exchange: false }),
        print({ trade_key: "old", timestamp: "2026-01-07T14:00:00.000Z", price: 90 }),
      ],
    });
    vi.advanceTimersByTime(249);
    expect(list.quotes.AAPL?.last).toBe(121);
    vi.advanceTimersByTime(1);
    // The newest print sets the price; an older one arriving late does not; the off-exchange print shown
    // stays the newest one.
    expect(list.quotes.AAPL).toMatchObject({
      last: 125,
      lastAt: "2026-01-07T16:00:00.000Z",
      previousClose: 110,
    });
    expect(list.quotes.AAPL?.offExchange?.at).toBe("2026-01-07T15:00:00.000Z");
    expect(list.quotes.MSFT).toBeUndefined();

    // A print of the next New York day moves the change basis to the close of the day before it.
    fakeHub.emit("prints", {
      symbol: "AAPL",
      prints: [print({ trade_key: "a2", timestamp: "2026-01-08T15:00:00.000Z", price: 130, value: 13_000 })],
    });
    vi.advanceTimersByTime(250);
    expect(list.quotes.AAPL).toMatchObject({ last: 130, previousClose: 122 });
    expect(list.quotes.AAPL?.offExchange).toEqual({
      price: 130,
      size: 100,
      value: 13_000,
      at: "2026-01-08T15:00:00.000Z",
    });
  });

  it("stops listening on stop", async () => {
    fakeStorage();
    api();
    const { list } = open("/market?watch=AAPL");
    await settle();
    expect(fakeHub.listeners("prints")).toBe(1);
    list.stop();
    expect(fakeHub.listeners("prints")).toBe(0);
    expect(fakeHub.wants.has("watchlist")).toBe(false);
  });
});
