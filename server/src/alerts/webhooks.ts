/**
 * Webhook delivery of alerts: a signed JSON POST per alert and registered webhook, retried with
 * exponential backoff, and put on a dead-letter list after `maxAttempts` failures. Each attempt checks the
 * target again and connects to the address it checked (webhook-target.ts). See docs/alerts.md "Webhooks"
 * for the header names and how a receiver verifies a delivery.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Alert } from "./alerts.rules";
import {
  type CheckedTarget,
  checkWebhookTarget,
  pinnedLookup,
  type ResolveHost,
  TargetRefused,
} from "./webhook-target";

/**
 * Header carrying `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>", keyed with the webhook secret>`.
 * Signing the timestamp with the body (as Stripe and GitHub do) lets a receiver refuse a replayed delivery.
 */
export const SIGNATURE_HEADER = "x-smt-signature-256";
/** Header carrying the Unix time in seconds at which this attempt was signed. */
export const TIMESTAMP_HEADER = "x-smt-timestamp";
/** How old a delivery's timestamp may be before a receiver should refuse it (docs/alerts.md). */
export const SIGNATURE_TOLERANCE_SEC = 300;
/** Header carrying the delivery id (alert id + webhook id); the same on every retry of one delivery. */
export const DELIVERY_HEADER = "x-smt-delivery";
/** Header carrying the 1-based attempt number. */
export const ATTEMPT_HEADER = "x-smt-attempt";

/** The signature header value of a body sent at `timestamp` (Unix seconds). */
export function signPayload(secret: string, timestamp: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex")}`;
}

/**
 * What a receiver does: the timestamp is within `toleranceSec` of now and the signature matches
 * `timestamp + "." + raw body`, compared in constant time.
 */
export function verifySignature(
  secret: string,
  rawBody: string | Uint8Array,
  headers: { signature: string | undefined; timestamp: string | undefined },
  o: { nowMs?: number; toleranceSec?: number } = {},
): boolean {
  const { signature, timestamp } = headers;
  if (signature === undefined || timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const ageSec = Math.abs((o.nowMs ?? Date.now()) / 1000 - Number(timestamp));
  if (ageSec > (o.toleranceSec ?? SIGNATURE_TOLERANCE_SEC)) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface Webhook {
  id: string;
  url: string;
  secret: string;
  /** Symbols to deliver, or `["*"]` for all. */
  symbols: string[];
  /** Alert types to deliver; empty for all. */
  types: string[];
}

export interface DeadLetter {
  webhookId: string;
  alertId: string;
  url: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string;
  body: string;
  failedAt: string;
}

export interface WebhookDeliveryOptions {
  maxAttempts: number;
  /** Delay before the 2nd attempt; doubles each time (with +-20% jitter), capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Deliver to loopback and private addresses too (`WEBHOOK_ALLOW_PRIVATE`, local development only). */
  allowPrivate?: boolean;
  /** DNS resolution of target hosts (tests replace it). */
  resolve?: ResolveHost;
}

export const DEFAULT_WEBHOOK_OPTIONS: Readonly<WebhookDeliveryOptions> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  timeoutMs: 5_000,
});

/** Where dead letters go (the alerts store in production, an array in tests). */
export interface DeadLetterSink {
  deadLetter(letter: DeadLetter): Promise<void>;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status: number | null;
}

/** Backoff before attempt `attempt + 1` (attempt is 1-based). */
export function backoffMs(
  attempt: number,
  o: Pick<WebhookDeliveryOptions, "baseDelayMs" | "maxDelayMs">,
): number {
  const raw = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

export function webhookWants(
  hook: Pick<Webhook, "symbols" | "types">,
  alert: Pick<Alert, "symbol" | "type">,
): boolean {
  const symbolOk = hook.symbols.includes("*") || hook.symbols.includes(alert.symbol);
  const typeOk = hook.types.length === 0 || hook.types.includes(alert.type);
  return symbolOk && typeOk;
}

/**
 * Delivers alerts to webhooks. `deliver` resolves when the delivery succeeded or was dead-lettered; the
 * live path calls it without awaiting (`void`) so a slow receiver never holds the pipeline.
 */
export class WebhookDispatcher {
  private readonly inFlight = new Set<Promise<DeliveryResult>>();

  constructor(
    private readonly sink: DeadLetterSink,
    private readonly options: WebhookDeliveryOptions = DEFAULT_WEBHOOK_OPTIONS,
  ) {}

  /** Sends one alert to every matching webhook. */
  dispatch(alert: Alert, hooks: readonly Webhook[]): Promise<DeliveryResult>[] {
    return hooks.filter((h) => webhookWants(h, alert)).map((h) => this.track(this.deliver(h, alert)));
  }

  /** Waits for every delivery in flight (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(p: Promise<DeliveryResult>): Promise<DeliveryResult> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  async deliver(hook: Webhook, alert: Alert): Promise<DeliveryResult> {
    const body = JSON.stringify({ event: "alert", alert });
    let lastStatus: number | null = null;
    let lastError = "";
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        // Checked on every attempt: a host that resolved to a public address at registration may not now.
        const target = await checkWebhookTarget(hook.url, {
          allowPrivate: this.options.allowPrivate ?? false,
          ...(this.options.resolve ? { resolve: this.options.resolve } : {}),
        });
        const timestamp = String(Math.floor(Date.now() / 1000));
        lastStatus = await post(target, body, this.options.timeoutMs, {
          "content-type": "application/json",
          [SIGNATURE_HEADER]: signPayload(hook.secret, timestamp, body),
          [TIMESTAMP_HEADER]: timestamp,
          [DELIVERY_HEADER]: `${alert.id}.${hook.id}`,
          [ATTEMPT_HEADER]: String(attempt),
          "user-agent": "smart-money-tracker-webhooks/1",
        });
        if (lastStatus >= 200 && lastStatus < 300) return { ok: true, attempts: attempt, status: lastStatus };
        lastError = `HTTP ${lastStatus}`;
      } catch (e) {
        lastStatus = null;
        // A refused target is never contacted, so its dead letter says nothing about what listens there.
        lastError =
          e instanceof TargetRefused ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
      if (attempt < this.options.maxAttempts)
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, this.options)));
    }
    await this.sink.deadLetter({
      webhookId: hook.id,
      alertId: alert.id,
      url: hook.url,
      attempts: this.options.maxAttempts,
      lastStatus,
      lastError,
      body,
      failedAt: new Date().toISOString(),
    });
    return { ok: false, attempts: this.options.maxAttempts, status: lastStatus };
  }
}

/**
 * One POST to the checked address (the host name still goes in `Host` and TLS SNI, so certificates are
 * verified for it). Redirects are not followed: a 3xx is a failed attempt. Resolves with the status.
 */
function post(
  target: CheckedTarget,
  body: string,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<number> {
  const send = target.url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = send(
      target.url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup: pinnedLookup(target),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        // Drain the body so the socket is released.
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
