CREATE TABLE "filer_name_words" (
	"accession" text NOT NULL,
	"position" integer NOT NULL,
	"word" text NOT NULL,
	CONSTRAINT "filer_name_words_accession_position_pk" PRIMARY KEY("accession","position")
);
--> statement-breakpoint
CREATE INDEX "filer_name_words_word_idx" ON "filer_name_words" USING btree ("word" text_pattern_ops,"accession");--> statement-breakpoint
-- Custom (issue 12, filer search at full size, docs/methodology.md "Market"): the filer name index, one row per
-- word start of each filing's lower-cased filer name (cut at 100 characters, the longest query), kept by row
-- triggers, back-filled here. The search read every filing with two LIKEs on lower(filer_name).
CREATE FUNCTION smt_filer_name_words() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    DELETE FROM filer_name_words WHERE accession = OLD.accession;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO filer_name_words (accession, position, word)
    SELECT NEW.accession, i, left(substr(x.l, i), 100)
    FROM (SELECT lower(NEW.filer_name) AS l) AS x, generate_series(1, length(x.l)) AS i
    WHERE i = 1 OR substr(x.l, i - 1, 1) = ' ';
  END IF;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER thirteenf_filings_name_words_insert AFTER INSERT ON thirteenf_filings
  FOR EACH ROW EXECUTE FUNCTION smt_filer_name_words();
--> statement-breakpoint
CREATE TRIGGER thirteenf_filings_name_words_update AFTER UPDATE ON thirteenf_filings FOR EACH ROW
  WHEN (OLD.filer_name IS DISTINCT FROM NEW.filer_name OR OLD.accession IS DISTINCT FROM NEW.accession)
  EXECUTE FUNCTION smt_filer_name_words();
--> statement-breakpoint
CREATE TRIGGER thirteenf_filings_name_words_delete AFTER DELETE ON thirteenf_filings
  FOR EACH ROW EXECUTE FUNCTION smt_filer_name_words();
--> statement-breakpoint
CREATE FUNCTION smt_filer_name_words_truncated() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  TRUNCATE filer_name_words;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER thirteenf_filings_name_words_truncate AFTER TRUNCATE ON thirteenf_filings
  FOR EACH STATEMENT EXECUTE FUNCTION smt_filer_name_words_truncated();
--> statement-breakpoint
INSERT INTO filer_name_words (accession, position, word)
  SELECT f.accession, i, left(substr(x.l, i), 100)
  FROM thirteenf_filings AS f, LATERAL (SELECT lower(f.filer_name) AS l) AS x, generate_series(1, length(x.l)) AS i
  WHERE i = 1 OR substr(x.l, i - 1, 1) = ' ';
--> statement-breakpoint
ANALYZE filer_name_words;
