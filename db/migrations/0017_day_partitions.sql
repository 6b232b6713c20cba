DROP INDEX "option_prints_ingested_idx";--> statement-breakpoint
DROP INDEX "symbols_last_seen_idx";--> statement-breakpoint
CREATE INDEX "insider_filings_source_idx" ON "insider_filings" USING btree ("source","published_at","source_ref");--> statement-breakpoint
CREATE INDEX "thirteenf_filings_source_idx" ON "thirteenf_filings" USING btree ("source","published_at","source_ref");--> statement-breakpoint
-- Issue 14, storage at market scale: `prints` and `option_prints` become partitioned by trading day (RANGE on
-- `ts`, one partition per New York calendar day, named <table>_pYYYYMMDD), with a DEFAULT partition as a
-- safety net for writers that did not create their day first. The primary keys already lead with the
-- natural key and hold `ts` (the partition key), so a print loaded twice still collides and is stored once.
-- Creates the missing day partitions of `parent` and moves any rows of those days out of the DEFAULT
-- partition (moved rows are not new: the parent's statement triggers do not fire, the rollups stay as they
-- are). Creators serialize on a lock of the parent alone (SHARE UPDATE EXCLUSIVE: the lock ATTACH takes,
-- which does not block inserts or reads), re-check after it, and treat "already exists" as done, so two
-- nodes creating the same day both succeed. Returns how many partitions it created.
CREATE FUNCTION smt_ensure_day_partitions(parent text, days date[]) RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE
  d date;
  part text;
  lo timestamptz;
  hi timestamptz;
  created integer := 0;
BEGIN
  FOREACH d IN ARRAY coalesce(days, '{}'::date[]) LOOP
    part := parent || '_p' || to_char(d, 'YYYYMMDD');
    CONTINUE WHEN to_regclass(part) IS NOT NULL;
    EXECUTE format('LOCK TABLE ONLY %I IN SHARE UPDATE EXCLUSIVE MODE', parent);
    CONTINUE WHEN to_regclass(part) IS NOT NULL;
    lo := d::timestamp AT TIME ZONE 'America/New_York';
    hi := (d + 1)::timestamp AT TIME ZONE 'America/New_York';
    BEGIN
      EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
      EXECUTE format('WITH moved AS (DELETE FROM %I WHERE ts >= %L AND ts < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
        parent || '_default', lo, hi, part);
      EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
      created := created + 1;
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
      NULL;
    END;
  END LOOP;
  RETURN created;
END
$f$;
--> statement-breakpoint
-- Retention: detaches the day partitions of `parent` for days before `before` and renames each to
-- <name>_dropping, whole tables, no scan and no row triggers. The caller drops them after its transaction
-- commits: dropping a large table costs file-system time (truncating its files), which need not happen
-- while the parent is locked, and the rename frees the day's name for a writer that loads it again.
-- Returns the days detached.
CREATE FUNCTION smt_detach_day_partitions(parent text, before date) RETURNS SETOF date LANGUAGE plpgsql AS $f$
DECLARE
  part text;
  d date;
BEGIN
  FOR part, d IN
    SELECT c.relname, to_date(right(c.relname, 8), 'YYYYMMDD') FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = to_regclass(parent) AND c.relname ~ ('^' || parent || '_p[0-9]{8}$')
      ORDER BY 2
  LOOP
    EXIT WHEN d >= before;
    EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, part);
    EXECUTE format('ALTER TABLE %I RENAME TO %I', part, part || '_dropping');
    RETURN NEXT d;
  END LOOP;
