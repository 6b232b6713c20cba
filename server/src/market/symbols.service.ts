/**
 * The symbol search: ticker prefix or a word of the security's name, ranked by activity (off-exchange
 * shares of the latest FINRA day or print day, whichever is larger), never the whole table by default.
 */
import type { Db } from "@smt/db";
import { AppError } from "../errors";
import { SHORT_QUERY, searchAll, searchByKey, searchByText } from "../lib/symbol-search";

/**
 * Matches looked at for one query: `total` counts at most this many (then `total_is_lower_bound` is true)
 * and the ranking is over them.
 */
export const MAX_CANDIDATES = 5000;
export const SEARCH_RANKING =
  "exact ticker first, then activity (off-exchange shares of the latest FINRA day or print day) descending, then ticker";

const QUERY = /^[A-Za-z0-9 .\-/&']{1,40}$/;

export async function searchSymbols(db: Db, q: { q?: string | undefined; limit: number; offset: number }) {
  const text = q.q?.trim() ?? "";
  if (text !== "" && !QUERY.test(text)) {
    throw new AppError("INVALID_INPUT", "q: letters, digits, space and . - / & ' only (1-40 characters)", {
      field: "q",
    });
  }
  const need = q.offset + q.limit;
  const prefix = text.toUpperCase().replace(/[/-]/g, ".").replace(/\s+/g, ".");
  const page = { limit: q.limit, offset: q.offset, cap: MAX_CANDIDATES };
  const got =
    text === ""
      ? await searchAll(db, q)
      : text.length <= SHORT_QUERY
        ? await searchByKey(db, { key: text.toLowerCase(), prefix, ...page })
        : await searchByText(db, { prefix, word: text.toLowerCase(), ...page });
  const lowerBound = text !== "" && got.total >= MAX_CANDIDATES;
  return {
    q: text === "" ? null : text,
    symbols: got.rows,
    total: got.total,
    total_is_lower_bound: lowerBound,
    limit: q.limit,
    offset: q.offset,
    next_offset: need < got.total ? need : null,
    ranking: SEARCH_RANKING,
  };
}
