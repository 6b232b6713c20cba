/**
 * Market-wide reads of the institutional area's tables (13F filings and holdings, Form 4, securities):
 * insider buying and selling per issuer over a window, cluster buys across the market (quarter-on-quarter
 * 13F changes per security: positions.store.ts; filer search and portfolios: filers.store.ts). Point in time: only rows published
 * by `asOf`. Formulas: docs/methodology.md "Market".
 */
import { type Db, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { addDays, etDateOf } from "../lib/et-time";
import { num, numOrNull } from "../lib/row-values";
import { clusterBuys } from "./institutional.signals";

type SourceCount = { source: string; rows: number; latest_ref: string | null };

const sourcesOf = (rows: { source: string; rows: unknown; latest_ref: string | null }[]): SourceCount[] =>
  rows.map((r) => ({ source: r.source, rows: num(r.rows), latest_ref: r.latest_ref }));

/** Form 4 transaction counts by source over the rows `where` selects (alias `t`). */
async function insiderSources(db: Db, where: SQL): Promise<SourceCount[]> {
  return sourcesOf(
    rowsOf(
      await db.execute(sql`
        select t.source, count(*) as rows, max(t.accession) as latest_ref from insider_transactions t
        where ${where} group by t.source order by t.source`),
    ),
  );
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

/** Open-market purchases (P) and sales (S) per issuer dated in the `days` New York days ending at `asOf`. */
export async function insiderWindow(db: Db, asOf: Date, days: number): Promise<InsiderWindow> {
  const at = asOf.toISOString();
  const to = etDateOf(asOf.getTime());
  const from = addDays(to, -(days - 1));
  const where = sql`${OPEN_MARKET} and t.transaction_date >= ${from}::date and t.transaction_date <= ${to}::date
    and t.published_at <= ${at}::timestamptz and t.issuer_symbol is not null`;
  const value = sql`coalesce(t.value_usd, t.shares * t.price_usd, 0)`;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select t.issuer_symbol as symbol, t.issuer_cik, max(f.issuer_name) as issuer_name,
        coalesce(sum(${value}) filter (where t.code = 'P'), 0) as buy_value,
        coalesce(sum(t.shares) filter (where t.code = 'P'), 0) as buy_shares,
        count(*) filter (where t.code = 'P') as buy_n,
        count(distinct t.owner_cik) filter (where t.code = 'P') as buyers,
        coalesce(sum(${value}) filter (where t.code = 'S'), 0) as sell_value,
        coalesce(sum(t.shares) filter (where t.code = 'S'), 0) as sell_shares,
        count(*) filter (where t.code = 'S') as sell_n,
        count(distinct t.owner_cik) filter (where t.code = 'S') as sellers,
        count(*) filter (where t.code = 'S' and t.aff10b5_one) as planned,
        max(t.published_at) as published_at
      from insider_transactions t left join insider_filings f on f.accession = t.accession
      where ${where}
      group by t.issuer_symbol, t.issuer_cik`),
  );
  const sources = await insiderSources(db, where);
  let latest: Date | null = null;
  const out = rows.map((r): InsiderWindowRow => {
    const published = new Date(r.published_at as string);
    if (latest === null || published > latest) latest = published;
    return {
      symbol: String(r.symbol),
      issuer_cik: String(r.issuer_cik),
      issuer_name: (r.issuer_name as string | null) ?? null,
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
      select t.issuer_cik, t.issuer_symbol, f.issuer_name, t.owner_cik, t.owner_name,
        t.transaction_date::text as transaction_date, t.shares,
        coalesce(t.value_usd, t.shares * t.price_usd) as value_usd, t.published_at
      from insider_transactions t left join insider_filings f on f.accession = t.accession
      where ${where}
      order by t.issuer_cik, t.transaction_date`),
  );
  const sources = await insiderSources(db, where);
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
      clusters.push({
        symbol: (last.issuer_symbol as string | null) ?? null,
        issuer_cik: issuer,
        issuer_name: (last.issuer_name as string | null) ?? null,
        start: c.start,
        end: c.end,
        insiders: c.insiders,
        insider_names: [...new Set(inside.map((r) => String(r.owner_name ?? r.owner_cik)))].sort(),
        transactions: inside.length,
        shares: inside.reduce((s, r) => s + num(r.shares), 0),
        value_usd: c.valueUsd,
      });
    }
  }
  clusters.sort((a, b) => b.end.localeCompare(a.end) || b.value_usd - a.value_usd);
  return { clusters, latestPublished: latest, sources };
}

/** Symbols whose security name starts with `q` (or has a word starting with it), for the symbol search. */
export async function symbolsByName(db: Db, q: string, limit: number): Promise<Map<string, string>> {
  const lower = q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = rowsOf<{ symbol: string; name: string }>(
    await db.execute(sql`
      select symbol, min(name) as name from securities
      where lower(name) like ${`${lower}%`} or lower(name) like ${`% ${lower}%`}
      group by symbol order by symbol limit ${limit}`),
  );
  return new Map(rows.map((r) => [r.symbol, r.name]));
}

/** Names of these symbols from the securities map (the best-ranked source's). */
export async function namesOfSymbols(db: Db, symbols: string[]): Promise<Map<string, string>> {
  if (symbols.length === 0) return new Map();
  const rows = rowsOf<{ symbol: string; name: string | null }>(
    await db.execute(sql`
      select symbol, min(name) as name from securities where symbol = any(${sql.param(symbols)}::text[])
      group by symbol`),
  );
  return new Map(rows.filter((r) => r.name).map((r) => [r.symbol, r.name as string]));
}
