/**
 * A live alert is pushed to sockets before its insert commits (server/src/alerts/live-alerts.ts,
 * docs/architecture.md "Live path"): a transaction holding a lock on `alerts` (what a slow or queued
 * commit looks like to the insert) does not hold up the push. The alert carries the `seq` it is then
 * stored with, so the REST backfill by `after_seq` returns the same alert once the lock goes, and webhooks
 * get it only once it is stored. Real Postgres only: the lock is held from a second connection.
 * And the backfill by `after_seq` returns an alert pushed with a lower number after a higher one (two
 * nodes' reserves), on both engines.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reserveAlertSeqs } from "../../server/src/alerts/alert-seqs";
import { startBlocksAlerts } from "../../server/src/alerts/alerts.plugin";
import { ALERT_RULES_VERSION, type Alert, alertIdOf } from "../../server/src/alerts/alerts.rules";
import { queryAlerts } from "../../server/src/alerts/alerts.store";
import { insertAlerts, insertNumberedAlerts } from "../../server/src/alerts/live-alerts.store";
import type { AlertMessage } from "../../server/src/realtime/bus";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/src/realtime/events";
import { type RunningServer, startServer } from "../../server/src/server";
import { testEnv } from "../support/app";
import { engines, openTestDb } from "../support/db";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A $12M off-exchange print in the specification's Dark Pool Print shape. */
const bigPrint = (symbol: string) =>
  JSON.stringify({
    symbol,
    timestamp: new Date(Date.UTC(2025, 10, 18, 15, 0, 7)).toISOString(),
    price: 200,
    size: 60_000,
    sentiment: "bullish",
  });

