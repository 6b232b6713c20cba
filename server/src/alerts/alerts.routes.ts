/**
 * `/smart-money/alerts/{symbol}` (history and backfill by sequence) and webhook registration, listing,
 * removal and dead letters: the route definitions. Webhook routes need an API key whenever keys are
 * configured. Handlers are in alerts.handlers.ts, the computations in alerts.service.ts.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses } from "../core/http";
import { IsoTimestamp } from "../lib/time-params";
import { ALERT_SEVERITIES, ALERT_TYPES } from "./alerts.rules";
import { AlertsSchema, CreatedWebhookSchema, DeadLettersSchema, WebhooksSchema } from "./alerts.schemas";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from "./webhooks";

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
      since: IsoTimestamp.optional(),
      after_seq: z.coerce.number().int().min(0).optional().openapi({
        description:
          "Backfill: the highest seq you hold. Returns the alerts numbered above it, oldest first, after the overlap: those numbered below it but stored no earlier than 5 s before it (pushed later by another node); merge by id",
      }),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: { 200: json("Alerts", AlertsSchema), ...errorResponses },
});

/** Webhook ids are UUIDs (alerts.store.ts createWebhook); anything else cannot name one. */
const WebhookId = z.uuid();

export const createWebhookRoute = createRoute({
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
    201: json("Registered; the secret is shown only here", CreatedWebhookSchema),
    401: errorResponses[400],
    409: errorResponses[400],
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
  request: { params: z.object({ id: WebhookId.openapi({ param: { name: "id", in: "path" } }) }) },
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
      webhook_id: WebhookId.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: { 200: json("Dead letters", DeadLettersSchema), 401: errorResponses[400] },
});
