-- Custom (issue 14, ingest speed): symbol_search_keys no longer copies each symbol's activity. Live prints move
-- the activity of every symbol a batch touches, and the copy rewrote (and locked) every key row of those symbols
-- on each batch: a 1,000,000-print market day over 10,000 symbols ingested at 26,000 rows/s with it, 64,000
-- without (same run, same machine). A short query now reads its key's rows (at most a few thousand) joined to
-- symbol_activity and keeps the top of the page (server/src/lib/symbol-search.ts searchByKey).
DROP TRIGGER symbol_activity_search_keys_insert ON symbol_activity;--> statement-breakpoint
DROP TRIGGER symbol_activity_search_keys_update ON symbol_activity;--> statement-breakpoint
DROP TRIGGER symbol_activity_search_keys_delete ON symbol_activity;--> statement-breakpoint
DROP TRIGGER symbol_activity_search_keys_truncate ON symbol_activity;--> statement-breakpoint
DROP FUNCTION smt_search_keys_activity();--> statement-breakpoint
DROP INDEX "symbol_search_keys_rank_idx";--> statement-breakpoint
ALTER TABLE "symbol_search_keys" DROP COLUMN "activity";--> statement-breakpoint
DROP FUNCTION smt_search_keys_of(text[]);--> statement-breakpoint
CREATE FUNCTION smt_search_keys_of(syms text[]) RETURNS TABLE (key text, symbol text)
LANGUAGE sql STABLE AS $f$
  SELECT DISTINCT k.key, s.symbol
  FROM (SELECT DISTINCT unnest(syms) AS symbol) AS t
  JOIN symbols s ON s.symbol = t.symbol
  CROSS JOIN LATERAL (
    -- each text of n characters whose ticker spelling is the ticker's first n (a `.` is asked as . - / or, inside
    -- the text, a space; `p` of `ABRpA` has no upper-case text, so no row)
    SELECT c1.c || c2.c || c3.c AS key
    FROM generate_series(1, least(3, length(s.symbol))) AS n,
      LATERAL unnest(CASE WHEN substr(s.symbol, 1, 1) = '.' THEN ARRAY['.', '-', '/']
        ELSE ARRAY[lower(substr(s.symbol, 1, 1))] END) AS c1(c),
      LATERAL unnest(CASE WHEN n < 2 THEN ARRAY[''] WHEN substr(s.symbol, 2, 1) <> '.' THEN ARRAY[lower(substr(s.symbol, 2, 1))]
        WHEN n = 3 THEN ARRAY['.', '-', '/', ' '] ELSE ARRAY['.', '-', '/'] END) AS c2(c),
      LATERAL unnest(CASE WHEN n < 3 THEN ARRAY[''] WHEN substr(s.symbol, 3, 1) = '.' THEN ARRAY['.', '-', '/']
        ELSE ARRAY[lower(substr(s.symbol, 3, 1))] END) AS c3(c)
    WHERE upper(translate(c1.c || c2.c || c3.c, '/- ', '...')) = left(s.symbol, n)
    UNION
    SELECT left(w.word, n) FROM symbol_name_words w, generate_series(1, 3) AS n
    WHERE w.symbol = s.symbol AND length(w.word) >= n
  ) AS k
  -- texts the search can be asked (trimmed: a space only inside)
  WHERE k.key ~ '^[a-z0-9./&''-]([a-z0-9 ./&''-]?[a-z0-9./&''-])?$'
$f$;
--> statement-breakpoint
-- Recomputes the keys of `syms` (a symbol added or removed, a name changed): stale rows deleted, new ones added.
CREATE OR REPLACE FUNCTION smt_search_keys_refresh(syms text[]) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  WITH n AS MATERIALIZED (SELECT * FROM smt_search_keys_of(syms))
  DELETE FROM symbol_search_keys k USING (SELECT DISTINCT unnest(syms) AS symbol) AS t
    WHERE k.symbol = t.symbol AND NOT EXISTS (SELECT 1 FROM n WHERE n.key = k.key AND n.symbol = k.symbol);
  INSERT INTO symbol_search_keys (key, symbol)
    SELECT n.key, n.symbol FROM smt_search_keys_of(syms) n ORDER BY n.key, n.symbol
  ON CONFLICT (key, symbol) DO NOTHING;
END
$f$;
--> statement-breakpoint
-- Without JIT: the planner's estimates for these small per-batch statements pass jit_above_cost, and compiling
-- them cost ~50 ms a call (a refresh of 100 new symbols took 630-990 ms with JIT, 21-26 ms without); an ingest
-- that meets new symbols in every batch paid it on every batch.
ALTER FUNCTION smt_search_keys_of(text[]) SET jit = off;--> statement-breakpoint
ALTER FUNCTION smt_search_keys_refresh(text[]) SET jit = off;
