/**
 * The analytics payloads as plain functions of the database: the indicators, the flow analysis and the
 * dashboard of one symbol as of a moment. Callable from REST, the CLI and jobs alike.
 */
import type { Db } from "@smt/db";
import { buildDashboard, type DashboardOptions, type DashboardPayload } from "./analytics.dashboard";
import { type GatherOptions, gatherInputs } from "./analytics.inputs";
import { computeFlow, computeIndicators } from "./analytics.signals";
import type { SmartMoneyFlow, SmartMoneyIndicators } from "./analytics.types";

/** The Smart Money Indicators with their components and confidence (`/analytics/{symbol}/indicators`). */
export async function getIndicators(
  db: Db,
  symbol: string,
  asOf: Date,
  options: GatherOptions = {},
): Promise<SmartMoneyIndicators> {
  const { inputs } = await gatherInputs(db, symbol, asOf, options);
  return computeIndicators(inputs, asOf);
}

/** Institutional vs insider flows, net buying/selling, accumulation (`/analytics/{symbol}/flow`). */
export async function getFlow(
  db: Db,
  symbol: string,
  asOf: Date,
  options: GatherOptions = {},
): Promise<SmartMoneyFlow> {
  const { inputs } = await gatherInputs(db, symbol, asOf, options);
  return computeFlow(inputs, asOf);
}

/**
 * Both composite payloads of one symbol from one read of its inputs: exactly `getIndicators` and `getFlow`
 * at the same `as_of` (the precomputed leaderboards, market/composite.refresh.ts, store these).
 */
export async function getIndicatorsAndFlow(
  db: Db,
  symbol: string,
  asOf: Date,
  options: GatherOptions = {},
): Promise<{ indicators: SmartMoneyIndicators; flow: SmartMoneyFlow }> {
  const { inputs } = await gatherInputs(db, symbol, asOf, options);
  return { indicators: computeIndicators(inputs, asOf), flow: computeFlow(inputs, asOf) };
}

/** Everything the dashboard page needs, in one payload (`/analytics/{symbol}/dashboard`). */
export const getDashboard = (
  db: Db,
  symbol: string,
  asOf: Date,
  options: DashboardOptions = {},
): Promise<DashboardPayload> => buildDashboard(db, symbol, asOf, options);
