import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BlocksAlertsRuntime, startBlocksAlerts } from "../../server/src/alerts/alerts.plugin";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "../../server/src/alerts/webhooks";
import { BLOCKS_PARAMS_VERSION } from "../../server/src/blocks/blocks.params";
import type { AlertMessage } from "../../server/src/realtime/bus";
import type { ClientToServerEvents, ServerToClientEvents } from "../../server/src/realtime/events";
import { startTestServer } from "../support/app";
import { engines } from "../support/db";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function client(url: string, opts: Parameters<typeof connect>[1] = {}): Promise<Client> {
  const socket: Client = connect(url, { transports: ["websocket"], reconnection: false, ...opts });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

async function until(check: () => boolean, timeoutMs = 3000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One print in the original specification's Dark Pool Print shape (an off-exchange print). */
const bigPrint = (symbol: string, second: number, price = 200, size = 60_000) =>
  JSON.stringify({
    symbol,
    timestamp: new Date(Date.UTC(2025, 10, 18, 15, 0, second)).toISOString(),
    price,
    size,
    sentiment: "bullish",
  });

describe.each(engines())("live alerts end to end (%s)", (engine) => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const received: { body: string; headers: IncomingMessage["headers"] }[] = [];
  let receiver: Server;
  let receiverUrl = "";
  let runtime: BlocksAlertsRuntime;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
        res.statusCode = req.url === "/fail" ? 500 : 200;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // The receiver is on 127.0.0.1: only local development may target it.
    server = await startTestServer(engine, { API_KEYS: "", WEBHOOK_ALLOW_PRIVATE: "true" }, [
      (deps) => {
        runtime = startBlocksAlerts(deps, {
          webhooks: { maxAttempts: 3, baseDelayMs: 50, maxDelayMs: 500, timeoutMs: 2_000 },
          idleTickMs: 50,
        });
        return () => runtime.stop();
      },
    ]);
  });
  afterAll(async () => {
    await server.dispose();
    await new Promise((r) => receiver.close(r));
  });

  const upload = async (lines: string[], name: string) => {
    const res = await fetch(`${server.url}/smart-money/ingest/prints?name=${name}`, {
      method: "POST",
      body: lines.join("\n"),
      headers: { "content-type": "application/x-ndjson" },
    });
    return res.json() as Promise<{ accepted: number }>;
  };

  it("one $12M off-exchange print makes exactly one alert on the symbol channel and on `alerts`", async () => {
    const bySymbol = await client(server.url);
    const everything = await client(server.url);
    const other = await client(server.url);
    await bySymbol.emitWithAck("subscribe", { symbols: ["BLK1"], channels: ["alerts"] });
    await everything.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] });
    await other.emitWithAck("subscribe", { symbols: ["ZZZ"], channels: ["alerts"] });
    const got = {
      bySymbol: [] as AlertMessage[],
      everything: [] as AlertMessage[],
      other: [] as AlertMessage[],
    };
    bySymbol.on("alert", (a) => got.bySymbol.push(a));
    everything.on("alert", (a) => got.everything.push(a));
    other.on("alert", (a) => got.other.push(a));

    // How fast it arrives is measured by the latency bench (test/bench/latency.bench.ts), not here.
    expect(await upload([bigPrint("BLK1", 1)], "big.ndjson")).toMatchObject({ accepted: 1 });
    await until(() => got.bySymbol.length > 0 && got.everything.length > 0, 10_000);
    // Anything else would have arrived by now; the same upload again must not alert either.
    await upload([bigPrint("BLK1", 1)], "big.ndjson");
    await new Promise((r) => setTimeout(r, 400));
    expect(got.bySymbol).toHaveLength(1);
    expect(got.everything).toHaveLength(1);
    expect(got.other).toHaveLength(0);
    const alert = got.bySymbol[0]!;
    expect(alert).toMatchObject({
      symbol: "BLK1",
      type: "large_block",
      severity: "high",
      params_version: BLOCKS_PARAMS_VERSION,
      values: { value: 12_000_000, is_off_exchange: true },
      inputs: { kind: "block", alertable: true },
    });
    expect(alert.seq).toBeGreaterThan(0);
    expect(got.everything[0]).toEqual(alert);

    // REST history and backfill by sequence return the same alert.
    const hist = (await (
      await fetch(`${server.url}/smart-money/alerts/BLK1?type=large_block&severity=high`)
    ).json()) as {
      alerts: AlertMessage[];
      last_seq: number;
    };
    expect(hist.alerts.map((a) => a.id)).toEqual([alert.id]);
    const after = (await (
      await fetch(`${server.url}/smart-money/alerts/*?after_seq=${alert.seq - 1}`)
    ).json()) as {
      alerts: AlertMessage[];
    };
    expect(after.alerts[0]?.id).toBe(alert.id);
    const none = (await (
      await fetch(`${server.url}/smart-money/alerts/BLK1?after_seq=${alert.seq}`)
    ).json()) as {
      alerts: AlertMessage[];
    };
    expect(none.alerts).toEqual([]);
    for (const s of [bySymbol, everything, other]) s.close();
  });

  it("a client that disconnects for 3 s receives the alert it missed", async () => {
    const socket = await client(server.url, {
      reconnection: true,
      reconnectionDelay: 3000,
      reconnectionDelayMax: 3000,
      randomizationFactor: 0,
    });
    await socket.emitWithAck("subscribe", { symbols: ["BLK2"], channels: ["alerts"] });
    const got: AlertMessage[] = [];
    socket.on("alert", (a) => got.push(a));
    // Socket.IO resumes a session from the offset of the last broadcast the client received, so the
    // client first gets one alert, then drops off while the next one fires.
    expect(await upload([bigPrint("BLK2", 2)], "first.ndjson")).toMatchObject({ accepted: 1 });
    await until(() => got.length === 1, 10_000);
    const reconnected = new Promise<void>((resolve) => socket.io.once("reconnect", () => resolve()));
    // Drop the transport as a network blip would (not a client-side disconnect).
    const droppedAt = Date.now();
    socket.io.engine.close();
    await until(() => !socket.connected, 10_000);
    expect(await upload([bigPrint("BLK2", 3)], "missed.ndjson")).toMatchObject({ accepted: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(got).toHaveLength(1);
    await reconnected;
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(2900);
    await until(() => got.length === 2, 3000);
    expect(socket.recovered).toBe(true);
    expect(got[1]).toMatchObject({ symbol: "BLK2", type: "large_block" });
    expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
    socket.close();
  }, 15_000);

  it("a registered webhook gets a signed alert; a failing one is retried then dead-lettered, visible over REST", async () => {
    const reg = async (path: string, symbols: string[]) => {
      const res = await fetch(`${server.url}/smart-money/webhooks`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: `${receiverUrl}${path}`, symbols, types: ["large_block"] }),
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; secret: string };
    };
    const good = await reg("/ok", ["BLK3"]);
    const bad = await reg("/fail", ["BLK3"]);
    const listed = (await (await fetch(`${server.url}/smart-money/webhooks`)).json()) as {
      webhooks: object[];
    };
    expect(listed.webhooks.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(listed)).not.toContain(good.secret);

    await upload([bigPrint("BLK3", 3)], "hook.ndjson");
    await until(
      () => received.filter((r) => r.headers["x-smt-delivery"]?.toString().endsWith(bad.id)).length === 3,
      5000,
    );
    const ok = received.filter((r) => r.headers["x-smt-delivery"]?.toString().endsWith(good.id));
    expect(ok).toHaveLength(1);
    const headers = {
      signature: ok[0]!.headers[SIGNATURE_HEADER] as string,
      timestamp: ok[0]!.headers[TIMESTAMP_HEADER] as string,
    };
    expect(verifySignature(good.secret, ok[0]!.body, headers)).toBe(true);
    expect(JSON.parse(ok[0]!.body).alert).toMatchObject({ symbol: "BLK3", type: "large_block" });

    let letters: { webhook_id: string; attempts: number; last_status: number }[] = [];
    for (let i = 0; i < 50 && letters.length === 0; i++) {
      const res = await fetch(`${server.url}/smart-money/webhooks/dead-letters?webhook_id=${bad.id}`);
      letters = ((await res.json()) as { dead_letters: typeof letters }).dead_letters;
      if (letters.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ webhook_id: bad.id, attempts: 3, last_status: 500 });
  });

  it("ingests the real OPRA sample as options and serves positioning for SPY", async () => {
    const file = new URL(
      "../fixtures/options/polygon_flatfile_us_options_opra_trades_v1_sample_SPY230327P00390000.tsv",
      import.meta.url,
    );
    const post = () =>
      fetch(`${server.url}/smart-money/ingest/options?name=opra.tsv`, {
        method: "POST",
        body: readFileSync(file),
        headers: { "content-type": "text/csv" },
      }).then((r) => r.json() as Promise<{ accepted: number; duplicates: number; rejected: number }>);
    expect(await post()).toMatchObject({ accepted: 10, duplicates: 0, rejected: 0 });
    expect(await post()).toMatchObject({ accepted: 0, duplicates: 10 });
    const pos = (await (
      await fetch(`${server.url}/smart-money/blocks/SPY/options-positioning`)
    ).json()) as Record<string, unknown>;
    expect(pos).toMatchObject({
      symbol: "SPY",
      put_volume: 29,
      multi_leg_volume: 1,
      call_volume: 0,
      prints: 10,
      sentiment: "unknown",
    });
    expect(pos.put_premium as number).toBeCloseTo(29_531, 6);
    const opts = (await (await fetch(`${server.url}/smart-money/blocks/SPY/options`)).json()) as {
      date: string;
      contracts: { contract: string; volume: number; is_unusual: boolean }[];
    };
    expect(opts.date).toBe("2023-03-13");
    expect(opts.contracts).toMatchObject([{ contract: "SPY230327P00390000", volume: 30, is_unusual: false }]);
  });

  it("fills in an alert's outcome: the price move 1 hour and 1 day after it", async () => {
    await upload([bigPrint("OUT1", 10)], "out.ndjson");
    let alerts: AlertMessage[] = [];
    for (let i = 0; i < 100 && alerts.length === 0; i++) {
      alerts = (
        (await (await fetch(`${server.url}/smart-money/alerts/OUT1`)).json()) as { alerts: AlertMessage[] }
      ).alerts;
      if (alerts.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(alerts).toHaveLength(1);
    const at = (ms: number, price: number) =>
      JSON.stringify({
        symbol: "OUT1",
        timestamp: new Date(Date.UTC(2025, 10, 18, 15, 0, 10) + ms).toISOString(),
        price,
        size: 100,
      });
    // 1 hour later at 210 (+5%), 1 day later at 190 (-5%).
    await upload([at(3_600_000 - 1000, 210), at(86_400_000 - 1000, 190)], "later.ndjson");
    await runtime.evaluateOutcomes(new Date(Date.UTC(2025, 10, 20)));
    const after = (await (await fetch(`${server.url}/smart-money/alerts/OUT1`)).json()) as {
      alerts: { outcome: { price_at_alert: number; price_move_1h_pct: number; price_move_1d_pct: number } }[];
    };
    const outcome = after.alerts[0]!.outcome;
    expect(outcome.price_at_alert).toBe(200);
    expect(outcome.price_move_1h_pct).toBeCloseTo(5, 9);
    expect(outcome.price_move_1d_pct).toBeCloseTo(-5, 9);
  });

  it("pushes a tracked $2M block on the `blocks` channel without making an alert", async () => {
    const socket = await client(server.url);
    await socket.emitWithAck("subscribe", { symbols: ["BLK5"], channels: ["blocks", "alerts"] });
    const blocks: { symbol: string; seq: number; items: unknown[] }[] = [];
    const alerts: AlertMessage[] = [];
    socket.on("blocks", (b) => blocks.push(b));
    socket.on("alert", (a) => alerts.push(a));
    await upload([bigPrint("BLK5", 5, 100, 20_000)], "two-million.ndjson");
    await until(() => blocks.length === 1, 2000);
    expect(blocks[0]).toMatchObject({ symbol: "BLK5", items: [{ value: 2_000_000, trade_type: "block" }] });
    await new Promise((r) => setTimeout(r, 300));
    expect(alerts).toEqual([]);
    socket.close();
  });

  it("documents every blocks, alerts and webhook route in /openapi.json", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      "/smart-money/blocks/{symbol}/recent",
      "/smart-money/blocks/{symbol}/options",
      "/smart-money/blocks/{symbol}/options-positioning",
      "/smart-money/blocks/{symbol}/volume-spike",
      "/smart-money/blocks/{symbol}/divergence",
      "/smart-money/alerts/{symbol}",
      "/smart-money/webhooks",
      "/smart-money/webhooks/dead-letters",
    ])
      expect(Object.keys(doc.paths), path).toContain(path);
  });

  it("finds a day and an intraday bucket above 2x their trailing averages", async () => {
    const line = (day: string, size: number) =>
      JSON.stringify({ symbol: "SPK1", timestamp: `${day}T15:00:00.000Z`, price: 10, size });
    const history = ["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-13", "2025-11-14", "2025-11-17"];
    await upload([...history.map((d) => line(d, 10_000)), line("2025-11-18", 100_000)], "spike.ndjson");
    const res = await fetch(`${server.url}/smart-money/blocks/SPK1/volume-spike?date=2025-11-18`);
    const body = (await res.json()) as {
      daily: {
        volume: number;
        average_volume: number;
        volume_ratio: number;
        is_spike: boolean;
        history_days: number;
      };
      intraday_spikes: { window_start: string; volume: number; volume_ratio: number }[];
    };
    expect(res.status).toBe(200);
    expect(body.daily).toMatchObject({
      volume: 100_000,
      average_volume: 10_000,
      volume_ratio: 10,
      is_spike: true,
      history_days: 6,
    });
    // 10:00 ET on 2025-11-18 (EST) is 15:00 UTC.
    expect(body.intraday_spikes).toEqual([
      {
        window_start: "2025-11-18T15:00:00.000Z",
        window_minutes: 5,
        volume: 100_000,
        average_volume: 10_000,
        volume_ratio: 10,
      },
    ]);
  });

  it("scores a bullish divergence when off-exchange buying meets a falling price, with its parts", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => {
      const price = 100 - 0.2 * i;
      return JSON.stringify({
        symbol: "DIV1",
        timestamp: new Date(Date.UTC(2025, 10, 19, 15, i)).toISOString(),
        price,
        size: 1000,
        // Paid above the market price: bullish (an estimate, from the premium).
        market_price: price - 0.5,
      });
    });
    await upload(lines, "div.ndjson");
    const res = await fetch(
      `${server.url}/smart-money/blocks/DIV1/divergence?until=2025-11-19T15:30:00Z&window_minutes=30`,
    );
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      divergence_type: "bullish_divergence",
      is_divergent: true,
      divergence_score: 100,
      parts: { dark_pool: 1, blocks: null, options: null },
      inputs: { first_price: 100, price_prints: 12 },
      params_version: BLOCKS_PARAMS_VERSION,
    });
    expect(body.price_change_pct as number).toBeCloseTo(-2.2, 9);
  });

  it("serves recent blocks with trade type and the alert threshold", async () => {
    await upload([bigPrint("BLK4", 4), bigPrint("BLK4", 5, 100, 500)], "blocks.ndjson");
    const res = await fetch(`${server.url}/smart-money/blocks/BLK4/recent`);
    const body = (await res.json()) as {
      blocks: { value: number; trade_type: string; is_alertable: boolean }[];
    };
    expect(res.status).toBe(200);
    expect(body.blocks).toMatchObject([{ value: 12_000_000, trade_type: "block", is_alertable: true }]);
  });
});
