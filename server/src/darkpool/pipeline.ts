import type { Db } from "@smt/db";
import { etDateOf, etDayBounds } from "../lib/et-time";
import { type IngestProgress, type IngestSummary, runIngest } from "../lib/ingest";
import type { Logger } from "../lib/log";
import { COPY_THRESHOLD_ROWS, copyClient } from "../lib/pg-copy";
import type { Parsed } from "../lib/records";
import { touchSymbols } from "../lib/symbols";
import type { LiveBus } from "../realtime/bus";
import { PrintEnricher } from "./enrich";
import { type LiveBatchTiming, LiveStore, type LiveStoreStats } from "./live-store";
import { deriveBarsFromPrints } from "./market.store";
import type { EnrichedPrint, Quote, RawPrint } from "./print";
import { copyPrints } from "./prints.copy";
import { insertPrints } from "./prints.store";
import { RecentKeys } from "./recent-keys";

export type { LiveBatchTiming, LiveStoreStats };

export interface PipelineOptions {
  db: Db;
  bus: LiveBus;
  log: Logger;
  lastLitWindowMs: number;
  /** A live print waits at most this long for others to share its insert (default 50). */
  liveFlushMs?: number;
  /** Largest live insert (default 5,000 prints). */
  liveMaxBatch?: number;
  /** Live prints waiting for the database at which `accept` asks the feed to pause (default 50,000). */
  liveHighWater?: number;
  /** Live prints waiting for the database beyond which `accept` refuses them (default 2x high water). */
  liveCapacity?: number;
  /** How long `close()` waits for the live queue to reach the database (default 30 s). */
  closeTimeoutMs?: number;
  /** Prints per COPY statement of a file ingest on real Postgres (default `FILE_COPY_BATCH`). */
  fileCopyBatch?: number;
}

/**
 * Prints per COPY statement of a file ingest on real Postgres (elsewhere the ingest loop's 5,000). The
 * insert triggers on `prints` run once per statement, and part of their work is per statement, not per
 * print (the rollup, market-day and activity upserts, the version bump, planning the nested statements):
 * at 5,000 a 1M-print, 10,000-symbol day spent ~6 s of the triggers' ~18 s in the activity rank, market-day
 * refresh and search keys alone (docs/operations.md, "Market-day bench"). Larger batches keep more prints
 * waiting in memory for the commit (~1 KB each as enriched objects).
 */
export const FILE_COPY_BATCH = 20_000;

/** The live store queue as Prometheus samples (`/metrics`). */
export const liveQueueMetrics = (s: Readonly<LiveStoreStats>): [string, number][] => [
  ["smt_live_queue_depth", s.depth],
  ["smt_live_queue_max_depth", s.maxDepth],
  ["smt_live_prints_refused_total", s.refused],
  ["smt_live_prints_rejected_total", s.rejected],
  ["smt_live_insert_retries_total", s.retries],
];

export interface FileIngestOptions {
  source: string;
  sourceRef: string;
  transactional?: boolean;
  strict?: boolean;
  onProgress?: (p: IngestProgress) => void;
}

/** The symbols, time span and venues of the prints a file holds (stored or already there). */
class FileCoverage {
  readonly symbols = new Set<string>();
  firstTs = Number.POSITIVE_INFINITY;
  lastTs = Number.NEGATIVE_INFINITY;
  sawLit = false;

  add(p: EnrichedPrint): void {
    this.symbols.add(p.symbol);
    const t = p.ts.getTime();
    if (t < this.firstTs) this.firstTs = t;
    if (t > this.lastTs) this.lastTs = t;
    if (!p.isOffExchange) this.sawLit = true;
  }
}

/**
 * The one path every print takes, from a file, an upload or a live feed: validate (the parser did),
 * enrich (venue, NBBO side, premium/discount), store by natural key, and announce what is new on the live
 * bus, where detectors and the socket layer pick it up. A replay is a feed that reads a file.
 *
 * Files and uploads announce after the commit, only what was new to the database. Live prints are
 * announced first (within the event-loop turn they arrive in, duplicates of the last 100,000-200,000 live
 * prints dropped) and stored through a bounded queue right behind (live-store.ts): the database is not on
 * the path to a socket or an alert. docs/architecture.md, "Live path", has the trade-off and its failure
 * behaviour.
 */
export class PrintPipeline {
  private readonly live: PrintEnricher;
  private readonly store: LiveStore;
  private readonly recent = new RecentKeys(100_000);
  private announcing: EnrichedPrint[] = [];
  private announceScheduled = false;
  /** Symbols this pipeline already recorded in the registry (live path). */
  private readonly knownSymbols = new Set<string>();
  private readonly batchListeners = new Set<(t: LiveBatchTiming) => void>();
  private closed = false;
  private readonly highWater: number;

  constructor(private readonly opts: PipelineOptions) {
    this.live = new PrintEnricher({ lastLitWindowMs: opts.lastLitWindowMs });
    const highWater = opts.liveHighWater ?? 50_000;
    this.highWater = highWater;
    this.store = new LiveStore({
      insert: (batch) => this.insertLive(batch),
      onStored: (t) => {
        this.opts.bus.emit("printsStored", t.fresh);
        for (const l of this.batchListeners) l(t);
      },
      log: opts.log,
      flushMs: opts.liveFlushMs ?? 50,
      maxBatch: opts.liveMaxBatch ?? 5_000,
      highWater,
      capacity: opts.liveCapacity ?? 2 * highWater,
    });
  }

