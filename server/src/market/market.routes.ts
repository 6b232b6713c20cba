/** Route definitions of the market-wide views (docs/methodology.md "Market"): schemas only, no logic. */
import { createRoute, z } from "@hono/zod-openapi";
import { ErrorBody } from "../core/http";
import { Freshness, Source } from "../lib/openapi";
import { IsoDay, IsoQuarterEnd, IsoTimestamp } from "../lib/time-params";
import { METRICS, UNIVERSE_DEFAULT, UNIVERSE_MAX } from "./metrics";

const AsOf = IsoTimestamp.optional().openapi({ description: "Point in time (ISO 8601); default now" });
const Format = z
  .enum(["json", "csv"])
  .optional()
  .openapi({ description: "csv: the rows as CSV with a header row (also `Accept: text/csv`)" });
const limit = (def: number, max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(def)
    .openapi({ description: `Rows per page (default ${def}, at most ${max})` });
const Offset = z.coerce
  .number()
  .int()
  .min(0)
  .max(100_000)
  .default(0)
  .openapi({ description: "Rows to skip" });

const Window = z
  .object({
    from: z.string().nullable(),
    to: z.string().nullable(),
    days: z.number(),
    basis: z.string(),
  })
  .openapi("MarketWindow");

const Meta = {
  as_of: z.string(),
  freshness: z.array(Freshness),
  sources: z.array(Source),
  params_version: z.string(),
};

const Page = { total: z.number(), limit: z.number(), offset: z.number(), next_offset: z.number().nullable() };

/** JSON payload plus its CSV form; errors as everywhere. */
const answers = <S extends z.ZodTypeAny>(schema: S, description: string) => ({
  200: {
    description,
    content: {
      "application/json": { schema },
      "text/csv": { schema: z.string().openapi({ description: "The rows as CSV with a header row" }) },
    },
  },
  400: { description: "Invalid input", content: { "application/json": { schema: ErrorBody } } },
  404: { description: "Unknown resource", content: { "application/json": { schema: ErrorBody } } },
});

const Row = z.record(z.string(), z.unknown());

/** The point in time, page and format parameters of the list endpoints, in that order. */
const ListQuery = { as_of: AsOf, limit: limit(50, 1000), offset: Offset, format: Format };

export const symbolsRoute = createRoute({
  method: "get",
  path: "/smart-money/symbols",
  tags: ["Service"],
  summary: "Symbols with data: search by ticker prefix or name, ranked by activity",
  request: {
    query: z.object({
      q: z
        .string()
        .max(40)
        .optional()
        .openapi({ description: "Ticker prefix or a word of the security's name (case-insensitive)" }),
      limit: limit(50, 1000),
      offset: Offset,
      format: Format,
    }),
  },
  responses: answers(
    z
      .object({
        q: z.string().nullable(),
        symbols: z.array(
          z.object({
            symbol: z.string(),
            kinds: z.array(z.string()),
            last_seen_at: z.string(),
            name: z.string().nullable(),
            activity: z.number().nullable().openapi({ description: "Shares (off-exchange, latest day)" }),
          }),
        ),
        ...Page,
        total_is_lower_bound: z.boolean().openapi({
          description: "True when `total` reached the 5,000 matches a query looks at (there may be more)",
        }),
        ranking: z.string(),
      })
      .openapi("SymbolSearch"),
    "Matching symbols, most active first",
  ),
});

export const leadersRoute = createRoute({
  method: "get",
  path: "/smart-money/market/leaders",
  tags: ["Market"],
  summary: "Market leaderboard for one metric (definitions in docs/methodology.md 'Market')",
  request: {
    query: z.object({
      metric: z.enum(METRICS).openapi({ description: "What to rank by" }),
      as_of: AsOf,
      limit: limit(50, 1000),
      offset: Offset,
      order: z.enum(["desc", "asc"]).default("desc").openapi({ description: "desc: largest first" }),
      min_volume: z.coerce
        .number()
        .min(0)
        .max(1e12)
        .optional()
        .openapi({ description: "Minimum volume the value rests on (per metric; see methodology)" }),
      window_days: z.coerce
        .number()
        .int()
        .min(1)
        .max(365)
        .default(30)
        .openapi({ description: "insider_buys / insider_sells: days ending at as_of" }),
      period: IsoQuarterEnd.optional().openapi({ description: "13F metrics: quarter end (default latest)" }),
      universe: z.coerce
        .number()
        .int()
        .min(1)
        .max(UNIVERSE_MAX)
        .optional()
        .openapi({
          description: `smart_money_index / accumulation: the most active symbols scored (default ${UNIVERSE_DEFAULT}, at most ${UNIVERSE_MAX})`,
        }),
      format: Format,
    }),
  },
  responses: answers(
    z
      .object({
        metric: z.string(),
        definition: z.string(),
        unit: z.string(),
        window: Window,
        min_volume: z.number().nullable(),
        rows: z.array(Row),
        ...Page,
        ...Meta,
        universe: z
          .object({
            basis: z.string(),
            requested: z.number(),
            scored: z.number(),
            active_symbols: z.number(),
          })
          .nullable()
          .openapi({ description: "smart_money_index / accumulation: which symbols were scored" }),
        scores: z
          .object({
            source: z.enum(["stored", "computed_on_request"]),
            as_of: z.string(),
            day: z.string().nullable(),
            closed: z.boolean().nullable(),
            computed_at: z.string(),
            age_seconds: z.number(),
            inputs_changed_since: z.boolean().nullable(),
          })
          .nullable()
          .openapi({
            description:
              "smart_money_index / accumulation: the precomputed board that answered (its as_of, computed_at, " +
              "whether inputs were written since) or computed_on_request (docs/methodology.md 'Composite metrics')",
          }),
      })
      .openapi("MarketLeaders"),
    "Ranked rows with the fields that explain each value",
  ),
});

export const tapeRoute = createRoute({
  method: "get",
  path: "/smart-money/market/prints",
  tags: ["Market"],
  summary: "Market tape: large off-exchange prints across all symbols, newest first",
  request: {
    query: z.object({
      min_value: z.coerce
        .number()
        .min(100_000)
        .max(1e12)
        .default(1_000_000)
        .openapi({ description: "Minimum print value in USD (default 1,000,000, at least 100,000)" }),
      since: IsoTimestamp.optional(),
      until: IsoTimestamp.optional(),
      as_of: AsOf,
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(100)
        .openapi({ description: "Rows (default 100; at most 1,000 as JSON, 100,000 as CSV)" }),
      cursor: z.string().max(400).optional().openapi({ description: "next_cursor of the previous page" }),
      format: Format,
    }),
  },
  responses: answers(
    z
      .object({
        min_value: z.number(),
        window: Window,
        prints: z.array(Row),
        limit: z.number(),
        next_cursor: z.string().nullable(),
        ...Meta,
      })
      .openapi("MarketTape"),
    "Prints",
  ),
});

export const clustersRoute = createRoute({
  method: "get",
  path: "/smart-money/market/insider-clusters",
  tags: ["Market"],
  summary: "Cluster buys: open-market purchases by several insiders of one issuer inside a window",
  request: {
    query: z.object({
      since: IsoDay.optional().openapi({
        description: "Clusters ending on or after this day (default as_of - 90 days)",
      }),
      min_insiders: z.coerce.number().int().min(2).max(50).default(3),
      window_days: z.coerce.number().int().min(1).max(365).default(14),
      ...ListQuery,
    }),
  },
  responses: answers(
    z
      .object({
        definition: z.string(),
        min_insiders: z.number(),
        window_days: z.number(),
        window: Window,
        clusters: z.array(Row),
        ...Page,
        ...Meta,
      })
      .openapi("MarketInsiderClusters"),
    "Clusters, newest first",
  ),
});

export const screenerRoute = createRoute({
  method: "get",
  path: "/smart-money/market/screener",
  tags: ["Market"],
  summary: "Screen symbols on their daily fields: `?short_ratio>0.6&dark_pool_ratio>=0.45&sort=-block_value`",
  request: {
    query: z.object({
      filter: z.string().max(2000).optional().openapi({
        description:
          "Comma-separated terms `field op number` (op: > >= < <= = !=); terms may also be query parameters",
      }),
      sort: z
        .string()
        .max(200)
        .optional()
        .openapi({ description: "Fields, comma-separated, `-` for descending" }),
      min_volume: z.coerce.number().min(0).max(1e12).optional(),
      ...ListQuery,
    }),
  },
  responses: answers(
    z
      .object({
        filters: z.array(z.object({ field: z.string(), op: z.string(), value: z.number() })),
        sort: z.array(z.string()),
        fields: z.array(z.string()),
        days: z.object({
          finra: z.string().nullable(),
          prints: z.string().nullable(),
          options: z.string().nullable(),
        }),
        rows: z.array(Row),
        ...Page,
        ...Meta,
      })
      .openapi("MarketScreener"),
    "Matching symbols",
  ),
});

export const filersRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/filers",
  tags: ["Institutional"],
  summary: "13F filers by CIK or name",
  request: {
    query: z.object({
      q: z
        .string()
        .min(1)
        .max(100)
        // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
        .regex(/^[^\u0000-\u001f\u007f]+$/, "no control characters")
        .openapi({ description: "CIK digits or the start of a word of the name" }),
      as_of: AsOf,
      limit: limit(50, 1000),
      format: Format,
    }),
  },
  responses: answers(
    z.object({ q: z.string(), filers: z.array(Row), ...Meta }).openapi("FilerSearch"),
    "Filers, newest report first",
  ),
});

