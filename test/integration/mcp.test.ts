/**
 * Issue 12: the MCP server at /mcp, driven by the official SDK's own Client over Streamable HTTP against a
 * real server (HTTP port, real database). Tool results must be the very payloads the REST routes answer
 * for the same data and `as_of`; API keys apply as they do to REST reads.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/app";
import { engines } from "../support/db";

const KEY = "mcp-test-key";
const SYMBOLS = ["AAPL", "MSFT", "GME"];

/**
 * A payload without `age_seconds` (measured from the wall clock at answer time, so it may tick between
 * calls) and whatever else `drop` names (the prints page states its clock as `as_of`).
 */
function withoutAges(value: unknown, drop: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutAges(v, drop));
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== "age_seconds" && k !== "computed_at" && !drop.includes(k))
        .map(([k, v]) => [k, withoutAges(v, drop)]),
    );
  return value;
}

type ToolResult = { content: { type: string; text: string }[]; isError?: boolean };

describe.each(engines())("MCP over Streamable HTTP with the SDK client on %s", (engine) => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let client: Client;
  let asOf: string;
  const rest = async (path: string) => {
    const res = await fetch(`${server.url}${path}`);
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
    return JSON.parse(text) as unknown;
  };
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as ToolResult;
  const payload = async (name: string, args: Record<string, unknown>) => {
    const r = await call(name, args);
    expect(r.isError, `${name}: ${r.content[0]?.text.slice(0, 300)}`).toBeFalsy();
    return JSON.parse(r.content[0]?.text as string) as unknown;
  };

  beforeAll(async () => {
    server = await startTestServer(engine, {
      API_KEYS: KEY,
      RATE_LIMIT_PER_MINUTE: "0",
      RESPONSE_CACHE_TTL_MS: "0",
    });
    for (const s of SYMBOLS) {
      const res = await fetch(`${server.url}/smart-money/demo/${s}/generate-data?days=8`, {
        method: "POST",
        headers: { "x-api-key": KEY },
      });
      expect(res.status).toBe(200);
    }
    asOf = new Date().toISOString();
    // No key: reads are open through MCP exactly as REST GETs are.
    client = new Client({ name: "smt-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`)));
  }, 300_000);
  afterAll(async () => {
    await client?.close();
    await server?.dispose();
  });

  it("lists every read as a typed, read-only tool", async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const n of [
      "symbol_dashboard",
      "dark_pool_summary",
      "institutional_holders",
      "insider_transactions",
      "options_positioning",
      "market_leaders",
      "market_prints",
      "insider_clusters",
      "market_screener",
      "symbol_search",
      "filer_portfolio",
    ])
      expect(names).toContain(n);
    for (const t of tools) {
      expect(t.annotations?.readOnlyHint, t.name).toBe(true);
      expect(t.inputSchema.type).toBe("object");
      expect(t.description, t.name).toMatch(/REST: GET \/smart-money\//);
    }
    const leaders = tools.find((t) => t.name === "market_leaders");
    expect(leaders?.inputSchema.required).toEqual(["metric"]);
    const metric = leaders?.inputSchema.properties?.metric as { enum: string[] } | undefined;
    expect(metric?.enum).toContain("accumulation");
    expect(client.getServerVersion()?.name).toBe("smart-money-tracker");
  });

  it("answers per-symbol tools with the REST payloads", async () => {
    for (const s of SYMBOLS) {
      expect(withoutAges(await payload("dark_pool_summary", { symbol: s, as_of: asOf }))).toEqual(
        withoutAges(await rest(`/smart-money/dark-pool/${s}/summary?as_of=${asOf}`)),
      );
      expect(await payload("smart_money_indicators", { symbol: s.toLowerCase(), as_of: asOf })).toEqual(
        await rest(`/smart-money/analytics/${s}/indicators?as_of=${asOf}`),
      );
    }
    const pairs: [string, Record<string, unknown>, string][] = [
      [
        "institutional_holders",
        { symbol: "AAPL", as_of: asOf, limit: 5 },
        "institutional/AAPL/holders?limit=5",
      ],
      [
        "insider_transactions",
        { symbol: "MSFT", as_of: asOf, limit: 7 },
        "institutional/MSFT/insiders?limit=7",
      ],
      ["options_positioning", { symbol: "GME", as_of: asOf, top: 3 }, "blocks/GME/options-positioning?top=3"],
      ["smart_money_flow", { symbol: "GME", as_of: asOf }, "analytics/GME/flow?"],
      ["dark_pool_prints", { symbol: "AAPL", limit: 5, until: asOf }, "dark-pool/AAPL/prints?limit=5"],
    ];
    for (const [tool, args, path] of pairs) {
      const sep = path.endsWith("?") ? "" : "&";
      const asOfParam = tool === "dark_pool_prints" ? `until=${asOf}` : `as_of=${asOf}`;
      const drop = tool === "dark_pool_prints" ? ["as_of"] : [];
      const got = withoutAges(await payload(tool, args), drop);
      expect(got, tool).toEqual(withoutAges(await rest(`/smart-money/${path}${sep}${asOfParam}`), drop));
    }
  });

  it("answers market-wide tools with the REST payloads", async () => {
    const pairs: [string, Record<string, unknown>, string][] = [
      [
        "market_leaders",
        { metric: "dark_pool_value", limit: 10 },
        "market/leaders?metric=dark_pool_value&limit=10",
      ],
      [
        "market_leaders",
        { metric: "smart_money_index", universe: 2 },
        "market/leaders?metric=smart_money_index&universe=2&limit=25",
      ],
      ["market_prints", { min_value: 100_000, limit: 20 }, "market/prints?min_value=100000&limit=20"],
      [
        "market_screener",
        { filter: "dark_pool_value>0,dark_pool_prints>=1", sort: "-block_value" },
        "market/screener?dark_pool_value>0&dark_pool_prints>=1&sort=-block_value",
      ],
      [
        "insider_clusters",
        { min_insiders: 2, window_days: 30 },
        "market/insider-clusters?min_insiders=2&window_days=30",
      ],
      ["institutional_leaders", { limit: 5 }, "institutional/leaders?limit=5"],
    ];
    for (const [tool, args, path] of pairs) {
      const got = withoutAges(await payload(tool, { ...args, as_of: asOf }));
      expect(got, tool).toEqual(withoutAges(await rest(`/smart-money/${path}&as_of=${asOf}`)));
    }
    const leaders = (await payload("market_leaders", { metric: "dark_pool_value", as_of: asOf })) as {
      rows: { symbol: string }[];
    };
    expect(leaders.rows.map((r) => r.symbol).sort()).toEqual([...SYMBOLS].sort());
    const search = await payload("symbol_search", { q: "MS", limit: 5 });
    expect(search).toEqual(await rest("/smart-money/symbols?q=MS&limit=5"));
    const filers = (await payload("filer_search", { q: "demo", as_of: asOf, limit: 3 })) as {
      filers: { cik: string }[];
    };
    expect(filers.filers.length).toBeGreaterThan(0);
    const cik = filers.filers[0]?.cik as string;
    expect(withoutAges(await payload("filer_portfolio", { cik, as_of: asOf, limit: 10 }))).toEqual(
      withoutAges(await rest(`/smart-money/institutional/filers/${cik}?as_of=${asOf}&limit=10`)),
    );
  });

  it("answers a service refusal as the REST error body in an isError result", async () => {
    const r = await call("dark_pool_summary", { symbol: "NOPE" });
    expect(r.isError).toBe(true);
    const restErr = await fetch(`${server.url}/smart-money/dark-pool/NOPE/summary`);
    expect(restErr.status).toBe(404);
    expect(JSON.parse(r.content[0]?.text as string)).toEqual(await restErr.json());
  });

  it("keeps API keys as REST does: reads open, writes still need the key, foreign pages refused", async () => {
    const write = await fetch(`${server.url}/smart-money/demo/AAPL/generate-data?days=1`, { method: "POST" });
    expect(write.status).toBe(401);
    const keyed = new Client({ name: "smt-keyed", version: "1.0.0" });
    await keyed.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { "x-api-key": KEY } },
      }),
    );
    const r = (await keyed.callTool({ name: "symbol_search", arguments: { q: "AAPL" } })) as ToolResult;
    expect(JSON.parse(r.content[0]?.text as string).symbols[0].symbol).toBe("AAPL");
    await keyed.close();
    const foreign = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        origin: "https://evil.example",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(foreign.status).toBe(403);
  });
});
