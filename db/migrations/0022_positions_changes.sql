CREATE TABLE "thirteenf_position_changes" (
	"period" date NOT NULL,
	"filer_cik" text NOT NULL,
	"cusip" text NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone NOT NULL,
	"now_name" text,
	"prev_name" text,
	"now_shares" double precision,
	"now_value_usd" double precision,
	"prev_shares" double precision,
	"in_now" boolean NOT NULL,
	"in_prev" boolean NOT NULL,
	CONSTRAINT "thirteenf_position_changes_period_filer_cik_cusip_valid_from_pk" PRIMARY KEY("period","filer_cik","cusip","valid_from")
);
--> statement-breakpoint
CREATE TABLE "thirteenf_security_changes" (
	"period" date NOT NULL,
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
	CONSTRAINT "thirteenf_security_changes_period_cusip_pk" PRIMARY KEY("period","cusip")
);
--> statement-breakpoint
CREATE TABLE "thirteenf_security_names" (
	"period" date NOT NULL,
	"cusip" text NOT NULL,
	"name" text NOT NULL,
	"rows" integer NOT NULL,
	CONSTRAINT "thirteenf_security_names_period_cusip_name_pk" PRIMARY KEY("period","cusip","name")
);
--> statement-breakpoint
CREATE INDEX "thirteenf_position_changes_filer_idx" ON "thirteenf_position_changes" USING btree ("filer_cik","period","valid_from");--> statement-breakpoint
CREATE INDEX "thirteenf_position_changes_open_idx" ON "thirteenf_position_changes" USING btree ("period","valid_from") WHERE valid_to = 'infinity';--> statement-breakpoint
CREATE INDEX "thirteenf_position_changes_closed_idx" ON "thirteenf_position_changes" USING btree ("period","valid_to") WHERE valid_to <> 'infinity';--> statement-breakpoint
CREATE INDEX "thirteenf_security_changes_empty_idx" ON "thirteenf_security_changes" USING btree ("period") WHERE rows = 0;--> statement-breakpoint
CREATE INDEX "thirteenf_security_names_empty_idx" ON "thirteenf_security_names" USING btree ("period") WHERE rows = 0;
--> statement-breakpoint
-- Hand-written below (drizzle-kit generates only the tables): the triggers that keep the three tables in
-- the transaction of every write of 13F filings or holdings (XML, amendments, data sets, bulk loads), and
-- the back-fill from the stored holdings. The contribution of a change row mirrors the quarter-on-quarter
-- definitions of docs/methodology.md "13F positions and changes"; market.service.ts reads them.
CREATE FUNCTION smt_13f_prior(p date) RETURNS date LANGUAGE sql IMMUTABLE AS
$f$ SELECT (date_trunc('quarter', p::timestamp) - interval '1 day')::date $f$;
--> statement-breakpoint
CREATE VIEW thirteenf_position_contribs AS
SELECT b.period, b.cusip, b.filer_cik, b.valid_from, b.valid_to,
  CASE WHEN x.nj THEN b.now_name ELSE b.prev_name END AS name,
  x.nj::int AS holders,
  (x.nj AND b.prev_shares IS NULL AND b.in_prev)::int AS new_positions,
  (NOT x.nj AND x.pj AND b.in_now)::int AS sold_out,
  (x.nj AND x.pj AND b.now_shares > b.prev_shares)::int AS increased,
  (x.nj AND x.pj AND b.now_shares < b.prev_shares)::int AS decreased,
  (x.nj AND NOT b.in_prev)::int AS unknown,
  (x.pj AND NOT b.in_now)::int AS not_reported,
  CASE WHEN x.nj THEN b.now_shares ELSE 0 END::numeric AS shares,
  CASE WHEN x.nj THEN b.now_value_usd ELSE 0 END::numeric AS value_usd,
  CASE WHEN x.nj AND b.in_now AND b.in_prev THEN b.now_shares ELSE 0 END::numeric AS known_now,
  CASE WHEN x.pj AND b.in_now AND b.in_prev THEN b.prev_shares ELSE 0 END::numeric AS known_prev
FROM thirteenf_position_changes b,
  LATERAL (SELECT coalesce(b.now_shares > 0, false) AS nj, coalesce(b.prev_shares > 0, false) AS pj) x
