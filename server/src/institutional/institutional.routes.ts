/** Route definitions of the institutional area: paths, parameters and the payload each answers with. */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, SymbolParams } from "../core/http";
import { IsoDay, IsoQuarterEnd, IsoTimestamp } from "../lib/time-params";
import {
  ChangesPayload,
  FlowPayload,
  HoldersPayload,
  InsiderSentimentPayload,
  InsiderTransactionsPayload,
  UnmappedCusipsPayload,
} from "./institutional.schemas";
import { INSIDER_PARAMS } from "./institutional.signals";

const AsOf = IsoTimestamp.optional().openapi({
  description: "Point in time (ISO 8601): only filings published by then count",
});
const Quarter = IsoQuarterEnd.optional().openapi({
  description:
    "Period of report (quarter end); default: the newest quarter with a filing holding the stock public at as_of (see period_selection)",
});

/** The query of the quarter views: a point in time and, optionally, the quarter. */
const QuarterQuery = z.object({ as_of: AsOf, period: Quarter });

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
  ...errorResponses,
});

/** A GET of one symbol's view under `/smart-money/institutional/{symbol}/`, answering `payload` or an error. */
const symbolRoute = <V extends string, Q extends z.ZodObject, P extends z.ZodTypeAny>(
  view: V,
  summary: string,
  query: Q,
  payload: P,
  description: string,
) =>
  createRoute({
    method: "get",
    path: `/smart-money/institutional/{symbol}/${view}` as `/smart-money/institutional/{symbol}/${V}`,
    tags: ["Institutional"],
    summary,
    request: { params: SymbolParams, query },
    responses: json(payload, description),
  });

export const unmappedRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/unmapped-cusips",
  tags: ["Institutional"],
  summary: "13F CUSIPs with no symbol mapping, largest reported value first (never guessed)",
  description:
    "Holdings under these CUSIPs are stored but cannot be answered by symbol until a mapping arrives: " +
    "`pnpm cli ingest securities <csv>` (symbol,cusip,...) or the OpenFIGI lookup.",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: {
    200: {
      description: "Unmapped CUSIPs",
      content: { "application/json": { schema: UnmappedCusipsPayload } },
    },
  },
});

export const holdersRoute = symbolRoute(
  "holders",
  "Top 13F holders of a stock for a quarter",
  QuarterQuery.extend({ limit: z.coerce.number().int().min(1).max(500).default(25) }),
  HoldersPayload,
  "Holders",
);

export const changesRoute = symbolRoute(
  "changes",
  "Increased, decreased, new and sold-out positions vs the prior quarter",
  QuarterQuery,
  ChangesPayload,
  "Changes",
);

export const flowRoute = symbolRoute(
  "flow",
  "Institutional ownership, net flow, direction and conviction",
  QuarterQuery,
  FlowPayload,
  "Flow",
);

export const insidersRoute = symbolRoute(
  "insiders",
  "Form 4 insider transactions, newest first",
  z.object({
    as_of: AsOf,
    since: IsoDay.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  }),
  InsiderTransactionsPayload,
  "Insider transactions",
);

export const sentimentRoute = symbolRoute(
  "insider-sentiment",
  "Insider buying vs selling over windows, cluster buys and a score with its parts",
  z.object({
    as_of: AsOf,
    exclude_codes: z
      .string()
      .default(INSIDER_PARAMS.excludedCodes.join(","))
      .openapi({ description: "Transaction codes left out (default A,M,F)" }),
    cluster_min_insiders: z.coerce.number().int().min(2).max(50).default(INSIDER_PARAMS.clusterMinInsiders),
    cluster_window_days: z.coerce.number().int().min(1).max(365).default(INSIDER_PARAMS.clusterWindowDays),
  }),
  InsiderSentimentPayload,
  "Insider sentiment",
);
