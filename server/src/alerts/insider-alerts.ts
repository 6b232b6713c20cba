/**
 * Alerts from stored Form 4 filings: a large insider open-market purchase, and a cluster buy as the
 * filing that completes it is stored. Called by the Form 4 store path (`ingestForm4`) with the rows that
 * were new, so every way a Form 4 arrives (CLI, upload, the SEC sync job) raises them and a second load
 * of the same filing raises nothing. Rules and defaults: docs/alerts.md "Alerts from filings and files".
 */
import type { Db } from "@smt/db";
import type { InsiderFilingRow, InsiderRow } from "../institutional/insider.store";
import { insiderClusters, type MarketCluster } from "../institutional/insider-clusters";
import { type Alert, type AlertOrigin, usd } from "./alerts.rules";
import { storedAlertValues } from "./alerts.store";
import { edgarFilingPath, type FilingAlertSettings, raiseAlerts, raisedAlert } from "./raised-alerts";

/** An open-market purchase row: non-derivative transaction, code P (the insider-clusters definition). */
const isOpenMarketBuy = (r: InsiderRow): boolean =>
  r.row.table === "nonDerivative" && r.row.kind === "transaction" && r.row.code === "P";

const rowValue = (r: InsiderRow): number | null =>
  r.row.shares !== null && r.row.pricePerShareUsd !== null ? r.row.shares * r.row.pricePerShareUsd : null;

function originOf(f: InsiderFilingRow, seenAt: Date): AlertOrigin {
  return {
    kind: "sec_form4",
    ref: f.accession,
    url: edgarFilingPath(f.filing.issuerCik, f.accession),
    published_at: f.publishedAt.toISOString(),
    seen_at: seenAt.toISOString(),
  };
}

const ownerLabel = (r: InsiderRow): string => {
  const role = r.owner.officerTitle ?? (r.owner.roles.split(",")[0] || null);
  return `${r.owner.name ?? `CIK ${r.owner.cik}`}${role ? ` (${role.replaceAll("_", " ")})` : ""}`;
};

/** One alert per filing whose new open-market purchases add up to at least the threshold. */
export function purchaseAlerts(
  buys: InsiderRow[],
  filings: ReadonlyMap<string, InsiderFilingRow>,
  s: FilingAlertSettings,
  seenAt: Date,
): Alert[] {
  const byAccession = new Map<string, InsiderRow[]>();
  for (const r of buys) byAccession.set(r.accession, [...(byAccession.get(r.accession) ?? []), r]);
  const out: Alert[] = [];
  for (const [accession, rows] of byAccession) {
    const filing = filings.get(accession);
    const first = rows[0] as InsiderRow;
    const priced = rows.filter((r) => rowValue(r) !== null);
    const value = priced.reduce((sum, r) => sum + (rowValue(r) as number), 0);
    if (!filing || first.issuerSymbol === null || priced.length === 0 || value < s.insiderBuyMinUsd) continue;
    const shares = priced.reduce((sum, r) => sum + (r.row.shares as number), 0);
    const dates = rows
      .map((r) => r.row.transactionDate ?? "")
      .filter((d) => d !== "")
      .sort();
    const amended = (filing.filing.documentType ?? "").endsWith("/A");
    out.push(
      raisedAlert({
        type: "insider_purchase",
        symbol: first.issuerSymbol,
        severity:
          value >= 40 * s.insiderBuyMinUsd ? "critical" : value >= 4 * s.insiderBuyMinUsd ? "high" : "medium",
        timestamp: filing.publishedAt,
        title: `${first.issuerSymbol} insider purchase: ${ownerLabel(first)} bought ${shares.toLocaleString("en-US")} shares for ${usd(value)}${amended ? " (amended Form 4)" : ""}`,
        values: {
          value_usd: value,
          shares,
          average_price: shares > 0 ? value / shares : null,
          transactions: rows.length,
          first_transaction_date: dates[0] ?? null,
          last_transaction_date: dates.at(-1) ?? null,
          owner_cik: first.owner.cik,
          owner_name: first.owner.name,
          owner_roles: first.owner.roles,
          issuer_cik: first.issuerCik,
          document_type: filing.filing.documentType,
          threshold_usd: s.insiderBuyMinUsd,
        },
        inputs: {
          accession,
          issuer_name: filing.filing.issuerName,
          aff10b5_one: first.aff10b5One,
          purchases: rows.map((r) => ({
            row_index: r.row.rowIndex,
            security_title: r.row.securityTitle,
            transaction_date: r.row.transactionDate,
            shares: r.row.shares,
            price_usd: r.row.pricePerShareUsd,
            value_usd: rowValue(r),
            direct_indirect: r.row.directIndirect,
          })),
        },
        dedupeKey: `insider_purchase:${accession}`,
        origin: originOf(filing, seenAt),
      }),
    );
  }
  return out;
}

