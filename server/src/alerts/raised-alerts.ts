/**
 * What the alerts raised by ingests (filing-alerts.ts, short-spike-alerts.ts) share: their settings, how
 * one is built (deterministic id, origin), how they are stored (inside a savepoint, so a failure here
 * never undoes the ingest) and how the announcers hear about them. Documented in docs/alerts.md "Alerts
 * from filings and files".
 *
 * The store paths call this with whatever handle they hold, often a transaction, so the settings and the
 * announcers are per process (set by the alerts plugin and the CLI from the environment), not per handle.
 */
import type { Db } from "@smt/db";
import { DARKPOOL_PARAMS } from "../darkpool/darkpool.signals";
import type { Env } from "../env";
import { INSIDER_PARAMS } from "../institutional/institutional.signals";
import { createLogger, type Logger } from "../lib/log";
import {
  ALERT_RULES_VERSION,
  type Alert,
  type AlertOrigin,
  type AlertSeverity,
  alertIdOf,
  type FilingAlertType,
} from "./alerts.rules";
import { insertRaisedAlerts } from "./alerts.store";

/** Version of the filing and file alert rules and their defaults (`params_version` of those alerts). */
export const FILING_ALERTS_VERSION = "filing-alerts-v1";

export interface FilingAlertSettings {
  /** FILING_ALERTS: off stores no filing or file alerts. */
  enabled: boolean;
  /** INSIDER_BUY_ALERT_MIN_USD: a Form 4's open-market purchases (code P) at least this value, USD. */
  insiderBuyMinUsd: number;
  /** Cluster buy: distinct insiders inside the window (the insider-clusters endpoint's defaults). */
  clusterMinInsiders: number;
  clusterWindowDays: number;
  /** THIRTEENF_ALERT_MIN_WEIGHT_PCT: a new position or exit of at least this % of the filer's 13F portfolio. */
  thirteenFMinWeightPct: number;
  /** SHORT_SPIKE_ALERT_MIN_EXCESS: day's short ratio minus its trailing average, at least (0.30 = 30 points). */
  shortSpikeMinExcess: number;
  /** SHORT_SPIKE_ALERT_MIN_VOLUME: FINRA TotalVolume of the day at least this (the screener's default). */
  shortSpikeMinVolume: number;
  /** Trailing average over this many prior FINRA days, and no alert with fewer than `minBaselineDays`. */
  shortSpikeTrailingDays: number;
  shortSpikeMinBaselineDays: number;
}

export const DEFAULT_FILING_ALERT_SETTINGS: Readonly<FilingAlertSettings> = Object.freeze({
  enabled: true,
  insiderBuyMinUsd: 250_000,
  clusterMinInsiders: INSIDER_PARAMS.clusterMinInsiders,
  clusterWindowDays: INSIDER_PARAMS.clusterWindowDays,
  thirteenFMinWeightPct: 1,
  shortSpikeMinExcess: 0.3,
  shortSpikeMinVolume: 100_000,
  shortSpikeTrailingDays: DARKPOOL_PARAMS.trailingDays,
  shortSpikeMinBaselineDays: DARKPOOL_PARAMS.minBaselineDays,
});

/** The settings of the environment (docs/alerts.md lists the variables). */
export function filingAlertSettingsFrom(env: Env): FilingAlertSettings {
  return {
    ...DEFAULT_FILING_ALERT_SETTINGS,
    enabled: env.FILING_ALERTS === "on",
    insiderBuyMinUsd: env.INSIDER_BUY_ALERT_MIN_USD,
    thirteenFMinWeightPct: env.THIRTEENF_ALERT_MIN_WEIGHT_PCT,
    shortSpikeMinExcess: env.SHORT_SPIKE_ALERT_MIN_EXCESS,
    shortSpikeMinVolume: env.SHORT_SPIKE_ALERT_MIN_VOLUME,
  };
}

let settings: FilingAlertSettings = DEFAULT_FILING_ALERT_SETTINGS;
let log: Logger = createLogger("warn", "filing-alerts");

/** Sets this process's settings (and logger); returns a function restoring the previous ones. */
export function configureFilingAlerts(next: FilingAlertSettings, logger?: Logger): () => void {
  const previous = { settings, log };
  settings = Object.freeze({ ...next });
  if (logger) log = logger;
  return () => {
    settings = previous.settings;
    log = previous.log;
  };
}

export const filingAlertSettings = (): FilingAlertSettings => settings;

const announcers = new Set<() => void>();

/** Called after raised alerts are stored (the alerts plugin's announcer claims them); returns the remover. */
export function onAlertsRaised(listener: () => void): () => void {
  announcers.add(listener);
  return () => announcers.delete(listener);
}

/** Path of a filing's EDGAR index page on www.sec.gov. */
export function edgarFilingPath(cik: string, accession: string): string {
  return `/Archives/edgar/data/${Number(cik)}/${accession.replaceAll("-", "")}/${accession}-index.htm`;
}

export interface RaisedAlertInput {
  type: FilingAlertType;
  symbol: string;
  severity: AlertSeverity;
  /** Event time: when the filing or file was published. */
  timestamp: Date;
  title: string;
  values: Alert["values"];
  inputs: unknown;
  dedupeKey: string;
  origin: AlertOrigin;
}

/** The alert object of a filing or file rule; its id is derived from the type and de-duplication key. */
export function raisedAlert(a: RaisedAlertInput): Alert {
  return {
    id: alertIdOf(a.type, a.dedupeKey),
    seq: null,
    symbol: a.symbol,
    type: a.type,
    severity: a.severity,
    timestamp: a.timestamp.toISOString(),
    title: a.title,
    values: a.values,
    inputs: a.inputs,
    params_version: FILING_ALERTS_VERSION,
    rules_version: ALERT_RULES_VERSION,
    dedupe_key: a.dedupeKey,
    outcome: { price_at_alert: null, price_move_1h_pct: null, price_move_1d_pct: null, evaluated_at: null },
    origin: a.origin,
  };
}

/**
 * Runs a rule and stores what it raised, inside a savepoint of `db` (a transaction of its own when `db` is
 * not one): an error is logged and undoes only the alerts, never the ingest that called. Then the
 * announcers are told. Returns how many alerts were new.
 */
export async function raiseAlerts(
  db: Db,
  what: string,
  rule: (db: Db, s: FilingAlertSettings) => Promise<Alert[]>,
): Promise<number> {
  const s = settings;
  if (!s.enabled) return 0;
  let stored = 0;
  try {
    stored = await db.transaction(async (tx) => {
      const alerts = await rule(tx as unknown as Db, s);
      return alerts.length > 0 ? insertRaisedAlerts(tx as unknown as Db, alerts) : 0;
    });
  } catch (error) {
    log.warn("filing alerts not raised", { what, error });
    return 0;
  }
  if (stored > 0) for (const announce of announcers) announce();
  return stored;
}
