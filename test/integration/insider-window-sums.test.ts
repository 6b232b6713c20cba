/**
 * Issue 12, the insider leaderboards at the market's breadth: insider_buys / insider_sells are ranked in SQL
 * from running totals that statement triggers keep (insider_window_sums, migration `insider_window_sums`)
 * less the window's trades published after as_of. Checked here against an independent computation from the
 * raw trades as inserted, after inserts out of date order, an amendment filed later, an update and a
 * delete: values, ranks, ties, totals, distinct insiders, 10b5-1 counts and sources, point in time.
 */
import { rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, jsonGetter } from "../support/app";
import { engines } from "../support/db";

interface Trade {
  issuer: string;
  symbol: string | null;
  accession: string;
  row: number;
  table: string;
  owner: string;
  day: string;
  code: string;
  shares: number | null;
  price: number | null;
  value: number | null;
  derivative: boolean;
  planned: boolean;
  published: string;
  source: string;
}

let seq = 0;
const trade = (p: Partial<Trade> & Pick<Trade, "issuer" | "symbol" | "owner" | "day" | "code">): Trade => {
  seq += 1;
  const shares = p.shares === undefined ? 100 * seq : p.shares;
  const price = p.price === undefined ? 10 + seq / 4 : p.price;
  return {
    accession: `F4-${seq}`,
    row: 0,
    table: "nonDerivativeTransaction",
    derivative: false,
    planned: false,
    // Filed the next New York evening.
    published: `${new Date(Date.parse(p.day) + 86_400_000).toISOString().slice(0, 10)}T23:00:00Z`,
    source: "sec_form4",
    value: shares !== null && price !== null ? shares * price : null,
    shares,
    price,
    ...p,
  };
};

const insert = (rows: Trade[]) => sql`
  insert into insider_transactions (issuer_cik, accession, table_name, row_index, issuer_symbol, owner_cik,
    owner_name, owner_roles, transaction_date, code, shares, price_usd, value_usd, is_derivative,
    aff10b5_one, footnote_ids, source, source_ref, published_at)
  values ${sql.join(
    rows.map(
      (
        r,
      ) => sql`(${r.issuer}, ${r.accession}, ${r.table}, ${r.row}, ${r.symbol}, ${r.owner}, ${`Owner ${r.owner}`},
        'officer', ${r.day}::date, ${r.code}, ${r.shares}, ${r.price}, ${r.value}, ${r.derivative}, ${r.planned},
        '{}'::jsonb, ${r.source}, ${r.accession}, ${r.published}::timestamptz)`,
    ),
    sql`, `,
  )}`;

type Row = {
  rank: number;
  symbol: string;
  value: number;
  issuer_cik: string;
  transactions: number;
  insiders: number;
  shares: number;
  planned_10b5_1?: number;
};
type Board = {
  rows: Row[];
  total: number;
  window: { from: string; to: string };
  sources: { source: string; rows: number; latest_ref: string }[];
  freshness: { latest: string | null }[];
};

