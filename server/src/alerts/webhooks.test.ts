import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Alert } from "./alerts.rules";
import {
  ATTEMPT_HEADER,
  DELIVERY_HEADER,
  type DeadLetter,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
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

// The receivers below listen on 127.0.0.1, which only local development (WEBHOOK_ALLOW_PRIVATE) may target.
const fast = { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 1_000, timeoutMs: 2_000, allowPrivate: true };
const signed = (r: Received) => ({
  signature: r.headers[SIGNATURE_HEADER] as string | undefined,
  timestamp: r.headers[TIMESTAMP_HEADER] as string | undefined,
});

describe("webhooks", () => {
  it("a receiver gets the alert signed over timestamp.body with HMAC-SHA256, verifiable with the shared secret", async () => {
    const { url, received } = await receiver(() => 204);
    const letters: DeadLetter[] = [];
    const dispatcher = new WebhookDispatcher({ deadLetter: async (l) => void letters.push(l) }, fast);
    const hook: Webhook = { id: "wh1", url, secret: "s3cret", symbols: ["AAPL"], types: [] };
    const results = await Promise.all(dispatcher.dispatch(alert, [hook]));
    expect(results).toEqual([{ ok: true, attempts: 1, status: 204 }]);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.headers["content-type"]).toBe("application/json");
    // Verified independently of the product's helper, as a receiver following docs/alerts.md would.
    const timestamp = got.headers[TIMESTAMP_HEADER] as string;
    expect(timestamp).toMatch(/^\d{10}$/);
    expect(Math.abs(Number(timestamp) - got.atMs / 1000)).toBeLessThan(60);
    const expected = createHmac("sha256", "s3cret").update(`${timestamp}.${got.body}`).digest("hex");
    expect(got.headers[SIGNATURE_HEADER]).toBe(`sha256=${expected}`);
    // The body alone no longer verifies: the timestamp is part of what is signed.
    const bodyOnly = createHmac("sha256", "s3cret").update(got.body).digest("hex");
    expect(got.headers[SIGNATURE_HEADER]).not.toBe(`sha256=${bodyOnly}`);
    expect(verifySignature("s3cret", got.body, signed(got))).toBe(true);
    expect(verifySignature("wrong", got.body, signed(got))).toBe(false);
    expect(verifySignature("s3cret", got.body.replace("AAPL", "MSFT"), signed(got))).toBe(false);
    // A replay with a forged newer timestamp fails the signature; the original fails freshness later on.
    const later = String(Number(timestamp) + 600);
    expect(verifySignature("s3cret", got.body, { ...signed(got), timestamp: later })).toBe(false);
    expect(
      verifySignature("s3cret", got.body, signed(got), { nowMs: (Number(timestamp) + 301) * 1000 }),
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
    expect(letters[0]?.lastError).toMatch(/ECONNREFUSED/);
  });

  it("never contacts a loopback receiver without WEBHOOK_ALLOW_PRIVATE; the dead letter says only that it was refused", async () => {
    const { url, received } = await receiver(() => 200);
    const letters: DeadLetter[] = [];
    const strict = { ...fast, allowPrivate: false };
    const dispatcher = new WebhookDispatcher({ deadLetter: async (l) => void letters.push(l) }, strict);
    const [result] = dispatcher.dispatch(alert, [{ id: "wh5", url, secret: "k", symbols: ["*"], types: [] }]);
    expect(await result).toEqual({ ok: false, attempts: 3, status: null });
    expect(received).toHaveLength(0);
    expect(letters[0]).toMatchObject({
      lastStatus: null,
      lastError: "target refused: loopback address (127.0.0.0/8)",
    });
  });

  it("checks the host again at delivery and connects to the address it checked (DNS rebinding)", async () => {
    const { url, received } = await receiver(() => 200);
    const port = new URL(url).port;
    // A name that was public at registration and now resolves to an internal address is refused.
    const rebound = async () => [{ address: "10.0.0.5", family: 4 }];
    const letters: DeadLetter[] = [];
    const strict = new WebhookDispatcher(
      { deadLetter: async (l) => void letters.push(l) },
      { ...fast, allowPrivate: false, resolve: rebound },
    );
    const hook = {
      id: "wh6",
      url: `http://hooks.example:${port}/hook`,
      secret: "k",
      symbols: ["*"],
      types: [],
    };
    expect((await Promise.all(strict.dispatch(alert, [hook])))[0]?.ok).toBe(false);
    expect(letters[0]?.lastError).toBe("target refused: private address (10.0.0.0/8)");
    // The connection goes to the resolved address that was checked, not to a second DNS answer: the name
    // does not exist in system DNS, yet the receiver gets the request, with the name as Host.
    const pinned = new WebhookDispatcher(
      { deadLetter: async () => {} },
      { ...fast, resolve: async () => [{ address: "127.0.0.1", family: 4 }] },
    );
    const [ok] = await Promise.all(
      pinned.dispatch(alert, [{ ...hook, url: `http://rebind.invalid:${port}/hook` }]),
    );
    expect(ok).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(received[0]?.headers.host).toBe(`rebind.invalid:${port}`);
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
