/**
 * Market-wide reads of the institutional area's tables (13F filings and holdings, Form 4, securities):
 * insider buying and selling per issuer over a window, cluster buys across the market, quarter-on-quarter
 * 13F changes per security (filer search and portfolios: filers.store.ts). Point in time: only rows published
 * by `asOf`. Formulas: docs/methodology.md "Market".
 */
import { type Db, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { addDays, etDateOf } from "../lib/et-time";
import { num, numOrNull } from "../lib/row-values";
import { effectiveFilings } from "./holdings.store";
import { clusterBuys, previousQuarterEnd } from "./institutional.signals";

/** Which CUSIP source wins for a symbol mapping (the same ranking as the per-symbol views). */
const SOURCE_RANK = sql.raw(
  `case source when 'user_csv' then 0 when 'openfigi' then 1 when 'demo' then 3 else 2 end`,
);
export const BEST_SECURITIES = sql`(select distinct on (cusip) cusip, symbol, name from securities
  order by cusip, ${SOURCE_RANK}, published_at desc)`;

type SourceCount = { source: string; rows: number; latest_ref: string | null };

const sourcesOf = (rows: { source: string; rows: unknown; latest_ref: string | null }[]): SourceCount[] =>
  rows.map((r) => ({ source: r.source, rows: num(r.rows), latest_ref: r.latest_ref }));

/** Form 4 transaction counts by source over these rows (with `source` and `accession`). */
function sourcesOfRows(rows: Record<string, unknown>[]): SourceCount[] {
  const by = new Map<string, { rows: number; latest_ref: string | null }>();
  for (const r of rows) {
    const s = by.get(String(r.source)) ?? { rows: 0, latest_ref: null };
    s.rows += 1;
    const ref = String(r.accession);
    if (s.latest_ref === null || ref > s.latest_ref) s.latest_ref = ref;
    by.set(String(r.source), s);
  }
  return [...by].sort(([a], [b]) => (a < b ? -1 : 1)).map(([source, s]) => ({ source, ...s }));
}

/** Each cluster's `issuer_name`: the issuer name of the filing of its issuer's last trade (`lastFiling`). */
async function filingIssuerNames(
  db: Db,
  clusters: MarketCluster[],
  lastFiling: Map<MarketCluster, string>,
): Promise<void> {
  if (clusters.length === 0) return;
  const names = rowsOf<{ accession: string; issuer_name: string | null }>(
    await db.execute(sql`
      select accession, issuer_name from insider_filings
      where accession = any(${sql.param([...new Set(lastFiling.values())])}::text[])`),
  );
  const byAccession = new Map(names.map((n) => [n.accession, n.issuer_name]));
  for (const c of clusters) c.issuer_name = byAccession.get(lastFiling.get(c) as string) ?? null;
}

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
 * Fills `issuer_name` of these window rows: the greatest issuer name of the Form 4 filings behind each
 * issuer's trades in the window (as filed), read for the rows of one page only.
 */
export async function insiderIssuerNames(
  db: Db,
  w: { from: string; to: string; asOf: Date },
  rows: InsiderWindowRow[],
): Promise<void> {
  if (rows.length === 0) return;
  const names = rowsOf<{ symbol: string; issuer_cik: string; issuer_name: string | null }>(
    await db.execute(sql`
      select t.issuer_symbol as symbol, t.issuer_cik, max(f.issuer_name) as issuer_name
      from insider_transactions t join insider_filings f on f.accession = t.accession
      where t.issuer_cik = any(${sql.param(rows.map((r) => r.issuer_cik))}::text[])
        and ${windowWhere(w.from, w.to, w.asOf.toISOString())}
      group by 1, 2`),
  );
  const byKey = new Map(names.map((n) => [`${n.symbol}|${n.issuer_cik}`, n.issuer_name]));
  for (const r of rows) r.issuer_name = byKey.get(`${r.symbol}|${r.issuer_cik}`) ?? null;
}

export interface MarketCluster {
  symbol: string | null;
  issuer_cik: string;
  issuer_name: string | null;
  start: string;
  end: string;
  insiders: number;
  insider_names: string[];
  transactions: number;
  shares: number;
  value_usd: number;
}

/**
 * Cluster buys across the market: per issuer, the clusters of `clusterBuys` (institutional.signals.ts, the
 * per-symbol definition: at least `minInsiders` distinct reporting owners with open-market purchases
 * inside `windowDays` days) that end on or after `since` and by the New York date of `asOf`. With
 * `issuerCiks`, only those issuers (the cluster-buy alert asks about the issuers a filing just touched).
 */
export async function insiderClusters(
  db: Db,
  q: { asOf: Date; since: string; minInsiders: number; windowDays: number; issuerCiks?: string[] },
): Promise<{ clusters: MarketCluster[]; latestPublished: Date | null; sources: SourceCount[] }> {
  const at = q.asOf.toISOString();
  const to = etDateOf(q.asOf.getTime());
  const issuers = q.issuerCiks ? sql`and t.issuer_cik = any(${sql.param(q.issuerCiks)}::text[])` : sql``;
  const where = sql`t.table_name like '%Transaction' and not t.is_derivative and t.code = 'P'
    and t.transaction_date >= ${addDays(q.since, -(q.windowDays - 1))}::date and t.transaction_date <= ${to}::date
    and t.published_at <= ${at}::timestamptz ${issuers}`;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select t.issuer_cik, t.issuer_symbol, t.owner_cik, t.owner_name, t.source, t.accession,
        t.transaction_date::text as transaction_date, t.shares,
        coalesce(t.value_usd, t.shares * t.price_usd) as value_usd, t.published_at
      from insider_transactions t
      where ${where}
      order by t.issuer_cik collate "C", t.transaction_date, t.published_at, t.accession collate "C"`),
  );
  const sources = sourcesOfRows(rows);
  const byIssuer = new Map<string, Record<string, unknown>[]>();
  let latest: Date | null = null;
  for (const r of rows) {
    const published = new Date(r.published_at as string);
    if (latest === null || published > latest) latest = published;
    const list = byIssuer.get(String(r.issuer_cik)) ?? [];
    list.push(r);
    byIssuer.set(String(r.issuer_cik), list);
  }
  const clusters: MarketCluster[] = [];
  const lastFiling = new Map<MarketCluster, string>();
  for (const [issuer, list] of byIssuer) {
    const trades = list.map((r) => ({
      ownerCik: String(r.owner_cik),
      transactionDate: String(r.transaction_date),
      code: "P",
      shares: numOrNull(r.shares),
      sharesOwnedAfter: null,
      valueUsd: numOrNull(r.value_usd),
      aff10b5One: null,
      isDerivative: false,
    }));
    for (const c of clusterBuys(trades, q.minInsiders, q.windowDays)) {
      if (c.end < q.since) continue;
      const inside = list.filter(
        (r) => String(r.transaction_date) >= c.start && String(r.transaction_date) <= c.end,
      );
      const last = list[list.length - 1] as Record<string, unknown>;
      const cluster: MarketCluster = {
        symbol: (last.issuer_symbol as string | null) ?? null,
        issuer_cik: issuer,
        issuer_name: null,
        start: c.start,
        end: c.end,
        insiders: c.insiders,
        insider_names: [...new Set(inside.map((r) => String(r.owner_name ?? r.owner_cik)))].sort(),
        transactions: inside.length,
        shares: inside.reduce((s, r) => s + num(r.shares), 0),
        value_usd: c.valueUsd,
      };
      clusters.push(cluster);
      lastFiling.set(cluster, String(last.accession));
    }
  }
  clusters.sort((a, b) => b.end.localeCompare(a.end) || b.value_usd - a.value_usd);
  await filingIssuerNames(db, clusters, lastFiling);
  return { clusters, latestPublished: latest, sources };
}

/** The newest quarter with a 13F report published by `asOf` (null when none). */
export async function latestThirteenFPeriod(db: Db, asOf: Date): Promise<string | null> {
  const r = rowsOf<{ period: string | null }>(
    await db.execute(sql`
      select max(period_of_report)::text as period from thirteenf_filings
      where published_at <= ${asOf.toISOString()}::timestamptz and coalesce(report_type, '') <> '13F NOTICE'`),
  )[0];
  return r?.period ?? null;
}

/** Share positions (SH rows without put/call) per period, filer and CUSIP over the effective reports. */
export function positions(): SQL {
  return sql`
    select e.period_of_report as period, e.filer_cik, h.cusip, max(h.name_of_issuer) as name,
      sum(case when h.shares_type = 'SH' and h.put_call is null then h.shares_or_principal else 0 end) as shares,
      sum(case when h.put_call is null then h.value_usd else 0 end) as value_usd
    from eff e join thirteenf_holdings h on h.accession = e.accession
    group by 1, 2, 3`;
}

export interface QuarterChangeRow {
  symbol: string | null;
  cusip: string;
  name: string | null;
  holders: number;
  new_positions: number;
  sold_out: number;
  increased: number;
  decreased: number;
  /** Current holders whose prior-quarter report is not loaded (not counted as new). */
  unknown: number;
  /** Prior holders with no report for this quarter yet (not counted as sold out). */
  not_reported: number;
  shares: number;
  value_usd: number;
  /** Over filers whose both quarters are known. */
  change_shares: number;
  net_change_percentage: number | null;
  /** change_shares x (value_usd / shares): the change at this quarter's reported price. */
  net_change_value_usd: number | null;
}

export interface QuarterChanges {
  period: string | null;
  prior_period: string | null;
  filers: number;
  latestPublished: Date | null;
  rows: QuarterChangeRow[];
}

/** Quarter-on-quarter 13F changes per security across all filers (docs/institutional.md "Net change"). */
export async function quarterChanges(db: Db, asOf: Date, requested?: string): Promise<QuarterChanges> {
  const period = requested ?? (await latestThirteenFPeriod(db, asOf));
  if (period === null)
    return { period: null, prior_period: null, filers: 0, latestPublished: null, rows: [] };
  const prior = previousQuarterEnd(period);
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with eff as (${effectiveFilings([period, prior], asOf)}),
      pos as (${positions()}),
      rep_now as (select distinct filer_cik from eff where period_of_report = ${period}::date),
      rep_prev as (select distinct filer_cik from eff where period_of_report = ${prior}::date),
      n as (select * from pos where period = ${period}::date and shares > 0),
      p as (select * from pos where period = ${prior}::date and shares > 0),
      j as (
        select coalesce(n.cusip, p.cusip) as cusip, coalesce(n.name, p.name) as name,
          n.shares as now_sh, n.value_usd as now_val, p.shares as prev_sh,
          coalesce(n.filer_cik, p.filer_cik) in (select filer_cik from rep_now) as in_now,
          coalesce(n.filer_cik, p.filer_cik) in (select filer_cik from rep_prev) as in_prev
        from n full join p on n.filer_cik = p.filer_cik and n.cusip = p.cusip
      )
      select j.cusip, max(j.name) as name, max(s.symbol) as symbol,
        count(*) filter (where now_sh > 0) as holders,
        count(*) filter (where now_sh > 0 and prev_sh is null and in_prev) as new_positions,
        count(*) filter (where now_sh is null and prev_sh > 0 and in_now) as sold_out,
        count(*) filter (where now_sh > prev_sh) as increased,
        count(*) filter (where now_sh < prev_sh) as decreased,
        count(*) filter (where now_sh > 0 and not in_prev) as unknown,
        count(*) filter (where prev_sh > 0 and not in_now) as not_reported,
        coalesce(sum(now_sh), 0) as shares, coalesce(sum(now_val), 0) as value_usd,
        coalesce(sum(now_sh) filter (where in_now and in_prev), 0) as known_now,
        coalesce(sum(prev_sh) filter (where in_now and in_prev), 0) as known_prev
      from j left join ${BEST_SECURITIES} s on s.cusip = j.cusip
      group by j.cusip`),
  );
  const meta = rowsOf<{ filers: unknown; published_at: string | null }>(
    await db.execute(sql`
      select count(distinct filer_cik) as filers, max(published_at) as published_at from thirteenf_filings
      where period_of_report = ${period}::date and published_at <= ${asOf.toISOString()}::timestamptz`),
  )[0];
  return {
    period,
    prior_period: prior,
    filers: num(meta?.filers),
    latestPublished: meta?.published_at ? new Date(meta.published_at) : null,
    rows: rows.map((r): QuarterChangeRow => {
      const shares = num(r.shares);
      const value = num(r.value_usd);
      const change = num(r.known_now) - num(r.known_prev);
      const prev = num(r.known_prev);
      return {
        symbol: (r.symbol as string | null) ?? null,
        cusip: String(r.cusip),
        name: (r.name as string | null) ?? null,
        holders: num(r.holders),
        new_positions: num(r.new_positions),
        sold_out: num(r.sold_out),
        increased: num(r.increased),
        decreased: num(r.decreased),
        unknown: num(r.unknown),
        not_reported: num(r.not_reported),
        shares,
        value_usd: value,
        change_shares: change,
        net_change_percentage: prev > 0 ? (change / prev) * 100 : null,
        net_change_value_usd: shares > 0 ? change * (value / shares) : null,
      };
    }),
  };
}