/** The ranking computed from the raw trades alone, as docs/methodology.md defines it. */
function expected(all: Trade[], asOf: string, days: number, side: "P" | "S", order: "desc" | "asc") {
  const to = new Date(Date.parse(asOf) - 5 * 3_600_000).toISOString().slice(0, 10); // New York date (EST/EDT evening)
  const from = new Date(Date.parse(to) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const inWindow = all.filter(
    (r) =>
      (r.code === "P" || r.code === "S") &&
      !r.derivative &&
      r.table.endsWith("Transaction") &&
      r.symbol !== null &&
      r.day >= from &&
      r.day <= to &&
      Date.parse(r.published) <= Date.parse(asOf),
  );
  const by = new Map<string, Trade[]>();
  for (const r of inWindow)
    by.set(`${r.symbol}|${r.issuer}`, [...(by.get(`${r.symbol}|${r.issuer}`) ?? []), r]);
  const rows = [...by.values()]
    .map((list) => {
      const mine = list.filter((r) => r.code === side);
      return {
        symbol: list[0]?.symbol as string,
        issuer_cik: list[0]?.issuer as string,
        value: mine.reduce((s, r) => s + (r.value ?? (r.shares ?? 0) * (r.price ?? 0)), 0),
        transactions: mine.length,
        insiders: new Set(mine.map((r) => r.owner)).size,
        shares: mine.reduce((s, r) => s + (r.shares ?? 0), 0),
        planned: mine.filter((r) => r.planned).length,
      };
    })
    .filter((r) => r.value > 0)
    .sort(
      (a, b) =>
        (order === "desc" ? b.value - a.value : a.value - b.value) ||
        (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : a.issuer_cik < b.issuer_cik ? -1 : 1),
    );
  const sources = [...new Set(inWindow.map((r) => r.source))].sort().map((source) => {
    const of = inWindow.filter((r) => r.source === source);
    return {
      source,
      rows: of.length,
      latest_ref: of
        .map((r) => r.accession)
        .sort()
        .at(-1),
    };
  });
  const latest = inWindow
    .map((r) => r.published)
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .at(-1);
  return { rows, sources, latest: latest ? new Date(latest).toISOString() : null, from, to };
}

describe.each(engines())("insider leaders from running totals on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const json = jsonGetter(() => t.app);
  const trades: Trade[] = [];
  const add = async (rows: Trade[]) => {
    trades.push(...rows);
    await t.handle.db.execute(insert(rows));
  };

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    // Issuers: 1 AAA, 2 BBB, 3 DDD, 4 CCC, 5 EEE (and one row without a symbol).
    const ik = (n: number) => `000000000${n}`;
    const on = (
      n: number,
      symbol: string | null,
      owner: string,
      day: string,
      code: string,
      more: Partial<Trade> = {},
    ) => trade({ issuer: ik(n), symbol, owner, day, code, ...more });
    // Later dates first, then earlier ones (a new first date, a date between two known ones).
    await add([
      on(1, "AAA", "a1", "2025-03-10", "P"),
      on(1, "AAA", "a2", "2025-03-12", "P"),
      on(1, "AAA", "a1", "2025-03-12", "S", { planned: true }),
      on(2, "BBB", "b1", "2025-03-11", "S"),
      // Ties: CCC and DDD buy the same value (CCC first by symbol).
      on(3, "DDD", "d1", "2025-03-05", "P", { shares: 1000, price: 5 }),
      on(4, "CCC", "c1", "2025-03-06", "P", { shares: 500, price: 10 }),
    ]);
    await add([
      on(1, "AAA", "a3", "2025-02-20", "P"),
      on(2, "BBB", "b2", "2025-03-07", "P", { value: null }),
      on(2, "BBB", "b2", "2025-03-07", "S", { planned: true }),
      // Not open-market trades: a grant, an exercise, a derivative purchase, a holding row, no symbol.
      on(1, "AAA", "a1", "2025-03-10", "A"),
      on(1, "AAA", "a1", "2025-03-10", "M"),
      on(2, "BBB", "b1", "2025-03-10", "P", { derivative: true }),
      on(2, "BBB", "b1", "2025-03-10", "P", { table: "nonDerivativeHolding" }),
      on(5, null, "x1", "2025-03-10", "P"),
      // A second source.
      on(5, "EEE", "e1", "2025-03-09", "S", { source: "edgar_dataset" }),
    ]);
    // An amendment (4/A: its own accession, the original trade date) filed weeks later, and a late filing.
    await add([
      on(2, "BBB", "b3", "2025-03-04", "P", { published: "2025-04-01T21:00:00Z" }),
      on(3, "DDD", "d2", "2025-03-11", "S", { published: "2025-03-20T21:00:00Z" }),
    ]);
    // An update (a corrected price) and a delete (a row withdrawn).
    const fix = trades.find((r) => r.symbol === "BBB" && r.code === "S" && r.owner === "b1") as Trade;
    fix.price = 99;
    fix.value = (fix.shares as number) * 99;
    await t.handle.db.execute(
      sql`update insider_transactions set price_usd = 99, value_usd = ${fix.value} where accession = ${fix.accession}`,
    );
    const gone = trades.findIndex((r) => r.symbol === "AAA" && r.owner === "a3");
    await t.handle.db.execute(
      sql`delete from insider_transactions where accession = ${(trades[gone] as Trade).accession}`,
    );
    trades.splice(gone, 1);
    await add([on(1, "AAA", "a4", "2025-02-25", "S")]);
    // Back-dated after later dates are known: a purchase filed 32 days late, and one filed 74 days late (it
    // straddles every window of fewer than 74 days around it: dated before, published after).
    await add([on(4, "CCC", "c2", "2025-02-01", "P", { published: "2025-03-05T15:00:00Z" })]);
    await add([on(3, "DDD", "d3", "2025-01-15", "P", { published: "2025-03-30T14:00:00Z" })]);
    // Filed on 2025-03-12 (New York) before and after 16:00 EDT: an as_of at 16:00 sees the first only.
    await add([
      on(5, "EEE", "e2", "2025-03-12", "P", { published: "2025-03-12T15:30:00Z" }),
      on(5, "EEE", "e3", "2025-03-11", "S", { published: "2025-03-12T21:00:00Z" }),
    ]);
  }, 120_000);
  afterAll(async () => t?.close());

  const cases: [string, number, "P" | "S", "desc" | "asc", number, number][] = [
    ["2025-03-12T23:00:00Z", 30, "P", "desc", 0, 50],
    ["2025-03-12T23:00:00Z", 30, "S", "desc", 0, 50],
    ["2025-03-12T23:00:00Z", 30, "P", "asc", 1, 2],
    ["2025-03-11T23:00:00Z", 7, "P", "desc", 0, 50], // 03-11 trades filed after as_of
    ["2025-03-21T23:00:00Z", 20, "S", "desc", 0, 50], // the late filing now known
    ["2025-04-02T23:00:00Z", 60, "P", "desc", 0, 50], // the amendment now known
    ["2025-04-02T23:00:00Z", 60, "S", "asc", 2, 3],
    ["2025-02-10T23:00:00Z", 5, "P", "desc", 0, 50], // before any trade
    ["2025-03-12T20:00:00Z", 30, "P", "desc", 0, 50], // inside 03-12: that day's later filings not yet known
    ["2025-03-12T20:00:00Z", 30, "S", "desc", 0, 50],
    ["2025-03-04T23:00:00Z", 40, "P", "desc", 0, 50], // the 32-day-late purchase not yet filed
    ["2025-03-06T23:00:00Z", 40, "P", "desc", 0, 50], // ... now filed
    ["2025-03-06T23:00:00Z", 30, "P", "desc", 0, 50], // ... filed, dated before the window
    ["2025-02-20T23:00:00Z", 10, "P", "desc", 0, 50], // the 74-day-late purchase straddles the window
    ["2025-03-31T23:00:00Z", 90, "P", "desc", 0, 50], // ... now filed, in the window
    ["2025-03-31T23:00:00Z", 30, "P", "desc", 0, 50], // ... filed, dated before the window
    ["2025-03-12T23:00:00Z", 1, "S", "desc", 0, 50], // one day: the filings of the day before straddle it
  ];

  it.each(cases)(
    "as_of %s, %i days, code %s, %s, offset %i",
    async (asOf, days, side, order, offset, limit) => {
      const metric = side === "P" ? "insider_buys" : "insider_sells";
      const got = await json<Board>(
        `/smart-money/market/leaders?metric=${metric}&as_of=${asOf}&window_days=${days}&order=${order}&offset=${offset}&limit=${limit}`,
      );
      const want = expected(trades, asOf, days, side, order);
      expect([got.window.from, got.window.to]).toEqual([want.from, want.to]);
      expect(got.total).toBe(want.rows.length);
      const page = want.rows.slice(offset, offset + limit);
      expect(
        got.rows.map((r) => [r.rank, r.symbol, r.issuer_cik, r.transactions, r.insiders, r.shares]),
      ).toEqual(
        page.map((r, i) => [offset + i + 1, r.symbol, r.issuer_cik, r.transactions, r.insiders, r.shares]),
      );
      for (const [i, r] of got.rows.entries()) expect(r.value).toBeCloseTo(page[i]?.value as number, 6);
      if (side === "S") expect(got.rows.map((r) => r.planned_10b5_1)).toEqual(page.map((r) => r.planned));
      expect(got.sources).toEqual(want.sources);
      expect(got.freshness[0]?.latest ?? null).toBe(want.latest);
    },
  );

  // By trade date, and by known date: the trade made and published (New York date), whichever is later.
  const sets: [string, string, string][] = [
    ["trade date", "transaction_date", ""],
    [
      "known date",
      "greatest(transaction_date, (published_at at time zone 'America/New_York')::date)",
      "known_",
    ],
  ];
  it.each(sets)(
    "keeps the running totals by %s equal to a recomputation from the trades",
    async (_, on, col) => {
      const c = (name: string) => sql.raw(`${col}${name}`);
      const diff = await t.handle.db.execute(sql`
      with d as (
        select ${sql.raw(on)} as day, issuer_cik, issuer_symbol, source,
          coalesce(sum(coalesce(value_usd, shares * price_usd, 0)::numeric) filter (where code = 'P'), 0) as bv,
          count(*) filter (where code = 'P') as bn,
          coalesce(sum(coalesce(value_usd, shares * price_usd, 0)::numeric) filter (where code = 'S'), 0) as sv,
          count(*) filter (where code = 'S') as sn, count(*) filter (where code = 'S' and aff10b5_one) as pn
        from insider_transactions
        where code in ('P', 'S') and not is_derivative and table_name like '%Transaction'
          and issuer_symbol is not null
        group by 1, 2, 3, 4
      ), want as (
        select w.day, s.issuer_cik, s.issuer_symbol, s.source, sum(d.bv) as bv, sum(d.bn) as bn, sum(d.sv) as sv,
          sum(d.sn) as sn, sum(d.pn) as pn
        from insider_window_days w cross join (select distinct issuer_cik, issuer_symbol, source from d) s
          join d on d.issuer_cik = s.issuer_cik and d.issuer_symbol = s.issuer_symbol and d.source = s.source
            and d.day <= w.day
        group by 1, 2, 3, 4
      ), got as (
        select day, issuer_cik, issuer_symbol, source, ${c("buy_value_usd")} as bv, ${c("buy_transactions")} as bn,
          ${c("sell_value_usd")} as sv, ${c("sell_transactions")} as sn, ${c("planned_sell_transactions")} as pn
        from insider_window_sums where ${c("buy_transactions")} + ${c("sell_transactions")} > 0
      ), owners_want as (
        select w.day, o.issuer_cik, o.issuer_symbol, o.code, o.owner_cik, count(*) as n
        from insider_window_days w join insider_transactions o on ${sql.raw(on.replaceAll("transaction_date", "o.transaction_date").replaceAll("published_at", "o.published_at"))} <= w.day
        where o.code in ('P', 'S') and not o.is_derivative and o.table_name like '%Transaction'
          and o.issuer_symbol is not null
        group by 1, 2, 3, 4, 5
      ), owners_got as (
        select day, issuer_cik, issuer_symbol, code, owner_cik, ${c("transactions")} as n
        from insider_owner_window_counts where ${c("transactions")} > 0
      )
      select (select count(*) from ((select * from want except select * from got)
          union all (select * from got except select * from want)) as x)
        + (select count(*) from ((select * from owners_want except select * from owners_got)
          union all (select * from owners_got except select * from owners_want)) as y) as n`);
      expect(Number(rowsOf<{ n: unknown }>(diff)[0]?.n)).toBe(0);
    },
  );
});
