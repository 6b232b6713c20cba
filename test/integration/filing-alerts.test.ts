import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type DbHandle, openDb } from "@smt/db";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBlocksAlerts } from "../../server/src/alerts/alerts.plugin";
import { insertRaisedAlerts } from "../../server/src/alerts/alerts.store";
import { DEFAULT_FILING_ALERT_SETTINGS, raisedAlert } from "../../server/src/alerts/raised-alerts";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "../../server/src/alerts/webhooks";
import { ingestForm4 } from "../../server/src/institutional/institutional.ingest";
import type { AlertMessage } from "../../server/src/realtime/bus";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/src/realtime/events";
import { type RunningServer, startServer } from "../../server/src/server";
import { testEnv } from "../support/app";
import { engines, openTestDb } from "../support/db";
import { airPurchase, finraFixture, type Purchase } from "../support/filing-fixtures";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function client(url: string): Promise<Client> {
  const socket: Client = connect(url, { transports: ["websocket"], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  await socket.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] });
  return socket;
}

async function until(check: () => boolean, timeoutMs = 10_000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const purchase = (n: number, date: string, shares: number): Purchase => ({
  accession: `0009999998-25-${String(n).padStart(6, "0")}`,
  ownerCik: String(1_800_000 + n).padStart(10, "0"),
  ownerName: `Buyer${n} Test`,
  date,
  shares,
  price: 100,
  acceptance: `${date.replaceAll("-", "")}170000`,
});

/** A server with the alerts plugin (filing alerts at test thresholds, a 100 ms announcer poll). */
async function node(db: DbHandle): Promise<RunningServer> {
  return startServer({
    env: testEnv({ API_KEYS: "", WEBHOOK_ALLOW_PRIVATE: "true" }),
    db,
    plugins: [
      (deps) => {
        const runtime = startBlocksAlerts(deps, {
          webhooks: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 200, timeoutMs: 2_000 },
          filingAlerts: {
            ...DEFAULT_FILING_ALERT_SETTINGS,
            shortSpikeMinBaselineDays: 2,
            shortSpikeMinExcess: 0.4,
          },
          announcePollMs: 100,
        });
        return () => runtime.stop();
      },
    ],
  });
}

