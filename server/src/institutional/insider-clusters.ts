/**
 * Cluster buys across the market (OpenInsider style): open-market purchases by distinct insiders of one issuer
 * inside a window, found with the per-symbol rule (`clusterBuys`). Point in time: only rows published by
 * `asOf`. Definition and defaults: docs/methodology.md "Market".
 */
import { type Db, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { addDays, etDateOf } from "../lib/et-time";
import { num, numOrNull } from "../lib/row-values";
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

/**
 * The purchases of the issuers with at least `minInsiders` distinct buyers among the rows `where` selects (no
 * other issuer can hold a cluster), in the rule's order; `sources` and the latest publication over all rows.
 */
async function clusterCandidates(db: Db, where: SQL, minInsiders: number) {
  const [got] = rowsOf<{ rows: Record<string, unknown>[] | null; sources: SourceCount[] | null }>(
    await db.execute(sql`
      with w as materialized (
        select t.issuer_cik, t.issuer_symbol, t.owner_cik, t.owner_name, t.source, t.accession,
          t.transaction_date::text as transaction_date, t.shares,
          coalesce(t.value_usd, t.shares * t.price_usd) as value_usd, t.published_at
        from insider_transactions t
        where ${where}
      ),
      ok as (select issuer_cik from w group by 1 having count(distinct owner_cik) >= ${minInsiders})
      select (
          select json_agg(w order by w.issuer_cik collate "C", w.transaction_date, w.published_at,
            w.accession collate "C")
          from w where w.issuer_cik in (select issuer_cik from ok)) as rows,
        (select json_agg(x order by x.source collate "C") from (
          select source, count(*) as rows, max(accession collate "C") as latest_ref, max(published_at) as latest
          from w group by source) as x) as sources`),
  );
  const bySource = (got?.sources ?? []) as (SourceCount & { latest: string })[];
  let latest: Date | null = null;
  for (const r of bySource) {
    const published = new Date(r.latest);
    if (latest === null || published > latest) latest = published;
  }
  return {
    rows: got?.rows ?? [],
    latest,
    sources: bySource.map((r) => ({ source: r.source, rows: num(r.rows), latest_ref: r.latest_ref })),
  };
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
  const { rows, sources, latest } = await clusterCandidates(db, where, q.minInsiders);
  const byIssuer = new Map<string, Record<string, unknown>[]>();
  for (const r of rows) {
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
