/**
 * The COPY path of the `prints` table, for file ingest on real Postgres: a batch whose keys are all free
 * (a day loaded for the first time) is copied straight into `prints`, at the speed of `psql \copy`; the
 * primary key still guards it, and if a concurrent writer took a key in the meantime (or the batch repeats
 * a stored print) the COPY fails as a whole and the batch goes the slower way: COPY into a session temp
 * table, then `insert ... on conflict do nothing`, which skips what is stored. The statement triggers of
 * migration 0005 keep `print_day_rollups` and `data_versions` exact under COPY as under INSERT. The stored
 * values are those `insertPrints` stores (prints.copy.test.ts compares both paths row by row).
 */
import type { Db } from "@smt/db";
import { pgArrayLiteral } from "../lib/pg-array";
import {
  COPY_THRESHOLD_ROWS,
  type CommitDurability,
  type CopyConnection,
  copyClient,
  copyInTransaction,
  copyIntoStage,
  copyText,
} from "../lib/pg-copy";
import type { EnrichedPrint } from "./print";
import { conditionsLiteral, insertPrints, PRINT_COLUMN_NAMES } from "./prints.store";

const num = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "\\N" : String(v);
const bool = (v: boolean) => (v ? "t" : "f");

/** One print as a COPY text line, columns in `PRINT_COLUMN_NAMES` order. */
function printLine(p: EnrichedPrint): string {
  const ts = p.ts.toISOString();
  const published =
    p.publishedAt && p.publishedAt.getTime() !== p.ts.getTime() ? p.publishedAt.toISOString() : ts;
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
export function* printsCopyText(prints: readonly EnrichedPrint[]): Generator<string> {
  let chunk = "";
  for (const p of prints) {
    chunk += printLine(p);
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = "";
    }
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * True when no stored print falls in the batch's time range of any of its symbols (one primary-key range
 * probe per symbol), which can only err towards "taken": the safe direction.
 */
async function printKeysFree(conn: CopyConnection, prints: readonly EnrichedPrint[]): Promise<boolean> {
  const ranges = new Map<string, { lo: number; hi: number }>();
  for (const p of prints) {
    const t = p.ts.getTime();
    const range = ranges.get(p.symbol);
    if (!range) ranges.set(p.symbol, { lo: t, hi: t });
    else if (t < range.lo) range.lo = t;
    else if (t > range.hi) range.hi = t;
  }
  const result = (await conn.unsafe(
    // LATERAL ... LIMIT 1 keeps this a primary-key probe per symbol whatever the planner thinks.
    `select count(*) = 0 as free
    from unnest($1::text::text[], $2::text::float8[], $3::text::float8[]) as k(symbol, lo, hi),
      lateral (select 1 from prints p where p.symbol = k.symbol
        and p.ts between to_timestamp(k.lo / 1000) and to_timestamp(k.hi / 1000) limit 1) as stored`,
    [
      pgArrayLiteral([...ranges.keys()]),
      pgArrayLiteral([...ranges.values()].map((r) => r.lo)),
      pgArrayLiteral([...ranges.values()].map((r) => r.hi)),
    ],
  )) as { free: boolean }[];
  return result[0]?.free === true;
}

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
  const conn = await client.reserve();
  try {
    if (
      (await printKeysFree(conn, prints)) &&
      (await copyInTransaction(conn, "prints", PRINT_COLUMN_NAMES, printsCopyText(prints), durability))
    ) {
      return prints;
    }
    const stage = await copyIntoStage(conn, "prints", PRINT_COLUMN_NAMES, printsCopyText(prints), durability);
    const columns = PRINT_COLUMN_NAMES.join(", ");
    const inserted = (await conn.unsafe(
      `insert into prints (${columns}) select ${columns} from ${stage} on conflict do nothing returning trade_key`,
    )) as unknown as { trade_key: string }[];
    await conn.unsafe(`truncate ${stage}`);
    if (inserted.length === prints.length) return prints;
    const fresh = new Set(inserted.map((r) => r.trade_key));
    return prints.filter((p) => fresh.has(p.tradeKey));
  } finally {
    conn.release();
  }
}
