import { getAlerts } from "../alerts/alerts.service";
import { getOptionsPositioning } from "../blocks/blocks.service";
import { isAppError } from "../errors";
import type { InsiderTally } from "../institutional/insider.signal";
import type { DashboardAlert, DashboardProviders, TopHolder } from "./analytics.dashboard";

/** Answers a GET on this service's own routes in-process (Hono's `app.request`), or undefined on non-200. */
export type LocalGet = <T>(path: string) => Promise<T | undefined>;

interface FlowBody {
  institutional_ownership: number | null;
  net_change_percentage: number | null;
  new_positions: number;
  sold_out_positions: number;
  filed_through: string | null;
}
interface InsiderBody {
  score_components: InsiderTally;
  freshness: { latest: string | null }[];
}
interface HoldersBody {
  holders: {
    holder_name: string | null;
    holder_cik: string;
    shares: number;
    value: number | null;
    percent_of_shares_outstanding: number | null;
    change_shares: number | null;
  }[];
}

/**
 * An area's answer, or undefined where its route answers 404 or 400 (no data for the symbol, a malformed
 * one): an unavailable input, never a neutral one. Other failures propagate.
 */
async function unlessRefused<T>(answer: Promise<T>): Promise<T | undefined> {
  try {
    return await answer;
  } catch (error) {
    if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "INVALID_INPUT")) return undefined;
    throw error;
  }
}

/**
 * The analytics inputs from the institutional, insider, options and alerts areas, read at the same
 * `as_of` through the functions behind those areas' own endpoints (options and alerts call their services;
 * institutional and insider still go through the routes), so an index uses exactly the numbers a user
 * sees there. A 404 (no data for the symbol) or an empty window is an unavailable input, never a neutral
 * one.
 */
export function localProviders(get: LocalGet): DashboardProviders {
  const at = (asOf: Date) => `as_of=${encodeURIComponent(asOf.toISOString())}`;
  const sym = encodeURIComponent;
  return {
    institutional: async (_db, symbol, asOf) => {
      const f = await get<FlowBody>(`/smart-money/institutional/${sym(symbol)}/flow?${at(asOf)}`);
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
    insider: async (_db, symbol, asOf) => {
      const s = await get<InsiderBody>(
        `/smart-money/institutional/${sym(symbol)}/insider-sentiment?${at(asOf)}`,
      );
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
    topHolders: async (_db, symbol, asOf, limit): Promise<TopHolder[]> => {
      const h = await get<HoldersBody>(`/smart-money/institutional/${sym(symbol)}/holders?${at(asOf)}`);
      return (h?.holders ?? []).slice(0, limit).map((x) => ({
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
}
