DROP INDEX "insider_transactions_open_market_date_idx";--> statement-breakpoint
CREATE INDEX "insider_transactions_open_market_window_idx" ON "insider_transactions" USING btree ("transaction_date","issuer_cik","issuer_symbol","code","owner_cik","owner_name","shares","price_usd","value_usd","aff10b5_one","published_at","source","accession") WHERE code in ('P', 'S') and not is_derivative and table_name like '%Transaction';--> statement-breakpoint
CREATE TABLE "symbol_activity" (
	"symbol" text PRIMARY KEY NOT NULL,
	"activity" double precision NOT NULL
);
--> statement-breakpoint
CREATE TABLE "symbol_activity_days" (
	"id" integer PRIMARY KEY NOT NULL,
	"finra_day" date,
	"print_day" date
);
--> statement-breakpoint
CREATE TABLE "symbol_name_words" (
	"cusip" text NOT NULL,
	"source" text NOT NULL,
	"position" integer NOT NULL,
	"word" text NOT NULL,
	"symbol" text NOT NULL,
	CONSTRAINT "symbol_name_words_cusip_source_position_pk" PRIMARY KEY("cusip","source","position")
);
--> statement-breakpoint
CREATE INDEX "symbol_activity_rank_idx" ON "symbol_activity" USING btree ("activity" DESC NULLS LAST,"symbol");--> statement-breakpoint
CREATE INDEX "symbol_name_words_word_idx" ON "symbol_name_words" USING btree ("word" text_pattern_ops,"symbol");--> statement-breakpoint
-- Issue 12, symbol search at the market's breadth (docs/methodology.md "Symbol search"). The name index:
-- one row per word start of each securities row's lower-cased name, kept by row triggers, back-filled here.
CREATE FUNCTION smt_symbol_name_words() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM symbol_name_words WHERE cusip = OLD.cusip AND source = OLD.source;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO symbol_name_words (cusip, source, position, word, symbol)
    SELECT NEW.cusip, NEW.source, i, left(substr(x.l, i), 40), NEW.symbol
    FROM (SELECT lower(NEW.name) AS l) AS x, generate_series(1, length(x.l)) AS i
    WHERE i = 1 OR substr(x.l, i - 1, 1) = ' ';
  END IF;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER securities_name_words_insert AFTER INSERT ON securities
  FOR EACH ROW EXECUTE FUNCTION smt_symbol_name_words();
--> statement-breakpoint
CREATE TRIGGER securities_name_words_update AFTER UPDATE ON securities FOR EACH ROW
  WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.symbol IS DISTINCT FROM NEW.symbol
    OR OLD.cusip IS DISTINCT FROM NEW.cusip OR OLD.source IS DISTINCT FROM NEW.source)
  EXECUTE FUNCTION smt_symbol_name_words();
--> statement-breakpoint
CREATE TRIGGER securities_name_words_delete AFTER DELETE ON securities
  FOR EACH ROW EXECUTE FUNCTION smt_symbol_name_words();
--> statement-breakpoint
INSERT INTO symbol_name_words (cusip, source, position, word, symbol)
  SELECT s.cusip, s.source, i, left(substr(x.l, i), 40), s.symbol
  FROM securities AS s, LATERAL (SELECT lower(s.name) AS l) AS x, generate_series(1, length(x.l)) AS i
  WHERE i = 1 OR substr(x.l, i - 1, 1) = ' ';
--> statement-breakpoint
-- The activity rank: `touched` symbols recomputed (null: all of them). Everything is recomputed when the
-- latest FINRA day or print day moved since the last run (symbol_activity_days); the state row is written
-- only then, so steady-state writers do not queue on it. Upserts in symbol order (no lock-order deadlock).
CREATE FUNCTION smt_symbol_activity_refresh(touched text[]) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  fd date := (SELECT max(day) FROM short_volume);
  pd date := (SELECT max(day) FROM print_day_rollups);
  st record;
BEGIN
  SELECT finra_day, print_day INTO st FROM symbol_activity_days WHERE id = 1;
  IF NOT FOUND OR st.finra_day IS DISTINCT FROM fd OR st.print_day IS DISTINCT FROM pd THEN
    touched := NULL;
    INSERT INTO symbol_activity_days (id, finra_day, print_day) VALUES (1, fd, pd)
      ON CONFLICT (id) DO UPDATE SET finra_day = excluded.finra_day, print_day = excluded.print_day;
  ELSIF cardinality(touched) = 0 THEN
    RETURN;
  END IF;
  WITH fresh AS (
    SELECT symbol, max(v) AS v FROM (
      SELECT symbol, coalesce(max(total_volume) FILTER (WHERE facility = 'CNMS'),
        sum(total_volume) FILTER (WHERE facility NOT IN ('CNMS', 'FORF'))) AS v
      FROM short_volume WHERE day = fd AND (touched IS NULL OR symbol = ANY(touched)) GROUP BY symbol
      UNION ALL
      SELECT symbol, off_volume FROM print_day_rollups
      WHERE day = pd AND (touched IS NULL OR symbol = ANY(touched))
    ) AS x WHERE v IS NOT NULL GROUP BY symbol
  ), up AS (
    INSERT INTO symbol_activity AS a (symbol, activity) SELECT symbol, v FROM fresh ORDER BY symbol
    ON CONFLICT (symbol) DO UPDATE SET activity = excluded.activity
      WHERE a.activity IS DISTINCT FROM excluded.activity
  )
  DELETE FROM symbol_activity AS a WHERE (touched IS NULL OR a.symbol = ANY(touched))
    AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.symbol = a.symbol);
END
$f$;
--> statement-breakpoint
-- Statement triggers on the two inputs: the symbols of the touched rows (a truncate empties a latest day).
CREATE FUNCTION smt_symbol_activity_touched() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  syms text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    syms := '{}';
  ELSIF TG_OP = 'DELETE' THEN
    syms := array(SELECT DISTINCT symbol FROM old_rows);
  ELSIF TG_OP = 'UPDATE' THEN
    syms := array(SELECT symbol FROM old_rows UNION SELECT symbol FROM new_rows);
  ELSE
    syms := array(SELECT DISTINCT symbol FROM new_rows);
  END IF;
  PERFORM smt_symbol_activity_refresh(syms);
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER short_volume_activity_insert AFTER INSERT ON short_volume REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
CREATE TRIGGER short_volume_activity_update AFTER UPDATE ON short_volume
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
CREATE TRIGGER short_volume_activity_delete AFTER DELETE ON short_volume REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_activity_insert AFTER INSERT ON print_day_rollups REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_activity_update AFTER UPDATE ON print_day_rollups
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_activity_delete AFTER DELETE ON print_day_rollups REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
CREATE TRIGGER short_volume_activity_truncate AFTER TRUNCATE ON short_volume
  FOR EACH STATEMENT EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_activity_truncate AFTER TRUNCATE ON print_day_rollups
  FOR EACH STATEMENT EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
SELECT smt_symbol_activity_refresh(NULL);
--> statement-breakpoint
-- The back-filled tables' statistics now, for the planner's first searches (autovacuum would come later).
ANALYZE symbol_name_words;
--> statement-breakpoint
ANALYZE symbol_activity;
