/**
 * The symbol search: ticker prefix or a word of the security's name, ranked by activity (off-exchange
 * shares of the latest FINRA day or print day, whichever is larger), never the whole table by default.
 */
import type { Db } from "@smt/db";
import { symbolActivity } from "../darkpool/market.service";
import { AppError } from "../errors";
import { namesOfSymbols, symbolsByName } from "../institutional/market.service";
import { countSymbols, symbolsNamed, symbolsWithPrefix } from "../lib/symbol-search";
import type { KnownSymbol } from "../lib/symbols";

/** Candidates looked at for one query; `total` counts at most this many. */
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
  let candidates: KnownSymbol[];
  let total: number;
  let activity: Map<string, number>;
  if (text === "") {
    total = await countSymbols(db);
    activity = await symbolActivity(db, null, need);
    const ranked = (await symbolsNamed(db, [...activity.keys()])).sort(
      (a, b) =>
        (activity.get(b.symbol) ?? 0) - (activity.get(a.symbol) ?? 0) || a.symbol.localeCompare(b.symbol),
    );
    const rest = need > ranked.length ? await symbolsWithPrefix(db, "", need + activity.size) : [];
    candidates = [...ranked, ...rest.filter((s) => !activity.has(s.symbol))];
  } else {
    const prefix = text.toUpperCase().replace(/[/-]/g, ".").replace(/\s+/g, ".");
    const [byTicker, byName] = await Promise.all([
      symbolsWithPrefix(db, prefix, MAX_CANDIDATES),
      symbolsByName(db, text, MAX_CANDIDATES),
    ]);
    const seen = new Set(byTicker.map((s) => s.symbol));
    const extra = await symbolsNamed(
      db,
      [...byName.keys()].filter((s) => !seen.has(s)),
    );
    candidates = [...byTicker, ...extra].slice(0, MAX_CANDIDATES);
    total = candidates.length;
    activity = await symbolActivity(
      db,
      candidates.map((c) => c.symbol),
      candidates.length,
    );
    candidates.sort(
      (a, b) =>
        Number(b.symbol === prefix) - Number(a.symbol === prefix) ||
        (activity.get(b.symbol) ?? -1) - (activity.get(a.symbol) ?? -1) ||
        a.symbol.localeCompare(b.symbol),
    );
  }
  const pageRows = candidates.slice(q.offset, need);
  const names = await namesOfSymbols(
    db,
    pageRows.map((s) => s.symbol),
  );
  return {
    q: text === "" ? null : text,
    symbols: pageRows.map((s) => ({
      ...s,
      name: names.get(s.symbol) ?? null,
      activity: activity.get(s.symbol) ?? null,
    })),
    total,
    limit: q.limit,
    offset: q.offset,
    next_offset: need < total ? need : null,
    ranking: SEARCH_RANKING,
  };
}
