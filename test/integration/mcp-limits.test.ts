/**
 * Issue 12: hostile input and limits of /mcp, as raw JSON-RPC over HTTP (what a misbehaving client can
 * send): bad tool arguments name the argument, unknown tools and methods are refused, bodies over the cap
 * get 413, batches and in-flight tool calls are capped, no session outlives a request, a slow tool answers
 * TIMEOUT and a large one RESULT_TOO_LARGE, and the REST rate limit covers /mcp.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JSON_BODY_LIMIT_BYTES } from "../../server/src/lib/http-guards";
import { MCP_MAX_MESSAGES } from "../../server/src/mcp/mcp.routes";
import { buildTestApp } from "../support/app";
import { engines } from "../support/db";

type App = Awaited<ReturnType<typeof buildTestApp>>;
const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-06-18",
};
let nextId = 1;
const callMsg = (name: string, args: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id: nextId++,
  method: "tools/call",
  params: { name, arguments: args },
});
const post = (t: App, body: unknown, headers: Record<string, string> = {}) =>
  t.app.request("/mcp", {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { ...HEADERS, ...headers },
  });
/** One tools/call: its CallToolResult, the error body parsed when `isError`. */
async function callTool(t: App, name: string, args: Record<string, unknown>) {
  const res = await post(t, callMsg(name, args));
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    result: { isError?: boolean; content: { text: string }[] };
  };
  const text = body.result.content[0]?.text as string;
  return { isError: body.result.isError === true, text };
}
const metric = async (t: App, name: string) => {
  const text = await (await t.app.request("/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : null;
};
async function seed(t: App, symbols: string[]) {
  for (const s of symbols) {
    const res = await t.app.request(`/smart-money/demo/${s}/generate-data?days=6`, { method: "POST" });
    expect(res.status).toBe(200);
  }
}

describe("MCP hostile input (pglite)", () => {
  let t: App;
  beforeAll(async () => {
    t = await buildTestApp("pglite", { RATE_LIMIT_PER_MINUTE: "0" });
    t.deps.metrics = new Map();
    await seed(t, ["AAPL"]);
  }, 120_000);
  afterAll(async () => t?.close());

  it("answers bad tool arguments with an error naming the argument, and runs nothing", async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["dark_pool_summary", { symbol: 5 }, /expected string.*at symbol/],
      ["dark_pool_summary", {}, /at symbol/],
      ["dark_pool_summary", { symbol: "AAPL", as_of: "2026-02-30T00:00:00Z" }, /at as_of/],
      ["dark_pool_summary", { symbol: "AAPL", colour: "red" }, /Unrecognized key.*colour/],
      ["market_leaders", { metric: "vibes" }, /at metric/],
      ["market_leaders", { metric: "short_volume", limit: 100_000 }, /at limit/],
      ["market_leaders", { metric: "smart_money_index", universe: 201 }, /at universe/],
      ["market_prints", { min_value: 10 }, /at min_value/],
      ["filer_portfolio", { cik: "12; drop table x" }, /CIK is 1-10 digits.*at cik/],
      ["symbol_search", { q: "x".repeat(41) }, /at q/],
      ["dark_pool_prints", { symbol: "AAPL", limit: "10" }, /expected number.*at limit/],
    ];
    for (const [tool, args, message] of cases) {
      const r = await callTool(t, tool, args);
      expect(r.isError, `${tool} ${JSON.stringify(args)}`).toBe(true);
      expect(r.text, `${tool} ${JSON.stringify(args)}`).toMatch(message);
    }
    const screen = await callTool(t, "market_screener", { filter: "short_ratio>>1" });
    expect(screen.isError).toBe(true);
    expect(JSON.parse(screen.text).error).toMatchObject({ code: "INVALID_INPUT", message: /^filter: / });
    const tooMany = await callTool(t, "market_screener", {
      filter: Array.from({ length: 30 }, () => "short_ratio>0").join(","),
    });
    expect(JSON.parse(tooMany.text).error.message).toMatch(/at most 20 filter terms/);
    const wide = await callTool(
      t,
      "symbol_search",
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
    );
    expect(wide.text).toMatch(/more than the maximum of 100 elements/);
  });

  it("refuses unknown tools and methods", async () => {
    const r = await callTool(t, "drop_database", {});
    expect(r).toMatchObject({ isError: true, text: expect.stringContaining("Tool drop_database not found") });
    const res = await post(t, {
      jsonrpc: "2.0",
      id: 9,
      method: "resources/read",
      params: { uri: "file:///etc/passwd" },
    });
    const body = (await res.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32601);
  });

  it("refuses bodies over the cap with 413, with or without Content-Length, and malformed ones with 400", async () => {
    const huge = JSON.stringify(callMsg("symbol_search", { q: "A".repeat(JSON_BODY_LIMIT_BYTES) }));
    const res = await post(t, huge);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    const bytes = new TextEncoder().encode(huge);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.subarray(i, i + 8192));
        controller.close();
      },
    });
    const streamed = await t.app.request("/mcp", {
      method: "POST",
      body: chunked,
      headers: HEADERS,
      // @ts-expect-error Node's fetch needs duplex for a stream body
      duplex: "half",
    });
    expect(streamed.status).toBe(413);
    const notJson = await post(t, "{not json");
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const batch = Array.from({ length: MCP_MAX_MESSAGES + 1 }, () => callMsg("symbol_search", {}));
    const big = await post(t, batch);
    expect(big.status).toBe(400);
    expect(await big.text()).toMatch(/1 to 10 JSON-RPC messages per POST \(got 11\)/);
    expect((await post(t, [])).status).toBe(400);
    expect((await post(t, callMsg("symbol_search", {}), { accept: "application/json" })).status).toBe(406);
    expect((await t.app.request("/mcp")).status).toBe(405);
    expect((await t.app.request("/mcp", { method: "DELETE" })).status).toBe(405);
  });

  it("keeps no session: many initializations leave nothing behind and calls need none", async () => {
    const init = {
      jsonrpc: "2.0",
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "flood", version: "1" },
      },
    };
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => post(t, { ...init, id: i + 1 })));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get("mcp-session-id")).toBeNull();
      const body = (await res.json()) as { result: { serverInfo: { name: string } } };
      expect(body.result.serverInfo.name).toBe("smart-money-tracker");
    }
    const r = await callTool(t, "symbol_search", { q: "AAPL" });
    expect(JSON.parse(r.text).symbols[0].symbol).toBe("AAPL");
    expect(await metric(t, "smt_mcp_tool_calls_in_flight")).toBe(0);
    // A made-up session id is not a session to find: stateless answers it like any other request.
    const res = await post(t, callMsg("symbol_search", { q: "AAPL" }), { "mcp-session-id": "forged" });
    expect(res.status).toBe(200);
  });
});

