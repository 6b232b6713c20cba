CREATE TABLE "thirteenf_filing_totals" (
	"accession" text PRIMARY KEY NOT NULL,
	"rows" integer NOT NULL,
	"value_usd" double precision NOT NULL
);
--> statement-breakpoint
-- Per filing: stored information-table rows and the sum of their value_usd, kept in the statement that
-- writes or deletes holdings (the ingest's own transaction). A filer's portfolio at as_of is the sum over
-- its effective filings, so the holders view never sums a whole report per request.
CREATE FUNCTION smt_13f_totals_written() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE thirteenf_filing_totals t SET rows = t.rows - o.n, value_usd = t.value_usd - o.v
      FROM (SELECT accession, count(*) AS n, sum(value_usd) AS v FROM old_rows GROUP BY accession) o
      WHERE t.accession = o.accession;
    DELETE FROM thirteenf_filing_totals t WHERE t.rows <= 0
      AND t.accession IN (SELECT DISTINCT accession FROM old_rows);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO thirteenf_filing_totals AS t (accession, rows, value_usd)
      SELECT accession, count(*), sum(value_usd) FROM new_rows GROUP BY accession ORDER BY accession
    ON CONFLICT (accession) DO UPDATE SET rows = t.rows + excluded.rows, value_usd = t.value_usd + excluded.value_usd;
  END IF;
  RETURN NULL;
END $f$;
--> statement-breakpoint
CREATE FUNCTION smt_13f_totals_truncated() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  TRUNCATE thirteenf_filing_totals;
  RETURN NULL;
END $f$;
--> statement-breakpoint
CREATE TRIGGER thirteenf_holdings_totals_ins AFTER INSERT ON thirteenf_holdings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_13f_totals_written();
--> statement-breakpoint
CREATE TRIGGER thirteenf_holdings_totals_del AFTER DELETE ON thirteenf_holdings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_13f_totals_written();
--> statement-breakpoint
CREATE TRIGGER thirteenf_holdings_totals_upd AFTER UPDATE ON thirteenf_holdings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_13f_totals_written();
--> statement-breakpoint
CREATE TRIGGER thirteenf_holdings_totals_truncate AFTER TRUNCATE ON thirteenf_holdings
  FOR EACH STATEMENT EXECUTE FUNCTION smt_13f_totals_truncated();
--> statement-breakpoint
-- Back-fill from the stored holdings.
INSERT INTO thirteenf_filing_totals (accession, rows, value_usd)
  SELECT accession, count(*), sum(value_usd) FROM thirteenf_holdings GROUP BY accession;
