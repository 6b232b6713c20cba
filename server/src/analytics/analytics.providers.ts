import { getAlerts } from "../alerts/alerts.service";
import { getOptionsPositioning } from "../blocks/blocks.service";
import { isAppError } from "../errors";
import {
  getHolders,
  getInsiderSentiment,
  getInstitutionalFlow,
} from "../institutional/institutional.service";
import type { DashboardAlert, DashboardProviders, TopHolder } from "./analytics.dashboard";

/** An area's answer, or undefined where its route answers 4xx (no data for the symbol, a bad symbol). */
async function unlessRefused<T>(answer: Promise<T>): Promise<T | undefined> {
  try {
    return await answer;
  } catch (err) {
    if (isAppError(err)) return undefined;
    throw err;
  }
}

/**
 * The analytics inputs from the institutional, insider, options and alerts areas, from the same service
 * functions that answer users on those areas' endpoints, at the same `as_of`, so an index uses exactly
 * the numbers a user sees there. No data for the symbol (a 404) or an empty window is an unavailable
 * input, never a neutral one.
 */
export const areaProviders: DashboardProviders = {
  institutional: async (db, symbol, asOf) => {
    const f = await unlessRefused(getInstitutionalFlow(db, symbol, asOf));
    if (!f || f.net_change_percentage === null || f.filed_through === null) return undefined;
    return {
      asOf: new Date(f.filed_through),
      source: "sec_13f",
      ownershipPct: f.institutional_ownership,
      netChangePct: f.net_change_percentage,
      newPositions: f.new_positions,
      soldOutPositions: f.sold_out_positions,
    };
  },
  insider: async (db, symbol, asOf) => {
    const s = await unlessRefused(getInsiderSentiment(db, symbol, asOf));
    const latest = s?.freshness[0]?.latest;
    if (!s || !latest) return undefined;
    // The score's own parts (90-day window): readInsider applies the same insiderSignal to them.
    return {
      asOf: new Date(latest),
      source: "sec_form4",
      observations: s.score_components.transactions,
      tally: s.score_components,
    };
  },
  options: async (db, symbol, asOf) => {
    const p = await unlessRefused(getOptionsPositioning(db, symbol, asOf));
    if (!p || p.prints === 0 || p.window_end === null) return undefined;
    return {
      // The window ends just after its newest print (never after as_of).
      asOf: new Date(Math.min(new Date(p.window_end).getTime(), asOf.getTime())),
      source: "option_prints",
      observations: p.classified_prints,
      callPremiumUsd: p.call_premium,
      putPremiumUsd: p.put_premium,
      bullishPremiumUsd: p.bullish_premium,
      bearishPremiumUsd: p.bearish_premium,
      unclassifiedPremiumShare: p.unclassified_premium_share,
    };
  },
  topHolders: async (db, symbol, asOf, limit): Promise<TopHolder[]> => {
    const h = await unlessRefused(getHolders(db, symbol, asOf, { limit }));
    return (h?.holders ?? []).map((x) => ({
      filer_name: x.holder_name ?? x.holder_cik,
      shares: x.shares,
      value_usd: x.value,
      percent_of_outstanding: x.percent_of_shares_outstanding,
      change_shares: x.change_shares,
    }));
  },
  alerts: async (db, symbol, _asOf, limit): Promise<DashboardAlert[]> => {
    const a = await unlessRefused(getAlerts(db, symbol, { limit }));
    return (a?.alerts ?? []).map(({ id, type, severity, timestamp, title }) => ({
      id,
      type,
      severity,
      timestamp,
      title,
    }));
  },
};
