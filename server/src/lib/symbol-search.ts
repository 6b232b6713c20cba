/**
 * The symbol search's reads (`GET /smart-money/symbols?q=`), one statement each, index-driven on both
 * engines: ticker prefixes by `symbols_prefix_idx` (text_pattern_ops), name words by `symbol_name_words`
 * (a btree over each word start of the securities' names), the activity rank from `symbol_activity`
 * (kept by triggers, migration 0023), the page's names looked up for the page's rows only.
 */
import { type Db, preparedRows } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { num } from "./row-values";
import type { KnownSymbol } from "./symbols";

export interface SearchRow extends KnownSymbol {
  name: string | null;
  activity: number | null;
}

type Raw = {
  total: unknown;
  symbol: string | null;
  kinds: string[];
  last_seen_at: Date | string;
  name: string | null;
  activity: unknown;
};

/**
 * `col` starts with `prefix`, as a byte range (`~>=~` / `~<~`, the text_pattern_ops operators): unlike
 * `like $1`, a range keeps the prefix index in the generic plans of prepared statements.
 */
export const startsWith = (col: SQL, prefix: string) => {
  const next = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
  return sql`${col} ~>=~ ${prefix} and ${col} ~<~ ${next}`;
};

/** The page (`page`: symbol, activity and `ord` of the rows asked) with their names and `total`. */
async function run(db: Db, withs: SQL, total: SQL, page: SQL): Promise<{ rows: SearchRow[]; total: number }> {
  const raw = await preparedRows<Raw>(
    db,
    sql`${withs}
      select t.total, p.symbol, s.kinds, s.last_seen_at, p.activity,
        (select min(name) from securities n where n.symbol = p.symbol) as name
      from (${total}) as t(total) left join lateral (${page}) as p on true
        -- per row of the page (offset 0 keeps the probe: joined, the planner hashes the whole table)
        left join lateral (select s.kinds, s.last_seen_at from symbols s where s.symbol = p.symbol offset 0) s on true
      order by p.ord`,
  );
  const rows = raw
    .filter((r) => r.symbol !== null)
    .map((r) => ({
      symbol: r.symbol as string,
      kinds: r.kinds,
      last_seen_at: new Date(r.last_seen_at).toISOString(),
      name: r.name ?? null,
      activity: r.activity === null ? null : num(r.activity),
    }));
  return { rows, total: num(raw[0]?.total) };
}

/**
 * Symbols whose ticker starts with `prefix` or whose security name (lower-cased) starts with `word` or has a
 * word that does; `exact` first, then activity descending (none last), then ticker. `total` counts the
 * matches up to `cap` (the caller labels a total that reached it a lower bound); the ranking is over them.
 */
export async function searchByText(
  db: Db,
  q: { prefix: string; word: string; limit: number; offset: number; cap: number },
): Promise<{ rows: SearchRow[]; total: number }> {
  return run(
    db,
    sql`with c as materialized (select symbol from (
        select symbol from symbols where ${startsWith(sql`symbol`, q.prefix)}
        union select w.symbol from symbol_name_words w where ${startsWith(sql`w.word`, q.word)}
          and exists (select 1 from symbols s where s.symbol = w.symbol)) as m limit ${q.cap})`,
    sql`select count(*) from c`,
    // Activity probed per match (a join hashes the whole rank table for a few hundred matches).
    sql`select x.symbol, x.activity,
        row_number() over (order by x.symbol = ${q.prefix} desc, x.activity desc nulls last, x.symbol) as ord
      from (select c.symbol, (select a.activity from symbol_activity a where a.symbol = c.symbol) as activity
        from c) as x
      order by ord limit ${q.limit} offset ${q.offset}`,
  );
}

/** Texts up to this long are answered from `symbol_search_keys` (migration 0025). */
export const SHORT_QUERY = 3;

/**
 * `searchByText` for a text of 1-3 characters (`key`: lower-cased, as asked; `prefix`: its ticker spelling),
 * the same rows in the same order, from `symbol_search_keys`: the key's rows (one index range, a few thousand
 * at most), each one's `symbol_activity` probed, the exact ticker first, then activity descending (none last), then
 * ticker, the top of the page kept by a top-N sort. `total` counts the key's rows up to `cap`.
 */
export async function searchByKey(
  db: Db,
  q: { key: string; prefix: string; limit: number; offset: number; cap: number },
): Promise<{ rows: SearchRow[]; total: number }> {
  return run(
    db,
    sql``,
    sql`select least(count(*), ${q.cap}) from symbol_search_keys where key = ${q.key}`,
    sql`select x.symbol, x.activity,
        row_number() over (order by x.exact desc, x.activity desc nulls last, x.symbol) as ord from (
        select y.* from (select k.symbol, k.symbol = ${q.prefix} as exact,
            (select a.activity from symbol_activity a where a.symbol = k.symbol) as activity
          from symbol_search_keys k where k.key = ${q.key}) as y
        order by y.exact desc, y.activity desc nulls last, y.symbol limit ${q.limit + q.offset}
      ) as x order by ord limit ${q.limit} offset ${q.offset}`,
  );
}

/**
 * Every known symbol, most active first (by `symbol_activity_rank_idx`), then the rest by ticker. The rest
 * (symbols without activity) is read only when the active ones do not fill the page: found by an anti join
 * over both tables, it would otherwise cost a scan of each on every page.
 */
export async function searchAll(
  db: Db,
  q: { limit: number; offset: number },
): Promise<{ rows: SearchRow[]; total: number }> {
  const need = q.limit + q.offset;
  return run(
    db,
    sql`with a as materialized (select a.symbol, a.activity from symbol_activity a
        where exists (select 1 from symbols s where s.symbol = a.symbol)
        order by a.activity desc nulls last, a.symbol limit ${need})`,
    sql`select count(*) from symbols`,
    sql`select *, row_number() over (order by x.activity desc nulls last, x.symbol) as ord from (
        select symbol, activity from a
        union all
        (select s.symbol, null::float8 from symbols s
          where (select count(*) from a) < ${need}
            and not exists (select 1 from symbol_activity a where a.symbol = s.symbol)
          order by s.symbol limit ${need})
      ) as x order by ord limit ${q.limit} offset ${q.offset}`,
  );
}
