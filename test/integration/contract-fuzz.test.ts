/**
 * Contract fuzz: every GET route of /openapi.json (and a sample of write routes) gets hostile values for
 * each of its path and query parameters, one at a time, and must answer with a 4xx, never a 5xx. A 500 is
 * a bug the caller cannot act on (issue 9.15: impossible dates and year-1 timestamps reached SQL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "../support/app";

/** Values a careless or hostile caller sends; `raw` ones go into the URL without encoding. */
const BAD_VALUES: { value: string; raw?: boolean }[] = [
  { value: "2026-02-30" },
  { value: "2026-02-31" },
  { value: "2026-04-31" },
  { value: "2025-02-29" },
  { value: "2026-13-45" },
  { value: "0001-01-01" },
  { value: "9999-12-31" },
  { value: "2026-02-30T00:00:00Z" },
  { value: "0001-01-01T00:00:00Z" },
  { value: "9999-12-31T23:59:59Z" },
  { value: "275760-09-13T00:00:00Z" },
  { value: "99999999999999999999999" },
  { value: "1e308" },
  { value: "-1" },
  { value: "-99999999999" },
  { value: "0" },
  { value: "NaN" },
  { value: "Infinity" },
  { value: "0x7fffffff" },
  { value: "" },
  { value: " " },
  { value: "null" },
  { value: "[]" },
  { value: "{}" },
  { value: "💥" },
  { value: "ＡＡＰＬ" },
  { value: "\u0000" },
  { value: "a,b,,c,*" },
  { value: "../../etc/passwd" },
  { value: "'; drop table prints; --" },
  { value: "x".repeat(5000) },
  { value: "%E0%A4%A", raw: true },
  { value: "%", raw: true },
  { value: "%00", raw: true },
];

/** A valid value per path parameter, so the other parameters reach the handler. */
const VALID_PATH: Record<string, string> = { symbol: "AAPL", kind: "prints", id: "0", cik: "1" };

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: "path" | "query" }[];
}

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
}

function operations(doc: OpenApi): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? [])
        .filter((p) => p.in === "path" || p.in === "query")
        .map((p) => ({ name: p.name, in: p.in as "path" | "query" }));
      out.push({ method: method.toUpperCase(), path, params });
    }
  return out;
}

function urlFor(
  op: Operation,
  target: { name: string; in: string } | null,
  bad: (typeof BAD_VALUES)[number],
) {
  const encoded = bad.raw ? bad.value : encodeURIComponent(bad.value);
  let path = op.path;
  for (const p of op.params.filter((x) => x.in === "path")) {
    const value = target?.in === "path" && target.name === p.name ? encoded : (VALID_PATH[p.name] ?? "x");
    path = path.replace(`{${p.name}}`, value);
  }
  if (target?.in === "query") path += `?${encodeURIComponent(target.name)}=${encoded}`;
  return path;
}

