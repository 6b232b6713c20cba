/**
 * The dashboard payload: everything the page's seven sections (original specification, "Dashboard
 * Sections") need in one response, as of one moment. Sections whose area has no store wired yet come
 * back with `available: false` and a note, never with invented values.
 */

import type { Db } from "@smt/db";
import {
  dailyBars,
  dailyPrintStats,
  premiumDiscountHistogram,
  readScope,
  recentOffExchangePrints,
  shortVolumeDays,
} from "../darkpool/darkpool.service";
import { addDays, etDayBounds } from "../lib/et-time";
import {
  blocksSection,
  darkPoolSection,
  historySection,
  institutionalSection,
  metricsSection,
  NOT_WIRED,
  optionsSection,
} from "./analytics.dashboard.sections";
import type { DashboardOptions, DashboardPayload } from "./analytics.dashboard.types";
import { gatherInputs } from "./analytics.inputs";
import { ANALYTICS_PARAMS, type AnalyticsParams } from "./analytics.params";
import { computeFlow, computeIndicators } from "./analytics.signals";

export type * from "./analytics.dashboard.types";

/** Builds the whole dashboard payload as of `asOf`. */
export async function buildDashboard(
  db: Db,
  symbol: string,
  asOf: Date,
  options: DashboardOptions = {},
): Promise<DashboardPayload> {
  const params: AnalyticsParams = options.params ?? ANALYTICS_PARAMS;
  const providers = options.providers ?? {};
  const historyDays = options.historyDays ?? 30;
  const scope = options.scope ?? (await readScope(db, symbol, asOf));
  const gathered = await gatherInputs(db, symbol, asOf, { ...options, scope });
  const indicators = computeIndicators(gathered.inputs, asOf, params);
  const flow = computeFlow(gathered.inputs, asOf, params);
  const { window } = gathered;

  const historyTo = window?.day ?? asOf.toISOString().slice(0, 10);
  const historyFrom = addDays(historyTo, -(historyDays - 1));
  const blocksSince = etDayBounds(historyFrom).start;
  const historyUntil = etDayBounds(addDays(historyTo, 1)).start;
  const printLimit = options.printLimit ?? 50;
  const [prints, blocks, histogram, daily, bars, shorts, alerts, holders] = await Promise.all([
    scope.read("recentOffExchangePrints", [asOf, printLimit], () =>
      recentOffExchangePrints(db, symbol, asOf, printLimit),
    ),
    scope.read("recentBlocks", [asOf, params.blockMinUsd, blocksSince], () =>
      recentOffExchangePrints(db, symbol, asOf, 20, params.blockMinUsd, blocksSince),
    ),
    window
      ? scope.read("premiumDiscountHistogram", [window.since, window.until, asOf], () =>
          premiumDiscountHistogram(db, { symbol, since: window.since, until: window.until }, asOf),
        )
      : Promise.resolve([]),
    scope.read("dailyPrintStats", [blocksSince, historyUntil, asOf], () =>
      dailyPrintStats(db, { symbol, since: blocksSince, until: historyUntil }, asOf),
    ),
    scope.read("dailyBars", [historyFrom, historyTo, asOf], () =>
      dailyBars(db, symbol, historyFrom, historyTo, asOf),
    ),
    scope.read("shortVolumeDays", [historyFrom, historyTo, asOf], () =>
      shortVolumeDays(db, symbol, historyFrom, historyTo, asOf),
    ),
    providers.alerts ? providers.alerts(db, symbol, asOf, 20) : Promise.resolve(null),
    providers.topHolders ? providers.topHolders(db, symbol, asOf, 10) : Promise.resolve(null),
  ]);

  const history = historySection(historyFrom, historyTo, daily, bars, shorts);
  return {
    symbol,
    as_of: asOf.toISOString(),
    params_version: params.version,
    metrics: metricsSection(indicators),
    indicators,
    alerts: alerts
      ? { available: true, note: null, items: alerts }
      : { available: false, note: NOT_WIRED, items: [] },
    dark_pool: darkPoolSection(gathered, indicators, prints, histogram, history),
    institutional: institutionalSection(flow, holders),
    blocks: blocksSection(gathered.flow, params.blockMinUsd, blocks),
    options: optionsSection(gathered, indicators),
    flow,
  };
}