WHERE x.nj OR x.pj;
--> statement-breakpoint
-- Adds (sgn 1) or removes (sgn -1) the open change rows of these (filer, period) keys to the per-security sums.
-- The keys go into the statement as constants (EXECUTE format): the planner then knows how many there are
-- (a few for one filing, every filer for the back-fill) and picks index probes or hash joins accordingly.
CREATE FUNCTION smt_13f_apply(kf text[], kp date[], sgn int) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE format($q$
  WITH c AS (
    SELECT v.* FROM unnest(%1$L::text[], %2$L::date[]) k(filer_cik, period)
    JOIN thirteenf_position_contribs v ON v.filer_cik = k.filer_cik AND v.period = k.period
    WHERE v.valid_to = 'infinity'
  ), names AS (
    INSERT INTO thirteenf_security_names AS t (period, cusip, name, rows)
    SELECT period, cusip, name, %3$s * count(*) FROM c WHERE name IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (period, cusip, name) DO UPDATE SET rows = t.rows + excluded.rows
  )
  INSERT INTO thirteenf_security_changes AS t (period, cusip, rows, holders, new_positions, sold_out, increased,
    decreased, unknown, not_reported, shares, value_usd, known_now, known_prev)
  SELECT period, cusip, %3$s * count(*), %3$s * sum(holders), %3$s * sum(new_positions), %3$s * sum(sold_out),
    %3$s * sum(increased), %3$s * sum(decreased), %3$s * sum(unknown), %3$s * sum(not_reported), %3$s * sum(shares),
    %3$s * sum(value_usd), %3$s * sum(known_now), %3$s * sum(known_prev)
  FROM c GROUP BY 1, 2
  ON CONFLICT (period, cusip) DO UPDATE SET rows = t.rows + excluded.rows, holders = t.holders + excluded.holders,
    new_positions = t.new_positions + excluded.new_positions, sold_out = t.sold_out + excluded.sold_out,
    increased = t.increased + excluded.increased, decreased = t.decreased + excluded.decreased,
    unknown = t.unknown + excluded.unknown, not_reported = t.not_reported + excluded.not_reported,
    shares = t.shares + excluded.shares, value_usd = t.value_usd + excluded.value_usd,
    known_now = t.known_now + excluded.known_now, known_prev = t.known_prev + excluded.known_prev
$q$, kf, kp, sgn);
END $f$;
--> statement-breakpoint
-- The change rows of these (filer, period) keys, computed from the stored filings and holdings: one version
-- per distinct publication time of the filer's reports for the period or its prior quarter, each with the
-- effective reports at that time (effectiveFilings in holdings.store.ts).
CREATE FUNCTION smt_13f_compute(kf text[], kp date[]) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE
  nestloop text := current_setting('enable_nestloop');
BEGIN
  -- Many keys (a back-fill, a bulk load): hash joins throughout; a nested loop over a CTE that the planner
  -- thought small rescans it per outer row. Few keys (one filing): index probes into filings and holdings.
  IF array_length(kf, 1) > 1000 THEN
    PERFORM set_config('enable_nestloop', 'off', true);
  END IF;
  EXECUTE format($q$
  INSERT INTO thirteenf_position_changes (period, filer_cik, cusip, valid_from, valid_to, now_name, prev_name,
    now_shares, now_value_usd, prev_shares, in_now, in_prev)
  WITH k AS (SELECT DISTINCT * FROM unnest(%1$L::text[], %2$L::date[]) k(filer_cik, period)),
  fil AS (
    SELECT k.filer_cik, k.period, f.period_of_report AS fp, f.accession, f.amendment_type, f.published_at
    FROM k JOIN thirteenf_filings f ON f.filer_cik = k.filer_cik
      AND f.period_of_report IN (k.period, smt_13f_prior(k.period))
    WHERE coalesce(f.report_type, '') <> '13F NOTICE'
  ), ver AS (
    SELECT filer_cik, period, t, lead(t, 1, 'infinity'::timestamptz) OVER (PARTITION BY filer_cik, period ORDER BY t) AS t_end
    FROM (SELECT DISTINCT filer_cik, period, published_at AS t FROM fil) x
  ), base AS (
    SELECT DISTINCT ON (v.filer_cik, v.period, v.t, f.fp) v.filer_cik, v.period, v.t, f.fp, f.accession, f.published_at
    FROM ver v JOIN fil f ON f.filer_cik = v.filer_cik AND f.period = v.period AND f.published_at <= v.t
    WHERE f.amendment_type IS DISTINCT FROM 'NEW HOLDINGS'
    ORDER BY v.filer_cik, v.period, v.t, f.fp, f.published_at DESC, f.accession DESC
  ), eff AS (
    SELECT filer_cik, period, t, fp, accession FROM base
    UNION ALL
    SELECT b.filer_cik, b.period, b.t, b.fp, f.accession FROM base b
    JOIN fil f ON f.filer_cik = b.filer_cik AND f.period = b.period AND f.fp = b.fp
    WHERE f.amendment_type = 'NEW HOLDINGS' AND f.published_at > b.published_at AND f.published_at <= b.t
  ), flags AS (
    SELECT e.filer_cik, e.period, e.t, max(v.t_end) AS t_end, bool_or(e.fp = e.period) AS in_now,
      bool_or(e.fp <> e.period) AS in_prev
    FROM eff e JOIN ver v ON v.filer_cik = e.filer_cik AND v.period = e.period AND v.t = e.t
    GROUP BY 1, 2, 3
  ), pos AS (
    -- What a row needs of its version (end, which reports are in) rides along, so nothing joins the FULL JOIN.
    SELECT e.filer_cik, e.period, e.t, fl.t_end, fl.in_now, fl.in_prev, e.fp = e.period AS is_now, h.cusip,
      max(h.name_of_issuer) AS name,
      sum(CASE WHEN h.shares_type = 'SH' AND h.put_call IS NULL THEN h.shares_or_principal ELSE 0 END) AS shares,
      sum(CASE WHEN h.put_call IS NULL THEN h.value_usd ELSE 0 END) AS value_usd
    FROM eff e JOIN flags fl ON fl.filer_cik = e.filer_cik AND fl.period = e.period AND fl.t = e.t
    JOIN thirteenf_holdings h ON h.accession = e.accession
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
  ), n AS (SELECT * FROM pos WHERE is_now),
  p AS (SELECT * FROM pos WHERE NOT is_now AND shares > 0)
  SELECT coalesce(n.period, p.period), coalesce(n.filer_cik, p.filer_cik), coalesce(n.cusip, p.cusip),
    coalesce(n.t, p.t), coalesce(n.t_end, p.t_end), n.name, p.name, n.shares, n.value_usd, p.shares,
    coalesce(n.in_now, p.in_now), coalesce(n.in_prev, p.in_prev)
  FROM n FULL JOIN p ON p.filer_cik = n.filer_cik AND p.period = n.period AND p.t = n.t AND p.cusip = n.cusip
$q$, kf, kp);
  PERFORM set_config('enable_nestloop', nestloop, true);
