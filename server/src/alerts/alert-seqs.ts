/**
 * Sequence numbers for live alerts, taken from the database ahead of need, so an alert can be pushed the
 * moment the detectors raise it, carrying the `seq` it will be stored with (live-alerts.ts). A reserve of
 * `size` numbers is held and topped up as soon as half of it is used (a burst of `size / 2` alerts fits
 * in one top-up's round trip, which a busy database can stretch to hundreds of ms). A number older than
 * `maxAgeMs` is never used (it would sort the alert behind alerts other nodes or the announcer numbered
 * since in REST's newest-first lists), so an idle reserve is replaced once it is 3/4 of that old. Numbers
 * replaced unused are gaps in `seq`, never reused. The `after_seq` backfill's overlap (alerts.store.ts)
 * does not depend on this age. docs/architecture.md, "Live path", has the design and its failures.
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
  /** Numbers held (default 16): alerts raised beyond these before a top-up are numbered by their insert. */
  size?: number;
  /** A number asked for longer ago than this is not used (default 5,000 ms). */
  maxAgeMs?: number;
}

export class AlertSeqReserve {
  /** Ascending, each with when it was asked for (the number was taken at some point of the round trip). */
  private held: { seq: number; askedAtMs: number }[] = [];
  private fetching = false;
  private readonly timer: NodeJS.Timeout;
  private readonly size: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    o: AlertSeqOptions = {},
  ) {
    this.size = o.size ?? 16;
    this.maxAgeMs = o.maxAgeMs ?? 5_000;
    this.timer = setInterval(() => {
      const oldest = this.held[0];
      if (oldest === undefined || Date.now() - oldest.askedAtMs >= (this.maxAgeMs * 3) / 4) this.fetch(true);
    }, this.maxAgeMs / 8);
    this.timer.unref();
    this.fetch(true);
  }

  /** The next number, or null when none fresh is held (the alert is then numbered by its insert). */
  take(): number | null {
    const now = Date.now();
    while (this.held.length > 0 && now - (this.held[0]?.askedAtMs ?? 0) >= this.maxAgeMs) this.held.shift();
    const seq = this.held.shift()?.seq ?? null;
    if (this.held.length <= this.size / 2) this.fetch(this.held.length === 0);
    return seq;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Tops the reserve up to `size` (or replaces it: `replace`), one fetch at a time. */
  private fetch(replace: boolean): void {
    if (this.fetching) return;
    const n = replace ? this.size : this.size - this.held.length;
    if (n <= 0) return;
    this.fetching = true;
    const askedAtMs = Date.now();
    reserveAlertSeqs(this.db, n)
      .then((seqs) => {
        const fresh = seqs.map((seq) => ({ seq, askedAtMs }));
        // Numbers from the sequence only increase: topped-up ones follow those held.
        this.held = replace ? fresh : [...this.held, ...fresh];
      })
      .catch((error: unknown) => this.log.warn("alert sequence numbers not reserved", { error }))
      .finally(() => {
        this.fetching = false;
      });
  }
}
