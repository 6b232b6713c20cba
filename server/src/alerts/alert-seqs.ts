/**
 * Sequence numbers for live alerts, taken from the database ahead of need, so an alert can be pushed the
 * moment the detectors raise it, carrying the `seq` it will be stored with (live-alerts.ts). A small
 * reserve is held; a number older than `maxAgeMs` is never used (it would sort the alert behind alerts
 * other nodes or the announcer numbered since in REST's newest-first lists), so the reserve is replaced
 * once it is `maxAgeMs / 4` old, and refilled right after a number is used; a refill slowed by a busy
 * database (a round trip of a second or more, seen under the latency bench) still lands in time. Numbers
 * replaced unused are gaps in `seq`, never reused. The `after_seq` backfill's overlap (alerts.store.ts)
 * does not depend on this age.
 * docs/architecture.md, "Live path", has the design and its failure behaviour.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import type { Logger } from "../lib/log";

/**
 * Takes `n` numbers of the alerts' sequence (the identity of `alerts.seq`), ascending, without inserting:
 * a number taken is never given again, whether or not an alert is stored with it. Touches only the
 * sequence (not the `alerts` table), so a lock on the table does not hold it up.
 */
export async function reserveAlertSeqs(db: Db, n: number): Promise<number[]> {
  const rows = rowsOf<{ seq: string | number }>(
    await db.execute(
      sql`select nextval(pg_get_serial_sequence('alerts', 'seq')) as seq from generate_series(1, ${n}::int)`,
    ),
  );
  return rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
}

export interface AlertSeqOptions {
  /** Numbers held (default 4): alerts raised beyond these before a refill are numbered by their insert. */
  size?: number;
  /** A number asked for longer ago than this is not used (default 5,000 ms). */
  maxAgeMs?: number;
}

export class AlertSeqReserve {
  private held: number[] = [];
  private fetchedAtMs = 0;
  private fetching = false;
  private readonly timer: NodeJS.Timeout;
  private readonly size: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    o: AlertSeqOptions = {},
  ) {
    this.size = o.size ?? 4;
    this.maxAgeMs = o.maxAgeMs ?? 5_000;
    const refreshMs = this.maxAgeMs / 4;
    this.timer = setInterval(() => {
      if (Date.now() - this.fetchedAtMs >= refreshMs) this.refill();
    }, refreshMs);
    this.timer.unref();
    this.refill();
  }

  /** The next number, or null when none fresh is held (the alert is then numbered by its insert). */
  take(): number | null {
    const fresh = Date.now() - this.fetchedAtMs < this.maxAgeMs;
    const seq = fresh ? (this.held.shift() ?? null) : null;
    if (seq === null || this.held.length < this.size / 2) this.refill();
    return seq;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Replaces what is held by `size` new numbers (one fetch at a time). */
  private refill(): void {
    if (this.fetching) return;
    this.fetching = true;
    // Aged from the request: the numbers were taken at some point of the round trip.
    const askedAtMs = Date.now();
    reserveAlertSeqs(this.db, this.size)
      .then((seqs) => {
        this.held = seqs;
        this.fetchedAtMs = askedAtMs;
      })
      .catch((error: unknown) => this.log.warn("alert sequence numbers not reserved", { error }))
      .finally(() => {
        this.fetching = false;
      });
  }
}
