/**
 * Issue 12: the market-wide views over real breadth. Two real FINRA CNMS days (~9,000 symbols each) go in
 * through the ingest API; the leaderboards and the screener are checked against a computation made here
 * from the raw files with a plain split, the search against the file's symbol list, the CSV answers
 * against the JSON ones, and hostile input must answer 400.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../server/src/market/csv";
import { buildTestApp } from "../support/app";
import { engines } from "../support/db";

const DAYS = ["CNMSshvol20210125.txt", "CNMSshvol20210126.txt"];
const rawOf = (file: string) =>
  readFileSync(join(import.meta.dirname, "..", "fixtures", "finra", file), "utf8");
interface RawRow {
  symbol: string;
  short: number;
  total: number;
}
const parse = (text: string): RawRow[] =>
  text
    .split("\n")
    .slice(1)
    .map((l) => l.replace(/\r$/, "").split("|"))
    .filter((f) => f.length === 6)
    .map((f) => ({ symbol: f[1] as string, short: Number(f[2]), total: Number(f[4]) }));
const day25 = parse(rawOf(DAYS[0] as string));
const day26 = parse(rawOf(DAYS[1] as string));
/** Plain tickers only for symbol comparisons (class shares and preferreds are respelt on ingest). */
const plain = (s: string) => /^[A-Z]+$/.test(s);

interface Leaders {
  metric: string;
  window: { from: string; to: string };
  rows: { rank: number; symbol: string; value: number; total_volume?: number; short_volume?: number }[];
  total: number;
  next_offset: number | null;
  freshness: { input: string; latest: string | null }[];
  sources: { source: string; rows: number }[];
}

