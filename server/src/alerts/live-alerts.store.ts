/**
 * SQL of the live (detector) alerts: their inserts, which the caller announces itself (live-alerts.ts),
 * with commits that do not wait for the disk.
 */
import { type Db, schema } from "@smt/db";
import { sql } from "drizzle-orm";
import type { Alert } from "./alerts.rules";

/**
 * `at` as a timestamp, computed with `synchronous_commit` off for the rest of the statement's transaction
 * (`set_config(..., true)`): its commit returns once the row is in the WAL buffers, without waiting for
 * the disk. The row is at once visible and unique to every other session (a second node's insert of the
 * same id still conflicts); only a crash of Postgres itself (not of this process) within
 * ~3 x `wal_writer_delay` (600 ms by default) could lose it after it was sent. docs/architecture.md,
 * "Live path", has why: a durable commit waits behind the disk, p99 ~230 ms under the latency bench's load.
 */
const stampWithoutCommitWait = (at: Date) =>
  sql`(select ${at.toISOString()}::timestamptz from (select set_config('synchronous_commit', 'off', true)) as no_wait)`;

/**
 * Stores an alert once: the id is derived from the event, so a second node or a re-evaluation of the
 * same event inserts nothing. Returns the alert with its sequence number when this call stored it,
 * `null` when it was already there.
 */
export async function insertAlert(db: Db, alert: Alert, now = new Date()): Promise<Alert | null> {
  return (await insertAlerts(db, [alert], now))[0] ?? null;
}

/** The row of a live (detector) alert, announced by the caller (no announcer claims it again). */
const liveAlertRow = (alert: Alert, now: Date) => ({
  id: alert.id,
  symbol: alert.symbol,
  type: alert.type,
  severity: alert.severity,
  ts: new Date(alert.timestamp),
  title: alert.title,
  values: alert.values,
  inputs: alert.inputs,
  paramsVersion: alert.params_version,
  rulesVersion: alert.rules_version,
  dedupeKey: alert.dedupe_key,
  source: alert.source ?? "detectors",
  sourceRef: alert.dedupe_key,
  publishedAt: stampWithoutCommitWait(now),
  announcedAt: now,
});

/** Those of `alerts` whose id came back from the insert, with the sequence number it stored. */
function storedOf(alerts: readonly Alert[], rows: { id: string; seq: number }[]): Alert[] {
  const seqs = new Map(rows.map((r) => [r.id, r.seq]));
  return alerts.flatMap((a) => {
    const seq = seqs.get(a.id);
    return seq === undefined ? [] : [{ ...a, seq }];
  });
}

/**
 * Stores live alerts in one statement, each once (see `insertAlert`; an id twice in `alerts` counts once),
 * numbered in the order given. Returns those this call stored, in that order, with their sequence numbers.
 * The commit does not wait for the disk (`stampWithoutCommitWait`).
 */
export async function insertAlerts(db: Db, alerts: readonly Alert[], now = new Date()): Promise<Alert[]> {
  const unique = [...new Map(alerts.map((a) => [a.id, a])).values()];
  if (unique.length === 0) return [];
  const rows = await db
    .insert(schema.alerts)
    .values(unique.map((alert) => liveAlertRow(alert, now)))
    .onConflictDoNothing()
    .returning({ id: schema.alerts.id, seq: schema.alerts.seq });
  return storedOf(unique, rows);
}

/**
 * Stores live alerts that already carry their sequence number (`reserveAlertSeqs`; they were pushed
 * before this insert, live-alerts.ts), each once: an id or a number already there is skipped. Returns
 * those this call stored. The commit does not wait for the disk (`stampWithoutCommitWait`).
 */
export async function insertNumberedAlerts(db: Db, alerts: readonly Alert[], now = new Date()) {
  const unique = [...new Map(alerts.map((a) => [a.id, a])).values()];
  if (unique.length === 0) return [];
  const rows = await db
    .insert(schema.alerts)
    .overridingSystemValue()
    .values(
      unique.map((alert) => {
        if (alert.seq === null) throw new Error(`alert ${alert.id} has no sequence number`);
        return { ...liveAlertRow(alert, now), seq: alert.seq };
      }),
    )
    .onConflictDoNothing()
    .returning({ id: schema.alerts.id, seq: schema.alerts.seq });
  return storedOf(unique, rows);
}
