import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JSON_BODY_LIMIT_BYTES } from "../../server/src/lib/http-guards";
import { buildTestApp, startTestServer } from "../support/app";

const print = (symbol: string) =>
  JSON.stringify({ symbol, timestamp: "2025-11-18T15:00:00Z", price: 100, size: 100 });

describe("API keys are checked before the body", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp("pglite", { API_KEYS: "good-key", RATE_LIMIT_PER_MINUTE: "0" });
  });
  afterAll(async () => t.close());

  const postWebhook = (body: string, headers: Record<string, string> = {}) =>
    t.app.request("/smart-money/webhooks", {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });

  it("answers a wrong key with a bad body 401, not 400", async () => {
    const wrong = await postWebhook('{"url": 5}', { "x-api-key": "wrong" });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
    expect((await postWebhook("not json at all")).status).toBe(401);
    // With the right key the same body is judged on its merits.
    expect((await postWebhook('{"url": 5}', { "x-api-key": "good-key" })).status).toBe(400);
  });

  it("guards the webhook listings and deletion too, and leaves other reads open", async () => {
    expect((await t.app.request("/smart-money/webhooks")).status).toBe(401);
    expect((await t.app.request("/smart-money/webhooks/dead-letters")).status).toBe(401);
    expect((await t.app.request("/smart-money/webhooks/abc", { method: "DELETE" })).status).toBe(401);
    expect(
      (await t.app.request("/smart-money/webhooks", { headers: { "x-api-key": "good-key" } })).status,
    ).toBe(200);
    expect((await t.app.request("/smart-money/symbols")).status).toBe(200);
  });

  it("refuses a JSON body over 64 KB with 413 and stores nothing, with or without Content-Length", async () => {
    const huge = JSON.stringify({
      url: "https://hooks.example.com/a",
      symbols: Array.from({ length: 20_000 }, () => "AAPL"),
    });
    expect(huge.length).toBeGreaterThan(JSON_BODY_LIMIT_BYTES);
    const res = await postWebhook(huge, { "x-api-key": "good-key" });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      error: { code: "PAYLOAD_TOO_LARGE", message: expect.stringContaining("65536 bytes") },
    });
    // Chunked: no Content-Length to trust, the body is counted as it arrives.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(huge);
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
        controller.close();
      },
    });
    const chunked = await t.app.request("/smart-money/webhooks", {
      method: "POST",
      body: chunks,
      headers: { "content-type": "application/json", "x-api-key": "good-key" },
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const listed = (await (
      await t.app.request("/smart-money/webhooks", { headers: { "x-api-key": "good-key" } })
    ).json()) as { webhooks: unknown[] };
    expect(listed.webhooks).toHaveLength(0);
  });

  it("still takes file uploads larger than the JSON cap (they have MAX_UPLOAD_BYTES)", async () => {
    const lines = Array.from({ length: 1500 }, (_, i) =>
      JSON.stringify({
        symbol: "BIG",
        timestamp: new Date(Date.UTC(2025, 10, 18, 15, 0, 0, i)).toISOString(),
        price: 10,
        size: 100,
      }),
    ).join("\n");
    expect(lines.length).toBeGreaterThan(JSON_BODY_LIMIT_BYTES);
    const res = await t.app.request("/smart-money/ingest/prints?name=big.ndjson", {
      method: "POST",
      body: lines,
      headers: { "content-type": "application/x-ndjson", "x-api-key": "good-key" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: 1500 });
  });
});

describe("web origins", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    // The default configuration: no keys, so only the origin check stands between a web page and a write.
    t = await buildTestApp("pglite", { ALLOWED_ORIGINS: "https://dash.example.com" });
  });
  afterAll(async () => t.close());

  const upload = (symbol: string, headers: Record<string, string>) =>
    t.app.request(`/smart-money/ingest/prints?name=${symbol}.ndjson`, {
      method: "POST",
      body: print(symbol),
      headers: { "content-type": "text/plain", ...headers },
    });
  const stored = async (symbol: string) =>
    Number(
      (
        await t.handle.query<{ n: string | number }>(
          sql`select count(*) as n from prints where symbol = ${symbol}`,
        )
      )[0]?.n,
    );

  it("refuses a cross-site text/plain upload from a foreign page and stores nothing", async () => {
    const res = await upload("EVIL", { origin: "http://evil.example" });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      error: { code: "FORBIDDEN", message: expect.stringContaining("http://evil.example") },
    });
    expect((await upload("EVIL", { origin: "null" })).status).toBe(403);
    expect((await upload("EVIL", { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect(await stored("EVIL")).toBe(0);
  });

  it("takes writes from its own pages, from ALLOWED_ORIGINS and from non-browser clients", async () => {
    expect((await upload("OWN", { origin: "http://localhost" })).status).toBe(200);
    expect((await upload("ALLOW", { origin: "https://dash.example.com" })).status).toBe(200);
    expect((await upload("CURL", {})).status).toBe(200);
    expect((await upload("SAME", { "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect(await stored("OWN")).toBe(1);
    expect(await stored("ALLOW")).toBe(1);
  });

  it("answers CORS preflights: reads for anyone, writes only for trusted origins", async () => {
    const preflight = (origin: string, method: string) =>
      t.app.request("/smart-money/webhooks", {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": method,
          "access-control-request-headers": "x-api-key",
        },
      });
    const foreign = await preflight("http://evil.example", "POST");
    expect(foreign.status).toBe(204);
    expect(foreign.headers.get("access-control-allow-methods")).toBe("GET,HEAD");
    expect(foreign.headers.get("access-control-allow-headers")).toContain("x-api-key");
    const trusted = await preflight("https://dash.example.com", "POST");
    expect(trusted.status).toBe(204);
    expect(trusted.headers.get("access-control-allow-origin")).toBe("https://dash.example.com");
    expect(trusted.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("sends Access-Control headers on reads so any page can read the open API", async () => {
    const res = await t.app.request("/smart-money/symbols", { headers: { origin: "http://evil.example" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("RateLimit-Remaining");
  });
});

describe("origins over a real connection", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer("pglite", { API_KEYS: "" });
  });
  afterAll(async () => server.dispose());

  it("compares the Origin with the Host the browser connected to", async () => {
    const post = (origin: string) =>
      fetch(`${server.url}/smart-money/ingest/prints?name=o.ndjson`, {
        method: "POST",
        body: print("ORG"),
        headers: { "content-type": "text/plain", origin },
      });
    expect((await post(server.url)).status).toBe(200);
    expect((await post("http://evil.example")).status).toBe(403);
    expect((await post(server.url.replace(/:\d+$/, ":1"))).status).toBe(403);
  });
});

describe("rate limit with made-up keys", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp("pglite", { RATE_LIMIT_PER_MINUTE: "3", API_KEYS: "k1" });
  });
  afterAll(async () => t.close());

  it("counts requests with invalid keys against the client, whatever key they send", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(
        (await t.app.request("/smart-money/symbols", { headers: { "x-api-key": `made-up-${i}` } })).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect((await t.app.request("/smart-money/symbols", { headers: { "x-api-key": "k1" } })).status).toBe(
      200,
    );
  });
});