END
$f$;
--> statement-breakpoint
ALTER TABLE "prints" RENAME TO "prints_unpartitioned";--> statement-breakpoint
ALTER TABLE "prints_unpartitioned" RENAME CONSTRAINT "prints_symbol_ts_trade_key_pk" TO "prints_unpartitioned_pk";--> statement-breakpoint
ALTER INDEX "prints_tape_idx" RENAME TO "prints_unpartitioned_tape_idx";--> statement-breakpoint
DROP TRIGGER prints_rollup_insert ON prints_unpartitioned;--> statement-breakpoint
DROP TRIGGER prints_rollup_delete ON prints_unpartitioned;--> statement-breakpoint
DROP TRIGGER prints_rollup_update ON prints_unpartitioned;--> statement-breakpoint
DROP TRIGGER prints_rollup_truncate ON prints_unpartitioned;--> statement-breakpoint
CREATE TABLE "prints" (LIKE "prints_unpartitioned" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ("ts");--> statement-breakpoint
ALTER TABLE "prints" ADD CONSTRAINT "prints_symbol_ts_trade_key_pk" PRIMARY KEY("symbol","ts","trade_key");--> statement-breakpoint
CREATE INDEX "prints_tape_idx" ON "prints" USING btree ("ts" DESC NULLS LAST,"symbol" DESC NULLS LAST,"trade_key" DESC NULLS LAST) WHERE is_off_exchange and correction < 7 and value_usd >= 100000;--> statement-breakpoint
CREATE TABLE "prints_default" PARTITION OF "prints" DEFAULT;--> statement-breakpoint
SELECT smt_ensure_day_partitions('prints', ARRAY(SELECT DISTINCT (ts AT TIME ZONE 'America/New_York')::date FROM prints_unpartitioned));--> statement-breakpoint
-- Moved before the triggers exist: the rollups and data versions already describe these rows.
INSERT INTO "prints" SELECT * FROM "prints_unpartitioned";--> statement-breakpoint
DROP TABLE "prints_unpartitioned";--> statement-breakpoint
CREATE TRIGGER prints_rollup_insert AFTER INSERT ON prints REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_inserted();--> statement-breakpoint
CREATE TRIGGER prints_rollup_delete AFTER DELETE ON prints REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_recompute();--> statement-breakpoint
CREATE TRIGGER prints_rollup_update AFTER UPDATE ON prints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_recompute();--> statement-breakpoint
CREATE TRIGGER prints_rollup_truncate AFTER TRUNCATE ON prints FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_truncated();--> statement-breakpoint
ALTER TABLE "option_prints" RENAME TO "option_prints_unpartitioned";--> statement-breakpoint
ALTER TABLE "option_prints_unpartitioned" RENAME CONSTRAINT "option_prints_contract_ts_trade_key_pk" TO "option_prints_unpartitioned_pk";--> statement-breakpoint
ALTER INDEX "option_prints_underlying_ts_idx" RENAME TO "option_prints_unpartitioned_underlying_ts_idx";--> statement-breakpoint
ALTER INDEX "option_prints_ts_idx" RENAME TO "option_prints_unpartitioned_ts_idx";--> statement-breakpoint
DROP TRIGGER option_prints_area ON option_prints_unpartitioned;--> statement-breakpoint
CREATE TABLE "option_prints" (LIKE "option_prints_unpartitioned" INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE ("ts");--> statement-breakpoint
ALTER TABLE "option_prints" ADD CONSTRAINT "option_prints_contract_ts_trade_key_pk" PRIMARY KEY("contract","ts","trade_key");--> statement-breakpoint
CREATE INDEX "option_prints_underlying_ts_idx" ON "option_prints" USING btree ("underlying","ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "option_prints_ts_idx" ON "option_prints" USING btree ("ts");--> statement-breakpoint
CREATE TABLE "option_prints_default" PARTITION OF "option_prints" DEFAULT;--> statement-breakpoint
SELECT smt_ensure_day_partitions('option_prints', ARRAY(SELECT DISTINCT (ts AT TIME ZONE 'America/New_York')::date FROM option_prints_unpartitioned));--> statement-breakpoint
INSERT INTO "option_prints" SELECT * FROM "option_prints_unpartitioned";--> statement-breakpoint
DROP TABLE "option_prints_unpartitioned";--> statement-breakpoint
CREATE TRIGGER option_prints_area AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON option_prints
  FOR EACH STATEMENT EXECUTE FUNCTION smt_area_changed('options');
