/**
 * The store side of the live print path (pipeline.ts): a bounded queue of announced prints written to the
 * database in batches, one insert in flight at a time (what arrives meanwhile is coalesced into the next,
 * so a slow insert makes bigger batches instead of a growing line of small ones). docs/architecture.md,
 * "Live path", describes the guarantees and what happens when the queue is full or the database fails.
 */
import type { Logger } from "../lib/log";
import { isBadRowError } from "../lib/sql-state";
import type { EnrichedPrint } from "./print";

export interface LiveStoreOptions {
  /** Stores a batch; resolves with the prints that were new (the others were stored already). */
  insert: (prints: EnrichedPrint[]) => Promise<EnrichedPrint[]>;
  /** After each committed batch (all of it, and the part that was new). */
  onStored: (batch: LiveBatchTiming) => void;
  log: Logger;
  /** A print waits at most this long for others to share its insert (when no insert is in flight). */
  flushMs: number;
  /** Largest insert. */
  maxBatch: number;
  /** Queued prints at which `offer` says `full`: the producer should wait for `drained()`. */
  highWater: number;
  /** Queued prints beyond which `offer` refuses: the bound on memory, whatever the producer does. */
  capacity: number;
  /** Wait before retrying a failed insert; doubles up to `retryMaxMs`. */
  retryMs?: number;
  retryMaxMs?: number;
}

export interface LiveBatchTiming {
  prints: readonly EnrichedPrint[];
  fresh: readonly EnrichedPrint[];
  startedMs: number;
  storedMs: number;
}

export interface LiveStoreStats {
  /** Prints accepted and not yet committed (queued or in the insert in flight). */
  depth: number;
  /** The largest depth seen. */
  maxDepth: number;
  stored: number;
  /** Offered at full capacity and not taken. */
  refused: number;
  /** Dropped after the database rejected the print itself (a data error), not the connection. */
  rejected: number;
  /** Inserts that failed and were retried. */
  retries: number;
}

export class LiveStore {
  private queue: EnrichedPrint[] = [];
  private inflight = 0;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private stopped = false;
  readonly stats: LiveStoreStats = { depth: 0, maxDepth: 0, stored: 0, refused: 0, rejected: 0, retries: 0 };

  constructor(private readonly o: LiveStoreOptions) {}

  /** `ok`: queued; `full`: queued, and the queue is at its high-water mark; `refused`: not taken. */
  offer(print: EnrichedPrint): "ok" | "full" | "refused" {
    const depth = this.queue.length + this.inflight;
    if (depth >= this.o.capacity) {
      this.stats.refused++;
      return "refused";
    }
    this.queue.push(print);
    this.stats.depth = depth + 1;
    if (depth + 1 > this.stats.maxDepth) this.stats.maxDepth = depth + 1;
    if (!this.running) {
      if (this.queue.length >= this.o.maxBatch) this.kick();
      else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.o.flushMs);
    }
    return depth + 1 >= this.o.highWater ? "full" : "ok";
  }

  /** Resolves once the queue is below half its high-water mark (at once if it is). */
  drained(): Promise<void> {
    if (this.stats.depth < this.o.highWater / 2) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when everything offered so far is committed (or dropped as a bad row). */
  flush(): Promise<void> {
    this.kick();
    if (this.stats.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying: a store that cannot reach its database gives up what it holds (logged). */
  stop(): void {
    this.stopped = true;
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.running && this.queue.length > 0) void this.run();
  }

  /** Writes batches until the queue is empty; a failed insert is retried (same batch) after a pause. */
  private async run(): Promise<void> {
    this.running = true;
    let pauseMs = this.o.retryMs ?? 100;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.o.maxBatch);
      this.inflight = batch.length;
      try {
        await this.store(batch);
        pauseMs = this.o.retryMs ?? 100;
      } catch (error) {
        if (this.stopped) {
          this.o.log.error("live prints not stored: the database is unavailable at shutdown", {
            prints: batch.length + this.queue.length,
            error,
          });
          this.queue = [];
        } else {
          this.stats.retries++;
          this.o.log.warn("live batch not stored; retrying", { prints: batch.length, pauseMs, error });
          this.queue.unshift(...batch);
          this.inflight = 0;
          await new Promise((r) => setTimeout(r, pauseMs));
          pauseMs = Math.min(pauseMs * 2, this.o.retryMaxMs ?? 5_000);
          continue;
        }
      }
      this.inflight = 0;
      this.settle();
    }
    this.running = false;
    this.settle();
  }

  /**
   * One insert; when the database rejects a row of it (a data error, not the connection), the batch is
   * halved until the bad print is alone, and that print is dropped and logged: one bad print does not
   * hold back the prints around it, nor the queue.
   */
  private async store(batch: EnrichedPrint[]): Promise<void> {
    const startedMs = Date.now();
    try {
      const fresh = await this.o.insert(batch);
      this.stats.stored += batch.length;
      this.o.onStored({ prints: batch, fresh, startedMs, storedMs: Date.now() });
    } catch (error) {
      if (!isBadRowError(error)) throw error;
      if (batch.length === 1) {
        this.stats.rejected++;
        this.o.log.error("live print rejected by the database; dropped", {
          trade_key: batch[0]?.tradeKey,
          symbol: batch[0]?.symbol,
          error,
        });
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.store(batch.slice(0, half));
      await this.store(batch.slice(half));
    }
  }

  private settle(): void {
    this.stats.depth = this.queue.length + this.inflight;
    if (this.stats.depth < this.o.highWater / 2) for (const wake of this.waiters.splice(0)) wake();
    if (this.stats.depth === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
