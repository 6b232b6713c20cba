/** The dashboard's URLs (lib/routes.ts) and the socket subscription planner (lib/socket.svelte.ts). */
import { describe, expect, it } from "vitest";
import { normalizeCik, parseLocation, routeHref } from "./routes";
import { filterKey, plan, unionOf } from "./socket.svelte";

const B = "/smart-money/dashboard";

describe("routes", () => {
  it("reads the three views from their paths", () => {
    expect(parseLocation(`${B}/market`, "")).toEqual({ route: { view: "market" }, canonical: null });
    expect(parseLocation(`${B}/symbol/GME`, "?as_of=2021-01-25")).toEqual({
      route: { view: "symbol", symbol: "GME" },
      canonical: null,
    });
    expect(parseLocation(`${B}/filer/0001067983`, "").route).toEqual({ view: "filer", cik: "0001067983" });
    expect(parseLocation(`${B}/symbol/BRK.B`, "").route).toEqual({ view: "symbol", symbol: "BRK.B" });
  });

  it("replaces legacy and non-canonical URLs by their canonical form, keeping the query", () => {
    expect(parseLocation(B, "").canonical).toBe(`${B}/market`);
    expect(parseLocation(`${B}/`, "?watch=AAPL,GME").canonical).toBe(`${B}/market?watch=AAPL,GME`);
    expect(parseLocation(B, "?symbol=gme&range=3M").canonical).toBe(`${B}/symbol/GME?range=3M`);
    expect(parseLocation(`${B}/symbol/gme`, "?as_of=2021-01-25").canonical).toBe(
      `${B}/symbol/GME?as_of=2021-01-25`,
    );
    expect(parseLocation(`${B}/symbol/brk%2Fb`, "").canonical).toBe(`${B}/symbol/BRK.B`);
    expect(parseLocation(`${B}/filer/1067983`, "").canonical).toBe(`${B}/filer/0001067983`);
    expect(parseLocation(`${B}/symbol/GME/`, "").canonical).toBe(`${B}/symbol/GME`);
  });

  it("keeps what cannot be a ticker or a CIK as an invalid route, and anything else as not found", () => {
    expect(parseLocation(`${B}/symbol/AAPL!!`, "")).toEqual({
      route: { view: "symbol", symbol: null, invalid: "AAPL!!" },
      canonical: null,
    });
    expect(parseLocation(`${B}/filer/berkshire`, "").route).toEqual({
      view: "filer",
      cik: null,
      invalid: "berkshire",
    });
    expect(parseLocation(`${B}/filer/12345678901`, "").route).toMatchObject({ cik: null });
    expect(parseLocation(`${B}/symbol/%E0%A4%A`, "").route).toMatchObject({ view: "symbol", symbol: null });
    expect(parseLocation(`${B}/nope/x/y`, "").route).toEqual({ view: "not-found", path: `${B}/nope/x/y` });
    expect(normalizeCik("0")).toBe("0000000000");
    expect(normalizeCik("")).toBeNull();
  });

  it("carries as_of, range and watch to another view and drops the view's own parameters", () => {
    const from = "?metric=short_ratio&as_of=2021-01-25&watch=AAPL,GME&range=3M&min_value=5000000";
    expect(routeHref({ view: "symbol", symbol: "GME" }, from)).toBe(
      `${B}/symbol/GME?as_of=2021-01-25&range=3M&watch=AAPL,GME`,
    );
    expect(routeHref({ view: "market" }, from, { as_of: null, metric: "block_value" })).toBe(
      `${B}/market?range=3M&watch=AAPL,GME&metric=block_value`,
    );
  });
});

describe("socket subscriptions", () => {
  it("sends only the difference, one message per channel and filter", () => {
    const sent = unionOf([[{ channel: "prints", symbol: "AAPL" }]]);
    const wanted = unionOf([
      [
        { channel: "prints", symbol: "*", filter: { min_value: 1_000_000 } },
        { channel: "alerts", symbol: "*", filter: { types: ["large_block"], min_severity: "high" } },
      ],
      [
        { channel: "prints", symbol: "MSFT" },
        { channel: "prints", symbol: "GME" },
      ],
    ]);
    expect(plan(sent, wanted)).toEqual({
      unsubscribe: [{ symbols: ["AAPL"], channels: ["prints"] }],
      subscribe: [
        { symbols: ["*"], channels: ["prints"], filter: { min_value: 1_000_000 } },
        { symbols: ["*"], channels: ["alerts"], filter: { types: ["large_block"], min_severity: "high" } },
        { symbols: ["MSFT", "GME"], channels: ["prints"] },
      ],
    });
    expect(plan(wanted, wanted)).toEqual({ unsubscribe: [], subscribe: [] });
  });

  it("keeps a room another part still wants and resubscribes a changed filter", () => {
    const symbolPage = [{ channel: "prints" as const, symbol: "AAPL" }];
    const watch = [{ channel: "prints" as const, symbol: "AAPL" }];
    const both = unionOf([symbolPage, watch]);
    expect(plan(both, unionOf([watch]))).toEqual({ unsubscribe: [], subscribe: [] });
    const before = unionOf([[{ channel: "prints", symbol: "*", filter: { min_value: 1_000_000 } }]]);
    const after = unionOf([[{ channel: "prints", symbol: "*", filter: { min_value: 5_000_000 } }]]);
    expect(plan(before, after).subscribe).toEqual([
      { symbols: ["*"], channels: ["prints"], filter: { min_value: 5_000_000 } },
    ]);
  });

  it("asks for a superset when two parts want one room with different filters", () => {
    const u = unionOf([
      [{ channel: "prints", symbol: "*", filter: { min_value: 1_000_000 } }],
      [{ channel: "prints", symbol: "*" }],
    ]);
    expect(u.get("prints|*")).toBeUndefined();
    expect(filterKey({ types: ["unusual_sweep", "large_block"] })).toBe(
      filterKey({ types: ["large_block", "unusual_sweep"] }),
    );
  });

  it("splits more than 500 symbols over several messages (the server's per-message limit)", () => {
    const many = Array.from({ length: 1200 }, (_, i) => ({ channel: "prints" as const, symbol: `S${i}` }));
    const msgs = plan(new Map(), unionOf([many])).subscribe;
    expect(msgs.map((m) => m.symbols.length)).toEqual([500, 500, 200]);
  });
});
