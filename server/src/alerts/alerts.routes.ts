/**
 * `/smart-money/alerts/{symbol}` (history and backfill by sequence) and webhook registration, listing,
 * removal and dead letters: the route definitions. Webhook routes need an API key whenever keys are
 * configured. Handlers are in alerts.handlers.ts, the computations in alerts.service.ts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses } from "../lib/openapi";
import { ALERT_SEVERITIES, ALERT_TYPES } from "./alerts.rules";
import { AlertsSchema, CreatedWebhookSchema, DeadLettersSchema, WebhooksSchema } from "./alerts.schemas";
import { SIGNATURE_HEADER } from "./webhooks";

const json = <T>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

export const alertsRoute = createRoute({
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
      since: z.iso.datetime({ offset: true }).optional(),
      after_seq: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: { 200: json("Alerts", AlertsSchema), ...errorResponses },
});

export const createWebhookRoute = createRoute({
  method: "post",
  path: "/smart-money/webhooks",
  tags: ["Alerts"],
  summary: `Register a webhook; each alert is POSTed with an ${SIGNATURE_HEADER} HMAC-SHA256 header`,
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
    201: json("Registered; the secret is shown only here", CreatedWebhookSchema),
    401: errorResponses[400],
    ...errorResponses,
  },
});

export const listWebhooksRoute = createRoute({
  method: "get",
  path: "/smart-money/webhooks",
  tags: ["Alerts"],
  summary: "Registered webhooks (secrets are not shown)",
  responses: { 200: json("Webhooks", WebhooksSchema), 401: errorResponses[400] },
});

export const deleteWebhookRoute = createRoute({
  method: "delete",
  path: "/smart-money/webhooks/{id}",
  tags: ["Alerts"],
  summary: "Remove a webhook",
  request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }) },
  responses: {
    200: json("Removed", z.object({ deleted: z.boolean() })),
    401: errorResponses[400],
    ...errorResponses,
  },
});

export const deadLettersRoute = createRoute({
  method: "get",
  path: "/smart-money/webhooks/dead-letters",
  tags: ["Alerts"],
  summary: "Deliveries that failed every retry, newest first",
  request: {
    query: z.object({
      webhook_id: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: { 200: json("Dead letters", DeadLettersSchema), 401: errorResponses[400] },
});
