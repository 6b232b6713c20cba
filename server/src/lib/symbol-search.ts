/** Reads of the `symbols` table for the search (`GET /smart-money/symbols?q=`). */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import type { KnownSymbol } from "./symbols";

const toKnown = (r: { symbol: string; kinds: string[]; last_seen_at: Date | string }): KnownSymbol => ({
  symbol: r.symbol,
  kinds: r.kinds,
  last_seen_at: new Date(r.last_seen_at).toISOString(),
});

/** Symbols starting with `prefix` (index `symbols_prefix_idx`), at most `limit`, alphabetical. */
export async function symbolsWithPrefix(db: Db, prefix: string, limit: number): Promise<KnownSymbol[]> {
  const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
  const rows = rowsOf<{ symbol: string; kinds: string[]; last_seen_at: Date | string }>(
    await db.execute(sql`
      select symbol, kinds, last_seen_at from symbols where symbol like ${`${escaped}%`}
      order by symbol limit ${limit}`),
  );
  return rows.map(toKnown);
}

/** These symbols' rows (those that exist). */
export async function symbolsNamed(db: Db, symbols: string[]): Promise<KnownSymbol[]> {
  if (symbols.length === 0) return [];
  const rows = rowsOf<{ symbol: string; kinds: string[]; last_seen_at: Date | string }>(
    await db.execute(sql`
      select symbol, kinds, last_seen_at from symbols where symbol = any(${sql.param(symbols)}::text[])`),
  );
  return rows.map(toKnown);
}

export async function countSymbols(db: Db): Promise<number> {
  const r = rowsOf<{ n: unknown }>(await db.execute(sql`select count(*) as n from symbols`))[0];
  return Number(r?.n ?? 0);
}
