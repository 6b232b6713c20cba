/**
 * The Market page's state against a fake window, socket hub and API: metric tabs, the tape's filters in
 * the URL, on the REST requests, on the socket subscriptions and on live rows, and the bounded tape.
 * The tape and alert payloads have the server's shapes; the side panels answer 404 (not asserted here).
 */
import type { AlertMessage } from "@smt/server/realtime/events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { fakeFetch, fakeHub, fakeWindow, json, print, settle } from "../test/support";
import type { StoredAlert, StoredAlerts } from "./api";
import { MarketState } from "./market.svelte";
import type { AlertType, Tape, TapePrint } from "./market-api";
import { Router } from "./router.svelte";

vi.mock("./socket.svelte", async () => ({ hub: (await import("../test/support")).fakeHub }));

const tapePrint = (trade_key: string, ts: string, value_usd: number): TapePrint => ({
  symbol: "GME",
  ts,
  trade_key,
  price: 100,
  size: value_usd / 100,
  value_usd,
  exchange: "D",
  trf_id: 1,
  side: "unknown",
  sentiment: "neutral",
  premium_discount_pct: null,
  block_eligible: true,
  extended_hours: false,
  source: "polygon",
  source_ref: `polygon:${trade_key}`,
  published_at: ts,
});

const tape = (minValue: number, prints: TapePrint[]): Tape => ({
  min_value: minValue,
  window: { from: null, to: "2026-01-07T21:00:00.000Z", days: 0, basis: "since_until_as_of" },
  prints: prints.filter((p) => p.value_usd >= minValue),
  limit: 100,
  next_cursor: null,
  as_of: "2026-01-07T21:00:00.000Z",
  freshness: [{ input: "prints", latest: null, age_seconds: null, expected_delay: "15m" }],
  sources: [{ source: "polygon", rows: prints.length, latest_ref: null }],
  params_version: "market-1",
});

const alert = (id: string, over: Partial<AlertMessage> = {}): AlertMessage => ({
  id,
  seq: Number(id.replace(/\D/g, "")) || 1,
  symbol: "GME",
  type: "large_block",
  severity: "high",
  timestamp: "2026-01-07T15:00:00.000Z",
  title: "Large block",
  values: { value_usd: 5_000_000 },
  inputs: {},
  params_version: "alerts-1",
  origin: null,
  ...over,
});

/** An alert as `/alerts/*` returns it: the live message plus its stored fields. */
const stored = (a: AlertMessage): StoredAlert => ({
  ...a,
  type: a.type as AlertType,
  values: { value_usd: 5_000_000 },
  inputs: { event: "large_block" },
  origin: null,
  rules_version: "rules-1",
  dedupe_key: `${a.symbol}:${a.type}:${a.id}`,
  outcome: { price_at_alert: 100, price_move_1h_pct: null, price_move_1d_pct: null, evaluated_at: null },
});

const REST_PRINTS = [
  tapePrint("r1", "2026-01-07T14:00:00.000Z", 2_000_000),
  tapePrint("r2", "2026-01-07T13:00:00.000Z", 6_000_000),
];

/** The Market page's API: the tape and alerts in the server's shapes, 404 for the side panels. */
function api(alerts: AlertMessage[] = []) {
  return fakeFetch((url) => {
    if (url.pathname === "/smart-money/market/prints")
      return tape(Number(url.searchParams.get("min_value")), REST_PRINTS);
    if (url.pathname.startsWith("/smart-money/alerts/")) {
      const body: StoredAlerts = {
        symbol: "*",
        alerts: alerts.map(stored),
        last_seq: alerts.length,
        as_of: "2026-01-07T21:00:00.000Z",
      };
      return body;
    }
    return json({ error: { code: "NOT_FOUND", message: "not here", details: null } }, 404);
  });
}

function open(path: string) {
  const win = fakeWindow(path);
  const router = new Router();
  router.start();
  const market = new MarketState(router);
  market.start();
  return { win, router, market };
}

