CREATE TABLE "symbol_search_keys" (
	"key" text NOT NULL,
	"symbol" text NOT NULL,
	"activity" double precision,
	CONSTRAINT "symbol_search_keys_key_symbol_pk" PRIMARY KEY("key","symbol")
);
--> statement-breakpoint
CREATE INDEX "symbol_search_keys_rank_idx" ON "symbol_search_keys" USING btree ("key","activity" DESC NULLS LAST,"symbol");--> statement-breakpoint
CREATE INDEX "symbol_search_keys_symbol_idx" ON "symbol_search_keys" USING btree ("symbol");--> statement-breakpoint
CREATE INDEX "symbol_name_words_symbol_idx" ON "symbol_name_words" USING btree ("symbol");--> statement-breakpoint
-- Issue 12, the symbol search's short queries (docs/methodology.md "Symbol search"): one row per query text of
-- 1-3 characters and symbol it matches, with the symbol's activity, so a page of `?q=a` walks one index in the
-- search's order instead of gathering, joining and sorting thousands of matches. A text matches a symbol as
-- server/src/lib/symbol-search.ts matches it: the ticker starts with the text's ticker spelling (upper case,
-- `/`, `-` and spaces read as `.`), or a name word (symbol_name_words) starts with the text; known symbols only.
-- The keys of `syms`, as the search would find them (texts it can be asked: letters, digits, . - / & ').
CREATE FUNCTION smt_search_keys_of(syms text[]) RETURNS TABLE (key text, symbol text, activity double precision)
LANGUAGE sql STABLE AS $f$
  SELECT DISTINCT k.key, s.symbol, a.activity
  FROM (SELECT DISTINCT unnest(syms) AS symbol) AS t
  JOIN symbols s ON s.symbol = t.symbol
  LEFT JOIN symbol_activity a ON a.symbol = s.symbol
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
CREATE FUNCTION smt_search_keys_refresh(syms text[]) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  WITH n AS MATERIALIZED (SELECT * FROM smt_search_keys_of(syms))
  DELETE FROM symbol_search_keys k USING (SELECT DISTINCT unnest(syms) AS symbol) AS t
    WHERE k.symbol = t.symbol AND NOT EXISTS (SELECT 1 FROM n WHERE n.key = k.key AND n.symbol = k.symbol);
  INSERT INTO symbol_search_keys (key, symbol, activity)
    SELECT n.key, n.symbol, n.activity FROM smt_search_keys_of(syms) n ORDER BY n.key, n.symbol
  ON CONFLICT (key, symbol) DO UPDATE SET activity = excluded.activity
    WHERE symbol_search_keys.activity IS DISTINCT FROM excluded.activity;
END
$f$;
--> statement-breakpoint
-- Statement triggers on `symbols` (inserted, deleted, renamed) and `symbol_name_words` (any change).
CREATE FUNCTION smt_search_keys_touched() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  syms text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF TG_TABLE_NAME = 'symbols' THEN
      DELETE FROM symbol_search_keys;
    ELSE
      PERFORM smt_search_keys_refresh(array(SELECT symbol FROM symbols));
    END IF;
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN
    syms := array(SELECT DISTINCT symbol FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    syms := array(SELECT DISTINCT symbol FROM old_rows);
  ELSE
    syms := array(SELECT symbol FROM old_rows UNION SELECT symbol FROM new_rows);
  END IF;
  IF cardinality(syms) > 0 THEN
    PERFORM smt_search_keys_refresh(syms);
  END IF;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
-- A renamed symbol (`symbols` rows are otherwise only touched: last_seen_at, kinds), per row by its WHEN.
CREATE FUNCTION smt_search_keys_renamed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM smt_search_keys_refresh(ARRAY[OLD.symbol, NEW.symbol]);
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER symbols_search_keys_insert AFTER INSERT ON symbols REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_touched();
--> statement-breakpoint
CREATE TRIGGER symbols_search_keys_delete AFTER DELETE ON symbols REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_touched();
--> statement-breakpoint
CREATE TRIGGER symbols_search_keys_update AFTER UPDATE OF symbol ON symbols FOR EACH ROW
  WHEN (OLD.symbol IS DISTINCT FROM NEW.symbol) EXECUTE FUNCTION smt_search_keys_renamed();
--> statement-breakpoint
CREATE TRIGGER symbols_search_keys_truncate AFTER TRUNCATE ON symbols
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_touched();
--> statement-breakpoint
CREATE TRIGGER symbol_name_words_search_keys_insert AFTER INSERT ON symbol_name_words REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_touched();
--> statement-breakpoint
CREATE TRIGGER symbol_name_words_search_keys_delete AFTER DELETE ON symbol_name_words REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_touched();
--> statement-breakpoint
CREATE TRIGGER symbol_name_words_search_keys_update AFTER UPDATE ON symbol_name_words
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_touched();
--> statement-breakpoint
CREATE TRIGGER symbol_name_words_search_keys_truncate AFTER TRUNCATE ON symbol_name_words
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_touched();
--> statement-breakpoint
-- The activity copy follows `symbol_activity` (each new FINRA or print day, each print batch's symbols).
-- Rows are locked in key order first, so two writers never wait on each other crosswise.
CREATE FUNCTION smt_search_keys_activity() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  syms text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE symbol_search_keys SET activity = NULL WHERE activity IS NOT NULL;
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    syms := array(SELECT symbol FROM old_rows);
  ELSE
    syms := array(SELECT symbol FROM new_rows);
  END IF;
  PERFORM 1 FROM symbol_search_keys k JOIN unnest(syms) AS t(symbol) ON k.symbol = t.symbol
    ORDER BY k.key, k.symbol FOR UPDATE OF k;
  UPDATE symbol_search_keys k SET activity = a.activity
    FROM unnest(syms) AS t(symbol) LEFT JOIN symbol_activity a ON a.symbol = t.symbol
    WHERE k.symbol = t.symbol AND k.activity IS DISTINCT FROM a.activity;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER symbol_activity_search_keys_insert AFTER INSERT ON symbol_activity REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_activity();
--> statement-breakpoint
CREATE TRIGGER symbol_activity_search_keys_update AFTER UPDATE ON symbol_activity REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_activity();
--> statement-breakpoint
CREATE TRIGGER symbol_activity_search_keys_delete AFTER DELETE ON symbol_activity REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_activity();
--> statement-breakpoint
CREATE TRIGGER symbol_activity_search_keys_truncate AFTER TRUNCATE ON symbol_activity
  FOR EACH STATEMENT EXECUTE FUNCTION smt_search_keys_activity();
--> statement-breakpoint
-- Back-fill, in key order (a key's rows share pages), and the statistics for the first searches.
INSERT INTO symbol_search_keys (key, symbol, activity)
  SELECT n.key, n.symbol, n.activity FROM smt_search_keys_of(array(SELECT symbol FROM symbols)) n ORDER BY n.key, n.symbol;
--> statement-breakpoint
ANALYZE symbol_search_keys;
