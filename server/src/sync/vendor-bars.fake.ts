/**
 * A local stand-in for the bar vendors in tests, answering in their documented shapes:
 * - Polygon `GET /v2/aggs/grouped/locale/us/market/stocks/{date}` (Bearer key), a day it has no bars for
 *   answered as Polygon answers a holiday: status OK, `resultsCount` 0, no `results`; a wrong key 401.
 * - Alpaca `GET /v2/stocks/bars?symbols=...&timeframe=1Day&start=D&end=D` (APCA key headers), paged with
 *   `next_page_token` every `alpacaPageSymbols` symbols.
 * Faults per date: a status (429 with Retry-After, 503), a raw body (cut off, hostile), a hang.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { etWallTimeToUtc } from "../lib/et-time";
import { listenLocal, statusFault } from "./test-upstream";

export interface FakeBar {
  T: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n?: number;
  vw?: number;
}

export type VendorFault =
  | { kind: "status"; status: number; times: number; retryAfterS?: number }
  | { kind: "body"; body: string; times: number }
  | { kind: "hang"; times: number };

export interface FakeVendor {
  url: string;
  polygonKey: string;
  alpacaKey: { id: string; secret: string };
  alpacaPageSymbols: number;
  /** day -> bars. */
  days: Map<string, FakeBar[]>;
  /** day -> fault. */
  faults: Map<string, VendorFault>;
  requests: {
    path: string;
    authorization: string | undefined;
    alpacaKeyId: string | undefined;
    atMs: number;
  }[];
  close(): Promise<void>;
}

/** 16:00 New York time of a date in ms (Polygon's `t` for a day aggregate, e.g. 1602705600000). */
const closeMs = (day: string) => etWallTimeToUtc(day, 16).getTime();

function polygon(api: FakeVendor, day: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.authorization !== `Bearer ${api.polygonKey}`)
    return void res
      .writeHead(401, { "content-type": "application/json" })
      .end('{"status":"ERROR","request_id":"x","error":"Unknown API Key"}');
  const bars = api.days.get(day) ?? [];
  const body =
    bars.length === 0
      ? { adjusted: false, queryCount: 0, resultsCount: 0, status: "OK", request_id: "r0" }
      : {
          adjusted: false,
          queryCount: bars.length,
          resultsCount: bars.length,
          status: "OK",
          request_id: "r1",
          results: bars.map((b) => ({ ...b, t: closeMs(day) })),
        };
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function alpaca(api: FakeVendor, url: URL, req: IncomingMessage, res: ServerResponse): void {
  if (
    req.headers["apca-api-key-id"] !== api.alpacaKey.id ||
    req.headers["apca-api-secret-key"] !== api.alpacaKey.secret
  )
    return void res.writeHead(401).end('{"message":"forbidden."}');
  const day = url.searchParams.get("start") ?? "";
  const wanted = (url.searchParams.get("symbols") ?? "").split(",");
  const have = (api.days.get(day) ?? []).filter((b) => wanted.includes(b.T));
  const from = Number(Buffer.from(url.searchParams.get("page_token") ?? "MA==", "base64").toString());
  const page = have.slice(from, from + api.alpacaPageSymbols);
  const next =
    from + api.alpacaPageSymbols < have.length
      ? Buffer.from(String(from + api.alpacaPageSymbols)).toString("base64")
      : null;
  const t = `${day}T05:00:00Z`;
  const bars = Object.fromEntries(
    page.map((b) => [b.T, [{ t, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, n: b.n, vw: b.vw }]]),
  );
  res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify({ bars, next_page_token: next }));
}

export async function startFakeVendor(): Promise<FakeVendor> {
  const hanging = new Set<ServerResponse>();
  const api: FakeVendor = {
    url: "",
    polygonKey: "pk-test",
    alpacaKey: { id: "ak-id", secret: "ak-secret" },
    alpacaPageSymbols: 1000,
    days: new Map(),
    faults: new Map(),
    requests: [],
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    api.requests.push({
      path: req.url ?? "/",
      authorization: req.headers.authorization,
      alpacaKeyId: req.headers["apca-api-key-id"] as string | undefined,
      atMs: Date.now(),
    });
    const grouped = /^\/v2\/aggs\/grouped\/locale\/us\/market\/stocks\/(\d{4}-\d{2}-\d{2})$/.exec(
      url.pathname,
    );
    const day = grouped?.[1] ?? url.searchParams.get("start") ?? "";
    const fault = api.faults.get(day);
    if (fault && fault.times > 0) {
      fault.times--;
      if (fault.kind === "hang") return void hanging.add(res);
      if (fault.kind === "body") return void res.writeHead(200).end(fault.body);
      return statusFault(res, fault);
    }
    if (grouped) return polygon(api, day, req, res);
    if (url.pathname === "/v2/stocks/bars") return alpaca(api, url, req, res);
    res.writeHead(404).end();
  });
  Object.assign(api, await listenLocal(server, hanging));
  return api;
}