END $f$;
--> statement-breakpoint
-- Recomputes what the filings of these (filer, period of report) pairs feed: the filer's change rows for
-- that period and for the periods whose prior quarter it is (the next quarter end, and any stored period of
-- the filer's whose prior it is), and their share of the per-security sums.
CREATE FUNCTION smt_13f_refresh(filers text[], periods date[]) RETURNS void LANGUAGE plpgsql AS $f$
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
  PERFORM smt_13f_apply(kf, kp, -1);
  EXECUTE format($q$DELETE FROM thirteenf_position_changes b USING unnest(%1$L::text[], %2$L::date[]) k(filer_cik, period)
    WHERE b.filer_cik = k.filer_cik AND b.period = k.period$q$, kf, kp);
  PERFORM smt_13f_compute(kf, kp);
  PERFORM smt_13f_apply(kf, kp, 1);
  DELETE FROM thirteenf_security_changes WHERE rows = 0;
  DELETE FROM thirteenf_security_names WHERE rows = 0;
END $f$;
--> statement-breakpoint
CREATE FUNCTION smt_13f_written() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  f text[];
  p date[];
BEGIN
  IF TG_OP = 'DELETE' THEN
    SELECT array_agg(filer_cik), array_agg(period_of_report) INTO f, p
    FROM (SELECT DISTINCT filer_cik, period_of_report FROM old_rows) x;
  ELSE
    SELECT array_agg(filer_cik), array_agg(period_of_report) INTO f, p
    FROM (SELECT DISTINCT filer_cik, period_of_report FROM new_rows) x;
  END IF;
  IF f IS NOT NULL THEN
    PERFORM smt_13f_refresh(f, p);
  END IF;
  RETURN NULL;
END $f$;
--> statement-breakpoint
CREATE TRIGGER thirteenf_filings_positions_ins AFTER INSERT ON thirteenf_filings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_13f_written();
--> statement-breakpoint
CREATE TRIGGER thirteenf_filings_positions_del AFTER DELETE ON thirteenf_filings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_13f_written();
--> statement-breakpoint
CREATE TRIGGER thirteenf_holdings_positions_ins AFTER INSERT ON thirteenf_holdings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_13f_written();
--> statement-breakpoint
CREATE TRIGGER thirteenf_holdings_positions_del AFTER DELETE ON thirteenf_holdings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_13f_written();
--> statement-breakpoint
SELECT smt_13f_refresh(array_agg(filer_cik), array_agg(period_of_report))
FROM (SELECT DISTINCT filer_cik, period_of_report FROM thirteenf_filings) x;
