/**
 * Cluster buys across the market (OpenInsider style): open-market purchases by distinct insiders of one issuer
 * inside a window, found with the per-symbol rule (`clusterBuys`). Point in time: only rows published by
 * `asOf`. Definition and defaults: docs/methodology.md "Market".
 */
import { type Db, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { addDays, etDateOf } from "../lib/et-time";
import { pgArrayLiteral } from "../lib/pg-array";
import { num } from "../lib/row-values";
import { clusterBuys } from "./institutional.signals";
import type { SourceCount } from "./market.service";

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

/** One issuer's purchases by one owner on one date: [owner CIK, date, trades, shares, value]. */
type BuyDay = [string, string, number, number | null, number | null];

/**
 * The purchases the rule reads, per issuer, owner and date (trades, shares and value summed: the rule counts
 * owners per date range and sums the rest), for the issuers with at least `minInsiders` distinct buyers among
 * the rows `where` selects (no other issuer can hold a cluster); `sources` and the latest publication over all
 * rows. One index-only pass (`insider_transactions_open_market_buys_idx`), compact rows out.
 */
async function clusterCandidates(db: Db, where: SQL, minInsiders: number) {
  const [got] = rowsOf<{
    rows: [string, BuyDay[]][] | null;
    sources: (SourceCount & { latest: string })[] | null;
  }>(
    await db.execute(sql`
      with g as materialized (
        select t.issuer_cik, t.owner_cik, t.transaction_date as d, t.source, count(*) as n, sum(t.shares) as sh,
          sum(coalesce(t.value_usd, t.shares * t.price_usd)) as v, max(t.accession collate "C") as latest_ref,
          max(t.published_at) as latest
        from insider_transactions t
        where ${where}
        group by 1, 2, 3, 4
      ),
      b as (
        select issuer_cik, owner_cik, d, sum(n) as n, sum(sh) as sh, sum(v) as v from g group by 1, 2, 3
      ),
      ok as (select issuer_cik from b group by 1 having count(distinct owner_cik) >= ${minInsiders})
      select (
          select json_agg(json_build_array(i.issuer_cik, i.buys) order by i.issuer_cik collate "C") from (
            select b.issuer_cik, json_agg(json_build_array(b.owner_cik, b.d, b.n, b.sh, b.v) order by b.d) as buys
            from b where b.issuer_cik in (select issuer_cik from ok) group by 1) as i) as rows,
        (select json_agg(x order by x.source collate "C") from (
          select source, sum(n) as rows, max(latest_ref collate "C") as latest_ref, max(latest) as latest
          from g group by source) as x) as sources`),
  );
  const bySource = got?.sources ?? [];
  let latest: Date | null = null;
  for (const r of bySource) {
    const published = new Date(r.latest);
    if (latest === null || published > latest) latest = published;
  }
  return {
    issuers: got?.rows ?? [],
    latest,
    sources: bySource.map((r) => ({ source: r.source, rows: num(r.rows), latest_ref: r.latest_ref })),
  };
}

/**
 * The fields of these clusters read from their trades: `insider_names` (the names, else CIKs, of the owners
 * of the purchases inside each), and per issuer `symbol` and `issuer_name` from its last purchase (by date,
 * publication and accession) among the rows `where` selects, the name as on that purchase's filing.
 */
async function clusterDetails(db: Db, where: SQL, clusters: MarketCluster[]): Promise<void> {
  if (clusters.length === 0) return;
  const issuers = [...new Set(clusters.map((c) => c.issuer_cik))];
  const [names, lasts] = await Promise.all([
    db.execute(sql`
      select c.i, array_agg(distinct coalesce(t.owner_name, t.owner_cik)) as names
      from unnest(${pgArrayLiteral(clusters.map((c) => c.issuer_cik))}::text[],
        ${pgArrayLiteral(clusters.map((c) => c.start))}::date[],
        ${pgArrayLiteral(clusters.map((c) => c.end))}::date[]) with ordinality as c(issuer_cik, start, "end", i)
        join insider_transactions t on t.issuer_cik = c.issuer_cik and t.transaction_date >= c.start
          and t.transaction_date <= c."end"
      where ${where}
      group by 1`),
    db.execute(sql`
      select p.issuer_cik, l.issuer_symbol, (select f.issuer_name from insider_filings f
          where f.accession = l.accession) as issuer_name
      from unnest(${pgArrayLiteral(issuers)}::text[]) as p(issuer_cik), lateral (
        select t.issuer_symbol, t.accession from insider_transactions t
        where t.issuer_cik = p.issuer_cik and ${where}
        order by t.transaction_date desc, t.published_at desc, t.accession collate "C" desc limit 1) as l`),
  ]);
  const namesOf = new Map(rowsOf<{ i: unknown; names: string[] }>(names).map((r) => [num(r.i), r.names]));
  const lastOf = new Map(
    rowsOf<{ issuer_cik: string; issuer_symbol: string | null; issuer_name: string | null }>(lasts).map(
      (r) => [r.issuer_cik, r],
    ),
  );
  for (const [i, c] of clusters.entries()) {
    c.insider_names = [...(namesOf.get(i + 1) ?? [])].sort();
    c.symbol = lastOf.get(c.issuer_cik)?.issuer_symbol ?? null;
    c.issuer_name = lastOf.get(c.issuer_cik)?.issuer_name ?? null;
  }
}

/** The clusters of one issuer's purchase days (`clusterBuys`) ending on or after `since`. */
function issuerClusters(
  issuer: string,
  buys: BuyDay[],
  q: { since: string; minInsiders: number; windowDays: number },
) {
  const trades = buys.map(([ownerCik, transactionDate, , , valueUsd]) => ({
    ownerCik,
    transactionDate,
    code: "P",
    shares: null,
    sharesOwnedAfter: null,
    valueUsd,
    aff10b5One: null,
    isDerivative: false,
  }));
  const out: MarketCluster[] = [];
  for (const c of clusterBuys(trades, q.minInsiders, q.windowDays)) {
    if (c.end < q.since) continue;
    const inside = buys.filter(([, d]) => d >= c.start && d <= c.end);
    out.push({
      symbol: null,
      issuer_cik: issuer,
      issuer_name: null,
      start: c.start,
      end: c.end,
      insiders: c.insiders,
      insider_names: [],
      transactions: inside.reduce((s, b) => s + num(b[2]), 0),
      shares: inside.reduce((s, b) => s + num(b[3]), 0),
      value_usd: c.valueUsd,
    });
  }
  return out;
}

/**
 * Cluster buys across the market: per issuer, the clusters of `clusterBuys` (institutional.signals.ts, the
 * per-symbol definition: at least `minInsiders` distinct reporting owners with open-market purchases
 * inside `windowDays` days) that end on or after `since` and by the New York date of `asOf`, newest first
 * (then by value). With `issuerCiks`, only those issuers (the cluster-buy alert asks about the issuers a
 * filing just touched). With `page`, only the clusters of that page carry their names and symbol (the others
 * are counted and ordered only).
 */
export async function insiderClusters(
  db: Db,
  q: {
    asOf: Date;
    since: string;
    minInsiders: number;
    windowDays: number;
    issuerCiks?: string[];
    page?: { offset: number; limit: number };
  },
): Promise<{ clusters: MarketCluster[]; latestPublished: Date | null; sources: SourceCount[] }> {
  const at = q.asOf.toISOString();
  const to = etDateOf(q.asOf.getTime());
  const issuers = q.issuerCiks ? sql`and t.issuer_cik = any(${sql.param(q.issuerCiks)}::text[])` : sql``;
  const where = sql`t.table_name like '%Transaction' and not t.is_derivative and t.code = 'P'
    and t.transaction_date >= ${addDays(q.since, -(q.windowDays - 1))}::date and t.transaction_date <= ${to}::date
    and t.published_at <= ${at}::timestamptz ${issuers}`;
  const { issuers: candidates, sources, latest } = await clusterCandidates(db, where, q.minInsiders);
  const clusters = candidates.flatMap(([issuer, buys]) => issuerClusters(issuer, buys, q));
  clusters.sort((a, b) => b.end.localeCompare(a.end) || b.value_usd - a.value_usd);
  const shown = q.page ? clusters.slice(q.page.offset, q.page.offset + q.page.limit) : clusters;
  await clusterDetails(db, where, shown);
  return { clusters, latestPublished: latest, sources };
}
