import { date, doublePrecision, index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

/**
 * The symbol search's name index: for each `securities` row, one row per word start of its lower-cased
 * name (position 1 and every position after a space), holding the name from there on, cut at 40
 * characters (the longest query). `word like 'bank of%'` then finds a name starting with the query or
 * having a word that does, as `lower(name) like 'q%' or lower(name) like '% q%'` did, by a btree range
 * (text_pattern_ops, any collation) on both engines (PGlite has no pg_trgm preloaded; a word-prefix table
 * needs no extension). Kept exact by row triggers on `securities` (migration 0023), back-filled there.
 */
export const symbolNameWords = pgTable(
  "symbol_name_words",
  {
    cusip: text("cusip").notNull(),
    source: text("source").notNull(),
    position: integer("position").notNull(),
    word: text("word").notNull(),
    symbol: text("symbol").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.cusip, t.source, t.position] }),
    index("symbol_name_words_word_idx").on(t.word.op("text_pattern_ops"), t.symbol),
    // A symbol's words (the short queries' keys, migration 0025).
    index("symbol_name_words_symbol_idx").on(t.symbol),
  ],
);

/**
 * The search's activity rank: per symbol, the larger of its off-exchange shares on the latest FINRA day
 * (CNMS total, else the facility files' sum without FORF) and on the latest print day (print_day_rollups
 * off_volume); symbols with neither are absent. Kept exact by statement triggers on `short_volume` and
 * `print_day_rollups` (migration 0023): touched symbols are recomputed, everything when a latest day moves.
 */
export const symbolActivity = pgTable(
  "symbol_activity",
  {
    symbol: text("symbol").primaryKey(),
    activity: doublePrecision("activity").notNull(),
  },
  (t) => [index("symbol_activity_rank_idx").on(t.activity.desc(), t.symbol)],
);

/** The latest days `symbol_activity` was computed for (one row, id 1). */
export const symbolActivityDays = pgTable("symbol_activity_days", {
  id: integer("id").primaryKey(),
  finraDay: date("finra_day", { mode: "string" }),
  printDay: date("print_day", { mode: "string" }),
});

/**
 * The short queries' index (1-3 characters, the ones matching thousands of symbols): one row per query text
 * (lower-cased, as asked) and symbol it matches, by ticker prefix (the text's ticker spelling, `/` and `-`
 * read as `.`) or name word (symbol_name_words), known symbols only, so that a page reads one key's rows
 * (a few thousand at most) joined to `symbol_activity`, top-N sorted. Kept exact by triggers on `symbols` and
 * `symbol_name_words` (migration 0025), back-filled there. No activity copy (migration 0030): live prints move
 * the activity of every symbol they touch, and copying it into each of a symbol's keys made ingest 2.4x slower.
 */
export const symbolSearchKeys = pgTable(
  "symbol_search_keys",
  {
    key: text("key").notNull(),
    symbol: text("symbol").notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.symbol] }), index("symbol_search_keys_symbol_idx").on(t.symbol)],
);

/**
 * The filer search's name index (`/institutional/filers?q=`): for each `thirteenf_filings` row, one row per
 * word start of its lower-cased filer name (position 1 and every position after a space), holding the name
 * from there on, cut at 100 characters (the longest query). A btree range on `word` then finds the filings
 * whose name starts with the query or has a word that does, as `lower(filer_name) like 'q%' or like '% q%'`
 * did by reading every filing (17,000 at full size: ~5-12 ms a query). Kept exact by row triggers on
 * `thirteenf_filings`, back-filled in the migration (`*_filer_name_words`).
 */
export const filerNameWords = pgTable(
  "filer_name_words",
  {
    accession: text("accession").notNull(),
    position: integer("position").notNull(),
    word: text("word").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accession, t.position] }),
    index("filer_name_words_word_idx").on(t.word.op("text_pattern_ops"), t.accession),
  ],
);
