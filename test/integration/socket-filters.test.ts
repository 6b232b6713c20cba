import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  AlertMessage,
  ClientToServerEvents,
  PrintsBatch,
  ServerToClientEvents,
  SubscribeFilter,
} from "../../server/src/realtime/events";
import { startTestServer } from "../support/app";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

async function client(url: string, reconnect = false): Promise<Client> {
  const socket: Client = connect(url, {
    transports: ["websocket"],
    reconnection: reconnect,
    reconnectionDelay: 100,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

async function until(check: () => boolean, timeoutMs = 5000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Prints of `symbol` at $100 a share, one per size (value = 100 x size). */
const upload = async (url: string, name: string, symbol: string, sizes: number[]) => {
  const body = sizes
    .map((size, i) =>
      JSON.stringify({
        symbol,
        timestamp: new Date(Date.UTC(2025, 10, 18, 15, 0, i)).toISOString(),
        price: 100,
        size,
      }),
    )
    .join("\n");
  const res = await fetch(`${url}/smart-money/ingest/prints?name=${name}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-ndjson" },
  });
  expect(await res.json()).toMatchObject({ accepted: sizes.length });
};

const values = (batches: PrintsBatch[]) => batches.flatMap((b) => b.prints.map((p) => p.value));

let alertSeq = 0;
const alert = (symbol: string, type: string, severity: AlertMessage["severity"]): AlertMessage => ({
  id: `filter-test-${++alertSeq}`,
  seq: alertSeq,
  symbol,
  type,
  severity,
  timestamp: new Date().toISOString(),
  title: `${type} ${severity}`,
  values: {},
  inputs: {},
  params_version: "test",
});

describe("Socket.IO subscription filters", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer("pglite", { API_KEYS: "" });
  });
  afterAll(async () => server.dispose());

  it("min_value: a bot on prints:* gets only the prints worth at least that, each once", async () => {
    const bot = await client(server.url);
    const lower = await client(server.url);
    const plain = await client(server.url);
    const both = await client(server.url);
    const ack = await bot.emitWithAck("subscribe", {
      symbols: ["*"],
      channels: ["prints"],
      filter: { min_value: 1_000_000 },
    });
    expect(ack).toEqual({
      ok: true,
      symbols: ["*"],
      channels: ["prints"],
      filter: { min_value: 1_000_000 },
      rooms: 1,
    });
    await lower.emitWithAck("subscribe", {
      symbols: ["*"],
      channels: ["prints"],
      filter: { min_value: 50_000 },
    });
    await plain.emitWithAck("subscribe", { symbols: ["FLTA"], channels: ["prints"] });
    // A plain room on the symbol and a filter on "*": the plain batch already holds everything.
    await both.emitWithAck("subscribe", { symbols: ["FLTA"], channels: ["prints"] });
    await both.emitWithAck("subscribe", { symbols: ["*"], channels: ["prints"], filter: { min_value: 10 } });
    const got = {
      bot: [] as PrintsBatch[],
      lower: [] as PrintsBatch[],
      plain: [] as PrintsBatch[],
      both: [] as PrintsBatch[],
    };
    bot.on("prints", (b) => got.bot.push(b));
    lower.on("prints", (b) => got.lower.push(b));
    plain.on("prints", (b) => got.plain.push(b));
    both.on("prints", (b) => got.both.push(b));

    // $10,000 (below both thresholds), then $100,000 and $5,000,000.
    await upload(server.url, "small.ndjson", "FLTA", [100]);
    await upload(server.url, "big.ndjson", "FLTA", [1_000, 50_000]);
    await until(() => values(got.plain).length === 3);
    await until(() => values(got.bot).length === 1 && values(got.lower).length === 2);
    await until(() => values(got.both).length === 3);
    expect(values(got.bot)).toEqual([5_000_000]);
    expect(values(got.lower)).toEqual([100_000, 5_000_000]);
    expect(values(got.plain)).toEqual([10_000, 100_000, 5_000_000]);
    // The filtered batch keeps the batch's seq, so a bot can still tell batches apart.
    expect(got.bot[0]?.seq).toBe(got.plain.at(-1)?.seq);
    await new Promise((r) => setTimeout(r, 150));
    expect(values(got.both)).toEqual([10_000, 100_000, 5_000_000]);
    for (const s of [bot, lower, plain, both]) s.close();
  });

  it("types: a bot on alerts:* gets only the alert types it asked for", async () => {
    const bot = await client(server.url);
    const plain = await client(server.url);
    const ack = await bot.emitWithAck("subscribe", {
      symbols: ["*"],
      channels: ["alerts"],
      filter: { types: ["unusual_sweep", "large_block", "large_block"] },
    });
    expect(ack).toMatchObject({ ok: true, filter: { types: ["large_block", "unusual_sweep"] }, rooms: 1 });
    await plain.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] });
    const got = { bot: [] as AlertMessage[], plain: [] as AlertMessage[] };
    bot.on("alert", (a) => got.bot.push(a));
    plain.on("alert", (a) => got.plain.push(a));
    server.deps.bus.emit("alert", alert("FLTB", "equity_volume_spike", "critical"));
    server.deps.bus.emit("alert", alert("FLTB", "large_block", "high"));
    await until(() => got.bot.length === 1 && got.plain.length === 2);
    expect(got.bot.map((a) => a.type)).toEqual(["large_block"]);
    expect(got.plain.map((a) => a.type)).toEqual(["equity_volume_spike", "large_block"]);
    bot.close();
    plain.close();
  });

  it("min_severity: lower severities are not delivered; a plain room and a filter get each alert once", async () => {
    const bot = await client(server.url);
    await bot.emitWithAck("subscribe", {
      symbols: ["FLTC"],
      channels: ["alerts"],
      filter: { min_severity: "high" },
    });
    // Also plain on "*": the alert passes both rooms and must still arrive once.
    await bot.emitWithAck("subscribe", { symbols: ["*"], channels: ["alerts"] });
    const other = await client(server.url);
    await other.emitWithAck("subscribe", {
      symbols: ["*"],
      channels: ["alerts"],
      filter: { min_severity: "high", types: ["large_block"] },
    });
    const got: AlertMessage[] = [];
    const gotOther: AlertMessage[] = [];
    bot.on("alert", (a) => got.push(a));
    other.on("alert", (a) => gotOther.push(a));
    server.deps.bus.emit("alert", alert("FLTC", "large_block", "medium"));
    server.deps.bus.emit("alert", alert("FLTC", "large_block", "critical"));
    await until(() => got.length === 2 && gotOther.length === 1);
    expect(gotOther.map((a) => a.severity)).toEqual(["critical"]);
    // bot: the medium one through alerts:* (plain), the critical one once though two rooms match.
    expect(got.map((a) => a.severity)).toEqual(["medium", "critical"]);

    // Without the plain "*" room only the filter is left.
    await bot.emitWithAck("unsubscribe", { symbols: ["*"], channels: ["alerts"] });
    server.deps.bus.emit("alert", alert("FLTC", "unusual_sweep", "low"));
    server.deps.bus.emit("alert", alert("FLTC", "unusual_sweep", "high"));
    await until(() => got.length === 3);
    expect(got[2]?.severity).toBe("high");
    bot.close();
    other.close();
  });

  it("a new subscribe replaces the filter of a channel and symbol; unsubscribe drops it", async () => {
    const socket = await client(server.url);
    const sub = (filter?: SubscribeFilter) =>
      socket.emitWithAck("subscribe", {
        symbols: ["*"],
        channels: ["prints", "alerts"],
        ...(filter ? { filter } : {}),
      });
    expect(await sub({ min_value: 100, min_severity: "low" })).toMatchObject({ ok: true, rooms: 2 });
    expect(await sub({ min_value: 200 })).toMatchObject({ ok: true, rooms: 2 });
    expect(await sub()).toMatchObject({ ok: true, rooms: 2 });
    expect(
      await socket.emitWithAck("unsubscribe", { symbols: ["*"], channels: ["prints", "alerts"] }),
    ).toMatchObject({
      ok: true,
      rooms: 0,
    });
    socket.close();
  });

  it("refuses hostile filters with INVALID_INPUT, joins nothing, and keeps serving the connection", async () => {
    const socket = await client(server.url);
    const cases: Array<[unknown, string]> = [
      ["min_value", "filter must be an object"],
      [[{ min_value: 1 }], "filter must be an object"],
      [null, "filter must be an object"],
      [42, "filter must be an object"],
      [{ min_value: "1000000" }, "min_value must be a number"],
      [{ min_value: -1 }, "min_value must be a number"],
      [{ min_value: Number.NaN }, "min_value must be a number"], // arrives as null (JSON)
      [{ min_value: Number.POSITIVE_INFINITY }, "min_value must be a number"],
      [{ min_value: 1e13 }, "min_value must be a number"],
      [{ min_value: { valueOf: 5 } }, "min_value must be a number"],
      [{ types: "large_block" }, "types must be a list of 1 to 16"],
      [{ types: [] }, "types must be a list of 1 to 16"],
      [{ types: Array.from({ length: 17 }, () => "large_block") }, "types must be a list of 1 to 16"],
      [{ types: Array.from({ length: 3000 }, () => "large_block") }, "types must be a list of 1 to 16"],
      [{ types: [1] }, "is not one of large_block"],
      [{ types: ["nope"] }, "is not one of large_block"],
      [{ types: ["x".repeat(20_000)] }, "is not one of large_block"],
      [{ types: [{ toString: "large_block" }] }, "is not one of large_block"],
      [{ min_severity: "urgent" }, "min_severity"],
      [{ min_severity: 3 }, "min_severity"],
      [{ min_value: 1, extra: true }, "unknown key"],
      [{ ["k".repeat(20_000)]: 1 }, "unknown key"],
      [JSON.parse('{"__proto__": {"min_value": 1}}'), "unknown key"],
      [{ min_value: 1, constructor: 1 }, "unknown key"],
    ];
    for (const [filter, message] of cases) {
      const ack = await socket.emitWithAck("subscribe", {
        symbols: ["*"],
        channels: ["prints", "alerts"],
        filter: filter as SubscribeFilter,
      });
      expect(ack, JSON.stringify(filter).slice(0, 80)).toMatchObject({
        ok: false,
        error: { code: "INVALID_INPUT", message: expect.stringContaining(message) },
      });
      // The reason never echoes a huge value back.
      if (!ack.ok) expect(ack.error.message.length).toBeLessThan(300);
    }
    // A field whose channel is not in the request is refused, not silently ignored.
    expect(
      await socket.emitWithAck("subscribe", {
        symbols: ["*"],
        channels: ["alerts"],
        filter: { min_value: 1 },
      }),
    ).toMatchObject({ ok: false, error: { message: expect.stringContaining("prints channel") } });
    // Nothing was joined by any refusal, and the connection still works.
    expect(
      await socket.emitWithAck("subscribe", { symbols: ["AAPL"], channels: ["prints"], filter: {} }),
    ).toEqual({ ok: true, symbols: ["AAPL"], channels: ["prints"], rooms: 1 });
    socket.close();
  });

  it("a filtered subscription survives a blip through connection state recovery", async () => {
    const socket = await client(server.url, true);
    const subscribed = new Promise<void>((resolve) => socket.once("subscribed", () => resolve()));
    await socket.emitWithAck("subscribe", {
      symbols: ["FLTD"],
      channels: ["prints"],
      filter: { min_value: 50_000 },
    });
    await subscribed;
    const got: PrintsBatch[] = [];
    socket.on("prints", (b) => got.push(b));
    socket.io.engine.close();
    await upload(server.url, "blip.ndjson", "FLTD", [10, 1_000]);
    await until(() => socket.connected);
    await until(() => values(got).length === 1);
    expect(values(got)).toEqual([100_000]);
    expect(socket.recovered).toBe(true);
    socket.close();
  });
});
