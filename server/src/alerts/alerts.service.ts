/**
 * The alerts answers as plain functions of the database: stored alerts (history and backfill by
 * sequence), and webhook registration, listing, removal and dead letters. The REST handlers and the
 * analytics both call these.
 */
import { createHash } from "node:crypto";
import type { Db } from "@smt/db";
import { AppError } from "../errors";
import { normalizeSymbol } from "../lib/symbols";
import { ALERT_TYPES, type AlertSeverity, type AlertType } from "./alerts.rules";
import type { AlertsPayload, CreatedWebhook, DeadLettersPayload, WebhooksPayload } from "./alerts.schemas";
import { createWebhook, deleteWebhook, listDeadLetters, listWebhooks, queryAlerts } from "./alerts.store";
import { checkWebhookTarget, TargetRefused } from "./webhook-target";

export interface AlertsQuery {
  /** Comma-separated alert types (all when absent or blank). */
  type?: string | undefined;
  /** Minimum severity. */
  severity?: AlertSeverity | undefined;
  since?: Date | undefined;
  /** Backfill: the alerts after this sequence number, oldest first. */
  afterSeq?: number | undefined;
  limit: number;
}

function parseTypes(text: string | undefined): AlertType[] | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const types = text.split(",").map((t) => t.trim());
  for (const t of types)
    if (!(ALERT_TYPES as readonly string[]).includes(t))
      throw new AppError("INVALID_INPUT", `unknown alert type "${t}"`, { allowed: ALERT_TYPES });
  return types as AlertType[];
}

/**
 * Stored alerts of a symbol (`*` or `ALL` for every symbol), newest first; with `afterSeq`, the ones after
 * it, oldest first. Throws INVALID_INPUT for a malformed symbol or an unknown alert type.
 */
export async function getAlerts(
  db: Db,
  symbolInput: string,
  q: AlertsQuery,
  now: Date = new Date(),
): Promise<AlertsPayload> {
  const symbol =
    symbolInput === "*" || symbolInput.toUpperCase() === "ALL" ? null : normalizeSymbol(symbolInput);
  const alerts = await queryAlerts(db, {
    symbol,
    types: parseTypes(q.type),
    minSeverity: q.severity,
    since: q.since,
    afterSeq: q.afterSeq,
    limit: q.limit,
  });
  const seqs = alerts.map((a) => a.seq ?? 0);
  return {
    symbol: symbol ?? "*",
    alerts,
    last_seq: seqs.length > 0 ? Math.max(...seqs) : null,
    as_of: now.toISOString(),
  };
}

/** The owner a webhook counts against: a hash prefix of the API key (never the key itself), or `open`. */
export function webhookOwner(key: string | null, apiKeys: string[]): string {
  if (apiKeys.length === 0 || key === null) return "open";
  return `key:${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
}

export interface WebhookPolicy {
  /** From `webhookOwner`. */
  owner: string;
  /** Accept loopback and private targets (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
  /** WEBHOOK_MAX_PER_KEY. */
  maxPerOwner: number;
}

/**
 * Registers a webhook (symbols normalised, `*` for all); the answer is the only place its secret shows.
 * Throws INVALID_INPUT for a target that is not a public http(s) address (unless private ones are
 * allowed) and CONFLICT when the owner already has `maxPerOwner` webhooks.
 */
export async function registerWebhook(
  db: Db,
  w: { url: string; symbols: string[]; types: string[]; secret?: string | undefined },
  policy: WebhookPolicy,
  now: Date,
): Promise<CreatedWebhook> {
  const symbols = w.symbols.map((s) => (s === "*" ? s : normalizeSymbol(s)));
  try {
    await checkWebhookTarget(w.url, { allowPrivate: policy.allowPrivate });
  } catch (e) {
    if (e instanceof TargetRefused)
      throw new AppError("INVALID_INPUT", `url: ${e.message}`, { field: "url", reason: e.reason });
    throw e;
  }
  const hook = await createWebhook(
    db,
    { owner: policy.owner, url: w.url, symbols, types: w.types, secret: w.secret },
    policy.maxPerOwner,
  );
  if (hook === null)
    throw new AppError(
      "CONFLICT",
      `this API key already has ${policy.maxPerOwner} webhooks (WEBHOOK_MAX_PER_KEY); delete one first`,
    );
  return { ...hook, active: true, created_at: now.toISOString() };
}

/** Registered webhooks, secrets left out. */
export async function getWebhooks(db: Db): Promise<WebhooksPayload> {
  const hooks = await listWebhooks(db);
  return {
    webhooks: hooks.map((h) => ({
      id: h.id,
      url: h.url,
      symbols: h.symbols,
      types: h.types,
      active: h.active,
      created_at: h.createdAt.toISOString(),
    })),
  };
}

/** Removes a webhook; throws NOT_FOUND when there is none with that id. */
export async function removeWebhook(db: Db, id: string): Promise<{ deleted: boolean }> {
  const deleted = await deleteWebhook(db, id);
  if (!deleted) throw new AppError("NOT_FOUND", "no such webhook");
  return { deleted };
}

/** Deliveries that failed every retry (of one webhook, or all), newest first. */
export async function getDeadLetters(
  db: Db,
  webhookId: string | null,
  limit: number,
): Promise<DeadLettersPayload> {
  const rows = await listDeadLetters(db, webhookId, limit);
  return {
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
  };
}