export const filerRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/filers/{cik}",
  tags: ["Institutional"],
  summary: "One filer's 13F portfolio for a period with quarter-on-quarter changes, value and concentration",
  request: {
    params: z.object({
      cik: z
        .string()
        .regex(/^\d{1,10}$/, "a CIK is 1-10 digits")
        .openapi({ param: { name: "cik", in: "path" }, example: "0001067983" }),
    }),
    query: z.object({
      period: IsoQuarterEnd.optional(),
      as_of: AsOf,
      limit: limit(100, 1000),
      offset: Offset,
      format: Format,
    }),
  },
  responses: answers(
    z
      .object({
        cik: z.string(),
        name: z.string().nullable(),
        period: z.string(),
        prior_period: z.string(),
        prior_reported: z.boolean(),
        accessions: z.array(z.string()),
        value_usd: z.number(),
        positions: z.number(),
        changes: z.record(z.string(), z.number()),
        concentration: z.object({ top10_weight: z.number(), hhi: z.number(), largest_weight: z.number() }),
        holdings: z.array(Row),
        ...Page,
        ...Meta,
      })
      .openapi("FilerPortfolio"),
    "Portfolio",
  ),
});

export const institutionalLeadersRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/leaders",
  tags: ["Institutional"],
  summary: "Most bought, sold, newly held and exited securities of a quarter across all 13F filers",
  request: {
    query: z.object({
      period: IsoQuarterEnd.optional(),
      as_of: AsOf,
      limit: limit(25, 1000),
      format: Format,
    }),
  },
  responses: answers(
    z
      .object({
        period: z.string().nullable(),
        prior_period: z.string().nullable(),
        filers: z.number(),
        heat_formula: z.string(),
        bought: z.array(Row),
        sold: z.array(Row),
        newly_held: z.array(Row),
        exited: z.array(Row),
        ...Meta,
      })
      .openapi("InstitutionalLeaders"),
    "Four lists; CSV holds all four with a `list` column",
  ),
});
