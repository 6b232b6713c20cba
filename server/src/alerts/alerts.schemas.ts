/**
 * The payloads of the alerts and webhook answers, one zod schema each with its TypeScript type inferred,
 * shared by the routes and the service.
 */
import { z } from "@hono/zod-openapi";
import { ALERT_SEVERITIES, ALERT_TYPES } from "./alerts.rules";

export const AlertOriginSchema = z
  .object({
    kind: z.string().openapi({ description: "`sec_form4`, `sec_13f` or `finra_regsho`" }),
    ref: z.string().openapi({ description: "The filing's accession number, or the FINRA file name" }),
    url: z.string().nullable().openapi({
      description: "Path of the filing's EDGAR index page on https://www.sec.gov; null for FINRA files",
    }),
    published_at: z.string().openapi({
      description:
        "When the world could know it: EDGAR acceptance time (else the end of the filing date, New York), or 18:00 New York on the FINRA file's date",
    }),
    seen_at: z.string().openapi({ description: "When this service stored the filing or file (ingest time)" }),
  })
  .openapi("AlertOrigin");

export const AlertSchema = z
  .object({
    id: z.string(),
    seq: z.number().nullable().openapi({ description: "Global sequence; backfill with after_seq" }),
    symbol: z.string(),
    type: z.enum(ALERT_TYPES),
    severity: z.enum(ALERT_SEVERITIES),
    timestamp: z.string(),
    title: z.string(),
    values: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
    inputs: z
      .unknown()
      .openapi({ description: "What fired the rule: the detector event, or the filing rows / file figures" }),
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
    origin: AlertOriginSchema.nullable().openapi({
      description:
        "The filing or file a filing alert came from (source, published and seen times); null for alerts of the live print detectors",
    }),
  })
  .openapi("Alert");

export const AlertsSchema = z.object({
  symbol: z.string(),
  alerts: z.array(AlertSchema),
  last_seq: z.number().nullable(),
  as_of: z.string(),
});
export type AlertsPayload = z.infer<typeof AlertsSchema>;

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    symbols: z.array(z.string()),
    types: z.array(z.string()),
    active: z.boolean(),
    created_at: z.string(),
  })
  .openapi("Webhook");
export type WebhookView = z.infer<typeof WebhookSchema>;

export const CreatedWebhookSchema = WebhookSchema.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhookSchema>;

export const WebhooksSchema = z.object({ webhooks: z.array(WebhookSchema) });
export type WebhooksPayload = z.infer<typeof WebhooksSchema>;

export const DeadLettersSchema = z.object({
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
});
export type DeadLettersPayload = z.infer<typeof DeadLettersSchema>;
