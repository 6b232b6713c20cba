/**
 * The MCP server of one HTTP request (stateless Streamable HTTP: a fresh `McpServer` per POST, nothing
 * kept between requests). Every tool runs under the same guard: a time limit, a result size cap, and
 * errors answered as `{error: {code, message, details}}` JSON in an `isError` result, as REST answers them.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { isAppError } from "../errors";
import { describeError, type Logger } from "../lib/log";
import type { ToolContext, ToolDef } from "./mcp.tool";
import { MARKET_TOOLS } from "./mcp.tools.market";
import { SYMBOL_TOOLS } from "./mcp.tools.symbol";

/** Every tool, per-symbol first. */
export const TOOLS: ToolDef[] = [...SYMBOL_TOOLS, ...MARKET_TOOLS];

export interface McpLimits {
  /** Longest one tool call may take before it answers TIMEOUT, ms. */
  timeoutMs: number;
  /** Largest result text, bytes. */
  maxResultBytes: number;
}

/** Most array elements and object keys in one call's arguments (the SDK counts them before validating). */
const MAX_INPUT_ELEMENTS = 100;

export const INSTRUCTIONS =
  "Smart Money Tracker: dark-pool prints, FINRA short volume, 13F holdings, Form 4 insider trades, blocks and options flow. " +
  "Every tool is a read; results are the REST API's JSON payloads (docs/mcp.md), point in time with as_of, with freshness and sources. " +
  "Start with symbol_search or market_leaders; errors come back as {error: {code, message}}.";

const errorResult = (code: string, message: string, details?: unknown): CallToolResult => ({
  isError: true,
  content: [{ type: "text", text: JSON.stringify({ error: { code, message, details } }) }],
});

const TIMED_OUT = Symbol("timed out");

/**
 * Runs one tool call under the limits. `pending` receives the work itself, which a timeout does not stop
 * (a database query runs to its end): the caller keeps the call's in-flight slot until it settles.
 */
export async function guarded(
  work: () => Promise<unknown>,
  limits: McpLimits,
  pending: Promise<unknown>[],
  log: Logger,
  tool: string,
): Promise<CallToolResult> {
  let timer: NodeJS.Timeout | undefined;
  // Async even when `work` throws before its first await (an argument the service refuses at once).
  const running = (async () => work())();
  pending.push(running.catch(() => undefined));
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), limits.timeoutMs);
  });
  try {
    const out = await Promise.race([running, timeout]);
    if (out === TIMED_OUT)
      return errorResult("TIMEOUT", `${tool} took longer than ${limits.timeoutMs} ms; narrow the request`, {
        limit_ms: limits.timeoutMs,
      });
    const text = JSON.stringify(out);
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > limits.maxResultBytes)
      return errorResult(
        "RESULT_TOO_LARGE",
        `${tool} result is ${bytes} bytes, over the ${limits.maxResultBytes}-byte cap; ask for fewer rows (limit) or a narrower window`,
        { bytes, limit_bytes: limits.maxResultBytes },
      );
    return { content: [{ type: "text", text }] };
  } catch (err) {
    if (isAppError(err)) return errorResult(err.code, err.message, err.details);
    log.error("mcp tool failed", { tool, error: describeError(err) });
    return errorResult("INTERNAL", "Internal error");
  } finally {
    clearTimeout(timer);
  }
}

/** A server with every tool registered, for one request. */
export function buildMcpServer(
  o: { version: string; context: () => ToolContext; limits: McpLimits; log: Logger },
  pending: Promise<unknown>[],
): McpServer {
  const server = new McpServer(
    { name: "smart-money-tracker", version: o.version },
    { instructions: INSTRUCTIONS, maxToolInputElements: MAX_INPUT_ELEMENTS },
  );
  for (const tool of TOOLS) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: `${tool.description} (REST: ${tool.rest})`,
        inputSchema: z.strictObject(tool.input),
        annotations: { title: tool.title, readOnlyHint: true, idempotentHint: true, openWorldHint: false },
      },
      (args: unknown) =>
        guarded(() => tool.run(o.context(), args as never), o.limits, pending, o.log, tool.name),
    );
  }
  return server;
}
