/**
 * The running server keeps SEC filings current by itself: with SYNC on and a declared User-Agent, a Form 4
 * that appears on (the local) EDGAR's latest-filings feed is fetched, stored and announced on the live bus
 * (`filing`) at the next poll, reaches a real Socket.IO client subscribed to alerts as an
 * `insider_purchase` alert carrying its origin (the filing's EDGAR path, acceptance time, when we stored
 * it), and /smart-money/sources shows the source current. End to end: feed -> sync job -> Form 4 ingest ->
 * filing alert -> announcer -> Socket.IO, with the production plugins (alerts and sync) of one server.
 */
import { sql } from "drizzle-orm";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blocksAlertsPlugin } from "../../server/src/alerts/alerts.plugin";
import type { ServicePlugin } from "../../server/src/core/plugin";
import type { AlertMessage, FilingStored } from "../../server/src/realtime/bus";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/src/realtime/events";
import { SEC_CURRENT_SOURCE } from "../../server/src/sync/sec-current.job";
import { syncPlugin } from "../../server/src/sync/sync.plugin";
import { startTestServer } from "../support/app";
import { engines } from "../support/db";
import { type FakeEdgar, purchaseFiling, shiftedClock, startFakeEdgar } from "../support/fake-edgar";

/** Wednesday 2025-02-19, 12:00 New York: inside EDGAR's filing hours. */
const START = "2025-02-19T17:00:00Z";

async function until<T>(get: () => T | undefined, timeoutMs: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(engines())("SEC filings kept current by the running server (%s)", (engine) => {
  let edgar: FakeEdgar;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  const filings: FilingStored[] = [];
  const alerts: { receivedAt: number; alert: AlertMessage }[] = [];

  beforeAll(async () => {
    edgar = await startFakeEdgar();
    const inFilingHours: ServicePlugin = (deps, realtime) => {
      deps.now = shiftedClock(START);
      deps.bus.on("filing", (f) => filings.push(f));
      return syncPlugin(deps, realtime);
    };
    server = await startTestServer(
      engine,
      {
        SYNC: "on",
        // Only the SEC feed runs: the other jobs would reach for their real hosts (no network in tests).
        SYNC_DISABLED: "finra-regsho,finra-ats-weekly,vendor-bars,sec-tickers,cusip-map,sec-datasets",
        SEC_USER_AGENT: "Smart Money Tracker tests admin@example.com",
        SEC_WWW_BASE_URL: edgar.url,
        SEC_DATA_BASE_URL: edgar.url,
        SEC_POLL_INTERVAL_S: "10",
      },
      [blocksAlertsPlugin, inFilingHours],
    );
    socket = connect(server.url, { transports: ["websocket"], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    await socket.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] });
    socket.on("alert", (alert) => alerts.push({ receivedAt: Date.now(), alert }));
  });
  afterAll(async () => {
    socket?.close();
    await server?.dispose();
    await edgar?.close();
  });

  it("a Form 4 purchase appearing on the feed is stored at the next poll and reaches a socket client as an insider_purchase alert with its origin; the source is current", async () => {
    // The startup poll has read the empty feed.
    await until(() => (edgar.upstream.requests.length >= 2 ? true : undefined), 15_000);
    const filing = {
      ...purchaseFiling("0001127602-25-009100", 15_000, "2025-02-19T12:00:05-05:00"),
      filed: "2025-02-19",
    };
    const publishedAt = Date.now();
    edgar.publish(filing);
    const stored = await until(() => filings.find((f) => f.accession === filing.accession), 25_000);
    expect(stored).toMatchObject({
      form: "4",
      cik: "0000001750",
      name: "AAR CORP",
      filed_date: "2025-02-19",
      accepted_at: "2025-02-19T17:00:05.000Z",
      rows_accepted: 1,
    });
    const rows = await server.deps.db.query<{ code: string; shares: number }>(
      sql`select code, shares::float8 as shares from insider_transactions where accession = ${filing.accession}`,
    );
    expect(rows).toEqual([{ code: "P", shares: 15_000 }]);
    const res = await fetch(`${server.url}/smart-money/sources`);
    const { sources } = (await res.json()) as { sources: Record<string, unknown>[] };
    expect(sources.find((s) => s.source === SEC_CURRENT_SOURCE)).toMatchObject({
      enabled: true,
      state: "current",
      newest_data_date: "2025-02-19",
      lag_seconds: 0,
      last_status: "succeeded",
    });
    expect(filings.filter((f) => f.accession === filing.accession)).toHaveLength(1);

    // The same filing reaches the socket client as an insider purchase alert, with where it came from.
    const got = await until(() => alerts.find((a) => a.alert.origin?.ref === filing.accession), 10_000);
    expect(got.alert).toMatchObject({
      type: "insider_purchase",
      symbol: "AIR",
      timestamp: "2025-02-19T17:00:05.000Z",
      values: { shares: 15_000, owner_cik: "0001806647", threshold_usd: 250_000 },
      origin: {
        kind: "sec_form4",
        ref: filing.accession,
        url: `/Archives/edgar/data/1750/${filing.accession.replaceAll("-", "")}/${filing.accession}-index.htm`,
        published_at: "2025-02-19T17:00:05.000Z",
      },
    });
    expect(got.alert.values.value_usd).toBeCloseTo(15_000 * 66.903, 2);
    // seen_at is when this service stored it: after the filing appeared on the feed, before the push.
    const seenAt = Date.parse(got.alert.origin?.seen_at ?? "");
    expect(seenAt).toBeGreaterThanOrEqual(publishedAt);
    expect(seenAt).toBeLessThanOrEqual(got.receivedAt);
    // Pushed once, and no other alert came from the feed.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(alerts.map((a) => a.alert.origin?.ref)).toEqual([filing.accession]);
  });
});