/** The newly stored buys inside a cluster's dates, and the filing among them published last. */
function triggerOf(
  cluster: MarketCluster,
  buys: InsiderRow[],
  filings: ReadonlyMap<string, InsiderFilingRow>,
) {
  const inside = buys.filter(
    (r) =>
      r.issuerCik === cluster.issuer_cik &&
      r.row.transactionDate !== null &&
      r.row.transactionDate >= cluster.start &&
      r.row.transactionDate <= cluster.end,
  );
  const candidates = inside.flatMap((r) => filings.get(r.accession) ?? []);
  candidates.sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime());
  return { inside, filing: candidates[0] };
}

/**
 * Cluster buys (the insider-clusters endpoint's code and defaults: `minInsiders` distinct insiders with
 * open-market purchases inside `windowDays` days) that contain a newly stored purchase and overlap no
 * cluster alert already stored for the issuer: the filing that completes a cluster raises it, later
 * buyers inside the same cluster do not.
 */
export async function clusterAlerts(
  db: Db,
  buys: InsiderRow[],
  filings: ReadonlyMap<string, InsiderFilingRow>,
  s: FilingAlertSettings,
  seenAt: Date,
): Promise<Alert[]> {
  const dated = buys.filter((r) => r.row.transactionDate !== null);
  if (dated.length === 0) return [];
  const since = dated.map((r) => r.row.transactionDate as string).sort()[0] as string;
  const latest = Math.max(seenAt.getTime(), ...dated.map((r) => r.publishedAt.getTime()));
  const { clusters } = await insiderClusters(db, {
    asOf: new Date(latest),
    since,
    minInsiders: s.clusterMinInsiders,
    windowDays: s.clusterWindowDays,
    issuerCiks: [...new Set(dated.map((r) => r.issuerCik))],
  });
  const symbols = [...new Set(clusters.flatMap((c) => c.symbol ?? []))];
  const known = await storedAlertValues(db, "insider_cluster_buy", symbols);
  const out: Alert[] = [];
  for (const c of clusters) {
    const { inside, filing } = triggerOf(c, dated, filings);
    if (c.symbol === null || !filing || inside.length === 0) continue;
    const overlaps = known.some(
      (k) =>
        k.values.issuer_cik === c.issuer_cik &&
        String(k.values.window_start) <= c.end &&
        String(k.values.window_end) >= c.start,
    );
    if (overlaps) continue;
    out.push(
      raisedAlert({
        type: "insider_cluster_buy",
        symbol: c.symbol,
        severity: "high",
        timestamp: filing.publishedAt,
        title: `${c.symbol} insider cluster buy: ${c.insiders} insiders bought ${usd(c.value_usd)} between ${c.start} and ${c.end}`,
        values: {
          insiders: c.insiders,
          transactions: c.transactions,
          shares: c.shares,
          value_usd: c.value_usd,
          window_start: c.start,
          window_end: c.end,
          issuer_cik: c.issuer_cik,
          min_insiders: s.clusterMinInsiders,
          window_days: s.clusterWindowDays,
        },
        inputs: { cluster: c, completed_by: [...new Set(inside.map((r) => r.accession))] },
        dedupeKey: `insider_cluster_buy:${c.issuer_cik}:${c.start}`,
        origin: originOf(filing, seenAt),
      }),
    );
  }
  return out;
}

/**
 * Raises the Form 4 alerts of newly stored rows (`fresh`, from `insertInsiderRows`) of these filings,
 * stored at `seenAt`. Returns how many alerts were new.
 */
export async function raiseInsiderAlerts(
  db: Db,
  filings: InsiderFilingRow[],
  fresh: InsiderRow[],
  seenAt: Date,
): Promise<number> {
  const buys = fresh.filter(isOpenMarketBuy);
  if (buys.length === 0) return 0;
  const byAccession = new Map(filings.map((f) => [f.accession, f]));
  return raiseAlerts(db, "form4", async (tx, s) => [
    ...purchaseAlerts(buys, byAccession, s, seenAt),
    ...(await clusterAlerts(tx, buys, byAccession, s, seenAt)),
  ]);
}
