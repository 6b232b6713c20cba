/**
 * What an MCP tool is here: a name, a description, a typed input (a zod shape, validated by the SDK and
 * published to clients as JSON Schema) and a `run` that calls a service function directly, the same one
 * the REST route it mirrors calls. Every tool is a read. The input pieces shared by several tools live here.
 */
import type { Db } from "@smt/db";
import { z } from "zod";
import type { Env } from "../env";
import { IsoDay, IsoQuarterEnd, IsoTimestamp } from "../lib/time-params";

export interface ToolContext {
  db: Db;
  env: Env;
  /** The request's clock (the app's `now`), the default `as_of`. */
  now: Date;
}

export interface ToolDef<S extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /** The REST route answering the same payload (docs/mcp.md lists them side by side). */
  rest: string;
  input: S;
  run: (ctx: ToolContext, args: z.infer<z.ZodObject<S>>) => Promise<unknown>;
}

/** Keeps each tool's `run` typed by its own input shape while the list holds them all. */
export const defineTool = <S extends z.ZodRawShape>(def: ToolDef<S>): ToolDef => def as unknown as ToolDef;

/** Rows a tool returns at most by default and at most at all (lower than REST: results go to a model). */
export const MCP_ROWS_MAX = 200;

export const SymbolArg = z
  .string()
  .min(1)
  .max(14)
  .describe("Ticker, e.g. AAPL or BRK.B (class separators . / - accepted)");
export const AsOfArg = IsoTimestamp.optional().describe(
  "Point in time, ISO 8601 with offset (e.g. 2026-03-13T21:00:00Z): only data published by then counts; default now",
);
export const DayArg = IsoDay.optional();
export const QuarterArg = IsoQuarterEnd.optional().describe(
  "13F period of report, a quarter end YYYY-MM-DD; default the newest published by as_of",
);
export const limitArg = (def: number, max = MCP_ROWS_MAX) =>
  z.number().int().min(1).max(max).default(def).describe(`Rows to return (default ${def}, at most ${max})`);
export const OffsetArg = z.number().int().min(0).max(100_000).default(0).describe("Rows to skip");

/** `as_of` as a Date, else the request's clock. */
export const asOfOr = (iso: string | undefined, now: Date) => (iso ? new Date(iso) : now);
export const dateOrUndefined = (iso: string | undefined) => (iso ? new Date(iso) : undefined);