  /**
   * Ingests a parsed file or upload, records one by one or in arrays (`parsePrintBatches`, the fast path).
   * Each run gets its own enrichment state (files carry their own time).
   */
  async ingest(
    records: AsyncIterable<Parsed<RawPrint> | Parsed<RawPrint>[]>,
    o: FileIngestOptions,
  ): Promise<IngestSummary> {
    const enricher = new PrintEnricher({ lastLitWindowMs: this.opts.lastLitWindowMs });
    const seen = new Set<string>();
    // Every print the file holds, stored now or by an earlier (perhaps interrupted) run: bars are derived
    // for all the days the file covers, not only for the rows that were new this time.
    const covered = new FileCoverage();
    const summary = await runIngest<RawPrint, EnrichedPrint>({
      db: this.opts.db,
      kind: "prints",
      source: o.source,
      sourceRef: o.sourceRef,
      records,
      prepare: (raw) => enricher.enrich(raw),
      insert: (db, batch) => {
        // The same print twice in one batch would be counted as new twice; keep the first.
        seen.clear();
        const unique = batch.filter((p) => {
          if (seen.has(p.tradeKey)) return false;
          seen.add(p.tradeKey);
          covered.add(p);
          return true;
        });
        // COPY on real Postgres (prints.copy.ts); commits need not wait for their WAL flush, since the
        // run's ingest_runs row is written synchronously at the end and a re-run stores what a crash lost.
        return copyPrints(db, unique, "deferred");
      },
      onStored: (stored) => {
        this.opts.bus.emit("prints", stored);
        this.opts.bus.emit("printsStored", stored);
      },
      symbolOf: (p) => p.symbol,
      batchSize:
        !o.transactional && copyClient(this.opts.db, COPY_THRESHOLD_ROWS)
          ? (this.opts.fileCopyBatch ?? FILE_COPY_BATCH)
          : undefined,
      transactional: o.transactional,
      strict: o.strict,
      onProgress: o.onProgress,
    });
    if (covered.sawLit && covered.symbols.size > 0) {
      // Whole New York days, so each derived bar is computed from all of its day's prints.
      const since = etDayBounds(etDateOf(covered.firstTs)).start;
      const until = etDayBounds(etDateOf(covered.lastTs)).end;
      await deriveBarsFromPrints(this.opts.db, [...covered.symbols], since, until);
    }
    return summary;
  }

  /**
   * A live print: enriched now, announced within this event-loop turn, stored right behind. Answers
   * `false` when the feed should pause until `drained()`: the store queue is at its high-water mark
   * (the print was taken), or at capacity (the print was refused and counted in `liveStats.refused`), or
   * the pipeline is closed (the print was refused).
   */
  accept(print: RawPrint): boolean {
    if (this.closed) return false;
    const enriched = this.live.enrich(print);
    if (this.recent.has(enriched.tradeKey)) return true; // a duplicate of a recent live print
    const taken = this.store.offer(enriched);
    if (taken === "refused") {
      if (this.store.stats.refused === 1 || this.store.stats.refused % 10_000 === 0)
        this.opts.log.error("live queue full: prints refused", { refused: this.store.stats.refused });
      return false;
    }
    this.recent.add(enriched.tradeKey);
    this.announcing.push(enriched);
    if (!this.announceScheduled) {
      this.announceScheduled = true;
      setImmediate(() => this.announce());
    }
    return taken === "ok";
  }

  acceptQuote(quote: Quote): void {
    this.live.onQuote(quote);
  }

  /** False while the store queue is at its high-water mark (or the pipeline is closed). */
  get accepting(): boolean {
    return !this.closed && this.store.stats.depth < this.highWater;
  }

  /** Resolves when a feed told to pause by `accept` may send again. */
  drained(): Promise<void> {
    return this.store.drained();
  }

  /** The live store queue: depth, the largest depth, prints stored, refused, rejected, retries. */
  get liveStats(): Readonly<LiveStoreStats> {
    return this.store.stats;
  }

  /** Timings of each committed live batch (benchmarks). */
  onLiveBatch(listener: (t: LiveBatchTiming) => void): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  /** Announces what is pending; resolves when everything accepted so far is stored. */
  flush(): Promise<void> {
    this.announce();
    return this.store.flush();
  }

  /**
   * Stops taking live prints, announces the last ones and waits up to `closeTimeoutMs` for the queue to
   * reach the database; what is still unstored after that is given up (logged with its count).
   */
  async close(): Promise<void> {
    this.closed = true;
    const flushed = this.flush();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.opts.closeTimeoutMs ?? 30_000);
    });
    const outcome = await Promise.race([flushed, late]);
    clearTimeout(timer);
    if (outcome === "late") {
      this.opts.log.error("shutdown: live prints not stored before the timeout", {
        prints: this.store.stats.depth,
      });
    }
    this.store.stop();
  }

  private announce(): void {
    this.announceScheduled = false;
    if (this.announcing.length === 0) return;
    const batch = this.announcing;
    this.announcing = [];
    this.opts.bus.emit("prints", batch);
  }

  /** One live insert, and the registry entry of symbols this process has not recorded yet. */
  private async insertLive(batch: EnrichedPrint[]): Promise<EnrichedPrint[]> {
    const fresh = await insertPrints(this.opts.db, batch);
    const unknown = fresh.map((p) => p.symbol).filter((sym) => !this.knownSymbols.has(sym));
    if (unknown.length > 0) {
      await touchSymbols(this.opts.db, unknown, "prints");
      for (const sym of unknown) this.knownSymbols.add(sym);
    }
    return fresh;
  }
}
