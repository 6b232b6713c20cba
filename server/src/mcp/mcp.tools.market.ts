/**
 * The market-wide MCP tools: leaderboards, the market tape, cluster buys, the screener, the symbol
 * search, 13F filers and the DIX, each through the service function its REST route calls.
 */
import { z } from "zod";
import { getDix } from "../darkpool/dix";
import { AppError } from "../errors";
import { IsoDay, IsoTimestamp } from "../lib/time-params";
import { getFiler, getFilers, getInstitutionalLeaders } from "../market/filers.service";
import { getLeaders } from "../market/leaders.service";
import { getClusters, getScreener, getTape } from "../market/market.service";
import { METRICS, UNIVERSE_DEFAULT } from "../market/metrics";
import { parseFilters } from "../market/screener.grammar";
import { searchSymbols } from "../market/symbols.service";
import {
  AsOfArg,
  asOfOr,
  DayArg,
  dateOrUndefined,
  defineTool,
  limitArg,
  OffsetArg,
  QuarterArg,
} from "./mcp.tool";

/** Composite leaderboards score this many symbols at most through MCP (each is a per-symbol computation). */
export const MCP_UNIVERSE_MAX = 200;

/** The screener's `filter` argument as the grammar's terms; a bad term names itself and `filter`. */
function screenerFilters(filter: string | undefined) {
  if (filter === undefined || filter.trim() === "") return [];
  try {
    return parseFilters(`filter=${encodeURIComponent(filter)}`);
  } catch (err) {
    if (err instanceof AppError) throw new AppError(err.code, `filter: ${err.message}`, err.details);
    throw err;
  }
}

