/**
 * The client's state classes without a browser: the page state against a fake API (fetch stubbed with
 * recorded-shape answers), the live tape helpers, REST resources, and the history helpers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeWindow, print } from "../test/support";
import { ApiError } from "./api";
import { DashboardState, normalizeTicker } from "./dashboard.svelte";
import { etEndOfDay, extendHistory, parseAsOf, parseRange } from "./history";
import { MAX_ROWS, mergeTape, tableRows } from "./live.svelte";
import { Resource } from "./resource.svelte";
import { Router } from "./router.svelte";

/** Records every request; answers the symbol list and 200 `{}`-shaped payloads for the rest. */
function fakeApi(meta: unknown = { alerts: [], sources: [] }) {
  const requests: URL[] = [];
  vi.stubGlobal("fetch", async (input: RequestInfo | URL) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests.push(url);
    const body =
      url.pathname === "/smart-money/symbols"
        ? {
            symbols: [
              { symbol: "A", kinds: ["short-volume"], last_seen_at: "2021-01-28T23:00:00Z" },
              { symbol: "AAPL", kinds: ["prints"], last_seen_at: "2026-01-02T15:00:00Z" },
            ],
          }
        : url.pathname === "/smart-money/meta"
          ? meta
          : url.pathname.endsWith("/prints")
            ? { symbol: "AAPL", prints: [], next_cursor: null, as_of: "2026-01-02T15:00:00Z" }
            : { alerts: [], sources: [] };
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { "content-type": "application/json" },
    });
  });
  return requests;
}

const settle = () => new Promise((r) => setTimeout(r, 0));

/** A router over the fake window and the page state following it, both started. */
function startPage() {
  const router = new Router();
  router.start();
  const page = new DashboardState(router);
  page.start();
  return {
    router,
    page,
    stop() {
      page.stop();
      router.stop();
    },
  };
}

