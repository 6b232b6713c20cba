import type { Db } from "@smt/db";
import { etDateOf, etDayBounds } from "../lib/et-time";
import { type IngestProgress, type IngestSummary, runIngest } from "../lib/ingest";
import type { Logger } from "../lib/log";
import type { Parsed } from "../lib/records";
import { touchSymbols } from "../lib/symbols";
import type { LiveBus } from "../realtime/bus";
import { PrintEnricher } from "./enrich";
import { deriveBarsFromPrints } from "./market.store";
import type { EnrichedPrint, Quote, RawPrint } from "./print";
import { insertPrints } from "./prints.store";

export interface PipelineOptions {
  db: Db;
  bus: LiveBus;
  log: Logger;
  lastLitWindowMs: number;
  /** Live prints wait at most this long before being stored and announced. */
  liveFlushMs?: number;
  liveMaxBatch?: number;
}

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
 * enrich (venue, NBBO side, premium/discount), store by natural key, then announce only what was new on
 * the live bus, where detectors and the socket layer pick it up. A replay is a feed that reads a file.
 */
export class PrintPipeline {
  private readonly live: PrintEnricher;
  private pending: EnrichedPrint[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  /** Symbols this pipeline already recorded in the registry (live path). */
  private readonly knownSymbols = new Set<string>();
  private readonly flushMs: number;
  private readonly maxBatch: number;

  constructor(private readonly opts: PipelineOptions) {
    this.live = new PrintEnricher({ lastLitWindowMs: opts.lastLitWindowMs });
    this.flushMs = opts.liveFlushMs ?? 10;
    this.maxBatch = opts.liveMaxBatch ?? 2000;
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
        return insertPrints(db, unique);
      },
      onStored: (stored) => this.opts.bus.emit("prints", stored),
      symbolOf: (p) => p.symbol,
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

  /** A live print: enriched now, stored and announced within `liveFlushMs`. */
  accept(print: RawPrint): EnrichedPrint {
    const enriched = this.live.enrich(print);
    this.pending.push(enriched);
    if (this.inflight !== null) return enriched; // coalesced into the batch stored after the one in flight
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.flushMs);
    return enriched;
  }

  acceptQuote(quote: Quote): void {
    this.live.onQuote(quote);
  }

  /**
   * Stores and announces what is pending; resolves when everything accepted so far is stored. One insert is
   * in flight at a time and what arrives meanwhile is coalesced into the next one, so a slow insert makes
   * bigger batches instead of a growing queue of small ones.
   */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inflight !== null) return this.inflight.then(() => this.flush());
    const batch = this.pending;
    if (batch.length === 0) return Promise.resolve();
    this.pending = [];
    this.inflight = this.storeLive(batch).finally(() => {
      this.inflight = null;
      if (this.pending.length > 0 && !this.timer) void this.flush();
    });
    return this.inflight;
  }

  private async storeLive(batch: EnrichedPrint[]): Promise<void> {
    try {
      const stored = await insertPrints(this.opts.db, batch);
      if (stored.length === 0) return;
      // Announce first: the symbols registry is bookkeeping and must not delay the live push.
      this.opts.bus.emit("prints", stored);
      const fresh = stored.map((p) => p.symbol).filter((sym) => !this.knownSymbols.has(sym));
      if (fresh.length > 0) {
        await touchSymbols(this.opts.db, fresh, "prints");
        for (const sym of fresh) this.knownSymbols.add(sym);
      }
    } catch (error) {
      this.opts.log.error("live batch not stored", { prints: batch.length, error });
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
