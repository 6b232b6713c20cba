/**
 * The COPY path of the `prints` table, for file ingest on real Postgres: a batch whose keys are all free
 * (a day loaded for the first time) is copied straight into `prints`, at the speed of `psql \copy`; the
 * primary key still guards it, and if a concurrent writer took a key in the meantime (or the batch repeats
 * a stored print) the COPY fails as a whole and the batch goes the slower way: COPY into a session temp
 * table, then `insert ... on conflict do nothing`, which skips what is stored. The statement triggers of
 * migration 0005 keep `print_day_rollups` and `data_versions` exact under COPY as under INSERT; the direct
 * COPY upserts the batch's `print_day_bins` itself in the same transaction (print-bins.chunk.ts, migration
 * 0031), the staged path leaves them to the trigger. The stored values are those `insertPrints` stores
 * (prints.copy.test.ts compares both paths row by row; file-ingest-derived.test.ts the derived tables).
 */
import type { Db } from "@smt/db";
import { daysOf, ensureDayPartitions } from "../lib/day-partitions";
import {
  COPY_THRESHOLD_ROWS,
  type CommitDurability,
  copyChunks,
  copyClient,
  copyNewRows,
  copyText,
  copyTimestamp,
  type KeyRangeProbe,
  keyRanges,
} from "../lib/pg-copy";
import type { EnrichedPrint } from "./print";
import { BINS_UPSERT, binsOfBatch } from "./print-bins.chunk";
import { conditionsLiteral, insertPrints, PRINT_COLUMN_NAMES } from "./prints.store";

const num = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "\\N" : String(v);
const bool = (v: boolean) => (v ? "t" : "f");

/** One print as a COPY text line, columns in `PRINT_COLUMN_NAMES` order. */
function printLine(p: EnrichedPrint): string {
  const tsMs = p.ts.getTime();
  const ts = copyTimestamp(tsMs);
  const publishedMs = p.publishedAt ? p.publishedAt.getTime() : tsMs;
  const published = publishedMs !== tsMs ? copyTimestamp(publishedMs) : ts;
  return (
    `${copyText(p.symbol)}\t${ts}\t${copyText(p.tradeKey)}\t${num(p.price)}\t${num(p.sizeShares)}\t` +
    `${num(p.valueUsd)}\t${copyText(p.exchange)}\t${num(p.trfId)}\t${bool(p.isOffExchange)}\t` +
    `${copyText(p.tape)}\t${copyText(conditionsLiteral(p.conditions))}\t${bool(p.blockEligible)}\t` +
    `${copyText(p.exclusionReason)}\t${bool(p.isIso)}\t${bool(p.isLate)}\t${bool(p.extendedHours)}\t` +
    `${num(p.correction)}\t${num(p.marketPrice)}\t${copyText(p.marketPriceSource)}\t${num(p.bid)}\t` +
    `${num(p.ask)}\t${num(p.premiumDiscountPct)}\t${copyText(p.side)}\t${copyText(p.sentiment)}\t` +
    `${copyText(p.source)}\t${copyText(p.sourceRef)}\t${published}\n`
  );
}

/** `prints` as COPY text in pieces of about 64 KB. */
export const printsCopyText = (prints: readonly EnrichedPrint[]) => copyChunks(prints, printLine);

/** Print keys: per symbol, the batch's time range (epoch milliseconds). */
const PRINT_KEYS: KeyRangeProbe = {
  table: "prints",
  key: "symbol",
  range: "ts",
  type: "float8",
  bound: (v) => `to_timestamp(${v} / 1000)`,
};

/**
 * Stores prints idempotently and returns the ones that were new, as `insertPrints` does: by COPY on real
 * Postgres for a batch of `COPY_THRESHOLD_ROWS` or more outside a transaction, else through `insertPrints`.
 * `deferred`: the batch's commit does not wait for its WAL flush (file ingest, which ends with a synchronous
 * write of its `ingest_runs` row and is idempotent: see `CommitDurability`).
 */
export async function copyPrints(
  db: Db,
  prints: EnrichedPrint[],
  durability: CommitDurability = "flushed",
  /** Tests: the smallest batch that goes by COPY (default `COPY_THRESHOLD_ROWS`). */
  minRows = COPY_THRESHOLD_ROWS,
): Promise<EnrichedPrint[]> {
  const client =
    prints.length >= minRows ? copyClient(db, Math.max(prints.length, COPY_THRESHOLD_ROWS)) : null;
  if (!client) return insertPrints(db, prints);
  // COPY into the partitioned parent routes each row to its day; create the batch's days first, else the rows
  // would land in the DEFAULT partition (and fail if another session creates that day meanwhile).
  await ensureDayPartitions(db, "prints", daysOf(prints));
  // The batch's bins, upserted in the COPY's transaction with the trigger skipped (print-bins.chunk.ts);
  // null: the trigger computes them.
  const bins = binsOfBatch(prints);
  const conn = await client.reserve();
  try {
    const stored = await copyNewRows<{ trade_key: string }>(conn, {
      probe: PRINT_KEYS,
      ranges: keyRanges(
        prints,
        (p) => p.symbol,
        (p) => p.ts.getTime(),
      ),
      columns: PRINT_COLUMN_NAMES,
      text: () => printsCopyText(prints),
      durability,
      returning: "trade_key",
      // Before the COPY: bins then rollups (the trigger's order, alphabetical), the lock order of every writer.
      companions: bins
        ? async (c) => {
            await c.unsafe("set local smt.bins_by_writer = on");
            await c.unsafe(BINS_UPSERT, bins);
          }
        : undefined,
    });
    if (stored.all || stored.count === prints.length) return prints;
    const fresh = new Set(stored.rows.map((r) => r.trade_key));
    return prints.filter((p) => fresh.has(p.tradeKey));
  } finally {
    conn.release();
  }
}
