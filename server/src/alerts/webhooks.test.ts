import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Alert } from "./alerts.rules";
import {
  ATTEMPT_HEADER,
  DELIVERY_HEADER,
  type DeadLetter,
  SIGNATURE_HEADER,
  verifySignature,
  type Webhook,
  WebhookDispatcher,
} from "./webhooks";

const alert: Alert = {
  id: "0123456789abcdef0123456789abcdef",
  seq: 7,
  symbol: "AAPL",
  type: "large_block",
  severity: "high",
  timestamp: "2025-03-12T14:00:00.000Z",
  title: "AAPL $12.0M off-exchange block",
  values: { value: 12_000_000 },
  inputs: { kind: "block" },
  params_version: "blocks-v1",
  rules_version: "alerts-v1",
  dedupe_key: "large_block:AAPL:k",
  outcome: { price_at_alert: null, price_move_1h_pct: null, price_move_1d_pct: null, evaluated_at: null },
};

interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  atMs: number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function receiver(status: (n: number) => number): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), atMs: Date.now() });
      res.statusCode = status(received.length);
      res.end("ok");
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received };
}

const fast = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1_000, timeoutMs: 2_000 };

describe("webhooks", () => {
  it("a receiver gets the alert with an HMAC-SHA256 signature it can verify with the shared secret", async () => {
    const { url, received } = await receiver(() => 204);
    const letters: DeadLetter[] = [];
    const dispatcher = new WebhookDispatcher({ deadLetter: async (l) => void letters.push(l) }, fast);
    const hook: Webhook = { id: "wh1", url, secret: "s3cret", symbols: ["AAPL"], types: [] };
    const results = await Promise.all(dispatcher.dispatch(alert, [hook]));
    expect(results).toEqual([{ ok: true, attempts: 1, status: 204 }]);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.headers["content-type"]).toBe("application/json");
    expect(verifySignature("s3cret", got.body, got.headers[SIGNATURE_HEADER] as string)).toBe(true);
    expect(verifySignature("wrong", got.body, got.headers[SIGNATURE_HEADER] as string)).toBe(false);
    expect(
      verifySignature("s3cret", got.body.replace("AAPL", "MSFT"), got.headers[SIGNATURE_HEADER] as string),
    ).toBe(false);
    expect(got.headers[DELIVERY_HEADER]).toBe(`${alert.id}.wh1`);
    expect(JSON.parse(got.body)).toEqual({ event: "alert", alert });
    expect(letters).toEqual([]);
  });

  it("retries a failing receiver with growing delays, then dead-letters the delivery", async () => {
    const { url, received } = await receiver(() => 500);
    const letters: DeadLetter[] = [];
    const dispatcher = new WebhookDispatcher({ deadLetter: async (l) => void letters.push(l) }, fast);
    const [result] = dispatcher.dispatch(alert, [{ id: "wh2", url, secret: "k", symbols: ["*"], types: [] }]);
    await dispatcher.drain();
    expect(await result).toEqual({ ok: false, attempts: 3, status: 500 });
    expect(received.map((r) => r.headers[ATTEMPT_HEADER])).toEqual(["1", "2", "3"]);
    const gap1 = received[1]!.atMs - received[0]!.atMs;
    const gap2 = received[2]!.atMs - received[1]!.atMs;
    expect(gap1).toBeGreaterThanOrEqual(35);
    expect(gap2).toBeGreaterThanOrEqual(75);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      webhookId: "wh2",
      alertId: alert.id,
      url,
      attempts: 3,
      lastStatus: 500,
      lastError: "HTTP 500",
    });
    expect(JSON.parse(letters[0]!.body).alert.id).toBe(alert.id);
  });

  it("recovers when a receiver fails once and then answers", async () => {
    const { url, received } = await receiver((n) => (n === 1 ? 503 : 200));
    const letters: DeadLetter[] = [];
    const dispatcher = new WebhookDispatcher({ deadLetter: async (l) => void letters.push(l) }, fast);
    const [result] = dispatcher.dispatch(alert, [{ id: "wh3", url, secret: "k", symbols: ["*"], types: [] }]);
    expect(await result).toEqual({ ok: true, attempts: 2, status: 200 });
    expect(received).toHaveLength(2);
    expect(letters).toEqual([]);
  });

  it("dead-letters a receiver that is not listening (connection refused)", async () => {
    const { url } = await receiver(() => 200);
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
    const letters: DeadLetter[] = [];
    const dispatcher = new WebhookDispatcher({ deadLetter: async (l) => void letters.push(l) }, fast);
    const [result] = dispatcher.dispatch(alert, [{ id: "wh4", url, secret: "k", symbols: ["*"], types: [] }]);
    expect((await result)?.ok).toBe(false);
    expect(letters[0]?.lastStatus).toBeNull();
    expect(letters[0]?.lastError).toMatch(/fetch failed|ECONNREFUSED/);
  });

  it("sends only the symbols and alert types a webhook registered for", () => {
    const dispatcher = new WebhookDispatcher({ deadLetter: async () => {} }, fast);
    const hooks: Webhook[] = [
      { id: "a", url: "http://127.0.0.1:1/", secret: "k", symbols: ["MSFT"], types: [] },
      { id: "b", url: "http://127.0.0.1:1/", secret: "k", symbols: ["*"], types: ["unusual_sweep"] },
    ];
    expect(dispatcher.dispatch(alert, hooks)).toEqual([]);
  });
});
