/**
 * Typed REST calls through the server's own app type (`hc<AppType>`): every response type below is
 * inferred from the server's routes, none is copied by hand. `import type` keeps server code out of the
 * bundle; only `hono/client`'s small proxy ships.
 */
import type { DashboardPayload } from "@smt/server/analytics/analytics.dashboard";
import type { AppType } from "@smt/server/app";
import { hc, type InferResponseType } from "hono/client";

export const client = hc<AppType>(typeof location === "undefined" ? "http://localhost" : location.origin);
const sm = client["smart-money"];

const metaEndpoint = sm.meta;
const dashboardEndpoint = sm.analytics[":symbol"].dashboard;
const summaryEndpoint = sm["dark-pool"][":symbol"].summary;
const printsEndpoint = sm["dark-pool"][":symbol"].prints;
const patternsEndpoint = sm["dark-pool"][":symbol"].patterns;
const alertsEndpoint = sm.alerts[":symbol"];
const holdersEndpoint = sm.institutional[":symbol"].holders;
const institutionalFlowEndpoint = sm.institutional[":symbol"].flow;
const positioningEndpoint = sm.blocks[":symbol"]["options-positioning"];

/**
 * The dashboard route declares its body with `z.custom<DashboardPayload>()` behind a helper typed
 * `z.ZodType`, so `hc` infers only "some JSON" for it; the server's own interface is imported instead
 * (analytics.routes.ts: "the client imports them"). Still no hand-copied shape.
 */
export type { DashboardPayload };
export type DarkPoolSummary = InferResponseType<typeof summaryEndpoint.$get, 200>;
export type PrintsPage = InferResponseType<typeof printsEndpoint.$get, 200>;
export type DarkPoolPatterns = InferResponseType<typeof patternsEndpoint.$get, 200>;
export type PatternDay = DarkPoolPatterns["days"][number];
export type StoredAlerts = InferResponseType<typeof alertsEndpoint.$get, 200>;
export type StoredAlert = StoredAlerts["alerts"][number];
export type InstitutionalHolders = InferResponseType<typeof holdersEndpoint.$get, 200>;
/** Whether demo rows are stored (and for which symbols) and whether the demo simulator runs. */
export type ServerMeta = InferResponseType<typeof metaEndpoint.$get, 200>;
export type InstitutionalFlow = InferResponseType<typeof institutionalFlowEndpoint.$get, 200>;
export type OptionsPositioning = InferResponseType<typeof positioningEndpoint.$get, 200>;
export type MetricCard = DashboardPayload["metrics"]["smart_money_index"];
export type ScoreComponent = DashboardPayload["indicators"]["components"]["smart_money_index"][number];
export type DashboardAlert = DashboardPayload["alerts"]["items"][number];

/** A failed call: HTTP status (0 for a network failure) and the server's error code (`NOT_FOUND`, ...). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  /** Unknown symbol or a route this server does not have yet: shown as "no data", not as a failure. */
  get isNotFound(): boolean {
    return this.status === 404;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

export async function failure(res: Response): Promise<ApiError> {
  let body: ErrorBody | null = null;
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    body = null;
  }
  const code = typeof body?.error?.code === "string" ? body.error.code : `HTTP_${res.status}`;
  const message = typeof body?.error?.message === "string" ? body.error.message : res.statusText;
  return new ApiError(res.status, code, message);
}

/** Turns a rejected fetch (offline, server down) into an ApiError; aborts pass through untouched. */
async function send<R extends Response>(call: () => Promise<R>): Promise<R> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", e instanceof Error ? e.message : "network error");
  }
}

const init = (signal?: AbortSignal) => ({ init: signal ? { signal } : {} });
/** `?as_of=` for the point-in-time view; nothing for "now". */
const asOfQuery = (asOf: string | null | undefined) => (asOf ? { as_of: asOf } : {});

export async function fetchMeta(signal?: AbortSignal): Promise<ServerMeta> {
  const res = await send(() => metaEndpoint.$get(undefined, init(signal)));
  if (res.ok) return await res.json();
  throw await failure(res);
}