describe("contract fuzz over /openapi.json", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let ops: Operation[] = [];

  beforeAll(async () => {
    // No rate limit: thousands of requests from one address are the point here.
    t = await buildTestApp("pglite", { RATE_LIMIT_PER_MINUTE: "0", WEBHOOK_MAX_PER_KEY: "1000" });
    // Some data, so queries run past "nothing stored" early exits.
    const demo = await t.app.request("/smart-money/demo/AAPL/generate-data?days=3", { method: "POST" });
    expect(demo.status).toBe(200);
    ops = operations((await (await t.app.request("/openapi.json")).json()) as OpenApi);
  }, 60_000);
  afterAll(() => t?.close());

  const fiveHundreds = async (requests: { method: string; url: string; init?: RequestInit }[]) => {
    const failures: string[] = [];
    for (const r of requests) {
      const res = await t.app.request(r.url, { method: r.method, ...r.init });
      if (res.status >= 500)
        failures.push(`${r.method} ${r.url.slice(0, 120)} -> ${res.status} ${await res.text()}`);
      else await res.arrayBuffer();
    }
    return failures;
  };

  it("documents the routes it walks", () => {
    const gets = ops.filter((o) => o.method === "GET").map((o) => o.path);
    expect(gets).toEqual(
      expect.arrayContaining([
        "/smart-money/dark-pool/{symbol}/summary",
        "/smart-money/dark-pool/dix",
        "/smart-money/blocks/{symbol}/options",
        "/smart-money/blocks/{symbol}/volume-spike",
        "/smart-money/institutional/{symbol}/insiders",
        "/smart-money/analytics/{symbol}/indicators",
        "/smart-money/symbols",
        "/smart-money/market/leaders",
        "/smart-money/market/prints",
        "/smart-money/market/insider-clusters",
        "/smart-money/market/screener",
        "/smart-money/institutional/filers",
        "/smart-money/institutional/filers/{cik}",
        "/smart-money/institutional/leaders",
      ]),
    );
  });

  it("answers every GET route's hostile path and query values with a 4xx, never a 5xx", async () => {
    const requests = ops
      .filter((o) => o.method === "GET")
      .flatMap((op) => [
        { method: "GET", url: urlFor(op, null, { value: "" }) },
        ...op.params.flatMap((p) => BAD_VALUES.map((bad) => ({ method: "GET", url: urlFor(op, p, bad) }))),
      ]);
    expect(requests.length).toBeGreaterThan(500);
    expect(await fiveHundreds(requests)).toEqual([]);
  }, 120_000);

  it("answers hostile query values and bodies on a sample of write routes with a 4xx", async () => {
    const writes = ops.filter((o) => o.method !== "GET");
    const requests = writes.flatMap((op) =>
      op.params.flatMap((p) =>
        BAD_VALUES.filter((_, i) => i % 3 === 0).map((bad) => ({
          method: op.method,
          url: urlFor(op, p, bad),
          init: { body: "symbol,price\nAAPL,1\n", headers: { "content-type": "text/csv" } },
        })),
      ),
    );
    const bodies = [
      "",
      "{",
      "null",
      "[]",
      '{"url": 5}',
      '{"url": "http://[::1"}',
      '{"url": "http://%E0%A4%A/"}',
      `{"url": "http://${"a".repeat(300)}.example/"}`,
      '{"url": "javascript:alert(1)"}',
      '{"url": "https://93.184.215.14/", "symbols": ["💥"]}',
      '{"url": "https://93.184.215.14/", "symbols": []}',
      '{"url": "https://93.184.215.14/", "types": ["nope"]}',
      '{"url": "https://93.184.215.14/", "secret": "short"}',
    ].map((body) => ({
      method: "POST",
      url: "/smart-money/webhooks",
      init: { body, headers: { "content-type": "application/json" } },
    }));
    expect(await fiveHundreds([...requests, ...bodies])).toEqual([]);
  }, 60_000);

  it("refuses an impossible day or a year-1 instant in every date and time parameter (lib/time-params.ts)", async () => {
    // Every parameter of a date or an instant, on every route (reads and writes): a route added later
    // with a hand-rolled `\d{4}-\d{2}-\d{2}` check lets `2026-02-30` through and fails this test.
    const TIME_PARAMS = new Set(["date", "since", "until", "as_of", "period", "week_start", "filed_date"]);
    const checked: string[] = [];
    const wrong: string[] = [];
    for (const op of ops)
      for (const p of op.params.filter((x) => x.in === "query" && TIME_PARAMS.has(x.name)))
        for (const value of ["2026-02-30", "2026-02-30T00:00:00Z", "0001-01-01T00:00:00Z"]) {
          const url = urlFor(op, p, { value });
          const init =
            op.method === "GET"
              ? undefined
              : { body: "symbol,price\nAAPL,1\n", headers: { "content-type": "text/csv" } };
          const res = await t.app.request(url, { method: op.method, ...init });
          const text = await res.text();
          checked.push(`${op.method} ${op.path} ${p.name}`);
          if (res.status !== 400 || !text.includes(p.name))
            wrong.push(`${op.method} ${url} -> ${res.status} ${text}`);
        }
    expect(wrong).toEqual([]);
    expect(checked).toEqual(
      expect.arrayContaining([
        "GET /smart-money/dark-pool/{symbol}/summary date",
        "GET /smart-money/institutional/{symbol}/insiders since",
        "GET /smart-money/market/prints since",
        "GET /smart-money/market/insider-clusters since",
        "GET /smart-money/market/leaders as_of",
        "GET /smart-money/institutional/leaders period",
        "POST /smart-money/ingest/{kind} filed_date",
        "POST /smart-money/ingest/{kind} week_start",
      ]),
    );
  });

  it.each(["/smart-money/dashboard/%E0%A4%A", "/docs/assets/%E0%A4%A"])(
    "answers malformed percent-encoding in %s with 400",
    async (path) => {
      const res = await t.app.request(path);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
        "percent-encoding",
      );
    },
  );

  it.each([
    ["/smart-money/dark-pool/AAPL/summary?date=2026-02-30", "date"],
    ["/smart-money/blocks/AAPL/options?date=2026-02-31", "date"],
    ["/smart-money/blocks/AAPL/volume-spike?date=2026-04-31", "date"],
    ["/smart-money/dark-pool/dix?date=2026-02-30", "date"],
    ["/smart-money/institutional/AAPL/insiders?since=2026-02-30", "since"],
    ["/smart-money/analytics/AAPL/indicators?as_of=0001-01-01T00:00:00Z", "as_of"],
    ["/smart-money/analytics/AAPL/flow?as_of=0001-01-01T00:00:00Z", "as_of"],
    ["/smart-money/dark-pool/AAPL/patterns?as_of=0001-01-01T00:00:00Z", "as_of"],
  ])("answers %s with 400 naming the field", async (url, field) => {
    const res = await t.app.request(url);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(field);
  });
});
