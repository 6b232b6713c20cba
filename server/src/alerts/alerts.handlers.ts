/**
 * The alerts router: each handler reads its validated input, calls alerts.service.ts and answers.
 */
import type { AppDeps } from "../core/deps";
import { newRouter } from "../core/http";
import { presentedKey } from "../lib/auth";
import {
  alertsRoute,
  createWebhookRoute,
  deadLettersRoute,
  deleteWebhookRoute,
  listWebhooksRoute,
} from "./alerts.routes";
import {
  getAlerts,
  getDeadLetters,
  getWebhooks,
  registerWebhook,
  removeWebhook,
  webhookOwner,
} from "./alerts.service";

export function alertsRoutes(deps: AppDeps) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();
  return newRouter()
    .openapi(alertsRoute, async (c) => {
      const q = c.req.valid("query");
      const query = {
        type: q.type,
        severity: q.severity,
        since: q.since ? new Date(q.since) : undefined,
        afterSeq: q.after_seq,
        limit: q.limit,
      };
      return c.json(await getAlerts(db, c.req.valid("param").symbol, query, now()), 200);
    })
    .openapi(createWebhookRoute, async (c) => {
      const policy = {
        owner: webhookOwner(presentedKey(c), deps.env.API_KEYS),
        allowPrivate: deps.env.WEBHOOK_ALLOW_PRIVATE,
        maxPerOwner: deps.env.WEBHOOK_MAX_PER_KEY,
      };
      return c.json(await registerWebhook(db, c.req.valid("json"), policy, now()), 201);
    })
    .openapi(listWebhooksRoute, async (c) => c.json(await getWebhooks(db), 200))
    .openapi(deadLettersRoute, async (c) => {
      const q = c.req.valid("query");
      return c.json(await getDeadLetters(db, q.webhook_id ?? null, q.limit), 200);
    })
    .openapi(deleteWebhookRoute, async (c) => c.json(await removeWebhook(db, c.req.valid("param").id), 200));
}