/** Sends live events, then runs the page's flush (its timer, then the animation frame). */
function live(send: () => void) {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  send();
  vi.advanceTimersByTime(250);
  vi.useRealTimers();
}

describe("MarketState", () => {
  let running: ReturnType<typeof open> | null = null;
  const start = (path: string) => {
    running = open(path);
    return running;
  };
  beforeEach(() => {
    fakeHub.wants.clear();
    vi.stubGlobal("requestAnimationFrame", (fn: FrameRequestCallback) => {
      fn(0);
      return 0;
    });
  });
  afterEach(() => {
    running?.market.stop();
    running?.router.stop();
    running = null;
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("switches metric tabs through the URL, reloading only the leaderboard", async () => {
    const requests = api();
    const { market, win } = start("/market?metric=constructor");
    expect(market.metric).toBe("dark_pool_value");
    await settle();
    expect(requests.find((u) => u.pathname.endsWith("/leaders"))?.searchParams.get("metric")).toBe(
      "dark_pool_value",
    );
    requests.length = 0;
    market.setMetric("short_ratio");
    await settle();
    expect(market.metric).toBe("short_ratio");
    expect(win.url().searchParams.get("metric")).toBe("short_ratio");
    expect(win.history.pushs).toBe(0);
    expect(requests.map((u) => `${u.pathname}?metric=${u.searchParams.get("metric")}`)).toEqual([
      "/smart-money/market/leaders?metric=short_ratio",
    ]);
    market.setMetric("dark_pool_value");
    expect(win.url().searchParams.has("metric")).toBe(false);
  });

  it("shows the REST tape and adds live off-exchange prints at or above the minimum value only", async () => {
    api();
    const { market } = start("/market");
    await settle();
    expect(market.tape.map((r) => r.key)).toEqual(["r1", "r2"]);
    expect(fakeHub.wants.get("market")).toEqual([
      { channel: "prints", symbol: "*", filter: { min_value: 1_000_000 } },
      { channel: "alerts", symbol: "*" },
    ]);
    live(() =>
      fakeHub.emit("prints", {
        symbol: "GME",
        prints: [
          print({ trade_key: "big", timestamp: "2026-01-07T15:00:00.000Z", value: 1_500_000 }),
          print({ trade_key: "small", timestamp: "2026-01-07T15:00:01.000Z", value: 999_999 }),
          print({
            trade_key: "lit",
            timestamp: "2026-01-07T15:00:02.000Z",
            value: 9_000_000,
            is_off_exchange: false,
          }),
          // Already on the tape from REST: shown once.
          print({ trade_key: "r1", timestamp: "2026-01-07T14:00:00.000Z", value: 2_000_000 }),
        ],
      }),
    );
    expect(market.tape.map((r) => r.key)).toEqual(["big", "r1", "r2"]);
    expect(market.tape[0]).toMatchObject({ valueUsd: 1_500_000, at: "2026-01-07T15:00:00.000Z" });
  });

  it("applies a new minimum value to the request, the subscription, the rows kept and later prints", async () => {
    const requests = api();
    const { market, win } = start("/market");
    await settle();
    requests.length = 0;
    market.setMinValue(5_000_000);
    await settle();
    expect(win.url().searchParams.get("min_value")).toBe("5000000");
    expect(requests.map((u) => `${u.pathname}?min_value=${u.searchParams.get("min_value")}`)).toEqual([
      "/smart-money/market/prints?min_value=5000000",
    ]);
    expect(market.tape.map((r) => r.key)).toEqual(["r2"]);
    expect(fakeHub.wants.get("market")?.[0]?.filter).toEqual({ min_value: 5_000_000 });
    live(() =>
      fakeHub.emit("prints", {
        symbol: "GME",
        prints: [print({ trade_key: "mid", timestamp: "2026-01-07T15:00:00.000Z", value: 2_000_000 })],
      }),
    );
    expect(market.tape.map((r) => r.key)).toEqual(["r2"]);
    // A value not offered (hand-edited URL) falls back to the default.
    market.router.setParams({ min_value: "1" });
    expect(market.minValue).toBe(1_000_000);
  });

  it("keeps only alerts of the chosen types and severity, once each, newest first", async () => {
    api([alert("a1", { timestamp: "2026-01-07T14:00:00.000Z" })]);
    const { market } = start("/market?alerts=large_block,nope&severity=high");
    await settle();
    expect(market.alertTypes).toEqual(["large_block"]);
    expect(fakeHub.wants.get("market")?.[1]).toEqual({
      channel: "alerts",
      symbol: "*",
      filter: { types: ["large_block"], min_severity: "high" },
    });
    live(() => {
      fakeHub.emit("alert", alert("a2", { severity: "critical", timestamp: "2026-01-07T15:00:00.000Z" }));
      fakeHub.emit("alert", alert("a3", { severity: "low" }));
      fakeHub.emit("alert", alert("a4", { type: "unusual_sweep", severity: "critical" }));
      fakeHub.emit("alert", alert("a1", { timestamp: "2026-01-07T14:00:00.000Z" }));
    });
    expect(market.alerts.map((a) => a.id)).toEqual(["a2", "a1"]);
  });

  it("bounds the tape and the alert list however much arrives", async () => {
    api();
    const { market } = start("/market");
    await settle();
    const at = (i: number) => new Date(Date.UTC(2026, 0, 7, 15, 0, 0, i)).toISOString();
    live(() => {
      for (let b = 0; b < 5; b++)
        fakeHub.emit("prints", {
          symbol: "GME",
          prints: Array.from({ length: 100 }, (_, i) =>
            print({ trade_key: `p${b * 100 + i}`, timestamp: at(b * 100 + i), value: 2_000_000 }),
          ),
        });
      for (let i = 0; i < 120; i++) fakeHub.emit("alert", alert(`x${i}`, { timestamp: at(i) }));
    });
    expect(market.tape).toHaveLength(100);
    expect(market.tape[0]?.key).toBe("p499");
    expect(market.tape.at(-1)?.key).toBe("p400");
    expect(market.alerts).toHaveLength(50);
    expect(market.alerts[0]?.id).toBe("x119");
  });

  it("joins nothing live in the point-in-time view and drops alerts raised after it", async () => {
    const requests = api([
      alert("before", { timestamp: "2026-01-06T15:00:00.000Z" }),
      alert("after", { timestamp: "2026-01-08T15:00:00.000Z" }),
    ]);
    const { market } = start("/market?as_of=2026-01-07");
    await settle();
    expect(fakeHub.wants.has("market")).toBe(false);
    expect(requests.find((u) => u.pathname === "/smart-money/market/prints")?.searchParams.get("as_of")).toBe(
      "2026-01-08T04:59:59.999Z",
    );
    expect(market.alerts.map((a) => a.id)).toEqual(["before"]);
    live(() =>
      fakeHub.emit("prints", {
        symbol: "GME",
        prints: [print({ trade_key: "now", timestamp: "2026-01-09T15:00:00.000Z", value: 9_000_000 })],
      }),
    );
    expect(market.tape.map((r) => r.key)).toEqual(["r1", "r2"]);
  });

  it("leaves the socket rooms and ignores live rows on another view; reloads the tape after a new session", async () => {
    const requests = api();
    const { market, router } = start("/market");
    await settle();
    requests.length = 0;
    fakeHub.emit("session", undefined);
    await settle();
    expect(requests.map((u) => u.pathname).sort()).toEqual([
      "/smart-money/alerts/*",
      "/smart-money/market/prints",
    ]);
    router.go({ view: "filer", cik: "0001067983" });
    expect(fakeHub.wants.has("market")).toBe(false);
    live(() =>
      fakeHub.emit("prints", {
        symbol: "GME",
        prints: [print({ trade_key: "late", timestamp: "2026-01-07T16:00:00.000Z", value: 9_000_000 })],
      }),
    );
    expect(market.tape.map((r) => r.key)).toEqual(["r1", "r2"]);
  });
});
