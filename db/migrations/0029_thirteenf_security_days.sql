CREATE TABLE "thirteenf_change_days" (
	"period" date NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "thirteenf_change_days_period_at_pk" PRIMARY KEY("period","at")
);
--> statement-breakpoint
CREATE TABLE "thirteenf_security_day_names" (
	"period" date NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"cusip" text NOT NULL,
	"name" text NOT NULL,
	"rows" integer NOT NULL,
	CONSTRAINT "thirteenf_security_day_names_period_at_cusip_name_pk" PRIMARY KEY("period","at","cusip","name")
);
--> statement-breakpoint
CREATE TABLE "thirteenf_security_days" (
	"period" date NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"cusip" text NOT NULL,
	"rows" integer NOT NULL,
	"holders" integer NOT NULL,
	"new_positions" integer NOT NULL,
	"sold_out" integer NOT NULL,
	"increased" integer NOT NULL,
	"decreased" integer NOT NULL,
	"unknown" integer NOT NULL,
	"not_reported" integer NOT NULL,
	"shares" numeric NOT NULL,
	"value_usd" numeric NOT NULL,
	"known_now" numeric NOT NULL,
	"known_prev" numeric NOT NULL,
	"net_value" double precision GENERATED ALWAYS AS (case when shares > 0 then (known_now::float8 - known_prev::float8) * (value_usd::float8 / shares::float8) end) STORED,
	"new_key" double precision GENERATED ALWAYS AS (new_positions::float8 * 1e15 + value_usd::float8 / 1e3) STORED,
	CONSTRAINT "thirteenf_security_days_period_at_cusip_pk" PRIMARY KEY("period","at","cusip")
);
--> statement-breakpoint
CREATE INDEX "thirteenf_security_day_names_empty_idx" ON "thirteenf_security_day_names" USING btree ("period") WHERE rows = 0;--> statement-breakpoint
CREATE INDEX "thirteenf_security_days_empty_idx" ON "thirteenf_security_days" USING btree ("period") WHERE rows = 0;--> statement-breakpoint
CREATE INDEX "thirteenf_security_days_net_idx" ON "thirteenf_security_days" USING btree ("period","at","net_value") WHERE shares > 0;--> statement-breakpoint
CREATE INDEX "thirteenf_security_days_new_idx" ON "thirteenf_security_days" USING btree ("period","at","new_positions") WHERE new_positions > 0;--> statement-breakpoint
CREATE INDEX "thirteenf_security_days_new_key_idx" ON "thirteenf_security_days" USING btree ("period","at","new_key") WHERE new_positions > 0;--> statement-breakpoint
CREATE INDEX "thirteenf_security_days_sold_idx" ON "thirteenf_security_days" USING btree ("period","at","sold_out") WHERE sold_out > 0;--> statement-breakpoint
CREATE INDEX "thirteenf_position_changes_closed_from_idx" ON "thirteenf_position_changes" USING btree ("period","valid_from") WHERE valid_to <> 'infinity';--> statement-breakpoint
-- Hand-written below: the per-day checkpoints of the per-security sums replace the sums of the open versions
-- (thirteenf_security_changes / thirteenf_security_names, dropped at the end): the last checkpoint of a period
-- is those sums, and a read at an as_of inside a filing window starts from the checkpoint at or before it
-- and corrects only by that day's versions (positions.store.ts). The triggers of 0022 keep them through
-- smt_13f_refresh, redefined here.
--
-- The first UTC midnight at or after `ts` (timestamps have microsecond resolution): a version [valid_from,
-- valid_to) holds at a midnight `at` exactly when smt_13f_day(valid_from) <= at < smt_13f_day(valid_to).
CREATE FUNCTION smt_13f_day(ts timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS
$f$ SELECT date_trunc('day', (ts AT TIME ZONE 'UTC') + interval '1 day' - interval '1 microsecond') AT TIME ZONE 'UTC' $f$;
--> statement-breakpoint
-- The staging tables of one refresh (the events of the versions it removes and adds, and their net), private
-- to the session, made once per session.
CREATE FUNCTION smt_13f_stage() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  IF to_regclass('pg_temp.smt_13f_events') IS NULL THEN
    CREATE TEMP TABLE smt_13f_events (period date, at timestamptz, cusip text, name text, rows int, holders int,
      new_positions int, sold_out int, increased int, decreased int, unknown int, not_reported int, shares numeric,
      value_usd numeric, known_now numeric, known_prev numeric) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE smt_13f_net (LIKE pg_temp.smt_13f_events) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE smt_13f_net_sums (LIKE pg_temp.smt_13f_events) ON COMMIT DELETE ROWS;
  ELSE
    TRUNCATE pg_temp.smt_13f_events, pg_temp.smt_13f_net, pg_temp.smt_13f_net_sums;
  END IF;
END $f$;
--> statement-breakpoint
-- Stages the events of the change rows of these (filer, period) keys (all of them with null keys), signed
-- `sgn`: a row adds its contribution at the checkpoint of its valid_from and removes it at that of its
-- valid_to. The keys go into the statement as constants, as in smt_13f_apply of 0022.
CREATE FUNCTION smt_13f_events(kf text[], kp date[], sgn int) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE format($q$
  WITH c AS (%1$s)
  INSERT INTO pg_temp.smt_13f_events
  SELECT period, at, cusip, name, sum(rows), sum(holders), sum(new_positions), sum(sold_out), sum(increased), sum(decreased), sum(unknown), sum(not_reported), sum(shares), sum(value_usd), sum(known_now), sum(known_prev)
  FROM (
    SELECT period, smt_13f_day(valid_from) AS at, cusip, name, (%2$s) AS rows, (%2$s) * holders AS holders,
      (%2$s) * new_positions AS new_positions, (%2$s) * sold_out AS sold_out, (%2$s) * increased AS increased,
      (%2$s) * decreased AS decreased, (%2$s) * unknown AS unknown, (%2$s) * not_reported AS not_reported,
      (%2$s) * shares AS shares, (%2$s) * value_usd AS value_usd, (%2$s) * known_now AS known_now,
      (%2$s) * known_prev AS known_prev
    FROM c
    UNION ALL
    SELECT period, smt_13f_day(valid_to), cusip, name, -(%2$s), -(%2$s) * holders, -(%2$s) * new_positions,
      -(%2$s) * sold_out, -(%2$s) * increased, -(%2$s) * decreased, -(%2$s) * unknown, -(%2$s) * not_reported,
      -(%2$s) * shares, -(%2$s) * value_usd, -(%2$s) * known_now, -(%2$s) * known_prev
    FROM c WHERE valid_to <> 'infinity'
  ) e GROUP BY 1, 2, 3, 4
$q$, CASE WHEN kf IS NULL THEN 'SELECT * FROM thirteenf_position_contribs' ELSE format(
    'SELECT v.* FROM unnest(%L::text[], %L::date[]) k(filer_cik, period)
     JOIN thirteenf_position_contribs v ON v.filer_cik = k.filer_cik AND v.period = k.period', kf, kp) END, sgn);
END $f$;
--> statement-breakpoint
-- Applies the staged events: their net per (period, day, security, name) (the versions a refresh removes
-- and adds again cancel out) goes into every checkpoint at or after its day, the sums per security and the
-- row counts per name. A new checkpoint starts as a copy of the one before it. Rows go in checkpoint order
-- (a read takes one checkpoint's rows: few pages).
CREATE FUNCTION smt_13f_days_apply() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO pg_temp.smt_13f_net
  SELECT period, at, cusip, name, sum(rows), sum(holders), sum(new_positions), sum(sold_out), sum(increased), sum(decreased), sum(unknown), sum(not_reported), sum(shares), sum(value_usd), sum(known_now), sum(known_prev)
  FROM pg_temp.smt_13f_events GROUP BY 1, 2, 3, 4
  HAVING sum(rows) <> 0 OR sum(holders) <> 0 OR sum(new_positions) <> 0 OR sum(sold_out) <> 0 OR sum(increased) <> 0 OR sum(decreased) <> 0 OR sum(unknown) <> 0 OR sum(not_reported) <> 0 OR sum(shares) <> 0 OR sum(value_usd) <> 0 OR sum(known_now) <> 0 OR sum(known_prev) <> 0;
  ANALYZE pg_temp.smt_13f_net;
  WITH n AS (
    INSERT INTO thirteenf_change_days (period, at) SELECT DISTINCT period, at FROM pg_temp.smt_13f_net
    ON CONFLICT DO NOTHING RETURNING period, at
  ), prev AS (
    SELECT n.period, n.at, (SELECT max(d.at) FROM thirteenf_change_days d WHERE d.period = n.period AND d.at < n.at) AS before
    FROM n
  ), sums AS (
    INSERT INTO thirteenf_security_days (period, at, cusip, rows, holders, new_positions, sold_out, increased, decreased, unknown, not_reported, shares, value_usd, known_now, known_prev)
    SELECT p.period, p.at, s.cusip, s.rows, s.holders, s.new_positions, s.sold_out, s.increased, s.decreased, s.unknown, s.not_reported, s.shares, s.value_usd, s.known_now, s.known_prev
    FROM prev p JOIN thirteenf_security_days s ON s.period = p.period AND s.at = p.before
    ORDER BY 1, 2, 3
  )
  INSERT INTO thirteenf_security_day_names (period, at, cusip, name, rows)
  SELECT p.period, p.at, s.cusip, s.name, s.rows
  FROM prev p JOIN thirteenf_security_day_names s ON s.period = p.period AND s.at = p.before
  ORDER BY 1, 2, 3, 4;
  INSERT INTO pg_temp.smt_13f_net_sums
    SELECT period, at, cusip, NULL, sum(rows) AS rows, sum(holders) AS holders, sum(new_positions) AS new_positions, sum(sold_out) AS sold_out,
      sum(increased) AS increased, sum(decreased) AS decreased, sum(unknown) AS unknown, sum(not_reported) AS not_reported,
      sum(shares) AS shares, sum(value_usd) AS value_usd, sum(known_now) AS known_now, sum(known_prev) AS known_prev
    FROM pg_temp.smt_13f_net GROUP BY 1, 2, 3;
  ANALYZE pg_temp.smt_13f_net_sums;
  WITH g AS (
    SELECT period, cusip, min(at) AS first FROM pg_temp.smt_13f_net_sums GROUP BY 1, 2
  ), grid AS (
    SELECT g.period, k.at, g.cusip FROM g JOIN thirteenf_change_days k ON k.period = g.period AND k.at >= g.first
  )
  INSERT INTO thirteenf_security_days AS t (period, at, cusip, rows, holders, new_positions, sold_out, increased, decreased, unknown, not_reported, shares, value_usd, known_now, known_prev)
  SELECT * FROM (
    SELECT x.period, x.at, x.cusip, sum(e.rows) OVER w, sum(e.holders) OVER w, sum(e.new_positions) OVER w, sum(e.sold_out) OVER w,
    sum(e.increased) OVER w, sum(e.decreased) OVER w, sum(e.unknown) OVER w, sum(e.not_reported) OVER w,
    sum(e.shares) OVER w, sum(e.value_usd) OVER w, sum(e.known_now) OVER w, sum(e.known_prev) OVER w
    FROM grid x LEFT JOIN pg_temp.smt_13f_net_sums e ON e.period = x.period AND e.at = x.at AND e.cusip = x.cusip
    WINDOW w AS (PARTITION BY x.period, x.cusip ORDER BY x.at)
  ) y ORDER BY 1, 2, 3
  ON CONFLICT (period, at, cusip) DO UPDATE SET rows = t.rows + excluded.rows, holders = t.holders + excluded.holders, new_positions = t.new_positions + excluded.new_positions,
    sold_out = t.sold_out + excluded.sold_out, increased = t.increased + excluded.increased, decreased = t.decreased + excluded.decreased,
    unknown = t.unknown + excluded.unknown, not_reported = t.not_reported + excluded.not_reported, shares = t.shares + excluded.shares,
    value_usd = t.value_usd + excluded.value_usd, known_now = t.known_now + excluded.known_now, known_prev = t.known_prev + excluded.known_prev;
  WITH g AS (
    SELECT period, cusip, name, min(at) AS first FROM pg_temp.smt_13f_net WHERE rows <> 0 GROUP BY 1, 2, 3
  ), grid AS (
    SELECT g.period, k.at, g.cusip, g.name FROM g
    JOIN thirteenf_change_days k ON k.period = g.period AND k.at >= g.first
  )
  INSERT INTO thirteenf_security_day_names AS t (period, at, cusip, name, rows)
  SELECT * FROM (
    SELECT x.period, x.at, x.cusip, x.name, sum(e.rows) OVER (PARTITION BY x.period, x.cusip, x.name ORDER BY x.at)
    FROM grid x LEFT JOIN pg_temp.smt_13f_net e
      ON e.period = x.period AND e.at = x.at AND e.cusip = x.cusip AND e.name = x.name AND e.rows <> 0
  ) y ORDER BY 1, 2, 3, 4
  ON CONFLICT (period, at, cusip, name) DO UPDATE SET rows = t.rows + excluded.rows;
  DELETE FROM thirteenf_security_days WHERE rows = 0;
  DELETE FROM thirteenf_security_day_names WHERE rows = 0;
END $f$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION smt_13f_refresh(filers text[], periods date[]) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  kf text[];
  kp date[];
BEGIN
  WITH p AS (SELECT DISTINCT * FROM unnest(filers, periods) p(filer_cik, period))
  SELECT array_agg(filer_cik), array_agg(period) INTO kf, kp FROM (
    SELECT filer_cik, period FROM p
    UNION
    SELECT filer_cik, (date_trunc('quarter', period::timestamp) + interval '6 months' - interval '1 day')::date
    FROM p WHERE smt_13f_prior(period + 1) = period
    UNION
    SELECT f.filer_cik, f.period_of_report FROM p
    JOIN thirteenf_filings f ON f.filer_cik = p.filer_cik AND smt_13f_prior(f.period_of_report) = p.period
  ) x;
  IF kf IS NULL THEN
    RETURN;
  END IF;
  PERFORM smt_13f_stage();
  PERFORM smt_13f_events(kf, kp, -1);
  EXECUTE format($q$DELETE FROM thirteenf_position_changes b USING unnest(%1$L::text[], %2$L::date[]) k(filer_cik, period)
    WHERE b.filer_cik = k.filer_cik AND b.period = k.period$q$, kf, kp);
  PERFORM smt_13f_compute(kf, kp);
  PERFORM smt_13f_events(kf, kp, 1);
  PERFORM smt_13f_days_apply();
END $f$;
--> statement-breakpoint
DROP FUNCTION smt_13f_apply(text[], date[], int);
--> statement-breakpoint
DROP TABLE "thirteenf_security_changes" CASCADE;
--> statement-breakpoint
DROP TABLE "thirteenf_security_names" CASCADE;
--> statement-breakpoint
-- Back-fill from the stored change rows (one statement: the staging table lives until the commit).
CREATE FUNCTION smt_13f_days_rebuild() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  DELETE FROM thirteenf_security_days;
  DELETE FROM thirteenf_security_day_names;
  DELETE FROM thirteenf_change_days;
  PERFORM smt_13f_stage();
  PERFORM smt_13f_events(NULL, NULL, 1);
  PERFORM smt_13f_days_apply();
  ANALYZE thirteenf_security_days;
  ANALYZE thirteenf_security_day_names;
  ANALYZE thirteenf_change_days;
END $f$;
--> statement-breakpoint
SELECT smt_13f_days_rebuild();