describe("MCP limits under small settings", () => {
  // PGlite answers in-process without yielding to timers, so the time limit shows on a real server.
  it.skipIf(!engines().includes("postgres"))(
    "answers TIMEOUT past the tool time limit and keeps the slot until the work ends (postgres)",
    async () => {
      const t = await buildTestApp("postgres", {
        RATE_LIMIT_PER_MINUTE: "0",
        MCP_TOOL_TIMEOUT_MS: "1",
        MCP_MAX_IN_FLIGHT: "1",
      });
      t.deps.metrics = new Map();
      try {
        await seed(t, ["AAPL", "MSFT", "GME"]);
        const r = await callTool(t, "market_leaders", { metric: "smart_money_index", universe: 3 });
        expect(r.isError).toBe(true);
        expect(JSON.parse(r.text).error).toMatchObject({ code: "TIMEOUT", details: { limit_ms: 1 } });
        // The leaderboard is still being computed: its slot is taken until it ends.
        const busy = await post(t, callMsg("symbol_search", {}));
        expect(busy.status).toBe(503);
        expect(busy.headers.get("retry-after")).toBe("1");
        for (let i = 0; i < 200 && (await metric(t, "smt_mcp_tool_calls_in_flight")) !== 0; i++)
          await new Promise((resolve) => setTimeout(resolve, 25));
        expect(await metric(t, "smt_mcp_tool_calls_in_flight")).toBe(0);
        // tools/list is no tool call and never waits for a slot.
        expect((await post(t, { jsonrpc: "2.0", id: 1, method: "tools/list" })).status).toBe(200);
      } finally {
        await t.close();
      }
    },
    120_000,
  );

  it("caps tool calls in flight with 503 and recovers, and caps the result size", async () => {
    const t = await buildTestApp("pglite", {
      RATE_LIMIT_PER_MINUTE: "0",
      MCP_MAX_IN_FLIGHT: "2",
      MCP_MAX_RESULT_BYTES: "2048",
    });
    t.deps.metrics = new Map();
    try {
      await seed(t, ["AAPL"]);
      const answers = await Promise.all(
        Array.from({ length: 12 }, () => post(t, callMsg("symbol_dashboard", { symbol: "AAPL" }))),
      );
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      const big = await callTool(t, "symbol_dashboard", { symbol: "AAPL" });
      expect(big.isError).toBe(true);
      const err = JSON.parse(big.text).error;
      expect(err).toMatchObject({ code: "RESULT_TOO_LARGE", details: { limit_bytes: 2048 } });
      expect(err.details.bytes).toBeGreaterThan(2048);
      const small = await callTool(t, "symbol_search", { q: "AAPL", limit: 1 });
      expect(small.isError).toBe(false);
      expect(await metric(t, "smt_mcp_tool_calls_in_flight")).toBe(0);
      const batch = [
        callMsg("symbol_search", {}),
        callMsg("symbol_search", {}),
        callMsg("symbol_search", {}),
      ];
      expect((await post(t, batch)).status).toBe(503);
    } finally {
      await t.close();
    }
  }, 120_000);

  it("counts /mcp against the REST rate limit", async () => {
    const t = await buildTestApp("pglite", { RATE_LIMIT_PER_MINUTE: "3" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await post(t, { jsonrpc: "2.0", id: i, method: "tools/list" })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await t.close();
    }
  });
});
