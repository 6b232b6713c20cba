import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { AppError } from "../errors";
import { canonicalSymbol } from "./symbol-form";

export { CANONICAL_SYMBOL, canonicalSymbol, filedSymbol, type SymbolResult } from "./symbol-form";

/**
 * A symbol from a request (path, query, body, socket subscribe) in its canonical form: `brk.b`, `BRK/B`,
 * `BRK-B`, `BRK B` all give `BRK.B`, `AAICpB` and `AAIC-PB` give `AAIC.PRB` (lib/symbol-form.ts).
 */
export function normalizeSymbol(input: string): string {
  const result = canonicalSymbol(input);
  if (!result.ok) {
    throw new AppError(
      "INVALID_INPUT",
      `${result.message}; a ticker is letters and digits with . / - class separators`,
      {
        field: "symbol",
      },
    );
  }
  return result.symbol;
}

/** Records that these symbols now have data of `kind` (one statement per batch). */
export async function touchSymbols(db: Db, symbols: Iterable<string>, kind: string): Promise<void> {
  const list = [...new Set(symbols)].filter((s) => s.length > 0);
  if (list.length === 0) return;
  await db.execute(sql`
    insert into symbols (symbol, kinds)
    select s, array[${kind}::text] from unnest(${sql.param(list)}::text[]) as s
    on conflict (symbol) do update set
      kinds = case when ${kind}::text = any(symbols.kinds) then symbols.kinds else symbols.kinds || ${kind}::text end,
      last_seen_at = now()`);
}

export interface KnownSymbol {
  symbol: string;
  kinds: string[];
  last_seen_at: string;
}

export async function listSymbols(db: Db): Promise<KnownSymbol[]> {
  const rows = rowsOf<{ symbol: string; kinds: string[]; last_seen_at: Date | string }>(
    await db.execute(sql`select symbol, kinds, last_seen_at from symbols order by symbol`),
  );
  return rows.map((r) => ({
    symbol: r.symbol,
    kinds: r.kinds,
    last_seen_at: new Date(r.last_seen_at).toISOString(),
  }));
}

/**
 * 404 for a well-formed symbol nothing was ever stored for: a typo should not look like "no activity".
 * A spelling with its class separator dropped or added (`BRKB` for `BRK.B`, as CUSIP maps write it)
 * resolves to the stored symbol when exactly one stored symbol matches it that way.
 */
export async function requireKnownSymbol(db: Db, input: string): Promise<string> {
  const symbol = normalizeSymbol(input);
  const exact = rowsOf<{ symbol: string }>(
    await db.execute(sql`select symbol from symbols where symbol = ${symbol}`),
  );
  if (exact.length > 0) return symbol;
  // Only for unknown spellings, so the scan stays off the common path.
  const rows = rowsOf<{ symbol: string }>(
    await db.execute(
      sql`select symbol from symbols where replace(symbol, '.', '') = ${symbol.replaceAll(".", "")} limit 3`,
    ),
  );
  if (rows.length === 1) return (rows[0] as { symbol: string }).symbol;
  if (rows.length === 0) {
    throw new AppError("NOT_FOUND", `No data has been ingested for symbol ${symbol}`, { symbol });
  }
  throw new AppError(
    "INVALID_INPUT",
    `Symbol ${input} is ambiguous: it matches ${rows.map((r) => r.symbol).join(", ")}; write the class separator`,
    { field: "symbol" },
  );
}
