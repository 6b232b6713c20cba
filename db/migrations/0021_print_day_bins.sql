CREATE TABLE "print_day_bins" (
	"symbol" text NOT NULL,
	"day" date NOT NULL,
	"kind" text NOT NULL,
	"band" double precision DEFAULT 0 NOT NULL,
	"bin" double precision DEFAULT 0 NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"prints" bigint DEFAULT 0 NOT NULL,
	"volume" double precision DEFAULT 0 NOT NULL,
	"value_usd" double precision DEFAULT 0 NOT NULL,
	"lit_volume" double precision DEFAULT 0 NOT NULL,
	"large_prints" bigint DEFAULT 0 NOT NULL,
	"large_value_usd" double precision DEFAULT 0 NOT NULL,
	"min_ts" timestamp (6) with time zone NOT NULL,
	"max_ts" timestamp (6) with time zone NOT NULL,
	"max_published_at" timestamp (6) with time zone NOT NULL,
	"latest_ref" text,
	CONSTRAINT "print_day_bins_symbol_day_kind_band_bin_label_pk" PRIMARY KEY("symbol","day","kind","band","bin","label")
);
--> statement-breakpoint
CREATE INDEX "print_day_bins_day_idx" ON "print_day_bins" USING btree ("day");--> statement-breakpoint
CREATE INDEX "prints_symbol_blocks_idx" ON "prints" USING btree ("symbol","ts" DESC NULLS LAST) WHERE is_off_exchange and correction < 7 and value_usd >= 1000000;--> statement-breakpoint
-- Custom part (issue 14, reads at market scale): the triggers that keep print_day_bins exact under every
-- writer of `prints` (inserts, COPY, corrections, deletes, truncate), the readers' scan of partial days, and
-- the back-fill of existing prints. server/src/darkpool/print-bins.ts reads it; print-bins.test.ts compares
-- every reader with the raw-scan queries it replaced.
-- priceBandUsd (server/src/darkpool/darkpool.signals.ts): the first step >= 0.25% of the price, else 50.
CREATE FUNCTION smt_price_band(p float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS $f$
SELECT CASE
  WHEN 0.01::float8 >= p * 0.0025::float8 THEN 0.01::float8 WHEN 0.02::float8 >= p * 0.0025::float8 THEN 0.02::float8
  WHEN 0.05::float8 >= p * 0.0025::float8 THEN 0.05::float8 WHEN 0.1::float8 >= p * 0.0025::float8 THEN 0.1::float8
  WHEN 0.25::float8 >= p * 0.0025::float8 THEN 0.25::float8 WHEN 0.5::float8 >= p * 0.0025::float8 THEN 0.5::float8
  WHEN 1::float8 >= p * 0.0025::float8 THEN 1::float8 WHEN 2.5::float8 >= p * 0.0025::float8 THEN 2.5::float8
  WHEN 5::float8 >= p * 0.0025::float8 THEN 5::float8 WHEN 10::float8 >= p * 0.0025::float8 THEN 10::float8
  WHEN 25::float8 >= p * 0.0025::float8 THEN 25::float8 ELSE 50::float8 END
$f$;
--> statement-breakpoint
-- The bands a print's price levels are kept at: those of any VWAP within -20%..+25% of its price (steps are
-- >= 2x apart, so one or two). A day whose VWAP band some print lacks is scanned (the reader checks).
CREATE FUNCTION smt_level_bands(p float8) RETURNS float8[] LANGUAGE sql IMMUTABLE AS $f$
SELECT CASE WHEN smt_price_band(p * 0.8::float8) = smt_price_band(p * 1.25::float8)
  THEN ARRAY[smt_price_band(p * 0.8::float8)]
  ELSE ARRAY[smt_price_band(p * 0.8::float8), smt_price_band(p * 1.25::float8)] END
