/**
 * Market-wide reads of the institutional area's tables (13F filings and holdings, Form 4, securities):
 * insider buying and selling per issuer over a window (cluster buys across the market: insider-clusters.ts;
 * quarter-on-quarter 13F changes per security: positions.store.ts; filer search and portfolios: filers.store.ts). Point in time: only rows published
 * by `asOf`. Formulas: docs/methodology.md "Market".
 */
import { type Db, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { addDays, etDateOf } from "../lib/et-time";
import { pgArrayLiteral } from "../lib/pg-array";
import { num } from "../lib/row-values";

export type SourceCount = { source: string; rows: number; latest_ref: string | null };

const sourcesOf = (rows: { source: string; rows: unknown; latest_ref: string | null }[]): SourceCount[] =>
  rows.map((r) => ({ source: r.source, rows: num(r.rows), latest_ref: r.latest_ref }));

export interface InsiderWindowRow {
  symbol: string;
  issuer_cik: string;
  issuer_name: string | null;
  buy_value_usd: number;
  buy_shares: number;
  buy_transactions: number;
  buyers: number;
  sell_value_usd: number;
  sell_shares: number;
  sell_transactions: number;
  sellers: number;
  planned_sell_transactions: number;
}

export interface InsiderWindow {
  from: string;
  to: string;
  latestPublished: Date | null;
  rows: InsiderWindowRow[];
  sources: SourceCount[];
}

const OPEN_MARKET = sql`t.table_name like '%Transaction' and not t.is_derivative and t.code in ('P', 'S')`;

/**
 * Open-market purchases (P) and sales (S) per issuer dated in the `days` New York days ending at `asOf`, and
 * the counts by source, by index-only scans (`insider_transactions_open_market_window_idx`) and hash
 * aggregates (per issuer, owner and code first: distinct owners without sorts). Issuer names are left
 * null: `insiderIssuerNames` reads them for the rows a page shows.
 */
export async function insiderWindow(db: Db, asOf: Date, days: number): Promise<InsiderWindow> {
  const to = etDateOf(asOf.getTime());
  const from = addDays(to, -(days - 1));
  const where = windowWhere(from, to, asOf.toISOString());
  const [rows, bySource] = await Promise.all([
    db.execute(sql`
      with g as (
        select t.issuer_symbol, t.issuer_cik, t.owner_cik, t.code, count(*) as n,
          sum(coalesce(t.value_usd, t.shares * t.price_usd, 0)) as v, sum(t.shares) as sh,
          count(*) filter (where t.aff10b5_one) as planned, max(t.published_at) as published_at
        from insider_transactions t where ${where}
        group by t.issuer_symbol, t.issuer_cik, t.owner_cik, t.code
      )
      select issuer_symbol as symbol, issuer_cik,
        coalesce(sum(v) filter (where code = 'P'), 0) as buy_value,
        coalesce(sum(sh) filter (where code = 'P'), 0) as buy_shares,
        coalesce(sum(n) filter (where code = 'P'), 0) as buy_n, count(*) filter (where code = 'P') as buyers,
        coalesce(sum(v) filter (where code = 'S'), 0) as sell_value,
        coalesce(sum(sh) filter (where code = 'S'), 0) as sell_shares,
        coalesce(sum(n) filter (where code = 'S'), 0) as sell_n, count(*) filter (where code = 'S') as sellers,
        coalesce(sum(planned) filter (where code = 'S'), 0) as planned, max(published_at) as published_at
      from g group by issuer_symbol, issuer_cik`),
    db.execute(sql`
      select t.source, count(*) as rows, max(t.accession) as latest_ref from insider_transactions t
      where ${where} group by t.source`),
  ]);
  const sources = sourcesOf(
    rowsOf<{ source: string; rows: unknown; latest_ref: string | null }>(bySource).sort((a, b) =>
      a.source < b.source ? -1 : 1,
    ),
  );
  let latest: Date | null = null;
  const out = rowsOf<Record<string, unknown>>(rows).map((r): InsiderWindowRow => {
    const published = new Date(r.published_at as string);
    if (latest === null || published > latest) latest = published;
    return {
      symbol: String(r.symbol),
      issuer_cik: String(r.issuer_cik),
      issuer_name: null,
      buy_value_usd: num(r.buy_value),
      buy_shares: num(r.buy_shares),
      buy_transactions: num(r.buy_n),
      buyers: num(r.buyers),
      sell_value_usd: num(r.sell_value),
      sell_shares: num(r.sell_shares),
      sell_transactions: num(r.sell_n),
      sellers: num(r.sellers),
      planned_sell_transactions: num(r.planned),
    };
  });
  return { from, to, latestPublished: latest, rows: out, sources };
}

const windowWhere = (from: string, to: string, at: string) =>
  sql`${OPEN_MARKET} and t.transaction_date >= ${from}::date and t.transaction_date <= ${to}::date
    and t.published_at <= ${at}::timestamptz and t.issuer_symbol is not null`;

/**
 * Fills `issuer_name`, `buyers` and `sellers` of these window rows, for the rows of one page only. Names:
 * the greatest issuer name of the Form 4 filings behind each issuer's trades in the window (as filed), by
 * the issuer's filings published by as_of (a trade row is published with its filing), greatest name and
 * latest first, until one has such a trade (a scalar subquery, so that no plan starts from the trades).
 * Insiders: the reporting owners whose window count is positive: known running count (insider_owner_window_counts)
 * at the window's end less the trade-dated one before it, plus the corrections (`corrections`).
 */
export async function insiderPageDetails(
  db: Db,
  w: { from: string; to: string; asOf: Date },
  rows: InsiderWindowRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const at = w.asOf.toISOString();
  const page = sql`unnest(${pgArrayLiteral(rows.map((r) => r.issuer_cik))}::text[],
    ${pgArrayLiteral(rows.map((r) => r.symbol))}::text[]) as p(issuer_cik, issuer_symbol)`;
  const [names, owners] = await Promise.all([
    db.execute(sql`
      select p.issuer_cik, p.issuer_symbol, (
        select f.issuer_name from insider_filings f
        where f.issuer_cik = p.issuer_cik and f.issuer_name is not null and f.published_at <= ${at}::timestamptz
          and (
            select true from insider_transactions t
            where t.issuer_cik = p.issuer_cik and t.accession = f.accession and t.issuer_symbol = p.issuer_symbol
              and ${windowWhere(w.from, w.to, at)}
            limit 1)
        order by f.issuer_name desc, f.published_at desc limit 1) as issuer_name
      from ${page}`),
    db.execute(sql`
      with ${hiLo(w.from, w.to)},
      c as materialized (${corrections(w.from, w.to, at, pgArrayLiteral(datesOf(w.from, w.to)))}),
      l as (select issuer_cik, issuer_symbol, code, owner_cik, sum(sg) as n from c group by 1, 2, 3, 4)
      select a.issuer_cik, a.issuer_symbol, count(*) filter (where a.code = 'P') as buyers,
        count(*) filter (where a.code = 'S') as sellers
      from insider_owner_window_counts a
        join (select * from ${page}) as p on p.issuer_cik = a.issuer_cik and p.issuer_symbol = a.issuer_symbol
        left join insider_owner_window_counts b on b.day = (select d from lo) and b.issuer_cik = a.issuer_cik
          and b.issuer_symbol = a.issuer_symbol and b.code = a.code and b.owner_cik = a.owner_cik
        left join l on l.issuer_cik = a.issuer_cik and l.issuer_symbol = a.issuer_symbol and l.code = a.code
          and l.owner_cik = a.owner_cik
      where a.day = (select d from hi)
        and a.known_transactions - coalesce(b.transactions, 0) + coalesce(l.n, 0) > 0
      group by 1, 2`),
  ]);
  const key = (r: { issuer_symbol: string; issuer_cik: string }) => `${r.issuer_symbol}|${r.issuer_cik}`;
  type Key = { issuer_symbol: string; issuer_cik: string };
  const nameOf = new Map(
    rowsOf<Key & { issuer_name: string | null }>(names).map((n) => [key(n), n.issuer_name]),
  );
  const ownersOf = new Map(
    rowsOf<Key & { buyers: unknown; sellers: unknown }>(owners).map((n) => [key(n), n]),
  );
  for (const r of rows) {
    const k = key({ issuer_symbol: r.symbol, issuer_cik: r.issuer_cik });
    r.issuer_name = nameOf.get(k) ?? null;
    r.buyers = num(ownersOf.get(k)?.buyers);
    r.sellers = num(ownersOf.get(k)?.sellers);
  }
}

/** The New York dates `from`..`to`, both included. */
function datesOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

const SUM_COLUMNS = ["bv", "bs", "bn", "sv", "ss", "sn", "pn"] as const;
const summed = sql.raw(SUM_COLUMNS.map((c) => `coalesce(sum(${c}), 0) as ${c}`).join(", "));

export interface InsiderBoard extends InsiderWindow {
  /** Issuers whose ranked sum (purchases or sales) is positive: the ranking's length. */
  total: number;
}

/**
 * The open-market trades that correct `known(to) - by_trade_date(from - 1)` (docs/methodology.md "Insider window
 * reads"), one row each, signed: + the window's straddlers (dated before `from`, published after `to`, New York
 * dates; by range containment on `insider_transactions_open_market_span_idx`), - the window's trades published on
 * `to` after `at` (one index range per date of `days`). Both are few: late filings, and one day's filings.
 */
const corrections = (from: string, to: string, at: string, days: string): SQL => sql`
      select t.issuer_cik, t.issuer_symbol, t.source, t.code, t.owner_cik, 1 as sg,
        coalesce(t.value_usd, t.shares * t.price_usd, 0)::numeric as v, coalesce(t.shares, 0)::numeric as sh,
        t.aff10b5_one as planned
      from insider_transactions t
      where ${OPEN_MARKET} and t.issuer_symbol is not null and t.transaction_date is not null
        and daterange(t.transaction_date,
          greatest(t.transaction_date, (t.published_at at time zone 'America/New_York')::date), '[]')
          @> daterange(${from}::date - 1, ${to}::date + 1, '[]')
      union all
      select t.issuer_cik, t.issuer_symbol, t.source, t.code, t.owner_cik, -1,
        coalesce(t.value_usd, t.shares * t.price_usd, 0)::numeric, coalesce(t.shares, 0)::numeric, t.aff10b5_one
      from insider_transactions t
      where ${OPEN_MARKET} and t.issuer_symbol is not null and t.transaction_date = any(${days}::date[])
        and t.published_at > ${at}::timestamptz
        and t.published_at < ((${to}::date + 1)::timestamp at time zone 'America/New_York')
`;

/** The two dates of the running totals a window reads: the last <= `to` (hi), the last before `from` (lo). */
const hiLo = (from: string, to: string): SQL => sql`
      hi as (select max(day) as d from insider_window_days where day <= ${to}::date),
      lo as (select max(day) as d from insider_window_days where day < ${from}::date)`;

const CORRECTED_SUMS = sql.raw(`
  sum(sg * v) filter (where code = 'P') as bv, sum(sg * sh) filter (where code = 'P') as bs,
  sum(sg) filter (where code = 'P') as bn, sum(sg * v) filter (where code = 'S') as sv,
  sum(sg * sh) filter (where code = 'S') as ss, sum(sg) filter (where code = 'S') as sn,
  sum(sg) filter (where code = 'S' and planned) as pn`);

/**
 * Per issuer, symbol and source, the window's sums (CTE `k`): the known running totals of the last date <= `to`
 * less the trade-dated ones of the last date before `from`, for the keys whose known totals changed on or after
 * `from` (`insider_window_sums_changed_idx`: no other key has a trade dated in the window and known by `to`),
 * and the corrections (`corrections`) of those keys. Expects the CTEs `hi`, `lo` and `c` (the corrections).
 */
const windowSums = (from: string): SQL => sql`
      m as (
        select a.issuer_cik, a.issuer_symbol, a.source,
          a.known_buy_value_usd - coalesce(b.buy_value_usd, 0) as bv,
          a.known_buy_shares - coalesce(b.buy_shares, 0) as bs,
          a.known_buy_transactions - coalesce(b.buy_transactions, 0) as bn,
          a.known_sell_value_usd - coalesce(b.sell_value_usd, 0) as sv,
          a.known_sell_shares - coalesce(b.sell_shares, 0) as ss,
          a.known_sell_transactions - coalesce(b.sell_transactions, 0) as sn,
          a.known_planned_sell_transactions - coalesce(b.planned_sell_transactions, 0) as pn
        from insider_window_sums a
          left join insider_window_sums b on b.day = (select d from lo) and b.issuer_cik = a.issuer_cik
            and b.issuer_symbol = a.issuer_symbol and b.source = a.source
        where a.day = (select d from hi) and a.known_changed_on >= ${from}::date
      ),
      k as (
        select * from m
        union all
        select issuer_cik, issuer_symbol, source, ${CORRECTED_SUMS} from c
        where (issuer_cik, issuer_symbol, source) in (select issuer_cik, issuer_symbol, source from m)
        group by 1, 2, 3
      )
`;

const boardRowOf = (r: Record<string, unknown>): InsiderWindowRow => ({
  symbol: String(r.issuer_symbol),
  issuer_cik: String(r.issuer_cik),
  issuer_name: null,
  buy_value_usd: num(r.bv),
  buy_shares: num(r.bs),
  buy_transactions: num(r.bn),
  buyers: 0,
  sell_value_usd: num(r.sv),
  sell_shares: num(r.ss),
  sell_transactions: num(r.sn),
  sellers: 0,
  planned_sell_transactions: num(r.pn),
});

/**
 * One page of the insider_buys / insider_sells ranking, ranked in SQL: per issuer, the window's sums are the
 * known running totals at its end less the trade-dated ones before it (insider_window_sums, kept by triggers),
 * corrected by the few straddling and same-day later trades (`corrections`), so a request reads one row per
 * key traded in the window instead of every trade. Ties by symbol (C order), then issuer CIK. The
 * same rows, sums and sources as `insiderWindow`; the page's distinct insiders and issuer names are read
 * for its issuers only (`insiderPageDetails`).
 */
export async function insiderBoard(
  db: Db,
  q: { asOf: Date; days: number; side: "buy" | "sell"; order: "desc" | "asc"; limit: number; offset: number },
): Promise<InsiderBoard> {
  const to = etDateOf(q.asOf.getTime());
  const from = addDays(to, -(q.days - 1));
  const at = q.asOf.toISOString();
  const days = pgArrayLiteral(datesOf(from, to));
  // The metric's value (metrics.ts `amount`): issuers whose sum is positive rank.
  const value = sql.raw(q.side === "buy" ? "bv" : "sv");
  const key = sql.raw(`${q.side === "buy" ? "bv" : "sv"} ${q.order}`);
  const [got] = rowsOf<{
    total: unknown;
    rows: Record<string, unknown>[];
    sources: SourceCount[];
    latest: string | null;
  }>(
    await db.execute(sql`
      with ${hiLo(from, to)},
      c as materialized (${corrections(from, to, at, days)}),
      ${windowSums(from)},
      r as (
        select g.*, row_number() over (order by ${key}, issuer_symbol collate "C", issuer_cik collate "C") as rk
        from (select issuer_cik, issuer_symbol, ${summed} from k group by 1, 2) as g
        where ${value} > 0
      )
      select (select count(*) from r) as total,
        (select coalesce(json_agg(r order by rk), '[]') from r
          where rk > ${q.offset} and rk <= ${q.offset + q.limit}) as rows,
        (select coalesce(json_agg(x order by x.source collate "C"), '[]') from (
          select s.source, sum(coalesce(s.bn, 0) + coalesce(s.sn, 0)) as rows, (
            select max(y.accession) from unnest(${days}::date[]) as d(day), lateral (
              select t.accession from insider_transactions t
              where ${OPEN_MARKET} and t.issuer_symbol is not null and t.transaction_date = d.day
                and t.source = s.source and t.published_at <= ${at}::timestamptz
              order by t.accession desc limit 1) as y) as latest_ref
          from k as s group by s.source having sum(coalesce(s.bn, 0) + coalesce(s.sn, 0)) > 0) as x) as sources,
        (select max(y.published_at) from unnest(${days}::date[]) as d(day), lateral (
          select t.published_at from insider_transactions t
          where ${OPEN_MARKET} and t.issuer_symbol is not null and t.transaction_date = d.day
            and t.published_at <= ${at}::timestamptz
          order by t.published_at desc limit 1) as y) as latest`),
  );
  return {
    from,
    to,
    latestPublished: got?.latest ? new Date(got.latest) : null,
    rows: (got?.rows ?? []).map(boardRowOf),
    sources: (got?.sources ?? []).map((s) => ({
      source: s.source,
      rows: num(s.rows),
      latest_ref: s.latest_ref,
    })),
    total: num(got?.total),
  };
}