describe.each(engines())("market views over two real FINRA days on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const get = async (path: string, init?: RequestInit) => {
    const res = await t.app.request(path, init);
    return { status: res.status, text: await res.text(), headers: res.headers };
  };
  const json = async <T>(path: string) => {
    const r = await get(path);
    expect(r.status, `${path}: ${r.text.slice(0, 300)}`).toBe(200);
    return JSON.parse(r.text) as T;
  };

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    for (const file of DAYS) {
      const res = await t.app.request(`/smart-money/ingest/short-volume?name=${file}`, {
        method: "POST",
        body: rawOf(file),
        headers: { "content-type": "text/plain" },
      });
      expect(res.status).toBe(200);
    }
  }, 300_000);
  afterAll(async () => t?.close());

  it("ranks short volume as the raw file does, point in time", async () => {
    const expected = [...day26].sort((a, b) => b.short - a.short).slice(0, 100);
    const body = await json<Leaders>("/smart-money/market/leaders?metric=short_volume&limit=100");
    expect(body.window.to).toBe("2021-01-26");
    expect(body.rows.map((r) => r.value)).toEqual(expected.map((r) => r.short));
    expect(body.rows.map((r) => r.rank)).toEqual(expected.map((_, i) => i + 1));
    for (const [i, r] of body.rows.entries()) {
      const e = expected[i] as RawRow;
      if (plain(e.symbol) && expected.filter((x) => x.short === e.short).length === 1)
        expect(r.symbol).toBe(e.symbol);
      expect(r.total_volume).toBe(expected.find((x) => x.short === r.value)?.total);
    }
    expect(body.total).toBe(day26.filter((r) => r.short > 0).length);
    // Before the 26th's file was published (18:00 ET), the 25th is the answer.
    const before = await json<Leaders>(
      "/smart-money/market/leaders?metric=short_volume&limit=5&as_of=2021-01-26T20:00:00Z",
    );
    expect(before.window.to).toBe("2021-01-25");
    expect(before.rows.map((r) => r.value)).toEqual(
      [...day25]
        .sort((a, b) => b.short - a.short)
        .slice(0, 5)
        .map((r) => r.short),
    );
    expect(before.freshness[0]?.latest).toBe("2021-01-25T23:00:00.000Z");
  });

  it("ranks the short ratio over a minimum volume, and pages through the whole ranking", async () => {
    const min = 1_000_000;
    const expected = day26
      .filter((r) => r.total >= min)
      .map((r) => ({ ...r, ratio: r.short / r.total }))
      .sort((a, b) => b.ratio - a.ratio);
    const seen: number[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const body: Leaders = await json<Leaders>(
        `/smart-money/market/leaders?metric=short_ratio&min_volume=${min}&limit=1000&offset=${offset}`,
      );
      expect(body.total).toBe(expected.length);
      seen.push(...body.rows.map((r) => r.value));
      offset = body.next_offset;
    }
    expect(seen.length).toBe(expected.length);
    for (const [i, v] of seen.entries()) expect(v).toBeCloseTo((expected[i] as { ratio: number }).ratio, 12);
  });

  it("searches symbols by prefix, ranked by activity, never the whole table by default", async () => {
    const all = new Set([...day25, ...day26].map((r) => r.symbol));
    const first = await json<{ symbols: { symbol: string; activity: number }[]; total: number }>(
      "/smart-money/symbols",
    );
    expect(first.symbols.length).toBe(50);
    expect(first.total).toBe(all.size);
    const top = [...day26].sort((a, b) => b.total - a.total)[0] as RawRow;
    expect(first.symbols[0]?.symbol).toBe(top.symbol);
    expect(first.symbols[0]?.activity).toBe(top.total);
    const gm = await json<{ symbols: { symbol: string }[]; total: number }>(
      "/smart-money/symbols?q=gm&limit=1000",
    );
    const expectedGm = [...all].filter((s) => s.startsWith("GM"));
    expect(gm.total).toBe(expectedGm.length);
    expect(gm.symbols[0]?.symbol).toBe("GM");
    expect(gm.symbols.map((s) => s.symbol)).toContain("GME");
    const gme = await json<{ symbols: { symbol: string }[] }>("/smart-money/symbols?q=GME&limit=1");
    expect(gme.symbols.map((s) => s.symbol)).toEqual(["GME"]);
  });

  it("screens on the daily fields with the filter grammar, matching the raw file", async () => {
    const expected = day26
      .filter((r) => r.total >= 1_000_000 && r.short / r.total > 0.6)
      .sort((a, b) => b.short - a.short);
    const body = await json<{
      rows: { symbol: string; short_volume: number; short_ratio: number }[];
      total: number;
    }>(
      "/smart-money/market/screener?short_ratio>0.6&finra_total_volume>=1000000&sort=-short_volume&limit=1000",
    );
    expect(body.total).toBe(expected.length);
    expect(body.rows.map((r) => r.short_volume)).toEqual(expected.map((r) => r.short));
    const viaFilter = await json<{ total: number }>(
      `/smart-money/market/screener?filter=${encodeURIComponent("short_ratio>0.6,finra_total_volume>=1000000")}`,
    );
    expect(viaFilter.total).toBe(expected.length);
    const minVolume = await json<{ total: number }>(
      "/smart-money/market/screener?short_ratio>0.6&min_volume=1000000",
    );
    expect(minVolume.total).toBe(expected.length);
  });

  it("answers CSV that reads back to the JSON rows", async () => {
    const url = "/smart-money/market/leaders?metric=short_ratio&limit=200";
    const body = await json<Leaders>(url);
    const csv = await get(url, { headers: { accept: "text/csv" } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const [header, ...rows] = parseCsv(csv.text);
    expect(header).toEqual(Object.keys(body.rows[0] as object));
    expect(rows.length).toBe(body.rows.length);
    for (const [i, cells] of rows.entries()) {
      const r = body.rows[i] as Record<string, unknown>;
      for (const [j, col] of (header as string[]).entries()) {
        const v = r[col];
        expect(cells[j]).toBe(v === null || v === undefined ? "" : String(v));
      }
    }
    const screener = await get("/smart-money/market/screener?short_ratio>0.9&format=csv&limit=1000");
    const parsed = parseCsv(screener.text);
    expect(parsed[0]?.[0]).toBe("symbol");
    expect(parsed.length - 1).toBe(
      (await json<{ total: number }>("/smart-money/market/screener?short_ratio>0.9&limit=1")).total,
    );
  });

  it("refuses hostile input with 400 naming the problem", async () => {
    const cases: [string, RegExp][] = [
      ["/smart-money/market/leaders?metric=short_volume&limit=100000", /limit/],
      ["/smart-money/market/leaders?metric=nope", /metric/],
      ["/smart-money/market/leaders?metric=short_volume;drop%20table%20prints", /metric/],
      ["/smart-money/symbols?limit=5000", /limit/],
      ["/smart-money/symbols?q=%27%3B%20drop%20table%20symbols%3B%20--", /q/],
      ["/smart-money/market/screener?short_ratio>0.6;drop", /short_ratio>0.6;drop/],
      ["/smart-money/market/screener?bogus>1", /bogus/],
      ["/smart-money/market/screener?short_ratio>>1", /short_ratio>>1/],
      ["/smart-money/market/screener?short_ratio>1e999", /not finite|short_ratio/],
      ["/smart-money/market/screener?nope=1", /nope/],
      ["/smart-money/market/screener?sort=-nope", /sort/],
      [
        `/smart-money/market/screener?${Array.from({ length: 21 }, () => "short_ratio>0").join("&")}`,
        /at most 20/,
      ],
      [`/smart-money/market/screener?short_ratio>${"1".repeat(200)}`, /longer than/],
      ["/smart-money/market/prints?cursor=not-a-cursor", /cursor/],
      [`/smart-money/market/prints?cursor=${Buffer.from('["x","y","z"]').toString("base64url")}`, /cursor/],
      // A NUL or other control character in a cursor's symbol or key is refused, on the JSON page and the CSV
      // export alike (Postgres rejects NUL in text, so it must never reach a statement).
      ...["", "&format=csv"].map((csv): [string, RegExp] => [
        `/smart-money/market/prints?cursor=${Buffer.from('["2026-01-02T15:00:00.000000Z","A\\u0000B","k"]').toString("base64url")}${csv}`,
        /cursor/,
      ]),
      [
        `/smart-money/market/prints?cursor=${Buffer.from('["2026-01-02T15:00:00.000000Z","AB","k\\n1"]').toString("base64url")}`,
        /cursor/,
      ],
      ["/smart-money/market/prints?limit=5000", /limit/],
      ["/smart-money/market/prints?min_value=10", /min_value/],
      ["/smart-money/market/insider-clusters?min_insiders=1", /min_insiders/],
      ["/smart-money/institutional/filers/abc", /cik/],
      ["/smart-money/institutional/leaders?period=2021-02-30", /period/],
    ];
    for (const [url, message] of cases) {
      const r = await get(url);
      expect(r.status, `${url} -> ${r.text.slice(0, 200)}`).toBe(400);
      expect(r.text, url).toMatch(message);
    }
  });
});

