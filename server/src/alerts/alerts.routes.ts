/**
 * `/smart-money/alerts/{symbol}` (history and backfill by sequence) and webhook registration, listing,
 * removal and dead letters. Webhook routes need an API key whenever keys are configured.
 */
import { createHash } from "node:crypto";
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../core/deps";
import { AppError } from "../errors";
import { presentedKey } from "../lib/auth";
import { errorResponses, newRouter } from "../lib/openapi";
import { normalizeSymbol } from "../lib/symbols";
import { IsoTimestamp } from "../lib/time-params";
import { ALERT_SEVERITIES, ALERT_TYPES, type AlertType } from "./alerts.rules";
import { createWebhook, deleteWebhook, listDeadLetters, listWebhooks, queryAlerts } from "./alerts.store";
import { checkWebhookTarget, TargetRefused } from "./webhook-target";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./webhooks";

const AlertSchema = z
  .object({
    id: z.string(),
    seq: z.number().nullable().openapi({ description: "Global sequence; backfill with after_seq" }),
    symbol: z.string(),
    type: z.enum(ALERT_TYPES),
    severity: z.enum(ALERT_SEVERITIES),
    timestamp: z.string(),
    title: z.string(),
    values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
    inputs: z.unknown().openapi({ description: "The detector event that fired the rule" }),
    params_version: z.string(),
    rules_version: z.string(),
    dedupe_key: z.string(),
    outcome: z.object({
      price_at_alert: z.number().nullable(),
      price_move_1h_pct: z.number().nullable(),
      price_move_1d_pct: z.number().nullable(),
      evaluated_at: z.string().nullable(),
    }),
    source: z.literal("demo").optional().openapi({
      description: "Present (`demo`) when the alert was raised on demo data, never on real data",
    }),
  })
  .openapi("Alert");

const alertsRoute = createRoute({
  method: "get",
  path: "/smart-money/alerts/{symbol}",
  tags: ["Alerts"],
  summary:
    "Stored alerts of a symbol (`*` for all), newest first; with after_seq, the ones after it, oldest first",
  request: {
    params: z.object({
      symbol: z
        .string()
        .min(1)
        .max(14)
        .openapi({ param: { name: "symbol", in: "path" }, example: "AAPL" }),
    }),
    query: z.object({
      type: z
        .string()
        .optional()
        .openapi({ description: `Comma-separated alert types: ${ALERT_TYPES.join(", ")}` }),
      severity: z.enum(ALERT_SEVERITIES).optional().openapi({ description: "Minimum severity" }),
      since: IsoTimestamp.optional(),
      after_seq: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: {
      description: "Alerts",
      content: {
        "application/json": {
          schema: z.object({
            symbol: z.string(),
            alerts: z.array(AlertSchema),
            last_seq: z.number().nullable(),
            as_of: z.string(),
          }),
        },
      },
    },
    ...errorResponses,
  },
});

/** Webhook ids are UUIDs (alerts.store.ts createWebhook); anything else cannot name one. */
const WebhookId = z.uuid();

const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    symbols: z.array(z.string()),
    types: z.array(z.string()),
    active: z.boolean(),
    created_at: z.string(),
  })
  .openapi("Webhook");

const createWebhookRoute = createRoute({
  method: "post",
  path: "/smart-money/webhooks",
  tags: ["Alerts"],
  summary: `Register a webhook; each alert is POSTed with ${SIGNATURE_HEADER} (HMAC-SHA256 of timestamp + "." + body) and ${TIMESTAMP_HEADER}`,
  description:
    "The URL must be http(s) and resolve to public addresses only (loopback, private, link-local, CGNAT, unique-local, multicast and reserved ranges are refused with 400, unless WEBHOOK_ALLOW_PRIVATE=true). At most WEBHOOK_MAX_PER_KEY webhooks per API key (409 above it).",
  request: {
    body: {
      content: {
        "application/json": {
          schema: z.object({
            url: z.url({ protocol: /^https?$/ }),
            symbols: z.array(z.string()).min(1).default(["*"]),
            types: z.array(z.enum(ALERT_TYPES)).default([]),
            secret: z.string().min(16).optional().openapi({ description: "Generated when omitted" }),
          }),
        },
      },
    },
  },
  responses: {
    201: {
      description: "Registered; the secret is shown only here",
      content: { "application/json": { schema: WebhookSchema.extend({ secret: z.string() }) } },
    },
    401: errorResponses[400],
    409: errorResponses[400],
    ...errorResponses,
  },
});

const listWebhooksRoute = createRoute({
  method: "get",
  path: "/smart-money/webhooks",
  tags: ["Alerts"],
  summary: "Registered webhooks (secrets are not shown)",
  responses: {
    200: {
      description: "Webhooks",
      content: { "application/json": { schema: z.object({ webhooks: z.array(WebhookSchema) }) } },
    },
    401: errorResponses[400],
  },
});

