/**
 * The one insider signal (docs/methodology.md "Insider signal"), used by `/insider-sentiment` (score =
 * 100 x signal) and by the smart-money indices (`readInsider` in analytics.signals.ts), so both say the
 * same thing from the same parts.
 *
 * Each open-market trade (Form 4 codes P and S, non-derivative) is sized against the insider's own
 * holding, from the Form 4 column "Amount of Securities Beneficially Owned Following Reported
 * Transaction": a $100k sale by an insider who keeps $50M says little, selling half of one's stake says
 * much. Sales count `sellWeight` of a purchase of the same relative size (Lakonishok & Lee, "Are Insider
 * Trades Informative?", RFS 2001), and each sale under a Rule 10b5-1 plan a further `plannedSaleWeight`.
 */
import { INSIDER_PARAMS, type InsiderTrade } from "./institutional.signals";

export type InsiderParams = typeof INSIDER_PARAMS;

/** The parts the signal is computed from (returned by `/insider-sentiment` as `score_components`). */
export interface InsiderTally {
  /** Open-market purchases and sales in the window (non-derivative P and S). */
  transactions: number;
  buy_count: number;
  sell_count: number;
  /** Sales flagged as made under a Rule 10b5-1 plan. */
  planned_sell_count: number;
  buy_value_usd: number;
  sell_value_usd: number;
  /** Sum over purchases of their size relative to the holding (see `holdingShareOf`). */
  buy_holding_share: number;
  /** Sum over sales of their size relative to the holding, unweighted. */
  sell_holding_share: number;
  /** Sum over sales of sellWeight x (plannedSaleWeight when 10b5-1, else 1) x their relative size. */
  weighted_sell_holding_share: number;
  /** P/S trades without shares or shares owned after: they cannot be sized and count for nothing. */
  unsized_transactions: number;
  cluster_buys: number;
}

/**
 * A trade's size relative to the insider's holding: shares / the larger of the holding before and after
 * the trade. A purchase: shares / owned after (buying from nothing is 1); a sale: shares / (owned after +
 * shares) (selling everything is 1). In 0..1; null when shares or the holding after are unknown.
 */
export function holdingShareOf(
  code: "P" | "S",
  shares: number | null,
  sharesOwnedAfter: number | null,
): number | null {
  if (shares === null || sharesOwnedAfter === null || !(shares > 0) || sharesOwnedAfter < 0) return null;
  const larger = code === "S" ? sharesOwnedAfter + shares : sharesOwnedAfter;
  return larger > 0 ? Math.min(1, shares / larger) : null;
}

/** Tallies the open-market trades dated within [fromDay, toDay] (ISO dates). */
export function insiderTally(
  trades: readonly InsiderTrade[],
  fromDay: string,
  toDay: string,
  clusterBuys: number,
  p: InsiderParams = INSIDER_PARAMS,
): InsiderTally {
  const t: InsiderTally = {
    transactions: 0,
    buy_count: 0,
    sell_count: 0,
    planned_sell_count: 0,
    buy_value_usd: 0,
    sell_value_usd: 0,
    buy_holding_share: 0,
    sell_holding_share: 0,
    weighted_sell_holding_share: 0,
    unsized_transactions: 0,
    cluster_buys: clusterBuys,
  };
  for (const x of trades) {
    if (x.isDerivative || (x.code !== "P" && x.code !== "S")) continue;
    if (!x.transactionDate || x.transactionDate < fromDay || x.transactionDate > toDay) continue;
    t.transactions++;
    const share = holdingShareOf(x.code, x.shares, x.sharesOwnedAfter);
    if (share === null) t.unsized_transactions++;
    if (x.code === "P") {
      t.buy_count++;
      t.buy_value_usd += x.valueUsd ?? 0;
      t.buy_holding_share += share ?? 0;
    } else {
      t.sell_count++;
      t.sell_value_usd += x.valueUsd ?? 0;
      if (x.aff10b5One) t.planned_sell_count++;
      t.sell_holding_share += share ?? 0;
      t.weighted_sell_holding_share += (share ?? 0) * p.sellWeight * (x.aff10b5One ? p.plannedSaleWeight : 1);
    }
  }
  return t;
}

/**
 * signal = clamp((buy_holding_share - weighted_sell_holding_share) / fullScaleHoldingShare
 *                + clusterBonus x cluster_buys, -1, 1).
 */
export function insiderSignal(
  t: Pick<InsiderTally, "buy_holding_share" | "weighted_sell_holding_share" | "cluster_buys">,
  p: InsiderParams = INSIDER_PARAMS,
): number {
  const net = t.buy_holding_share - t.weighted_sell_holding_share;
  return Math.max(-1, Math.min(1, net / p.fullScaleHoldingShare + p.clusterBonus * t.cluster_buys));
}
