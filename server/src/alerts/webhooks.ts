/**
 * Webhook delivery of alerts: a signed JSON POST per alert and registered webhook, retried with
 * exponential backoff, and put on a dead-letter list after `maxAttempts` failures. See docs/alerts.md
 * "Webhooks" for the header names and how a receiver verifies a delivery.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Alert } from "./alerts.rules";

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw request body, keyed with the webhook secret>`. */
export const SIGNATURE_HEADER = "x-smt-signature-256";
/** Header carrying the delivery id (alert id + webhook id); the same on every retry of one delivery. */
export const DELIVERY_HEADER = "x-smt-delivery";
/** Header carrying the 1-based attempt number. */
export const ATTEMPT_HEADER = "x-smt-attempt";

export function signBody(secret: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** Constant-time check of a signature header against the raw body (what a receiver does). */
export function verifySignature(
  secret: string,
  rawBody: string | Uint8Array,
  header: string | undefined,
): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signBody(secret, rawBody));
  const given = Buffer.from(header);
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
    const signature = signBody(hook.secret, body);
    let lastStatus: number | null = null;
    let lastError = "";
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      try {
        const res = await fetch(hook.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            [SIGNATURE_HEADER]: signature,
            [DELIVERY_HEADER]: `${alert.id}.${hook.id}`,
            [ATTEMPT_HEADER]: String(attempt),
            "user-agent": "smart-money-tracker-webhooks/1",
          },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
          redirect: "manual",
        });
        lastStatus = res.status;
        // Drain the body so the connection is reused.
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) return { ok: true, attempts: attempt, status: res.status };
        lastError = `HTTP ${res.status}`;
      } catch (e) {
        lastStatus = null;
        lastError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
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
