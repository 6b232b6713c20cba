/**
 * Issue 12, scale: the symbol search reads a name-word index and an activity rank that triggers keep
 * (migration 0023), and the insider window reads one covering index with issuer names looked up per page.
 * These check what users see: name-word matches, ranking that follows each new FINRA day, name changes,
 * limits and paging, and the insider leaders' and clusters' fields (point in time, names on every page).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchByKey, searchByText } from "../../server/src/lib/symbol-search";
import { buildTestApp, jsonGetter } from "../support/app";
import { engines } from "../support/db";

type Search = {
  symbols: { symbol: string; name: string | null; activity: number | null }[];
  total: number;
  total_is_lower_bound: boolean;
  next_offset: number | null;
};

const finraDay = (day: string, rows: [string, number][]) =>
  [
    "Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market",
    ...rows.map(([s, total]) => `${day}|${s}|${Math.round(total / 2)}|0|${total}|B,Q,N`),
  ].join("\n");

describe.each(engines())("symbol search and insider windows on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const json = jsonGetter(() => t.app);
  const ingestDay = async (day: string, rows: [string, number][]) => {
    const res = await t.app.request(`/smart-money/ingest/short-volume?name=CNMSshvol${day}.txt`, {
      method: "POST",
      body: finraDay(day, rows),
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(200);
  };
  const search = (q: string) => json<Search>(`/smart-money/symbols?${q}`);
  const tickers = (s: Search) => s.symbols.map((r) => r.symbol);

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    await ingestDay("20210125", [
      ["AAPL", 5000],
      ["AAL", 9000],
      ["ABC", 100],
      ["BAC", 7000],
      ["ZZZ", 8000],
    ]);
    await t.handle.db.execute(sql`
      insert into securities (cusip, symbol, name, source, source_ref, published_at) values
        ('037833100', 'AAPL', 'Apple Inc', 'user_csv', 'map.csv:1', now()),
        ('060505104', 'BAC', 'Bank of America Corp', 'user_csv', 'map.csv:2', now()),
        ('03073E105', 'ABC', 'AmerisourceBergen Corp', 'user_csv', 'map.csv:3', now()),
        ('99999Z101', 'ZZZ', 'Zed Applied Sciences', 'user_csv', 'map.csv:4', now()),
        ('88888Y101', 'NOPE', 'Apple Orchard Holdings', 'user_csv', 'map.csv:5', now())`);
  }, 120_000);
  afterAll(async () => t?.close());

  it("finds a name's words (not inside a word), known symbols only, most active first", async () => {
    const app = await search("q=app");
    expect(tickers(app)).toEqual(["ZZZ", "AAPL"]);
    expect(app.symbols.map((s) => [s.name, s.activity])).toEqual([
      ["Zed Applied Sciences", 8000],
      ["Apple Inc", 5000],
    ]);
    expect([app.total, app.total_is_lower_bound]).toEqual([2, false]);
    expect(tickers(await search("q=bank%20of"))).toEqual(["BAC"]);
    expect(tickers(await search("q=Of%20America"))).toEqual(["BAC"]);
    expect((await search("q=ank")).total).toBe(0);
  });

  it("joins ticker prefixes and name words, exact ticker first, and pages by limit and offset", async () => {
    const a = await search("q=a");
    expect(tickers(a)).toEqual(["AAL", "ZZZ", "BAC", "AAPL", "ABC"]);
    expect(a.total).toBe(5);
    const first = await search("q=a&limit=2");
    expect([tickers(first), first.total, first.next_offset]).toEqual([["AAL", "ZZZ"], 5, 2]);
    const last = await search("q=a&limit=2&offset=3");
    expect([tickers(last), last.next_offset]).toEqual([["AAPL", "ABC"], null]);
    const past = await search("q=a&limit=2&offset=10");
    expect([tickers(past), past.total]).toEqual([[], 5]);
    expect(tickers(await search("q=abc"))[0]).toBe("ABC");
  });

  it("ranks by the latest FINRA day as each new day arrives, and follows name changes", async () => {
    await ingestDay("20210126", [
      ["ABC", 20000],
      ["AAPL", 300],
    ]);
    const all = await search("limit=3");
    expect(all.symbols.map((s) => [s.symbol, s.activity])).toEqual([
      ["ABC", 20000],
      ["AAPL", 300],
      ["AAL", null],
    ]);
    expect(all.total).toBe(5);
    expect(tickers(await search("q=app"))).toEqual(["AAPL", "ZZZ"]);
    await t.handle.db.execute(sql`update securities set name = 'Pear Computers' where symbol = 'AAPL'`);
    expect(tickers(await search("q=app"))).toEqual(["ZZZ"]);
    expect(tickers(await search("q=comp"))).toEqual(["AAPL"]);
    await t.handle.db.execute(sql`delete from securities where symbol = 'ZZZ'`);
    expect((await search("q=applied")).total).toBe(0);
  });

  it("answers 1-3 character queries from the key table exactly as the ticker and name indexes do, through every change", async () => {
    const alphabet = ["a", "b", "f", "o", "z", ".", "-", " "];
    const texts = new Set<string>();
    for (const x of alphabet)
      for (const y of ["", ...alphabet]) for (const z of ["", ...alphabet]) texts.add(`${x}${y}${z}`.trim());
    texts.delete("");
    const same = async (when: string) => {
      for (const text of texts) {
        const prefix = text.toUpperCase().replace(/[/-]/g, ".").replace(/\s+/g, ".");
        for (const [limit, offset] of text.length === 1
          ? [[50, 0] as const, [2, 1] as const]
          : [[50, 0] as const]) {
          const page = { prefix, limit, offset, cap: 5000 };
          const byKey = await searchByKey(t.handle.db, { ...page, key: text.toLowerCase() });
          const byText = await searchByText(t.handle.db, { ...page, word: text.toLowerCase() });
          expect(byKey, `${when}: q=${JSON.stringify(text)} limit ${limit} offset ${offset}`).toEqual(byText);
        }
      }
    };
    await same("as loaded");
    // New symbols (one with a class separator, one a one-letter ticker), a new day, a rename, a removal.
    await ingestDay("20210127", [
      ["BRK.B", 500],
      ["BF.B", 400],
      ["A", 50],
      ["AAL", 1],
    ]);
    expect(tickers(await search("q=brk-b"))).toEqual(["BRK.B"]);
    expect(tickers(await search("q=bf/"))).toEqual(["BF.B"]);
    expect(tickers(await search("q=a")).slice(0, 2)).toEqual(["A", "AAL"]);
    await t.handle.db.execute(sql`
      insert into securities (cusip, symbol, name, source, source_ref, published_at) values
        ('084670702', 'BRK.B', 'Berkshire Hathaway Inc', 'user_csv', 'map.csv:6', now()),
        ('00846U101', 'A', 'Agilent Technologies Inc', 'user_csv', 'map.csv:7', now())`);
    await same("after a new day and new names");
    await t.handle.db.execute(sql`update securities set name = 'Z O Holdings' where symbol = 'A'`);
    await t.handle.db.execute(sql`delete from securities where symbol = 'BRK.B'`);
    await same("after a rename and a removal");
    expect(tickers(await search("q=z o"))).toEqual(["A"]);
  });

  it("answers the insider leaders and clusters point in time, with issuer names on every page", async () => {
    const trade = (issuer: string, symbol: string, n: number, owner: string, day: string, code: string) =>
      sql`(${issuer}, ${`F4-${symbol}-${n}`}, 'nonDerivativeTransaction', 0, ${symbol}, ${owner},
        ${`Owner ${owner}`}, 'officer', ${day}::date, ${code}, 100, 10, 1000, false, false, '{}'::jsonb,
        'sec_form4', ${`F4-${symbol}-${n}`}, (${day}::date + 1)::timestamp at time zone 'UTC')`;
    const rows = [
      trade("0000000001", "AAA", 1, "o1", "2025-03-03", "P"),
      trade("0000000001", "AAA", 2, "o2", "2025-03-05", "P"),
      trade("0000000001", "AAA", 3, "o3", "2025-03-06", "P"),
      trade("0000000001", "AAA", 4, "o1", "2025-03-09", "P"),
      trade("0000000001", "AAA", 5, "o4", "2025-03-10", "P"), // published 03-11: after as_of
      trade("0000000001", "AAA", 6, "o1", "2025-03-04", "A"),
      trade("0000000002", "BBB", 1, "o5", "2025-03-04", "P"),
      trade("0000000002", "BBB", 2, "o6", "2025-03-04", "S"),
    ];
    await t.handle.db.execute(sql`
      insert into insider_transactions (issuer_cik, accession, table_name, row_index, issuer_symbol, owner_cik,
        owner_name, owner_roles, transaction_date, code, shares, price_usd, value_usd, is_derivative,
        aff10b5_one, footnote_ids, source, source_ref, published_at)
      values ${sql.join(rows, sql`, `)}`);
    await t.handle.db.execute(sql`
      insert into insider_filings (accession, issuer_cik, issuer_name, issuer_symbol, reporting_owners,
        footnotes, source, source_ref, published_at)
      select accession, issuer_cik, case issuer_symbol when 'AAA' then 'AAA Corp' else 'BBB Inc' end,
        issuer_symbol, '[]'::jsonb, '[]'::jsonb, source, source_ref, published_at from insider_transactions`);
    type Row = { symbol: string; value: number; issuer_name: string; insiders: number; transactions: number };
    const asOf = "2025-03-10T23:00:00Z";
    const board = (q: string) =>
      json<{ rows: Row[]; total: number; sources: { source: string; rows: number }[] }>(
        `/smart-money/market/leaders?metric=insider_buys&as_of=${asOf}&window_days=30${q}`,
      );
    const buys = await board("");
    expect(buys.rows.map((r) => [r.symbol, r.value, r.issuer_name, r.insiders, r.transactions])).toEqual([
      ["AAA", 4000, "AAA Corp", 3, 4],
      ["BBB", 1000, "BBB Inc", 1, 1],
    ]);
    expect(buys.sources).toEqual([{ source: "sec_form4", rows: 6, latest_ref: "F4-BBB-2" }]);
    const paged = await board("&limit=1&offset=1");
    expect(paged.rows.map((r) => [r.symbol, r.issuer_name])).toEqual([["BBB", "BBB Inc"]]);
    const clusters = await json<{
      clusters: { symbol: string; issuer_name: string; insiders: number; insider_names: string[] }[];
      sources: { source: string; rows: number }[];
    }>(`/smart-money/market/insider-clusters?as_of=${asOf}&min_insiders=3&window_days=14&since=2025-03-01`);
    expect(clusters.clusters.map((c) => [c.symbol, c.issuer_name, c.insiders, c.insider_names])).toEqual([
      ["AAA", "AAA Corp", 3, ["Owner o1", "Owner o2", "Owner o3"]],
    ]);
    expect(clusters.sources).toEqual([{ source: "sec_form4", rows: 5, latest_ref: "F4-BBB-1" }]);
  });
});