describe("DashboardState", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("requests each endpoint once when a symbol is selected", async () => {
    fakeWindow("/symbol/MSFT");
    const requests = fakeApi();
    const { page, stop } = startPage();
    await settle();
    requests.length = 0;
    page.select("AAPL");
    await settle();
    const paths = requests.map((u) => u.pathname).sort();
    expect(paths).toEqual([
      "/smart-money/alerts/AAPL",
      "/smart-money/analytics/AAPL/dashboard",
      "/smart-money/blocks/AAPL/options-positioning",
      "/smart-money/dark-pool/AAPL/patterns",
      "/smart-money/dark-pool/AAPL/summary",
      "/smart-money/institutional/AAPL/flow",
      "/smart-money/institutional/AAPL/holders",
    ]);
    // Selecting the same symbol again loads nothing.
    requests.length = 0;
    page.select("AAPL");
    await settle();
    expect(requests).toEqual([]);
    stop();
  });

  it("turns the bare URL into the Market page and a legacy ?symbol= link into the symbol's path", async () => {
    const win = fakeWindow("");
    const requests = fakeApi();
    let s = startPage();
    expect(win.url().pathname).toBe("/smart-money/dashboard/market");
    expect(s.page.symbol).toBeNull();
    expect(requests.map((u) => u.pathname)).toEqual(["/smart-money/meta"]);
    s.stop();

    const legacy = fakeWindow("?symbol=gme&as_of=2021-01-28&range=3M");
    fakeApi();
    s = startPage();
    expect(legacy.url().pathname).toBe("/smart-money/dashboard/symbol/GME");
    expect(legacy.url().search).toBe("?as_of=2021-01-28&range=3M");
    expect(legacy.history.pushs).toBe(0);
    expect(s.page.symbol).toBe("GME");
    expect(s.page.range).toBe("3M");
    expect(s.page.asOf?.date).toBe("2021-01-28");
    s.stop();
  });

  it("shows the demo banner from the server's meta before any demo row is seen", async () => {
    fakeWindow("/symbol/AAPL");
    fakeApi({
      demo: {
        rows: true,
        symbols: ["AAPL"],
        simulator: {
          running: true,
          clock: "replay",
          session_day: "2026-01-02",
          simulated_at: "2026-01-02T15:00:00Z",
          symbols: ["AAPL"],
        },
      },
    });
    const { page, stop } = startPage();
    await settle();
    // The fake payloads name no demo source: the banner comes from /smart-money/meta alone.
    expect(page.demo).toEqual({ rows: true, simulator: true, replayDay: "2026-01-02" });
    stop();
  });

  it("reports a path that is not a ticker instead of loading another symbol", async () => {
    fakeWindow(`/symbol/${encodeURIComponent("AAPL!!")}`);
    const requests = fakeApi();
    const { page, stop } = startPage();
    expect(page.invalidSymbol).toBe("AAPL!!");
    expect(page.symbol).toBeNull();
    expect(requests.map((u) => u.pathname).sort()).toEqual(["/smart-money/meta"]);
    stop();
  });

  it("sends as_of on every request of the point-in-time view and records it in the URL", async () => {
    const win = fakeWindow("/symbol/AAPL");
    const requests = fakeApi();
    const { page, stop } = startPage();
    await settle();
    requests.length = 0;
    page.setAsOf("2021-01-28");
    await settle();
    expect(win.url().searchParams.get("as_of")).toBe("2021-01-28");
    const expectedAsOf = "2021-01-29T04:59:59.999Z";
    for (const u of requests) {
      if (u.pathname.startsWith("/smart-money/alerts/")) continue; // no as_of on that route: filtered here
      expect(u.searchParams.get("as_of"), u.pathname).toBe(expectedAsOf);
    }
    expect(requests.length).toBe(7);
    stop();
  });

  it("fetches only the history on a range change, with that range's days", async () => {
    const win = fakeWindow("/symbol/AAPL");
    const requests = fakeApi();
    const { page, stop } = startPage();
    await settle();
    requests.length = 0;
    page.setRange("1Y");
    await settle();
    expect(requests.map((u) => `${u.pathname}?days=${u.searchParams.get("days")}`)).toEqual([
      "/smart-money/dark-pool/AAPL/patterns?days=365",
    ]);
    expect(win.url().searchParams.get("range")).toBe("1Y");
    stop();
  });

  it("loads nothing for other views and removes its listeners on stop", async () => {
    const win = fakeWindow("/market");
    const requests = fakeApi();
    const { router, page, stop } = startPage();
    expect(win.listenerCount("popstate")).toBe(1);
    router.go({ view: "filer", cik: "0001067983" });
    await settle();
    expect(requests.map((u) => u.pathname)).toEqual(["/smart-money/meta"]);
    page.stop();
    requests.length = 0;
    router.go({ view: "symbol", symbol: "AAPL" });
    await settle();
    expect(requests).toEqual([]);
    stop();
    expect(win.listenerCount("popstate")).toBe(0);
  });
});

describe("tickers", () => {
  it("normalizes and validates", () => {
    expect(normalizeTicker(" brk.b ")).toBe("BRK.B");
    expect(normalizeTicker("AAPL!!")).toBeNull();
  });
});

describe("live tape", () => {
  it("merges oldest first without duplicates and keeps the newest", () => {
    const a = [print({ trade_key: "1", timestamp: "2026-01-02T15:00:01Z" })];
    const b = [
      print({ trade_key: "2", timestamp: "2026-01-02T15:00:00Z" }),
      print({ trade_key: "1", timestamp: "2026-01-02T15:00:01Z" }),
      print({ trade_key: "3", timestamp: "2026-01-02T15:00:02Z" }),
    ];
    expect(mergeTape(a, b).map((p) => p.trade_key)).toEqual(["2", "1", "3"]);
    expect(mergeTape(a, b, 2).map((p) => p.trade_key)).toEqual(["1", "3"]);
  });

  it("shows the newest off-exchange prints in the table unless lit prints are asked for", () => {
    const tape = Array.from({ length: MAX_ROWS + 50 }, (_, i) =>
      print({
        trade_key: String(i),
        timestamp: new Date(Date.UTC(2026, 0, 2, 15, 0, i)).toISOString(),
        is_off_exchange: i % 2 === 0,
      }),
    );
    const offOnly = tableRows(tape, false);
    expect(offOnly.every((p) => p.is_off_exchange)).toBe(true);
    expect(offOnly[0]?.trade_key).toBe(String(MAX_ROWS + 48));
    const all = tableRows(tape, true);
    expect(all.length).toBe(MAX_ROWS);
    expect(all[0]?.trade_key).toBe(String(MAX_ROWS + 49));
  });
});

