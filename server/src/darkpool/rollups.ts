/**
 * Fast reads over big print tables, exact under new data.
 *
 * 1. `print_day_rollups` (db/src/schema/rollups.ts) holds per symbol and New York trading day the aggregates
 *    the read API needs (print-aggregate.ts). Triggers (migration 0005) maintain it under every writer.
 *    `dayAggregates` (print-aggregate.ts) reads it
 *    for every day that provably lies wholly inside the requested window (the day's first and last counted
 *    print inside [since, until), and, point in time, its newest publication at or before `as_of`) and scans
 *    `prints` only for the other days, so a result is always the one a scan would give.
 * 2. `readScope` memoises store reads per symbol and data version. `data_versions.version` changes in the
 *    same transaction as any change to the symbol's prints, bars, FINRA short volume or ATS rows, so a
 *    cached read is served only while nothing it could depend on has changed, whichever process wrote.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";

export interface ReadScope {
  /**
   * `load()` once per symbol, data version, `name` and `args`, shared by every request until the symbol's
   * data changes. Dates in `args` later than everything stored for the symbol are all equivalent (no row
   * lies between them), so they share one entry: a request "as of now" hits what the last one computed.
   */
  read<T>(name: string, args: readonly unknown[], load: () => Promise<T>): Promise<T>;
}

interface Entry {
  version: number;
  value: Promise<unknown>;
}
const caches = new WeakMap<Db, Map<string, Entry>>();
/** Entries kept per database handle (a few per route and symbol); the oldest go first. */
export const READ_CACHE_ENTRIES = 50_000;

const PASS_THROUGH: ReadScope = { read: (_name, _args, load) => load() };

/**
 * A request's view of the read cache for one symbol, from one primary-key read of `data_versions`. A
 * point-in-time request (`asOf` before the newest stored event or publication) bypasses the cache.
 */
export async function readScope(db: Db, symbol: string, asOf: Date): Promise<ReadScope> {
  const rows = rowsOf<{ version: unknown; max_time: unknown }>(
    await db.execute(sql`select version, max_time from data_versions where symbol = ${symbol}`),
  );
  const row = rows[0];
  if (!row || row.max_time === null) return PASS_THROUGH;
  const maxTimeMs = new Date(row.max_time as string).getTime();
  if (asOf.getTime() < maxTimeMs) return PASS_THROUGH;
  const version = Number(row.version);
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  const store = cache;
  const keyOf = (name: string, args: readonly unknown[]) =>
    `${symbol}\u0000${name}\u0000${args
      .map((a) =>
        a instanceof Date ? (a.getTime() > maxTimeMs ? "+inf" : a.toISOString()) : JSON.stringify(a),
      )
      .join("\u0000")}`;
  return {
    read<T>(name: string, args: readonly unknown[], load: () => Promise<T>): Promise<T> {
      const key = keyOf(name, args);
      const hit = store.get(key);
      // An entry computed at a later version holds newer data than this request's start: still correct.
      if (hit && hit.version >= version) return hit.value as Promise<T>;
      const value = load();
      const entry: Entry = { version, value };
      store.delete(key);
      store.set(key, entry);
      if (store.size > READ_CACHE_ENTRIES) {
        const oldest = store.keys().next().value;
        if (oldest !== undefined) store.delete(oldest);
      }
      value.catch(() => {
        if (store.get(key) === entry) store.delete(key);
      });
      return value;
    },
  };
}
