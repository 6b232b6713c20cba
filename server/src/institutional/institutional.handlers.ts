/**
 * The institutional REST handlers: each reads its validated parameters, calls the service and answers
 * with its payload. `institutionalRoutes` mounts them on their route definitions.
 */
import type { AppDeps } from "../core/deps";
import { newRouter } from "../core/http";
import {
  changesRoute,
  flowRoute,
  holdersRoute,
  insidersRoute,
  sentimentRoute,
  unmappedRoute,
} from "./institutional.routes";
import {
  getHolderChanges,
  getHolders,
  getInsiderSentiment,
  getInsiderTransactions,
  getInstitutionalFlow,
  getUnmappedCusips,
} from "./institutional.service";

/** The transaction codes of `exclude_codes=A,m, F`: trimmed, upper case, empty ones dropped. */
const codeList = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);

export function institutionalRoutes(deps: AppDeps) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();
  const asOfOf = (raw: string | undefined, at: Date) => (raw ? new Date(raw) : at);

  return newRouter()
    .openapi(unmappedRoute, async (c) => c.json(await getUnmappedCusips(db, c.req.valid("query").limit), 200))
    .openapi(holdersRoute, async (c) => {
      const { as_of, period, limit } = c.req.valid("query");
      const at = now();
      const payload = await getHolders(db, c.req.valid("param").symbol, asOfOf(as_of, at), {
        period,
        limit,
        now: at,
      });
      return c.json(payload, 200);
    })
    .openapi(changesRoute, async (c) => {
      const { as_of, period } = c.req.valid("query");
      const at = now();
      const payload = await getHolderChanges(db, c.req.valid("param").symbol, asOfOf(as_of, at), {
        period,
        now: at,
      });
      return c.json(payload, 200);
    })
    .openapi(flowRoute, async (c) => {
      const { as_of, period } = c.req.valid("query");
      const at = now();
      const payload = await getInstitutionalFlow(db, c.req.valid("param").symbol, asOfOf(as_of, at), {
        period,
        now: at,
      });
      return c.json(payload, 200);
    })
    .openapi(insidersRoute, async (c) => {
      const { as_of, since, limit } = c.req.valid("query");
      const at = now();
      const payload = await getInsiderTransactions(db, c.req.valid("param").symbol, asOfOf(as_of, at), {
        since,
        limit,
        now: at,
      });
      return c.json(payload, 200);
    })
    .openapi(sentimentRoute, async (c) => {
      const q = c.req.valid("query");
      const at = now();
      const payload = await getInsiderSentiment(db, c.req.valid("param").symbol, asOfOf(q.as_of, at), {
        excludeCodes: codeList(q.exclude_codes),
        clusterMinInsiders: q.cluster_min_insiders,
        clusterWindowDays: q.cluster_window_days,
        now: at,
      });
      return c.json(payload, 200);
    });
}