describe.skipIf(!engines().includes("postgres"))("live alerts pushed before their insert commits", () => {
  let handle: Awaited<ReturnType<typeof openTestDb>>;
  let server: RunningServer;
  let locker: postgres.Sql;
  let receiver: Server;
  const deliveries: string[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        deliveries.push(Buffer.concat(chunks).toString("utf8"));
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    handle = await openTestDb("postgres");
    const env = testEnv({ API_KEYS: "", WEBHOOK_ALLOW_PRIVATE: "true" });
    server = await startServer({
      env,
      db: handle,
      plugins: [
        (deps) => {
          const runtime = startBlocksAlerts(deps, { idleTickMs: 50 });
          return () => runtime.stop();
        },
      ],
    });
    locker = postgres(handle.url as string, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await locker.end();
    await server.close();
    await handle.close();
    await new Promise((r) => receiver.close(r));
  });

  it("reaches a subscriber while a transaction locks `alerts`, then is stored with the seq it was pushed with", async () => {
    const hook = await fetch(`${server.url}/smart-money/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        symbols: ["LOCK1"],
      }),
    });
    expect(hook.status).toBe(201);
    const socket: Client = connect(server.url, { transports: ["websocket"], reconnection: false });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    await socket.emitWithAck("subscribe", { symbols: ["LOCK1"], channels: ["alerts"] });
    const pushed: AlertMessage[] = [];
    socket.on("alert", (a) => pushed.push(a));
    const history = async () =>
      (
        (await (await fetch(`${server.url}/smart-money/alerts/LOCK1`)).json()) as {
          alerts: AlertMessage[];
        }
      ).alerts;

    // SHARE mode: reads go on, every insert into `alerts` waits until this transaction ends.
    let release = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    let isLocked = false;
    const holding = locker.begin(async (tx) => {
      await tx`lock table alerts in share mode`;
      isLocked = true;
      await released;
    });
    await until("the lock", () => isLocked);
    try {
      const res = await fetch(`${server.url}/smart-money/ingest/prints?name=lock.ndjson`, {
        method: "POST",
        body: bigPrint("LOCK1"),
        headers: { "content-type": "application/x-ndjson" },
      });
      expect(((await res.json()) as { accepted: number }).accepted).toBe(1);
      await until("the alert on the socket", () => pushed.length === 1);
      // Its insert is under way and waiting for the lock: the alert was pushed before it was stored.
      await until("the alert insert waiting on the lock", async () => {
        const [row] = await handle.query<{ n: number }>(
          sql`select count(*)::int as n from pg_locks where relation = 'alerts'::regclass and not granted`,
        );
        return (row?.n ?? 0) > 0;
      });
      expect(await history()).toEqual([]);
      expect(deliveries).toEqual([]);
    } finally {
      release();
      await holding;
    }

    const alert = pushed[0] as AlertMessage;
    expect(alert).toMatchObject({ symbol: "LOCK1", type: "large_block" });
    expect(alert.seq).toBeGreaterThan(0);
    await until("the alert stored", async () => (await history()).length === 1);
    expect((await history())[0]).toMatchObject({ id: alert.id, seq: alert.seq });
    const backfill = (await (
      await fetch(`${server.url}/smart-money/alerts/*?after_seq=${alert.seq - 1}`)
    ).json()) as { alerts: AlertMessage[] };
    expect(backfill.alerts.map((a) => [a.id, a.seq])).toEqual([[alert.id, alert.seq]]);
    // Webhooks get it once stored, once.
    await until("the webhook delivery", () => deliveries.length === 1);
    expect(JSON.parse(deliveries[0] as string).alert).toMatchObject({ id: alert.id, seq: alert.seq });
    expect(pushed).toHaveLength(1);
    socket.close();
  });
});

/** A live large-block alert on OVL1, not stored yet. */
const blockAlert = (n: number): Alert => ({
  id: alertIdOf("large_block", `overlap-${n}`),
  seq: null,
  symbol: "OVL1",
  type: "large_block",
  severity: "high",
  timestamp: new Date(Date.UTC(2025, 10, 18, 15, 0, n)).toISOString(),
  title: `block ${n}`,
  values: { value: 12_000_000 },
  inputs: {},
  params_version: "test",
  rules_version: ALERT_RULES_VERSION,
  dedupe_key: `overlap-${n}`,
  outcome: { price_at_alert: null, price_move_1h_pct: null, price_move_1d_pct: null, evaluated_at: null },
});

describe.each(engines())("backfill by after_seq across nodes (%s)", (engine) => {
  let db: Awaited<ReturnType<typeof openTestDb>>;
  beforeAll(async () => {
    db = await openTestDb(engine);
  });
  afterAll(async () => {
    await db.close();
  });

  it("returns an alert numbered below after_seq that was stored after the alert it names", async () => {
    // Two nodes reserved their numbers ahead: node A got the lower one, node B the higher one, and B
    // pushed (and stored) its alert first. A client holding B's alert backfills after B's number.
    const [low, high] = await reserveAlertSeqs(db.db, 2);
    expect(low).toBeLessThan(high as number);
    await insertNumberedAlerts(db.db, [{ ...blockAlert(1), seq: high as number }]);
    await insertNumberedAlerts(db.db, [{ ...blockAlert(2), seq: low as number }]);
    const backfill = await queryAlerts(db.db, { symbol: "OVL1", afterSeq: high as number, limit: 100 });
    expect(backfill.map((a) => [a.id, a.seq])).toEqual([[blockAlert(2).id, low]]);
    // A later one comes after the overlap, in sequence order; one stored long before B's is not repeated.
    const later = await insertAlerts(db.db, [blockAlert(3)]);
    const page = await queryAlerts(db.db, { symbol: "OVL1", afterSeq: high as number, limit: 100 });
    expect(page.map((a) => a.seq)).toEqual([low, later[0]?.seq]);
    await db.query(sql`update alerts set ingested_at = ingested_at - interval '1 minute' where seq = ${low}`);
    const afterOld = await queryAlerts(db.db, { symbol: "OVL1", afterSeq: high as number, limit: 100 });
    expect(afterOld.map((a) => a.seq)).toEqual([later[0]?.seq]);
  });
});
