import { Readable } from "node:stream";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSecuritiesCsv } from "../../server/src/institutional/securities";
import type {
  ClientToServerEvents,
  PrintsBatch,
  ServerToClientEvents,
} from "../../server/src/realtime/events";
import { api, buildTestApp, ok, startTestServer, upload } from "../support/app";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Issue 9.13 / 10.1: a symbol is one thing whatever the spelling, on the socket as in the routes. */
describe("symbol spellings on the live socket", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer("pglite", { API_KEYS: "" });
  });
  afterAll(async () => server.dispose());

  it("a subscriber to BRK/B receives prints uploaded as BRK-B, published as BRK.B", async () => {
    const socket: Client = connect(server.url, { transports: ["websocket"], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("connect_error", reject);
    });
    const ack = await socket.emitWithAck("subscribe", { symbols: ["brk/b"], channels: ["prints"] });
    expect(ack).toMatchObject({ ok: true, symbols: ["BRK.B"] });
    const refused = await socket.emitWithAck("subscribe", { symbols: ["A\tB"], channels: ["prints"] });
    expect(refused).toMatchObject({ ok: false, error: { code: "INVALID_INPUT" } });

    const batches: PrintsBatch[] = [];
    socket.on("prints", (b) => batches.push(b));
    const body = [0, 1, 2]
      .map((i) =>
        JSON.stringify({ symbol: "BRK-B", timestamp: `2025-11-18T15:00:0${i}Z`, price: 400, size: 100 + i }),
      )
      .join("\n");
    const res = await fetch(`${server.url}/smart-money/ingest/prints?name=brk.ndjson`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(await res.json()).toMatchObject({ accepted: 3, rejected: 0 });
    for (let waited = 0; batches.flatMap((b) => b.prints).length < 3 && waited < 100; waited++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(batches.flatMap((b) => b.prints).map((p) => p.symbol)).toEqual(["BRK.B", "BRK.B", "BRK.B"]);
    socket.close();
  });
});

describe("symbol spellings in a securities map", () => {
  it("stores SEC and FINRA spellings canonically and rejects what is not a ticker, with its line", async () => {
    const csv = "Cusip,Symbol\n084670702,BRK-B\n084670702,brk/b\n037833100,A\tB\n037833100,ÄPFEL\n";
    const out = [];
    for await (const r of parseSecuritiesCsv(Readable.from([csv]), "map.csv")) out.push(r);
    expect(out.map((r) => (r.ok ? r.record.symbol : `${r.error.line}: ${r.error.message}`))).toEqual([
      "BRK.B",
      "BRK.B",
      expect.stringMatching(/^4: .*character/),
      expect.stringMatching(/^5: .*character/),
    ]);
  });
});

describe("a separator-less spelling of a stored class share", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp("pglite", { RESPONSE_CACHE_TTL_MS: "600000" });
  });
  afterAll(async () => t.close());

  const uploadOne = (i: number) =>
    upload(
      t.app,
      "prints",
      JSON.stringify({
        symbol: "BRK.B",
        timestamp: new Date(Date.now() - 5000 + i).toISOString(),
        price: 400,
        size: 100,
      }),
      "application/x-ndjson",
      { name: `brk${i}.ndjson` },
    );
  const prints = (spelling: string) =>
    ok(api(t.app)["dark-pool"][":symbol"].summary.$get({ param: { symbol: spelling }, query: {} }));

  it("answers as BRK.B and is never served stale from the cache after BRK.B changes", async () => {
    expect((await uploadOne(0)).status).toBe(200);
    expect(await prints("BRKB")).toMatchObject({ symbol: "BRK.B", total_prints: 1 });
    expect((await uploadOne(1)).status).toBe(200);
    expect(await prints("BRKB")).toMatchObject({ symbol: "BRK.B", total_prints: 2 });
    expect(await prints("BRK.B")).toMatchObject({ total_prints: 2 });
  });
});
