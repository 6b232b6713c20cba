/** Handlers of the market-wide routes: parse, call a service, answer JSON or streamed CSV. */
import type { Context } from "hono";
import type { AppDeps } from "../core/deps";
import { newRouter } from "../core/http";
import { TAPE_COLUMNS } from "../darkpool/tape.service";
import { AppError } from "../errors";
import { csvResponse, wantsCsv } from "./csv";
import { csvRowsResponse } from "./csv-copy";
import { getFiler, getFilers, getInstitutionalLeaders } from "./filers.service";
import { getLeaders } from "./leaders.service";
import {
  clustersRoute,
  filerRoute,
  filersRoute,
  institutionalLeadersRoute,
  leadersRoute,
  screenerRoute,
  symbolsRoute,
  tapeRoute,
} from "./market.routes";
import { getClusters, getScreener, getTape, tapeCsvRows } from "./market.service";
import { parseFilters } from "./screener.grammar";
import { searchSymbols } from "./symbols.service";

/** JSON rows allowed on one page of the tape; CSV may ask for up to the route's maximum. */
const TAPE_JSON_MAX = 1000;

const csvOf = (c: Context, format: string | undefined) => wantsCsv(format, c.req.header("accept"));
const asOfHeader = (asOf: string) => ({ "x-smt-as-of": asOf });
/** A streamed CSV Response: typed `never` so the route's inferred (client) type stays its JSON payload. */
const raw = (r: Response) => r as never;
/** The payload as JSON, or `rows` streamed as CSV with the payload's `as_of` in a header. */
const jsonOrCsv = <B extends { as_of: string }>(
  c: Context,
  format: string | undefined,
  body: B,
  rows: object[],
  csv: { filename: string; columns?: string[] },
) =>
  csvOf(c, format) ? raw(csvResponse(rows, { ...csv, headers: asOfHeader(body.as_of) })) : c.json(body, 200);

/** What every market handler needs: the database and the request clock. */
interface MarketContext {
  db: AppDeps["db"]["db"];
  now: () => Date;
  asOfOr: (iso: string | undefined) => Date;
}

/** Symbol search and the market-wide print tape. */
function lookupRoutes({ db, now, asOfOr }: MarketContext) {
  return newRouter()
    .openapi(symbolsRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await searchSymbols(db, q);
      if (csvOf(c, q.format)) {
        const rows = body.symbols.map((s) => ({ ...s, kinds: s.kinds.join(";") }));
        return raw(
          csvResponse(rows, {
            filename: "symbols.csv",
            columns: ["symbol", "name", "activity", "kinds", "last_seen_at"],
          }),
        );
      }
      return c.json(body, 200);
    })
    .openapi(tapeRoute, async (c) => {
      const q = c.req.valid("query");
      const query = {
        asOf: asOfOr(q.as_of),
        minValue: q.min_value,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
        limit: q.limit,
        cursor: q.cursor,
      };
      if (csvOf(c, q.format)) {
        return raw(
          csvRowsResponse(TAPE_COLUMNS, await tapeCsvRows(db, query), {
            filename: "market-prints.csv",
            headers: asOfHeader(query.asOf.toISOString()),
          }),
        );
      }
      if (q.limit > TAPE_JSON_MAX) {
        throw new AppError(
          "INVALID_INPUT",
          `limit: at most ${TAPE_JSON_MAX} as JSON (ask format=csv for more)`,
          {
            field: "limit",
          },
        );
      }
      return c.json(await getTape(db, query, now()), 200);
    });
}

/** The ranked views: leaders, the screener and insider clusters. */
function screenRoutes({ db, now, asOfOr }: MarketContext) {
  return newRouter()
    .openapi(leadersRoute, async (c) => {
      const q = c.req.valid("query");
      const asOf = asOfOr(q.as_of);
      const body = await getLeaders(
        db,
        {
          ...q,
          asOf,
          minVolume: q.min_volume,
          windowDays: q.window_days,
          period: q.period,
          universe: q.universe,
        },
        now(),
      );
      return jsonOrCsv(c, q.format, body, body.rows, {
        filename: `leaders-${q.metric}-${body.window.to ?? "none"}.csv`,
      });
    })
    .openapi(screenerRoute, async (c) => {
      const q = c.req.valid("query");
      const filters = parseFilters(new URL(c.req.url).search.slice(1));
      const body = await getScreener(
        db,
        {
          asOf: asOfOr(q.as_of),
          filters,
          sort: q.sort,
          minVolume: q.min_volume,
          limit: q.limit,
          offset: q.offset,
        },
        now(),
      );
      return jsonOrCsv(c, q.format, body, body.rows, {
        filename: "screener.csv",
        columns: ["symbol", ...body.fields],
      });
    })
    .openapi(clustersRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await getClusters(
        db,
        { ...q, asOf: asOfOr(q.as_of), minInsiders: q.min_insiders, windowDays: q.window_days },
        now(),
      );
      return jsonOrCsv(c, q.format, body, body.clusters, { filename: "insider-clusters.csv" });
    });
}

/** 13F filers, one filer's holdings and the institutional leaders. */
function filerRoutes({ db, now, asOfOr }: MarketContext) {
  return newRouter()
    .openapi(filersRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await getFilers(db, { ...q, asOf: asOfOr(q.as_of) }, now());
      if (csvOf(c, q.format)) return raw(csvResponse(body.filers, { filename: "filers.csv" }));
      return c.json(body, 200);
    })
    .openapi(filerRoute, async (c) => {
      const q = c.req.valid("query");
      const { cik } = c.req.valid("param");
      const body = await getFiler(db, { ...q, cik, asOf: asOfOr(q.as_of) }, now());
      if (csvOf(c, q.format))
        return raw(csvResponse(body.holdings, { filename: `filer-${body.cik}-${body.period}.csv` }));
      return c.json(body, 200);
    })
    .openapi(institutionalLeadersRoute, async (c) => {
      const q = c.req.valid("query");
      const body = await getInstitutionalLeaders(db, { ...q, asOf: asOfOr(q.as_of) }, now());
      if (csvOf(c, q.format)) {
        const rows = (["bought", "sold", "newly_held", "exited"] as const).flatMap((list) =>
          body[list].map((r) => ({ list, ...r })),
        );
        return raw(csvResponse(rows, { filename: `institutional-leaders-${body.period ?? "none"}.csv` }));
      }
      return c.json(body, 200);
    });
}

export function marketRoutes(deps: AppDeps) {
  const now = () => deps.now?.() ?? new Date();
  const m: MarketContext = { db: deps.db.db, now, asOfOr: (iso) => (iso ? new Date(iso) : now()) };
  return newRouter().route("/", lookupRoutes(m)).route("/", screenRoutes(m)).route("/", filerRoutes(m));
}
