import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { addressBucket, FixedWindows, rateLimit } from "./rate-limit";

describe("rate-limit windows", () => {
  it("drops windows once they are a window old, without waiting for a capacity reset", () => {
    const w = new FixedWindows(60_000, 1_000);
    for (let i = 0; i < 100; i++) w.hit(`ip:10.0.0.${i}`, i);
    expect(w.size).toBe(100);
    w.hit("ip:10.0.1.1", 60_050); // the first 51 windows (started at 0..50) are stale now
    expect(w.size).toBe(100 - 51 + 1);
    w.hit("ip:10.0.1.2", 200_000);
    expect(w.size).toBe(1);
  });

  it("over capacity evicts only the oldest window: everyone else keeps their count", () => {
    const w = new FixedWindows(60_000, 3);
    w.hit("a", 0);
    w.hit("b", 1);
    w.hit("b", 2);
    w.hit("c", 3);
    w.hit("d", 4); // over capacity: "a" goes
    expect(w.size).toBe(3);
    expect(w.hit("b", 5).count).toBe(3);
    expect(w.hit("a", 6).count).toBe(1);
  });

  it("starts a new window for a bucket after a minute and keeps counting within one", () => {
    const w = new FixedWindows(60_000, 10);
    expect(w.hit("a", 0).count).toBe(1);
    expect(w.hit("a", 59_999).count).toBe(2);
    expect(w.hit("a", 60_000)).toEqual({ start: 60_000, count: 1 });
  });
});

describe("client address buckets", () => {
  it("keeps IPv4 whole, groups IPv6 by /64 and reads IPv4-mapped IPv6 as IPv4", () => {
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:0db8:0001:0002:ffff:1:2:3")).toBe("2001:db8:1:2::/64");
    expect(addressBucket("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });
});

describe("rate limit middleware", () => {
  const app = (limitPerMinute: number) => {
    const a = new Hono();
    a.use("*", rateLimit({ limitPerMinute, apiKeys: ["good-key"] }));
    a.get("/x", (c) => c.text("ok"));
    a.onError((err, c) => c.text(err.message, (err instanceof AppError ? err.status : 500) as 429));
    return a;
  };

  it("counts made-up keys against the client address, so rotating keys does not escape the limit", async () => {
    const a = app(3);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await a.request("/x", { headers: { "x-api-key": `bogus-${i}` } })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // A valid key has a budget of its own.
    expect((await a.request("/x", { headers: { "x-api-key": "good-key" } })).status).toBe(200);
    // An over-long key is not a key: it counts against the address too.
    expect((await a.request("/x", { headers: { "x-api-key": "k".repeat(10_000) } })).status).toBe(429);
  });
});
