/** The dark-pool REST routes: paths, parameters and payload schemas (handlers in darkpool.handlers.ts). */
import { createRoute, type z } from "@hono/zod-openapi";
import { ErrorBody, errorResponses, SymbolParams } from "../core/http";
import {
  DixQuery,
  DixSchema,
  DixSeriesQuery,
  DixSeriesSchema,
  PatternsQuery,
  PatternsSchema,
  PrintsPageSchema,
  PrintsQuery,
  SummaryQuery,
  SummarySchema,
  UnusualQuery,
  UnusualSchema,
} from "./darkpool.schemas";

const json = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

export const printsRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/{symbol}/prints",
  tags: ["Dark pool"],
  summary: "Off-exchange prints, newest first",
  request: { params: SymbolParams, query: PrintsQuery },
  responses: { 200: json("A page of prints", PrintsPageSchema), ...errorResponses },
});

export const summaryRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/{symbol}/summary",
  tags: ["Dark pool"],
  summary: "One trading day of off-exchange activity",
  request: { params: SymbolParams, query: SummaryQuery },
  responses: { 200: json("Summary", SummarySchema), ...errorResponses },
});

export const patternsRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/{symbol}/patterns",
  tags: ["Dark pool"],
  summary: "Daily history: off-exchange volume, ratio, FINRA short ratio, ATS share",
  request: { params: SymbolParams, query: PatternsQuery },
  responses: { 200: json("Daily history", PatternsSchema), ...errorResponses },
});

export const unusualRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/{symbol}/unusual",
  tags: ["Dark pool"],
  summary: "Days and intraday windows above N x their trailing average",
  request: { params: SymbolParams, query: UnusualQuery },
  responses: { 200: json("Unusual activity", UnusualSchema), ...errorResponses },
});

export const dixRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/dix",
  tags: ["Dark pool"],
  summary: "DIX: dollar-weighted FINRA short-volume ratio of a basket",
  request: { query: DixQuery },
  responses: {
    200: json(
      "DIX and its members, with basket coverage. Below the coverage floor (DIX_MIN_COVERAGE of members with " +
        "FINRA short volume and a close) no DIX is reported: 422 INSUFFICIENT_COVERAGE with the coverage in details.",
      DixSchema,
    ),
    ...errorResponses,
    422: json("INSUFFICIENT_COVERAGE: too few basket members have short volume and a close", ErrorBody),
  },
});

export const dixSeriesRoute = createRoute({
  method: "get",
  path: "/smart-money/dark-pool/dix/series",
  tags: ["Dark pool"],
  summary: "DIX by day over a date range, in one answer",
  request: { query: DixSeriesQuery },
  responses: {
    200: json(
      "One point per day of the range with FINRA data and basket coverage at or above the floor (each equal to " +
        "/dark-pool/dix?date= for that day); days under the floor in `excluded`, weekdays without data in " +
        "`days_without_data`. At most 366 days and 1,000 basket symbols; a reversed or longer range answers 400.",
      DixSeriesSchema,
    ),
    ...errorResponses,
  },
});