describe("Resource", () => {
  it("shows only the newest of two overlapping loads", async () => {
    const r = new Resource<string>();
    let releaseFirst: (v: string) => void = () => {};
    const first = r.load(() => new Promise<string>((resolve) => (releaseFirst = resolve)));
    const second = r.load(async () => "second");
    await second;
    releaseFirst("first");
    await first;
    expect(r.data).toBe("second");
    expect(r.status).toBe("ready");
  });

  it("turns a 404 into an empty state and other failures into an error", async () => {
    const r = new Resource<string>();
    await r.load(async () => {
      throw new ApiError(404, "NOT_FOUND", "no such symbol");
    });
    expect(r.status).toBe("empty");
    await r.load(async () => {
      throw new ApiError(500, "INTERNAL", "boom");
    });
    expect(r.status).toBe("error");
    expect(r.error?.message).toBe("boom");
  });
});

describe("history helpers", () => {
  beforeEach(() => vi.unstubAllGlobals());

  it("ends a New York day in winter (EST) and summer (EDT)", () => {
    expect(etEndOfDay("2021-01-28")).toBe("2021-01-29T04:59:59.999Z");
    expect(etEndOfDay("2021-07-01")).toBe("2021-07-02T03:59:59.999Z");
  });

  it("reads ranges and as-of values from the URL", () => {
    expect(parseRange("3M")).toBe("3M");
    expect(parseRange("10Y")).toBe("1M");
    expect(parseAsOf("2021-01-28")).toEqual({ date: "2021-01-28", iso: "2021-01-29T04:59:59.999Z" });
    expect(parseAsOf("2021-01-28T15:00:00Z")).toEqual({
      date: "2021-01-28",
      iso: "2021-01-28T15:00:00.000Z",
    });
    expect(parseAsOf("yesterday")).toBeNull();
    expect(parseAsOf(null)).toBeNull();
  });

  it("adds prints newer than the history to their day and appends a new day", () => {
    const day = {
      date: "2026-01-02",
      dark_pool_volume: 1000,
      dark_pool_value: 0,
      prints: 1,
      large_blocks: 0,
      market_volume: 4000,
      market_volume_source: "bars",
      dark_pool_ratio: 0.25,
      average_premium_discount: null,
      bullish_percentage: null,
      bearish_percentage: null,
      close: null,
      finra_short_volume: null,
      finra_total_volume: null,
      short_ratio: null,
      ats_week_start: null,
      ats_week_shares: null,
      ats_share: null,
    };
    const tape = [
      print({ trade_key: "old", timestamp: "2026-01-02T15:00:00Z", size: 999 }),
      print({ trade_key: "off", timestamp: "2026-01-02T16:00:00Z", size: 500 }),
      print({ trade_key: "lit", timestamp: "2026-01-02T16:00:01Z", size: 500, is_off_exchange: false }),
      print({ trade_key: "next", timestamp: "2026-01-05T15:00:00Z", size: 100 }),
    ];
    const out = extendHistory([day], tape, "2026-01-02T15:30:00Z");
    expect(out[0]).toMatchObject({ dark_pool_volume: 1500, market_volume: 5000, dark_pool_ratio: 0.3 });
    expect(out[1]).toMatchObject({ date: "2026-01-05", dark_pool_volume: 100, market_volume: 100 });
    expect(extendHistory([day], tape, "2026-01-06T00:00:00Z")).toEqual([day]);
  });
});
