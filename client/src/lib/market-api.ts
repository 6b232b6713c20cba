/**
 * REST calls of the market-wide views (server/src/market, docs/methodology.md "Market") through the
 * server's app type. Several of these routes declare their rows as `Record<string, unknown>` in OpenAPI;
 * where the server's service function gives the exact row shape, its return type is used instead (type
 * imports only: no server code is bundled).
 */

import type { AlertSeverity, AlertType } from "@smt/server/alerts/alerts.rules";
import type { MarketCluster } from "@smt/server/institutional/insider-clusters";
import type { getFiler, getFilers } from "@smt/server/market/filers.service";
import type { getTape } from "@smt/server/market/market.service";
import type { Metric } from "@smt/server/market/metrics";
import type { InferResponseType } from "hono/client";
import { ApiError, client, failure, type StoredAlerts } from "./api";

const sm = client["smart-money"];
const symbolsEndpoint = sm.symbols;
const leadersEndpoint = sm.market.leaders;
const tapeEndpoint = sm.market.prints;
const clustersEndpoint = sm.market["insider-clusters"];
const dixSeriesEndpoint = sm["dark-pool"].dix.series;
const filersEndpoint = sm.institutional.filers;
const filerEndpoint = sm.institutional.filers[":cik"];
const allAlertsEndpoint = sm.alerts[":symbol"];

export type { AlertSeverity, AlertType, Metric };
export type SymbolSearch = Extract<InferResponseType<typeof symbolsEndpoint.$get, 200>, { symbols: unknown }>;
export type SymbolHit = SymbolSearch["symbols"][number];
export type Leaders = Extract<InferResponseType<typeof leadersEndpoint.$get, 200>, { rows: unknown }>;
export type LeaderRow = Leaders["rows"][number];
export type Tape = Awaited<ReturnType<typeof getTape>>;
export type TapePrint = Tape["prints"][number];
export type Clusters = Omit<
  Extract<InferResponseType<typeof clustersEndpoint.$get, 200>, { clusters: unknown }>,
  "clusters"
> & { clusters: MarketCluster[] };
export type DixSeriesPayload = InferResponseType<typeof dixSeriesEndpoint.$get, 200>;
export type FilerHits = Awaited<ReturnType<typeof getFilers>>;
export type Filer = Awaited<ReturnType<typeof getFiler>>;
export type FilerHolding = Filer["holdings"][number];

const init = (signal?: AbortSignal) => ({ init: signal ? { signal } : {} });
const asOfQuery = (asOf: string | null | undefined) => (asOf ? { as_of: asOf } : {});

/** Runs a typed call; a network failure becomes ApiError(0), an answer other than 200 ApiError(status). */
async function call<T>(run: () => Promise<Response>): Promise<T> {
  let res: Response;
  try {
    res = await run();
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", e instanceof Error ? e.message : "network error");
  }
  if (res.ok) return (await res.json()) as T;
  throw await failure(res);
}

/**
 * What `/smart-money/symbols?q=` accepts (server/src/market/symbols.service.ts): the box explains any other
 * text itself instead of sending a request the server answers with a 400.
 */
export const SEARCH_QUERY = /^[A-Za-z0-9 .\-/&']{1,40}$/;
export const SEARCH_QUERY_RULE = "letters, digits, space and . - / & ' only (1-40 characters)";

/** Symbols whose ticker starts with, or whose name has a word starting with, `q` (most active first). */
export const searchSymbols = (q: string, limit: number, signal?: AbortSignal) =>
  call<SymbolSearch>(() => symbolsEndpoint.$get({ query: { q, limit: String(limit) } }, init(signal)));

export const fetchLeaders = (
  metric: Metric,
  o: { asOf: string | null; limit: number },
  signal?: AbortSignal,
) =>
  call<Leaders>(() =>
    leadersEndpoint.$get({ query: { metric, limit: String(o.limit), ...asOfQuery(o.asOf) } }, init(signal)),
  );

export const fetchTape = (
  o: { minValue: number; asOf: string | null; limit: number; since?: string },
  signal?: AbortSignal,
) =>
  call<Tape>(() =>
    tapeEndpoint.$get(
      {
        query: {
          min_value: String(o.minValue),
          limit: String(o.limit),
          ...asOfQuery(o.asOf),
          ...(o.since ? { since: o.since } : {}),
        },
      },
      init(signal),
    ),
  );

/** Stored alerts of every symbol (`/alerts/*`), newest first, with the tape's type and severity filter. */
export const fetchMarketAlerts = (
  o: { types: readonly AlertType[] | null; minSeverity: AlertSeverity | null; limit: number },
  signal?: AbortSignal,
) =>
  call<StoredAlerts>(() =>
    allAlertsEndpoint.$get(
      {
        param: { symbol: "*" },
        query: {
          limit: String(o.limit),
          ...(o.types ? { type: o.types.join(",") } : {}),
          ...(o.minSeverity ? { severity: o.minSeverity } : {}),
        },
      },
      init(signal),
    ),
  );

export const fetchClusters = (o: { asOf: string | null; limit: number }, signal?: AbortSignal) =>
  call<Clusters>(() =>
    clustersEndpoint.$get({ query: { limit: String(o.limit), ...asOfQuery(o.asOf) } }, init(signal)),
  );

/**
 * The DIX by day over a range in one request (default: the 4 weeks up to the newest day with FINRA data);
 * days under the basket coverage floor come back in `excluded`.
 */
export const fetchDixSeries = (o: { from?: string; asOf: string | null }, signal?: AbortSignal) =>
  call<DixSeriesPayload>(() =>
    dixSeriesEndpoint.$get(
      { query: { ...(o.from ? { from: o.from } : {}), ...asOfQuery(o.asOf) } },
      init(signal),
    ),
  );

export const searchFilers = (q: string, o: { asOf: string | null; limit: number }, signal?: AbortSignal) =>
  call<FilerHits>(() =>
    filersEndpoint.$get({ query: { q, limit: String(o.limit), ...asOfQuery(o.asOf) } }, init(signal)),
  );

export const fetchFiler = (
  cik: string,
  o: { period: string | null; asOf: string | null; limit: number; offset?: number },
  signal?: AbortSignal,
) =>
  call<Filer>(() =>
    filerEndpoint.$get(
      {
        param: { cik },
        query: {
          limit: String(o.limit),
          offset: String(o.offset ?? 0),
          ...(o.period ? { period: o.period } : {}),
          ...asOfQuery(o.asOf),
        },
      },
      init(signal),
    ),
  );