export async function fetchDashboard(
  symbol: string,
  asOf: string | null,
  signal?: AbortSignal,
): Promise<DashboardPayload> {
  const res = await send(() =>
    dashboardEndpoint.$get({ param: { symbol }, query: asOfQuery(asOf) }, init(signal)),
  );
  if (res.ok) return (await res.json()) as unknown as DashboardPayload;
  throw await failure(res);
}

export async function fetchDarkPoolSummary(
  symbol: string,
  asOf: string | null,
  signal?: AbortSignal,
): Promise<DarkPoolSummary> {
  const res = await send(() =>
    summaryEndpoint.$get({ param: { symbol }, query: asOfQuery(asOf) }, init(signal)),
  );
  if (res.ok) return await res.json();
  throw await failure(res);
}

/** Off-exchange prints newest first, optionally only those after `since` (the live table's backfill). */
export async function fetchPrints(
  symbol: string,
  o: { since?: string; until?: string; limit?: number; includeLit?: boolean },
  signal?: AbortSignal,
): Promise<PrintsPage> {
  const query = {
    limit: String(o.limit ?? 200),
    include_lit: o.includeLit ? ("true" as const) : ("false" as const),
    ...(o.since ? { since: o.since } : {}),
    ...(o.until ? { until: o.until } : {}),
  };
  const res = await send(() => printsEndpoint.$get({ param: { symbol }, query }, init(signal)));
  if (res.ok) return await res.json();
  throw await failure(res);
}

/** Stored alerts of a symbol, newest first (the panel's history; new ones arrive on the socket). */
export async function fetchStoredAlerts(symbol: string, signal?: AbortSignal): Promise<StoredAlerts> {
  const res = await send(() =>
    alertsEndpoint.$get({ param: { symbol }, query: { limit: "50" } }, init(signal)),
  );
  if (res.ok) return await res.json();
  throw await failure(res);
}

/** Daily history (off-exchange volume and ratio, FINRA short ratio, closes) of `days` days ending by `asOf`. */
export async function fetchPatterns(
  symbol: string,
  days: number,
  asOf: string | null,
  signal?: AbortSignal,
): Promise<DarkPoolPatterns> {
  const res = await send(() =>
    patternsEndpoint.$get(
      { param: { symbol }, query: { days: String(days), ...asOfQuery(asOf) } },
      init(signal),
    ),
  );
  if (res.ok) return await res.json();
  throw await failure(res);
}

/** Top 13F holders for the latest complete quarter (known at `asOf`). */
export async function fetchHolders(
  symbol: string,
  asOf: string | null,
  signal?: AbortSignal,
): Promise<InstitutionalHolders> {
  const res = await send(() =>
    holdersEndpoint.$get({ param: { symbol }, query: { limit: "10", ...asOfQuery(asOf) } }, init(signal)),
  );
  if (res.ok) return await res.json();
  throw await failure(res);
}

export async function fetchInstitutionalFlow(
  symbol: string,
  asOf: string | null,
  signal?: AbortSignal,
): Promise<InstitutionalFlow> {
  const res = await send(() =>
    institutionalFlowEndpoint.$get({ param: { symbol }, query: asOfQuery(asOf) }, init(signal)),
  );
  if (res.ok) return await res.json();
  throw await failure(res);
}

export async function fetchOptionsPositioning(
  symbol: string,
  asOf: string | null,
  signal?: AbortSignal,
): Promise<OptionsPositioning> {
  const res = await send(() =>
    positioningEndpoint.$get({ param: { symbol }, query: asOfQuery(asOf) }, init(signal)),
  );
  if (res.ok) return await res.json();
  throw await failure(res);
}

const sourcesEndpoint = sm.sources;
/** `/smart-money/sources`: each scheduled public source, its state, newest data and lag (docs/sync.md). */
export type SourcesPayload = InferResponseType<typeof sourcesEndpoint.$get, 200>;
export type SyncSource = SourcesPayload["sources"][number];

export async function fetchSources(signal?: AbortSignal): Promise<SourcesPayload> {
  const res = await send(() => sourcesEndpoint.$get(undefined, init(signal)));
  if (res.ok) return await res.json();
  throw await failure(res);
}