describe("market views over demo prints, options, 13F and Form 4 data (pglite)", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const SYMBOLS = ["AAPL", "MSFT", "GME", "TSLA"];
  const json = async <T>(path: string) => {
    const res = await t.app.request(path);
    const text = await res.text();
    expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(200);
    return JSON.parse(text) as T;
  };

  beforeAll(async () => {
    t = await buildTestApp("pglite", { RATE_LIMIT_PER_MINUTE: "0" });
    for (const s of SYMBOLS) {
      const res = await t.app.request(`/smart-money/demo/${s}/generate-data?days=10`, { method: "POST" });
      expect(res.status).toBe(200);
    }
  }, 300_000);
  afterAll(async () => t?.close());

  it("pages the market tape with a keyset cursor: the pages are the one long answer, and CSV matches", async () => {
    type Tape = {
      prints: { symbol: string; ts: string; trade_key: string; value_usd: number }[];
      next_cursor: string | null;
    };
    const whole = await json<Tape>("/smart-money/market/prints?min_value=100000&limit=1000");
    expect(whole.prints.length).toBeGreaterThan(20);
    const ts = whole.prints.map((p) => p.ts);
    expect([...ts].sort().reverse()).toEqual(ts);
    expect(whole.prints.every((p) => p.value_usd >= 100_000)).toBe(true);
    expect(new Set(whole.prints.map((p) => p.symbol)).size).toBeGreaterThan(1);
    const paged: Tape["prints"] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : "";
      const page: Tape = await json<Tape>(`/smart-money/market/prints?min_value=100000&limit=7${q}`);
      paged.push(...page.prints);
      cursor = page.next_cursor;
    } while (cursor && paged.length < 200);
    expect(paged.length).toBeGreaterThanOrEqual(Math.min(200, whole.prints.length));
    expect(paged.map((p) => p.trade_key)).toEqual(
      whole.prints.slice(0, paged.length).map((p) => p.trade_key),
    );
    const csv = await (
      await t.app.request("/smart-money/market/prints?min_value=100000&limit=1000&format=csv")
    ).text();
    const [header, ...rows] = parseCsv(csv);
    const key = (header as string[]).indexOf("trade_key");
    expect(rows.map((r) => r[key])).toEqual(whole.prints.map((p) => p.trade_key));
  });

  it("agrees with the per-symbol summary on dark-pool value and blocks", async () => {
    type L = { rows: { symbol: string; value: number }[]; window: { to: string } };
    const dpv = await json<L>("/smart-money/market/leaders?metric=dark_pool_value");
    const blocks = await json<L>("/smart-money/market/leaders?metric=block_value");
    for (const s of SYMBOLS) {
      const summary = await json<{ date: string; total_value: number; large_blocks: { value: number } }>(
        `/smart-money/dark-pool/${s}/summary?date=${dpv.window.to}`,
      );
      expect(dpv.rows.find((r) => r.symbol === s)?.value ?? 0).toBeCloseTo(summary.total_value, 1);
      expect(blocks.rows.find((r) => r.symbol === s)?.value ?? 0).toBeCloseTo(summary.large_blocks.value, 1);
    }
  });

  it("agrees with the per-symbol 13F changes and insider views", async () => {
    type L = { rows: { symbol: string; value: number; holders?: number }[]; window: { to: string } };
    const fresh = await json<L>("/smart-money/market/leaders?metric=new_positions&limit=1000");
    const net = await json<L>("/smart-money/market/leaders?metric=institutional_net_change&limit=1000");
    expect(net.rows.length).toBeGreaterThan(0);
    const buys = await json<L>("/smart-money/market/leaders?metric=insider_buys&window_days=30");
    for (const s of SYMBOLS) {
      const changes = await json<{ period: string; new_positions: { count: number } }>(
        `/smart-money/institutional/${s}/changes?period=${fresh.window.to}`,
      );
      expect(fresh.rows.find((r) => r.symbol === s)?.value ?? 0).toBe(changes.new_positions.count);
      const sentiment = await json<{ windows: { days: number; buys: { value: number } }[] }>(
        `/smart-money/institutional/${s}/insider-sentiment`,
      );
      const w30 = sentiment.windows.find((w) => w.days === 30);
      expect(buys.rows.find((r) => r.symbol === s)?.value ?? 0).toBeCloseTo(w30?.buys.value ?? 0, 0);
    }
    const clusters = await json<{ clusters: { symbol: string; insiders: number }[]; total: number }>(
      "/smart-money/market/insider-clusters?min_insiders=2&window_days=30",
    );
    expect(clusters.clusters.every((c) => c.insiders >= 2)).toBe(true);
  });

  it("finds filers, shows a portfolio with changes and concentration, and the quarter's leaders", async () => {
    const found = await json<{ filers: { cik: string; name: string }[] }>(
      "/smart-money/institutional/filers?q=demo",
    );
    expect(found.filers.length).toBeGreaterThan(3);
    const cik = found.filers[0]?.cik as string;
    const filer = await json<{
      cik: string;
      positions: number;
      holdings: { symbol: string; weight: number; change_type: string }[];
      concentration: { top10_weight: number; hhi: number };
      value_usd: number;
    }>(`/smart-money/institutional/filers/${Number(cik)}`);
    expect(filer.cik).toBe(cik);
    expect(filer.positions).toBeGreaterThan(0);
    const weights = filer.holdings
      .filter((h) => h.change_type !== "sold_out")
      .reduce((s, h) => s + h.weight, 0);
    expect(weights).toBeCloseTo(1, 9);
    expect(filer.concentration.hhi).toBeGreaterThan(0);
    const leaders = await json<{ bought: unknown[]; sold: unknown[]; heat_formula: string }>(
      "/smart-money/institutional/leaders",
    );
    expect(leaders.bought.length + leaders.sold.length).toBeGreaterThan(0);
    const missing = await t.app.request("/smart-money/institutional/filers/1234567");
    expect(missing.status).toBe(404);
  });
});
