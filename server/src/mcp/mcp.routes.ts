/**
 * `/mcp`: the Model Context Protocol endpoint (Streamable HTTP, stateless, JSON responses), served by the
 * SDK's Web-standard transport inside Hono. Every POST gets its own server and transport; no session,
 * stream or state outlives the request, so there is no session table to fill and any node can answer.
 * Limits here: messages per POST, tool calls in flight per process (503 past it); the app's middleware
 * applies the body cap (413), the rate limit (429) and the origin check before this runs.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { AppDeps } from "../core/deps";
import { newRouter } from "../core/http";
import { JSON_BODY_LIMIT_BYTES } from "../lib/http-guards";
import { buildMcpServer } from "./mcp.server";

export const MCP_PATH = "/mcp";
/** JSON-RPC messages in one POST (a batch) at most. */
export const MCP_MAX_MESSAGES = 10;

/** A JSON-RPC error answer of the transport layer (no request id: the request was not read as one). */
const rpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

const isToolCall = (m: unknown) =>
  typeof m === "object" && m !== null && (m as { method?: unknown }).method === "tools/call";

export function mcpRoutes(deps: AppDeps, version: string) {
  const limits = { timeoutMs: deps.env.MCP_TOOL_TIMEOUT_MS, maxResultBytes: deps.env.MCP_MAX_RESULT_BYTES };
  const maxInFlight = deps.env.MCP_MAX_IN_FLIGHT;
  let inFlight = 0;
  const gauge = () => deps.metrics?.set("smt_mcp_tool_calls_in_flight", inFlight);
  gauge();
  const now = () => deps.now?.() ?? new Date();

  return newRouter()
    .on(["GET", "DELETE"], MCP_PATH, () =>
      rpcError(
        405,
        -32000,
        "Method not allowed: this MCP server is stateless (POST only; no sessions, no server-sent stream)",
        { allow: "POST" },
      ),
    )
    .post(MCP_PATH, async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch (err) {
        if (err instanceof SyntaxError) return rpcError(400, -32700, "Parse error: the body is not JSON");
        throw err; // the body cap's 413
      }
      const messages = Array.isArray(body) ? body : [body];
      if (messages.length === 0 || messages.length > MCP_MAX_MESSAGES)
        return rpcError(
          400,
          -32600,
          `Invalid Request: 1 to ${MCP_MAX_MESSAGES} JSON-RPC messages per POST (got ${messages.length})`,
        );
      const calls = messages.filter(isToolCall).length;
      if (calls > 0 && inFlight + calls > maxInFlight)
        return rpcError(
          503,
          -32000,
          `Server busy: ${inFlight} MCP tool calls running, at most ${maxInFlight} (MCP_MAX_IN_FLIGHT); retry shortly`,
          { "retry-after": "1" },
        );
      inFlight += calls;
      gauge();
      const pending: Promise<unknown>[] = [];
      const at = now();
      const server = buildMcpServer(
        { version, limits, log: deps.log, context: () => ({ db: deps.db.db, env: deps.env, now: at }) },
        pending,
      );
      const transport = new WebStandardStreamableHTTPServerTransport({
        enableJsonResponse: true,
        maxRequestBodySize: JSON_BODY_LIMIT_BYTES,
      });
      try {
        await server.connect(transport);
        return await transport.handleRequest(c.req.raw, { parsedBody: body });
      } finally {
        void server.close();
        // A timed-out call keeps its slot until its work really ends.
        void Promise.allSettled(pending).then(() => {
          inFlight -= calls;
          gauge();
        });
      }
    });
}
