/**
 * Alerts from a stored 13F filing: a new position or a full exit that weighs at least a share of the
 * filer's portfolio, against the filer's report for the previous quarter (the filer-portfolio view's
 * comparison, `filerPortfolio`). Called by the 13F store path (`store13F`) when it stored something new,
 * so every way a 13F arrives raises them; the de-duplication key (filer, period, CUSIP) keeps an amendment
 * or a second load from raising one again. Rules and defaults: docs/alerts.md.
 */
import type { Db } from "@smt/db";
import { type FilerHolding, type FilerPortfolio, filerPortfolio } from "../institutional/filers.store";
import type { ThirteenFFilingRow } from "../institutional/thirteenf.store";
import { type Alert, type AlertOrigin, usd } from "./alerts.rules";
import { edgarFilingPath, type FilingAlertSettings, raiseAlerts, raisedAlert } from "./raised-alerts";

const pct = (weight: number) => Math.round(weight * 100 * 100) / 100;

interface Move {
  kind: "new" | "exit";
  holding: FilerHolding;
  /** The weight that counts: of this report for a new position, of the prior report for an exit. */
  weight: number;
  value: number;
  shares: number;
}

/** New positions weighed in this report, exits in the prior one; only mapped symbols at/above the floor. */
function movesOf(now: FilerPortfolio, prior: FilerPortfolio | null, minWeightPct: number): Move[] {
  const priorByCusip = new Map((prior?.holdings ?? []).map((h) => [h.cusip, h]));
  const moves: Move[] = [];
  for (const h of now.holdings) {
    if (h.symbol === null) continue;
    if (h.change_type === "new")
      moves.push({ kind: "new", holding: h, weight: h.weight, value: h.value_usd, shares: h.shares });
    else if (h.change_type === "sold_out") {
      const before = priorByCusip.get(h.cusip);
      if (before)
        moves.push({
          kind: "exit",
          holding: h,
          weight: before.weight,
          value: before.value_usd,
          shares: before.shares,
        });
    }
  }
  // At or above the floor; the tolerance absorbs the float rounding of value / total.
  return moves.filter((m) => m.weight * 100 >= minWeightPct - 1e-9);
}

function moveAlert(
  m: Move,
  f: ThirteenFFilingRow,
  now: FilerPortfolio,
  s: FilingAlertSettings,
  origin: AlertOrigin,
): Alert {
  const h = m.holding;
  const filer = now.name ?? `CIK ${now.cik}`;
  const type = m.kind === "new" ? "institutional_new_position" : "institutional_exit";
  const verb = m.kind === "new" ? "opened a new position" : "sold out of its position";
  const of = m.kind === "new" ? "of its 13F portfolio" : "of its prior 13F portfolio";
  return raisedAlert({
    type,
    symbol: h.symbol as string,
    severity: m.weight * 100 >= 5 * s.thirteenFMinWeightPct ? "high" : "medium",
    timestamp: f.publishedAt,
    title: `${h.symbol}: ${filer} ${verb}, ${usd(m.value)} = ${pct(m.weight)}% ${of} (period ${now.period})`,
    values: {
      weight_pct: pct(m.weight),
      value_usd: m.value,
      shares: m.shares,
      cusip: h.cusip,
      filer_cik: now.cik,
      filer_name: now.name,
      period: now.period,
      prior_period: now.prior_period,
      threshold_pct: s.thirteenFMinWeightPct,
    },
    inputs: {
      holding: h,
      accessions: now.accessions,
      weight_basis: m.kind === "new" ? now.period : now.prior_period,
    },
    dedupeKey: `${type}:${now.cik}:${now.period}:${h.cusip}`,
    origin,
  });
}

/** The alerts of one stored 13F filing, read back as the filer's portfolio for its period and the prior one. */
export async function thirteenFAlerts(
  db: Db,
  f: ThirteenFFilingRow,
  s: FilingAlertSettings,
  seenAt: Date,
): Promise<Alert[]> {
  const period = f.cover.periodOfReport;
  if (period === null || (f.cover.reportType ?? "").toUpperCase() === "13F NOTICE") return [];
  const asOf = new Date(Math.max(seenAt.getTime(), f.publishedAt.getTime()));
  const now = await filerPortfolio(db, f.cover.filerCik, asOf, period);
  if (now === null || !now.prior_reported || now.holdings.length === 0) return [];
  const hasExit = now.holdings.some((h) => h.change_type === "sold_out" && h.symbol !== null);
  const prior = hasExit ? await filerPortfolio(db, f.cover.filerCik, asOf, now.prior_period) : null;
  const origin: AlertOrigin = {
    kind: "sec_13f",
    ref: f.accession,
    url: edgarFilingPath(f.cover.filerCik, f.accession),
    published_at: f.publishedAt.toISOString(),
    seen_at: seenAt.toISOString(),
  };
  return movesOf(now, prior, s.thirteenFMinWeightPct).map((m) => moveAlert(m, f, now, s, origin));
}

/** Raises the alerts of a 13F filing the store path just stored (at `seenAt`); returns how many were new. */
export function raiseThirteenFAlerts(db: Db, filing: ThirteenFFilingRow, seenAt: Date): Promise<number> {
  return raiseAlerts(db, `13f ${filing.accession}`, (tx, s) => thirteenFAlerts(tx, filing, s, seenAt));
}