describe.each(engines())("filing and file alerts reach sockets and webhooks (%s)", (engine) => {
  let handle: DbHandle & { url?: string };
  let server: RunningServer;
  let receiver: Server;
  const hooks: { body: string; headers: IncomingMessage["headers"] }[] = [];
  let secret = "";

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        hooks.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    handle = await openTestDb(engine);
    server = await node(handle);
    const res = await fetch(`${server.url}/smart-money/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        symbols: ["*"],
        types: ["insider_purchase", "short_ratio_spike"],
      }),
    });
    expect(res.status).toBe(201);
    secret = ((await res.json()) as { secret: string }).secret;
  });
  afterAll(async () => {
    await server.close();
    await handle.close();
    await new Promise((r) => receiver.close(r));
  });

  const upload = async (kind: string, name: string, body: string) => {
    const res = await fetch(`${server.url}/smart-money/ingest/${kind}?name=${name}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body,
    });
    expect(res.status).toBe(200);
    return res.json() as Promise<{ accepted: number }>;
  };

  it("an uploaded Form 4 purchase reaches an alerts:* subscriber and a webhook once, with its origin", async () => {
    const socket = await client(server.url);
    const got: AlertMessage[] = [];
    socket.on("alert", (a) => got.push(a));
    const p = purchase(1, "2025-02-03", 3000); // $300,000 >= the $250,000 default
    const text = airPurchase(p);
    await upload("form4", "purchase.txt", text);
    await until(() => got.length > 0 && hooks.length > 0);
    await upload("form4", "purchase-again.txt", text);
    await new Promise((r) => setTimeout(r, 500));
    socket.close();
    expect(got).toHaveLength(1);
    const alert = got[0] as AlertMessage;
    expect(alert).toMatchObject({
      type: "insider_purchase",
      symbol: "AIR",
      values: { value_usd: 300_000, threshold_usd: 250_000 },
      origin: { kind: "sec_form4", ref: p.accession, published_at: "2025-02-03T22:00:00.000Z" },
    });
    expect(alert.seq).toBeGreaterThan(0);
    expect(alert.origin?.url).toBe(
      `/Archives/edgar/data/1750/${p.accession.replaceAll("-", "")}/${p.accession}-index.htm`,
    );
    const hook = hooks.find((h) => h.body.includes(p.accession));
    expect(hook).toBeDefined();
    const signed = verifySignature(secret, hook?.body as string, {
      signature: hook?.headers[SIGNATURE_HEADER] as string,
      timestamp: hook?.headers[TIMESTAMP_HEADER] as string,
    });
    expect(signed).toBe(true);
    expect(JSON.parse(hook?.body as string).alert).toMatchObject({ id: alert.id, origin: alert.origin });
    // REST carries the same origin.
    const rest = (await (
      await fetch(`${server.url}/smart-money/alerts/AIR?type=insider_purchase`)
    ).json()) as {
      alerts: AlertMessage[];
    };
    expect(rest.alerts.map((a) => [a.id, a.origin])).toEqual([[alert.id, alert.origin]]);
  });

  it("FINRA files uploaded day by day raise short-ratio spikes, each pushed once", async () => {
    const socket = await client(server.url);
    const got: AlertMessage[] = [];
    socket.on("alert", (a) => got.push(a));
    for (const day of ["20210125", "20210126", "20210127"]) {
      const name = `CNMSshvol${day}.txt`;
      await upload("short-volume", name, readFileSync(finraFixture(name), "utf8"));
    }
    const stored = async () =>
      (
        (await (
          await fetch(`${server.url}/smart-money/alerts/*?type=short_ratio_spike&limit=1000`)
        ).json()) as {
          alerts: AlertMessage[];
        }
      ).alerts;
    const all = await stored();
    expect(all.length).toBeGreaterThan(0);
    await until(() => got.filter((a) => a.type === "short_ratio_spike").length >= all.length);
    await new Promise((r) => setTimeout(r, 400));
    socket.close();
    const pushed = got.filter((a) => a.type === "short_ratio_spike");
    expect(pushed.map((a) => a.id).sort()).toEqual(all.map((a) => a.id).sort());
    for (const a of pushed) {
      expect(a.origin).toMatchObject({ kind: "finra_regsho", ref: "CNMSshvol20210127.txt", url: null });
      expect(a.values.excess as number).toBeGreaterThanOrEqual(0.4);
    }
    await until(() => hooks.filter((h) => h.body.includes("short_ratio_spike")).length >= all.length);
  });

  it.skipIf(engine !== "postgres")(
    "a filing stored by another process is pushed by exactly one of two nodes",
    async () => {
      const second = await node(handle);
      const clients = [await client(server.url), await client(second.url)];
      const got: AlertMessage[] = [];
      for (const c of clients) c.on("alert", (a) => got.push(a));
      // Another process (a CLI on the same Postgres): its own connection, no announcer of its own.
      const cli = await openDb({ url: handle.url, migrate: false });
      const p = purchase(2, "2025-02-04", 5000);
      await ingestForm4(
        cli.db,
        (async function* () {
          yield Buffer.from(airPurchase(p));
        })(),
        "cli.txt",
      );
      await until(() => got.some((a) => a.origin?.ref === p.accession));
      await new Promise((r) => setTimeout(r, 600)); // several poll rounds of both nodes
      expect(got.filter((a) => a.origin?.ref === p.accession)).toHaveLength(1);
      // Stored with no announcer told at all (as a separate process would): the nodes' polls find it.
      const quiet = raisedAlert({
        type: "insider_purchase",
        symbol: "AIR",
        severity: "medium",
        timestamp: new Date("2025-02-05T22:00:00Z"),
        title: "stored by another process",
        values: {},
        inputs: {},
        dedupeKey: "insider_purchase:poll-test",
        origin: {
          kind: "sec_form4",
          ref: "poll-test",
          url: null,
          published_at: "2025-02-05T22:00:00.000Z",
          seen_at: new Date().toISOString(),
        },
      });
      expect(await insertRaisedAlerts(cli.db, [quiet])).toBe(1);
      await until(() => got.some((a) => a.id === quiet.id));
      await new Promise((r) => setTimeout(r, 600));
      expect(got.filter((a) => a.id === quiet.id)).toHaveLength(1);
      for (const c of clients) c.close();
      await cli.close();
      await second.close();
    },
  );
});
