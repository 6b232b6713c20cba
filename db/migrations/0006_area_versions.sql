CREATE TABLE "area_versions" (
	"area" text PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL
);
--> statement-breakpoint
-- Areas whose tables are not per symbol in data_versions: any statement that writes them bumps the area's
-- version in the same transaction (server/src/lib/response-cache.ts compares versions before reusing a payload).
INSERT INTO "area_versions" ("area") VALUES ('institutional'), ('insider'), ('options'), ('alerts');
--> statement-breakpoint
CREATE FUNCTION smt_area_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  UPDATE area_versions SET version = version + 1 WHERE area = TG_ARGV[0];
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER thirteenf_filings_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON thirteenf_filings
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('institutional');
--> statement-breakpoint
CREATE TRIGGER thirteenf_holdings_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON thirteenf_holdings
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('institutional');
--> statement-breakpoint
CREATE TRIGGER securities_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON securities
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('institutional');
--> statement-breakpoint
CREATE TRIGGER insider_filings_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON insider_filings
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('insider');
--> statement-breakpoint
CREATE TRIGGER insider_transactions_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON insider_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('insider');
--> statement-breakpoint
CREATE TRIGGER option_prints_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON option_prints
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('options');
--> statement-breakpoint
CREATE TRIGGER open_interest_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON open_interest
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('options');
--> statement-breakpoint
CREATE TRIGGER alerts_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON alerts
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('alerts');
