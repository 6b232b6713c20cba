import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { AppError } from "../errors";

/** Tickers as the tape and FINRA write them: letters, digits and the class separators `.`, `/`, `-`. */
export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9./-]{0,13}$/;

export function normalizeSymbol(input: string): string {
  const symbol = input.trim().toUpperCase();
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw new AppError(
      "INVALID_INPUT",
      `"${input}" is not a ticker symbol (letters, digits, . / -, up to 14)`,
      {
        field: "symbol",
      },
    );
  }
  return symbol;
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

/** 404 for a well-formed symbol nothing was ever stored for: a typo should not look like "no activity". */
export async function requireKnownSymbol(db: Db, input: string): Promise<string> {
  const symbol = normalizeSymbol(input);
  const rows = rowsOf<{ one: number }>(
    await db.execute(sql`select 1 as one from symbols where symbol = ${symbol}`),
  );
  if (rows.length === 0) {
    throw new AppError("NOT_FOUND", `No data has been ingested for symbol ${symbol}`, { symbol });
  }
  return symbol;
}