$f$;
--> statement-breakpoint
-- The bins of the rows of `src` (a table or parenthesised query over prints' columns), in print_day_bins'
-- column order, for `kinds` (NULL: all); `bands` is the SQL of a row's level bands (float8[]).
CREATE FUNCTION smt_print_bins_select(src text, kinds text[], bands text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT string_agg(format(q, src, bands), ' UNION ALL ' ORDER BY k) FROM (VALUES
  ('size', $q$SELECT symbol, (ts AT TIME ZONE 'America/New_York')::date, 'size'::text, 0::float8,
    width_bucket(size, array[100, 2000, 10000, 100000]::float8[])::float8, ''::text, count(*), sum(size), sum(value_usd),
    0::float8, 0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM %1$s AS src WHERE is_off_exchange AND correction < 7 GROUP BY 1, 2, 5$q$),
  ('ext', $q$SELECT symbol, (ts AT TIME ZONE 'America/New_York')::date, 'ext'::text, 0::float8, 0::float8, ''::text,
    count(*) FILTER (WHERE is_off_exchange), coalesce(sum(size) FILTER (WHERE is_off_exchange), 0),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange), 0), coalesce(sum(size) FILTER (WHERE NOT is_off_exchange), 0),
    0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM %1$s AS src WHERE correction < 7 AND NOT ((ts AT TIME ZONE 'America/New_York')::time >= time '09:30:00'
      AND (ts AT TIME ZONE 'America/New_York')::time < time '16:00:00' + interval '1 second' AND NOT extended_hours)
    GROUP BY 1, 2$q$),
  ('level', $q$SELECT symbol, (ts AT TIME ZONE 'America/New_York')::date, 'level'::text, b.band,
    floor(price / b.band) * b.band, ''::text, count(*), sum(size), sum(value_usd), 0::float8,
    count(*) FILTER (WHERE block_eligible AND value_usd >= 1000000),
    coalesce(sum(value_usd) FILTER (WHERE block_eligible AND value_usd >= 1000000), 0), min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM %1$s AS src CROSS JOIN LATERAL unnest(%2$s) AS b(band)
    WHERE is_off_exchange AND correction < 7 GROUP BY 1, 2, 4, 5$q$),
  ('pd', $q$SELECT symbol, (ts AT TIME ZONE 'America/New_York')::date, 'pd'::text, 0::float8,
    floor(least(greatest(premium_discount_pct, -2.0::float8), 1.99::float8) / 0.25::float8) * 0.25::float8, ''::text,
    count(*), sum(size), 0::float8, 0::float8, 0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM %1$s AS src WHERE is_off_exchange AND premium_discount_pct IS NOT NULL AND correction < 7 GROUP BY 1, 2, 5$q$),
  ('block', $q$SELECT symbol, (ts AT TIME ZONE 'America/New_York')::date, 'block'::text, 0::float8, 0::float8, sentiment,
    count(*), sum(size), sum(value_usd), 0::float8, 0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM %1$s AS src WHERE is_off_exchange AND correction < 7 AND block_eligible AND value_usd >= 1000000
    GROUP BY 1, 2, 6$q$),
  ('source', $q$SELECT symbol, (ts AT TIME ZONE 'America/New_York')::date, 'source'::text, 0::float8, 0::float8, source,
    count(*), 0::float8, 0::float8, 0::float8, 0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6),
    (array_agg(source_ref ORDER BY ts DESC, source_ref DESC))[1] FROM %1$s AS src GROUP BY 1, 2, 6$q$)
) AS g(k, q) WHERE kinds IS NULL OR k = ANY(kinds)
$f$;
--> statement-breakpoint
CREATE FUNCTION smt_prints_binned() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE 'INSERT INTO print_day_bins AS r ' || smt_print_bins_select('new_rows', NULL, 'smt_level_bands(price)') || $q$
    ON CONFLICT (symbol, day, kind, band, bin, label) DO UPDATE SET
      prints = r.prints + excluded.prints, volume = r.volume + excluded.volume, value_usd = r.value_usd + excluded.value_usd,
      lit_volume = r.lit_volume + excluded.lit_volume, large_prints = r.large_prints + excluded.large_prints,
      large_value_usd = r.large_value_usd + excluded.large_value_usd, min_ts = least(r.min_ts, excluded.min_ts),
      max_ts = greatest(r.max_ts, excluded.max_ts), max_published_at = greatest(r.max_published_at, excluded.max_published_at),
      latest_ref = CASE WHEN (excluded.max_ts, excluded.latest_ref) > (r.max_ts, r.latest_ref)
        THEN excluded.latest_ref ELSE r.latest_ref END$q$;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
-- Deletes and updates (corrections): recompute every (symbol, day) they touched from what is left in prints.
CREATE FUNCTION smt_prints_rebinned() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP = 'DELETE' THEN
    CREATE TEMP TABLE smt_rebin ON COMMIT DROP AS
      SELECT DISTINCT symbol, (ts AT TIME ZONE 'America/New_York')::date AS day FROM old_rows;
  ELSE
    CREATE TEMP TABLE smt_rebin ON COMMIT DROP AS
      SELECT DISTINCT symbol, (ts AT TIME ZONE 'America/New_York')::date AS day
      FROM (SELECT symbol, ts FROM old_rows UNION ALL SELECT symbol, ts FROM new_rows) AS x;
  END IF;
  DELETE FROM print_day_bins b USING smt_rebin k WHERE b.symbol = k.symbol AND b.day = k.day;
  EXECUTE 'INSERT INTO print_day_bins ' || smt_print_bins_select($q$(
    SELECT p.* FROM smt_rebin k JOIN prints p ON p.symbol = k.symbol
      AND p.ts >= (k.day::timestamp AT TIME ZONE 'America/New_York')
      AND p.ts < ((k.day + 1)::timestamp AT TIME ZONE 'America/New_York'))$q$, NULL, 'smt_level_bands(price)');
  DROP TABLE smt_rebin;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE FUNCTION smt_prints_unbinned() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  DELETE FROM print_day_bins;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
-- A reader's scan of the part of a day its bins cannot answer: the bins of kind `k` (levels at `band`) of
-- the symbol's prints in [since, until), published by `as_of` unless it is NULL.
CREATE FUNCTION smt_print_bins_scan(sym text, since timestamptz, until timestamptz, as_of timestamptz, k text, band float8)
RETURNS SETOF print_day_bins LANGUAGE plpgsql STABLE AS $f$
BEGIN
  RETURN QUERY EXECUTE smt_print_bins_select(
    format('(SELECT * FROM prints WHERE symbol = %L AND ts >= %L AND ts < %L%s)', sym, since, until,
      CASE WHEN as_of IS NULL THEN '' ELSE format(' AND published_at <= %L', as_of) END),
    ARRAY[k], format('ARRAY[%s]::float8[]', band));
END
$f$;
--> statement-breakpoint
DO $d$ BEGIN
  EXECUTE 'INSERT INTO print_day_bins ' || smt_print_bins_select('prints', NULL, 'smt_level_bands(price)');
END $d$;
--> statement-breakpoint
CREATE TRIGGER prints_bins_insert AFTER INSERT ON prints REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_binned();
--> statement-breakpoint
CREATE TRIGGER prints_bins_delete AFTER DELETE ON prints REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_rebinned();
--> statement-breakpoint
CREATE TRIGGER prints_bins_update AFTER UPDATE ON prints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_rebinned();
--> statement-breakpoint
CREATE TRIGGER prints_bins_truncate AFTER TRUNCATE ON prints FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_unbinned();