export const MARKET_TOOLS = [
  defineTool({
    name: "market_leaders",
    title: "Market leaderboard",
    description:
      "Symbols ranked market-wide by one metric (short volume and ratio, dark-pool value and ratio, blocks, unusual volume, options premium and skew, insider buys/sells, 13F net change and new positions, Smart Money Index, accumulation), each row with the fields that explain its value. Definitions: docs/methodology.md 'Market'.",
    rest: "GET /smart-money/market/leaders",
    input: {
      metric: z.enum(METRICS).describe("What to rank by"),
      as_of: AsOfArg,
      limit: limitArg(25),
      offset: OffsetArg,
      order: z.enum(["desc", "asc"]).default("desc").describe("desc: largest first"),
      min_volume: z.number().min(0).max(1e12).optional().describe("Minimum volume the value rests on"),
      window_days: z.number().int().min(1).max(365).default(30).describe("insider_buys/sells: window"),
      period: QuarterArg,
      universe: z
        .number()
        .int()
        .min(1)
        .max(MCP_UNIVERSE_MAX)
        .optional()
        .describe(
          `smart_money_index / accumulation: most active symbols scored (default ${UNIVERSE_DEFAULT}, at most ${MCP_UNIVERSE_MAX})`,
        ),
    },
    run: (ctx, a) =>
      getLeaders(
        ctx.db,
        {
          ...a,
          asOf: asOfOr(a.as_of, ctx.now),
          minVolume: a.min_volume,
          windowDays: a.window_days,
        },
        ctx.now,
      ),
  }),
  defineTool({
    name: "market_prints",
    title: "Market tape",
    description:
      "The largest off-exchange prints across all symbols, newest first (at least min_value USD), paged with next_cursor.",
    rest: "GET /smart-money/market/prints",
    input: {
      min_value: z.number().min(100_000).max(1e12).default(1_000_000).describe("Minimum print value, USD"),
      since: IsoTimestamp.optional().describe("Prints at or after this instant"),
      until: IsoTimestamp.optional().describe("Prints at or before this instant"),
      as_of: AsOfArg,
      limit: limitArg(50),
      cursor: z.string().max(400).optional().describe("next_cursor of the previous page"),
    },
    run: (ctx, a) =>
      getTape(
        ctx.db,
        {
          asOf: asOfOr(a.as_of, ctx.now),
          minValue: a.min_value,
          since: dateOrUndefined(a.since),
          until: dateOrUndefined(a.until),
          limit: a.limit,
          cursor: a.cursor,
        },
        ctx.now,
      ),
  }),
  defineTool({
    name: "insider_clusters",
    title: "Insider cluster buys",
    description:
      "Open-market purchases (Form 4 code P) of one issuer by at least min_insiders distinct insiders inside window_days, across the market, newest first.",
    rest: "GET /smart-money/market/insider-clusters",
    input: {
      since: DayArg.describe("Clusters ending on or after this day; default as_of - 90 days"),
      min_insiders: z.number().int().min(2).max(50).default(3),
      window_days: z.number().int().min(1).max(365).default(14),
      as_of: AsOfArg,
      limit: limitArg(50),
      offset: OffsetArg,
    },
    run: (ctx, a) =>
      getClusters(
        ctx.db,
        {
          ...a,
          asOf: asOfOr(a.as_of, ctx.now),
          minInsiders: a.min_insiders,
          windowDays: a.window_days,
        },
        ctx.now,
      ),
  }),
  defineTool({
    name: "market_screener",
    title: "Screener",
    description:
      "Symbols whose daily fields pass every filter term, e.g. filter 'short_ratio>0.6,dark_pool_ratio>=0.45', sort '-block_value'. Fields: short_volume, finra_total_volume, short_ratio, dark_pool_volume, dark_pool_value, dark_pool_prints, dark_pool_ratio, consolidated_volume, volume, block_value, block_count, unusual_volume, options_premium, call_put_skew.",
    rest: "GET /smart-money/market/screener",
    input: {
      filter: z
        .string()
        .max(2000)
        .optional()
        .describe("Comma-separated terms `field op number`, op one of > >= < <= = !="),
      sort: z.string().max(200).optional().describe("Up to 3 fields, comma-separated, '-' for descending"),
      min_volume: z.number().min(0).max(1e12).optional().describe("volume >= this"),
      as_of: AsOfArg,
      limit: limitArg(50),
      offset: OffsetArg,
    },
    run: (ctx, a) =>
      getScreener(
        ctx.db,
        {
          asOf: asOfOr(a.as_of, ctx.now),
          filters: screenerFilters(a.filter),
          sort: a.sort,
          minVolume: a.min_volume,
          limit: a.limit,
          offset: a.offset,
        },
        ctx.now,
      ),
  }),
  defineTool({
    name: "symbol_search",
    title: "Symbol search",
    description:
      "Symbols with data by ticker prefix or a word of the security's name, exact ticker first, then most active.",
    rest: "GET /smart-money/symbols",
    input: {
      q: z.string().max(40).optional().describe("Ticker prefix or name word; omit for the most active"),
      limit: limitArg(20, 100),
      offset: OffsetArg,
    },
    run: (ctx, a) => searchSymbols(ctx.db, a),
  }),
  defineTool({
    name: "filer_search",
    title: "13F filer search",
    description: "13F filers (funds) by CIK digits or the start of a word of their name.",
    rest: "GET /smart-money/institutional/filers",
    input: {
      q: z
        .string()
        .min(1)
        .max(100)
        // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
        .regex(/^[^\u0000-\u001f\u007f]+$/, "no control characters")
        .describe("CIK digits or a name word"),
      as_of: AsOfArg,
      limit: limitArg(20),
    },
    run: (ctx, a) => getFilers(ctx.db, { ...a, asOf: asOfOr(a.as_of, ctx.now) }, ctx.now),
  }),
  defineTool({
    name: "filer_portfolio",
    title: "Filer portfolio (13F)",
    description:
      "One filer's 13F portfolio for a quarter: holdings with weights and quarter-on-quarter changes (new, added, reduced, sold out), value and concentration.",
    rest: "GET /smart-money/institutional/filers/{cik}",
    input: {
      cik: z
        .string()
        .regex(/^\d{1,10}$/, "a CIK is 1-10 digits")
        .describe("The filer's CIK"),
      period: QuarterArg,
      as_of: AsOfArg,
      limit: limitArg(50),
      offset: OffsetArg,
    },
    run: (ctx, a) => getFiler(ctx.db, { ...a, asOf: asOfOr(a.as_of, ctx.now) }, ctx.now),
  }),
  defineTool({
    name: "institutional_leaders",
    title: "Quarter's institutional leaders",
    description:
      "The most bought, sold, newly held and exited securities of a 13F quarter across all filers, with the heat formula.",
    rest: "GET /smart-money/institutional/leaders",
    input: { period: QuarterArg, as_of: AsOfArg, limit: limitArg(10, 100) },
    run: (ctx, a) => getInstitutionalLeaders(ctx.db, { ...a, asOf: asOfOr(a.as_of, ctx.now) }, ctx.now),
  }),
  defineTool({
    name: "dix",
    title: "Dark Index (DIX)",
    description:
      "The dollar-weighted FINRA short-volume ratio of the basket (DIX_BASKET or the S&P 500 list) for a day, with its members and coverage.",
    rest: "GET /smart-money/dark-pool/dix",
    input: {
      date: IsoDay.optional().describe("Trading day; default the newest with FINRA data"),
      as_of: AsOfArg,
    },
    run: (ctx, a) => getDix(ctx.db, { date: a.date, asOf: asOfOr(a.as_of, ctx.now) }, ctx.env),
  }),
];
