/**
 * The per-symbol MCP tools: each calls the service function its REST route calls, with the same symbol
 * resolution (an unknown ticker is NOT_FOUND, never an empty answer) and the same defaults.
 */
import { z } from "zod";
import { areaProviders } from "../analytics/analytics.providers";
import { getDashboard, getFlow, getIndicators } from "../analytics/analytics.service";
import { getOptionsPositioning } from "../blocks/blocks.service";
import { getPrintsPage, getSummary } from "../darkpool/darkpool.service";
import { getHolders, getInsiderTransactions } from "../institutional/institutional.service";
import { requireKnownSymbol } from "../lib/symbols";
import { IsoTimestamp } from "../lib/time-params";
import {
  AsOfArg,
  asOfOr,
  DayArg,
  dateOrUndefined,
  defineTool,
  limitArg,
  QuarterArg,
  SymbolArg,
  type ToolContext,
} from "./mcp.tool";

/** The analytics payloads, as `/analytics/{symbol}/...` answers them (the area providers wired in). */
const analytics =
  (get: typeof getIndicators | typeof getFlow | typeof getDashboard) =>
  async (ctx: ToolContext, a: { symbol: string; as_of?: string | undefined }) =>
    get(ctx.db, await requireKnownSymbol(ctx.db, a.symbol), asOfOr(a.as_of, ctx.now), {
      providers: areaProviders,
    });

const symbolAsOf = { symbol: SymbolArg, as_of: AsOfArg };

export const SYMBOL_TOOLS = [
  defineTool({
    name: "symbol_dashboard",
    title: "Symbol dashboard",
    description:
      "Everything known about one symbol in one payload: Smart Money Index, dark-pool ratio, institutional ownership, accumulation (each with band, as_of, sources), recent prints, blocks, options, top holders, alerts.",
    rest: "GET /smart-money/analytics/{symbol}/dashboard",
    input: symbolAsOf,
    run: analytics(getDashboard),
  }),
  defineTool({
    name: "smart_money_indicators",
    title: "Smart Money Indicators",
    description:
      "Smart Money Index (0-100), accumulation (-100..100), unusual activity, divergence, with every component's signal, weight, freshness and a confidence score.",
    rest: "GET /smart-money/analytics/{symbol}/indicators",
    input: symbolAsOf,
    run: analytics(getIndicators),
  }),
  defineTool({
    name: "smart_money_flow",
    title: "Smart-money flow",
    description:
      "Institutional (13F), insider (Form 4), dark-pool and block flows of one symbol: each side's signal and direction, net flow and the accumulation score.",
    rest: "GET /smart-money/analytics/{symbol}/flow",
    input: symbolAsOf,
    run: analytics(getFlow),
  }),
  defineTool({
    name: "dark_pool_summary",
    title: "Dark-pool summary",
    description:
      "One trading day of off-exchange prints of a symbol: volume, value, VWAP, off-exchange ratio with its band, sentiment split, large blocks, FINRA short volume and ATS weeks.",
    rest: "GET /smart-money/dark-pool/{symbol}/summary",
    input: {
      ...symbolAsOf,
      date: DayArg.describe("Trading day YYYY-MM-DD (ET); default the latest day with prints as of as_of"),
    },
    run: async (ctx, a) =>
      getSummary(ctx.db, await requireKnownSymbol(ctx.db, a.symbol), {
        date: a.date,
        totalVolume: undefined,
        asOf: asOfOr(a.as_of, ctx.now),
      }),
  }),
  defineTool({
    name: "dark_pool_prints",
    title: "Dark-pool prints",
    description: "Off-exchange prints of one symbol, newest first, paged with next_cursor.",
    rest: "GET /smart-money/dark-pool/{symbol}/prints",
    input: {
      symbol: SymbolArg,
      since: IsoTimestamp.optional().describe("Prints at or after this instant (ISO 8601)"),
      until: IsoTimestamp.optional().describe("Prints at or before this instant (ISO 8601)"),
      min_value: z.number().min(0).max(1e12).optional().describe("Minimum print value, USD"),
      limit: limitArg(50),
      cursor: z.string().max(400).optional().describe("next_cursor of the previous page"),
    },
    run: async (ctx, a) =>
      getPrintsPage(
        ctx.db,
        await requireKnownSymbol(ctx.db, a.symbol),
        {
          since: dateOrUndefined(a.since),
          until: dateOrUndefined(a.until),
          minValueUsd: a.min_value,
          limit: a.limit,
          cursor: a.cursor,
          includeLit: false,
        },
        ctx.now,
      ),
  }),
  defineTool({
    name: "institutional_holders",
    title: "Institutional holders (13F)",
    description:
      "The largest 13F holders of one symbol for a quarter, with shares, value, % of shares outstanding and the change from the prior quarter.",
    rest: "GET /smart-money/institutional/{symbol}/holders",
    input: { ...symbolAsOf, period: QuarterArg, limit: limitArg(25, 100) },
    run: (ctx, a) =>
      getHolders(ctx.db, a.symbol, asOfOr(a.as_of, ctx.now), {
        period: a.period,
        limit: a.limit,
        now: ctx.now,
      }),
  }),
  defineTool({
    name: "insider_transactions",
    title: "Insider transactions (Form 4)",
    description:
      "Form 4 transactions of one symbol's insiders, newest first: owner, role, code, shares, price, holding after, 10b5-1 flag.",
    rest: "GET /smart-money/institutional/{symbol}/insiders",
    input: {
      ...symbolAsOf,
      since: DayArg.describe("Transactions dated on or after this day (YYYY-MM-DD)"),
      limit: limitArg(50),
    },
    run: (ctx, a) =>
      getInsiderTransactions(ctx.db, a.symbol, asOfOr(a.as_of, ctx.now), {
        since: a.since,
        limit: a.limit,
        now: ctx.now,
      }),
  }),
  defineTool({
    name: "options_positioning",
    title: "Options positioning",
    description:
      "Call/put premium and volume, ratios, NBBO-side sentiment and the top contracts of one symbol over its latest option day (or since/until).",
    rest: "GET /smart-money/blocks/{symbol}/options-positioning",
    input: {
      ...symbolAsOf,
      since: IsoTimestamp.optional().describe("Window start (ISO 8601); default the latest option day"),
      until: IsoTimestamp.optional().describe("Window end (ISO 8601)"),
      top: z.number().int().min(1).max(50).default(10).describe("Top contracts listed (default 10)"),
    },
    run: (ctx, a) =>
      getOptionsPositioning(ctx.db, a.symbol, asOfOr(a.as_of, ctx.now), {
        since: dateOrUndefined(a.since),
        until: dateOrUndefined(a.until),
        top: a.top,
      }),
  }),
];