const deleteWebhookRoute = createRoute({
  method: "delete",
  path: "/smart-money/webhooks/{id}",
  tags: ["Alerts"],
  summary: "Remove a webhook",
  request: { params: z.object({ id: WebhookId.openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    200: {
      description: "Removed",
      content: { "application/json": { schema: z.object({ deleted: z.boolean() }) } },
    },
    401: errorResponses[400],
    ...errorResponses,
  },
});

const deadLettersRoute = createRoute({
  method: "get",
  path: "/smart-money/webhooks/dead-letters",
  tags: ["Alerts"],
  summary: "Deliveries that failed every retry, newest first",
  request: {
    query: z.object({
      webhook_id: WebhookId.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: {
    200: {
      description: "Dead letters",
      content: {
        "application/json": {
          schema: z.object({
            dead_letters: z.array(
              z.object({
                id: z.number(),
                webhook_id: z.string(),
                alert_id: z.string(),
                url: z.string(),
                attempts: z.number(),
                last_status: z.number().nullable(),
                last_error: z.string(),
                body: z.string(),
                failed_at: z.string(),
              }),
            ),
          }),
        },
      },
    },
    401: errorResponses[400],
  },
});

function parseTypes(text: string | undefined): AlertType[] | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const types = text.split(",").map((t) => t.trim());
  for (const t of types)
    if (!(ALERT_TYPES as readonly string[]).includes(t))
      throw new AppError("INVALID_INPUT", `unknown alert type "${t}"`, { allowed: ALERT_TYPES });
  return types as AlertType[];
}

/** The owner a webhook counts against: a hash prefix of the API key (never the key itself), or `open`. */
function webhookOwner(key: string | null, apiKeys: string[]): string {
  if (apiKeys.length === 0 || key === null) return "open";
  return `key:${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
}

export function alertsRoutes(deps: AppDeps) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();
  return newRouter()
    .openapi(alertsRoute, async (c) => {
      const raw = c.req.valid("param").symbol;
      const symbol = raw === "*" || raw.toUpperCase() === "ALL" ? null : normalizeSymbol(raw);
      const q = c.req.valid("query");
      const alerts = await queryAlerts(db, {
        symbol,
        types: parseTypes(q.type),
        minSeverity: q.severity,
        since: q.since ? new Date(q.since) : undefined,
        afterSeq: q.after_seq,
        limit: q.limit,
      });
      const seqs = alerts.map((a) => a.seq ?? 0);
      return c.json(
        {
          symbol: symbol ?? "*",
          alerts,
          last_seq: seqs.length > 0 ? Math.max(...seqs) : null,
          as_of: now().toISOString(),
        },
        200,
      );
    })
    .openapi(createWebhookRoute, async (c) => {
      const body = c.req.valid("json");
      const symbols = body.symbols.map((s) => (s === "*" ? s : normalizeSymbol(s)));
      try {
        await checkWebhookTarget(body.url, { allowPrivate: deps.env.WEBHOOK_ALLOW_PRIVATE });
      } catch (e) {
        if (e instanceof TargetRefused)
          throw new AppError("INVALID_INPUT", `url: ${e.message}`, { field: "url", reason: e.reason });
        throw e;
      }
      const max = deps.env.WEBHOOK_MAX_PER_KEY;
      const hook = await createWebhook(
        db,
        {
          owner: webhookOwner(presentedKey(c), deps.env.API_KEYS),
          url: body.url,
          symbols,
          types: body.types,
          secret: body.secret,
        },
        max,
      );
      if (hook === null)
        throw new AppError(
          "CONFLICT",
          `this API key already has ${max} webhooks (WEBHOOK_MAX_PER_KEY); delete one first`,
        );
      return c.json({ ...hook, active: true, created_at: now().toISOString() }, 201);
    })
    .openapi(listWebhooksRoute, async (c) => {
      const hooks = await listWebhooks(db);
      return c.json(
        {
          webhooks: hooks.map((h) => ({
            id: h.id,
            url: h.url,
            symbols: h.symbols,
            types: h.types,
            active: h.active,
            created_at: h.createdAt.toISOString(),
          })),
        },
        200,
      );
    })
    .openapi(deadLettersRoute, async (c) => {
      const q = c.req.valid("query");
      const rows = await listDeadLetters(db, q.webhook_id ?? null, q.limit);
      return c.json(
        {
          dead_letters: rows.map((r) => ({
            id: r.id,
            webhook_id: r.webhookId,
            alert_id: r.alertId,
            url: r.url,
            attempts: r.attempts,
            last_status: r.lastStatus,
            last_error: r.lastError,
            body: r.body,
            failed_at: r.failedAt.toISOString(),
          })),
        },
        200,
      );
    })
    .openapi(deleteWebhookRoute, async (c) => {
      const deleted = await deleteWebhook(db, c.req.valid("param").id);
      if (!deleted) throw new AppError("NOT_FOUND", "no such webhook");
      return c.json({ deleted }, 200);
    });
}
