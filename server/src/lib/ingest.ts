import { randomUUID } from "node:crypto";
import { type Db, schema } from "@smt/db";
import { AppError } from "../errors";
import { DeferredRecords } from "./deferred";
import type { LocatedError, Parsed } from "./records";
import { touchSymbols } from "./symbols";

/** What every ingest (CLI, upload, feed) answers. */
export interface IngestSummary {
  run_id: string;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** The first `MAX_REPORTED_ERRORS` located errors; `errors_truncated` says whether there were more. */
  errors: LocatedError[];
  errors_truncated: boolean;
  /** For kinds whose columns are found by header name: column -> the header it was read from. */
  columns?: Record<string, string>;
}

export const MAX_REPORTED_ERRORS = 100;

export interface IngestProgress {
  records: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface IngestOptions<T, S = T> {
  db: Db;
  kind: string;
  source: string;
  sourceRef: string;
  /** Records one by one, or in arrays (a parser's records per input chunk: one await per chunk). */
  records: AsyncIterable<Parsed<T> | Parsed<T>[]>;
  /** Turns a parsed record into the stored shape (enrichment); runs in arrival order. */
  prepare?: (record: T) => S;
  /** Stores a batch idempotently; returns the records that were new. */
  insert: (db: Db, batch: S[]) => Promise<S[]>;
  /**
   * Called with newly stored records, batch by batch. When transactional, every batch is held back
   * (spilling to a temporary file past `DEFERRED_MEMORY_RECORDS`) and handed over after the commit.
   */
  onStored?: (stored: S[]) => void;
  batchSize?: number;
  /**
   * All-or-nothing: the whole input in one transaction. Used for HTTP uploads so that an aborted or
   * oversized upload stores nothing. Stored records are announced after the commit.
   */
  transactional?: boolean;
  /** With `transactional`: any rejected record rolls back everything. */
  strict?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /** The symbol a stored record is about, to keep the `symbols` registry current. */
  symbolOf?: (stored: S) => string | null;
}

/**
 * The one ingest loop every source goes through: parse errors are counted and located, records are
 * prepared, batched, stored by natural key (duplicates counted, not stored), announced, and the run is
 * recorded in `ingest_runs`.
 */
export async function runIngest<T, S = T>(opts: IngestOptions<T, S>): Promise<IngestSummary> {
  const batchSize = opts.batchSize ?? 5000;
  const prepare = opts.prepare ?? ((r: T) => r as unknown as S);
  const summary = emptySummary();
  let records = 0;
  const deferred = new DeferredRecords<S>();

  const loop = async (db: Db) => {
    let batch: S[] = [];
    const touched = new Set<string>();
    // One batch is stored while the next is parsed and prepared; accounting and announcements stay in order.
    let inflight: Promise<void> = Promise.resolve();
    const store = async (current: S[], previous: Promise<void>) => {
      const stored = await opts.insert(db, current);
      await previous;
      if (opts.symbolOf && stored.length > 0)
        await touchNew(db, opts.kind, stored.map(opts.symbolOf), touched);
      summary.accepted += stored.length;
      summary.duplicates += current.length - stored.length;
      if (stored.length > 0 && opts.onStored) {
        if (!opts.transactional) opts.onStored(stored);
        else deferred.push(stored);
      }
      opts.onProgress?.({ records, ...counts(summary) });
    };
    const flush = async () => {
      if (batch.length === 0) return;
      const previous = inflight;
      inflight = store(batch, previous);
      inflight.catch(() => undefined); // surfaced by the next await below, not as an unhandled rejection
      batch = [];
      await previous;
    };
    const take = (item: Parsed<T>) => {
      records++;
      if (item.ok) batch.push(prepare(item.record));
      else reject(summary, item.error);
    };
    for await (const item of opts.records) {
      if (!Array.isArray(item)) take(item);
      else {
        for (let i = 0; i < item.length; i++) {
          take(item[i] as Parsed<T>);
          if (batch.length >= batchSize) await flush();
        }
      }
      if (batch.length >= batchSize) await flush();
    }
    await flush();
    await inflight;
    if (opts.strict && summary.rejected > 0) {
      throw new AppError(
        "INVALID_INPUT",
        `${summary.rejected} record(s) rejected in ${opts.sourceRef}; strict mode stored nothing`,
        { errors: summary.errors },
      );
    }
  };

  if (opts.transactional) {
    try {
      await opts.db.transaction(async (tx) => loop(tx as unknown as Db));
    } catch (error) {
      deferred.discard(); // rolled back: nothing was stored, nothing is announced
      throw error;
    }
    for (const stored of deferred.drain()) opts.onStored?.(stored);
  } else {
    await loop(opts.db);
  }
  await recordRun(opts.db, opts, summary);
  return summary;
}

const emptySummary = (): IngestSummary => ({
  run_id: randomUUID(),
  accepted: 0,
  duplicates: 0,
  rejected: 0,
  errors: [],
  errors_truncated: false,
});

/** Counts a rejected record; the first `MAX_REPORTED_ERRORS` keep their location and message. */
function reject(summary: IngestSummary, error: LocatedError): void {
  summary.rejected++;
  if (summary.errors.length < MAX_REPORTED_ERRORS) summary.errors.push(error);
  else summary.errors_truncated = true;
}

/** Registers the symbols this run has not registered yet (`touched` remembers them across batches). */
async function touchNew(db: Db, kind: string, symbols: (string | null)[], touched: Set<string>) {
  const fresh = symbols.map((sym) => sym ?? "").filter((sym) => !touched.has(sym));
  if (fresh.length === 0) return;
  await touchSymbols(db, fresh, kind);
  for (const sym of fresh) touched.add(sym);
}

const counts = (s: IngestSummary) => ({
  accepted: s.accepted,
  duplicates: s.duplicates,
  rejected: s.rejected,
});

async function recordRun<T, S>(db: Db, opts: IngestOptions<T, S>, s: IngestSummary): Promise<void> {
  const runs = schema.ingestRuns;
  await db.insert(runs).values({
    id: s.run_id,
    kind: opts.kind,
    source: opts.source,
    sourceRef: opts.sourceRef.slice(0, 500),
    finishedAt: new Date(),
    accepted: s.accepted,
    duplicates: s.duplicates,
    rejected: s.rejected,
  });
}
