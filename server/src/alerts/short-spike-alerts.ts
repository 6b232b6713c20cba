/**
 * Short-ratio spike alerts when a FINRA daily short-volume file is stored: per symbol-day, the day's
 * ShortVolume / TotalVolume against the symbol's trailing average, above a floor of volume. Called by the
 * FINRA store (`shortVolumeStore.insert`) with the rows that were new, inside the ingest's transaction,
 * so the upload route, the CLI and the sync job all raise them and a second load raises nothing. One
 * set-based query per stored batch, whatever its number of symbols. Rules: docs/alerts.md.
 */
import type { Db } from "@smt/db";
import { type ShortRatioSpike, shortRatioSpikes } from "../darkpool/short-ratio.store";
import type { ShortVolumeRecord } from "../darkpool/short-volume.parse";
import { baseName } from "../lib/fields";
import type { Alert, AlertOrigin } from "./alerts.rules";
import { type FilingAlertSettings, raiseAlerts, raisedAlert } from "./raised-alerts";

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** `CNMSshvol20210128.txt` from a row's `source_ref` (`<file>:<line>`). */
export const fileOfSourceRef = (ref: string): string => baseName(ref.replace(/:\d+$/, ""));

function spikeAlert(x: ShortRatioSpike, day: string, s: FilingAlertSettings, origin: AlertOrigin): Alert {
  const excess = x.ratio - x.baseline;
  return raisedAlert({
    type: "short_ratio_spike",
    symbol: x.symbol,
    severity: excess >= 1.5 * s.shortSpikeMinExcess ? "high" : "medium",
    timestamp: new Date(origin.published_at),
    title: `${x.symbol} FINRA short ratio ${x.ratio.toFixed(2)} on ${day} vs ${x.baseline.toFixed(2)} average of the previous ${x.baselineDays} days (+${Math.round(excess * 100)} points)`,
    values: {
      short_ratio: round4(x.ratio),
      baseline_ratio: round4(x.baseline),
      excess: round4(excess),
      short_volume: x.shortVolume,
      total_volume: x.totalVolume,
      baseline_days: x.baselineDays,
      day,
      threshold_excess: s.shortSpikeMinExcess,
      min_volume: s.shortSpikeMinVolume,
    },
    inputs: {
      day,
      file: origin.ref,
      short_volume: x.shortVolume,
      total_volume: x.totalVolume,
      short_ratio: x.ratio,
      baseline: { mean_ratio: x.baseline, days: x.baselineDays, from: x.baselineFrom, to: x.baselineTo },
    },
    dedupeKey: `short_ratio_spike:${x.symbol}:${day}`,
    origin,
  });
}

/** The spikes of newly stored consolidated (CNMS) rows, one query per day present in them. */
export async function shortSpikeAlerts(
  db: Db,
  fresh: ShortVolumeRecord[],
  s: FilingAlertSettings,
  seenAt: Date,
): Promise<Alert[]> {
  const byDay = new Map<string, ShortVolumeRecord[]>();
  for (const r of fresh) {
    // Facility files are parts of the day's figure; only the consolidated file is judged.
    if (r.facility !== "CNMS") continue;
    const list = byDay.get(r.day);
    if (list) list.push(r);
    else byDay.set(r.day, [r]);
  }
  const out: Alert[] = [];
  for (const [day, rows] of byDay) {
    const first = rows[0] as ShortVolumeRecord;
    const origin: AlertOrigin = {
      kind: "finra_regsho",
      ref: fileOfSourceRef(first.sourceRef),
      url: null,
      published_at: first.publishedAt.toISOString(),
      seen_at: seenAt.toISOString(),
    };
    const spikes = await shortRatioSpikes(db, {
      day,
      symbols: rows.map((r) => r.symbol),
      trailingDays: s.shortSpikeTrailingDays,
      minBaselineDays: s.shortSpikeMinBaselineDays,
      minVolume: s.shortSpikeMinVolume,
      minExcess: s.shortSpikeMinExcess,
    });
    for (const x of spikes) out.push(spikeAlert(x, day, s, origin));
  }
  return out;
}

/** Raises the spike alerts of newly stored short-volume rows; returns how many alerts were new. */
export async function raiseShortSpikeAlerts(db: Db, fresh: ShortVolumeRecord[]): Promise<number> {
  if (!fresh.some((r) => r.facility === "CNMS")) return 0;
  const seenAt = new Date();
  return raiseAlerts(db, "finra short volume", (tx, s) => shortSpikeAlerts(tx, fresh, s, seenAt));
}
