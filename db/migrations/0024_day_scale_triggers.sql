-- Custom (issue 14, ingest at market scale): the bins of a batch in one pass over its rows. The insert
-- trigger (smt_prints_binned) spent ~38% of a 1M-print market-day ingest (17.0 of 44.6 s): each of the six
-- kinds scanned the batch again and converted every ts to New York time again (8 conversions a row), and
-- the level kind unnested its bands through a per-row function scan. Now the rows are read once into a CTE
-- (only the columns the bins use) that computes the New York day and the extended-hours flag once a row;
-- Postgres materialises it for the six kinds (referenced once, in a reader's one-kind scan, it is inlined);
-- the level kind unnests its bands in the select list. Same groups, same sums: print-bins.test.ts compares
-- every reader with the raw-scan queries.
CREATE OR REPLACE FUNCTION smt_print_bins_select(src text, kinds text[], bands text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($w$WITH smt_src AS (SELECT symbol, ts, published_at, size, value_usd, price, is_off_exchange, correction,
    premium_discount_pct, block_eligible, sentiment, source, source_ref,
    smt_local::date AS smt_day, NOT (smt_local::time >= time '09:30:00'
      AND smt_local::time < time '16:00:00' + interval '1 second' AND NOT extended_hours) AS smt_ext
  FROM (SELECT *, ts AT TIME ZONE 'America/New_York' AS smt_local FROM %1$s AS s0 OFFSET 0) AS s1) $w$, src)
  || string_agg(format(q, bands), ' UNION ALL ' ORDER BY k) FROM (VALUES
  ('size', $q$SELECT symbol, smt_day, 'size'::text, 0::float8,
    width_bucket(size, array[100, 2000, 10000, 100000]::float8[])::float8, ''::text, count(*), sum(size), sum(value_usd),
    0::float8, 0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM smt_src WHERE is_off_exchange AND correction < 7 GROUP BY 1, 2, 5$q$),
  ('ext', $q$SELECT symbol, smt_day, 'ext'::text, 0::float8, 0::float8, ''::text,
    count(*) FILTER (WHERE is_off_exchange), coalesce(sum(size) FILTER (WHERE is_off_exchange), 0),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange), 0), coalesce(sum(size) FILTER (WHERE NOT is_off_exchange), 0),
    0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM smt_src WHERE correction < 7 AND smt_ext GROUP BY 1, 2$q$),
  ('level', $q$SELECT symbol, smt_day, 'level'::text, band,
    floor(price / band) * band, ''::text, count(*), sum(size), sum(value_usd), 0::float8,
    count(*) FILTER (WHERE block_eligible AND value_usd >= 1000000),
    coalesce(sum(value_usd) FILTER (WHERE block_eligible AND value_usd >= 1000000), 0), min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM (SELECT smt_src.*, unnest(%1$s) AS band FROM smt_src WHERE is_off_exchange AND correction < 7) AS b
    GROUP BY 1, 2, 4, 5$q$),
  ('pd', $q$SELECT symbol, smt_day, 'pd'::text, 0::float8,
    floor(least(greatest(premium_discount_pct, -2.0::float8), 1.99::float8) / 0.25::float8) * 0.25::float8, ''::text,
    count(*), sum(size), 0::float8, 0::float8, 0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM smt_src WHERE is_off_exchange AND premium_discount_pct IS NOT NULL AND correction < 7 GROUP BY 1, 2, 5$q$),
  ('block', $q$SELECT symbol, smt_day, 'block'::text, 0::float8, 0::float8, sentiment,
    count(*), sum(size), sum(value_usd), 0::float8, 0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6), NULL::text
    FROM smt_src WHERE is_off_exchange AND correction < 7 AND block_eligible AND value_usd >= 1000000
    GROUP BY 1, 2, 6$q$),
  ('source', $q$SELECT symbol COLLATE "C", smt_day, 'source'::text, 0::float8, 0::float8, source COLLATE "C",
    count(*), 0::float8, 0::float8, 0::float8, 0::bigint, 0::float8, min(ts)::timestamptz(6), max(ts)::timestamptz(6), max(published_at)::timestamptz(6),
    (array_agg(source_ref ORDER BY ts DESC, source_ref DESC))[1] FROM smt_src GROUP BY 1, 2, 6$q$)
) AS g(k, q) WHERE kinds IS NULL OR k = ANY(kinds)
$f$;
--> statement-breakpoint
-- Retention of whole days (server/src/darkpool/retention.ts): deleting the dropped days' rollups refreshed,
-- per dropped (day, symbol), every later day whose trailing mean reached it, one correlated count and one
-- trailing window a row, inside the transaction that detaches the partitions (29 s for one 10,000-symbol
-- day with 30 later days stored, ingest blocked meanwhile). With `smt.day_drop` set (transaction-local) the
-- rollup delete trigger does nothing: retention deletes the dropped days' print_day_market rows itself and,
-- after its commit, refreshes the later days once, set-based (smt_print_market_after_drop).
CREATE OR REPLACE FUNCTION smt_print_market_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE d date[]; s text[];
BEGIN
  IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'print_day_rollups' AND current_setting('smt.day_drop', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(day), array_agg(symbol) INTO d, s FROM (SELECT DISTINCT day, symbol FROM new_rows) x;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(day), array_agg(symbol) INTO d, s FROM (SELECT DISTINCT day, symbol FROM old_rows) x;
  ELSE
    SELECT array_agg(day), array_agg(symbol) INTO d, s FROM (
      SELECT day, symbol FROM new_rows UNION SELECT day, symbol FROM old_rows) x;
  END IF;
  -- daily_bars change only their own day; a rollup also changes the trailing mean of the days after it.
  IF d IS NOT NULL THEN PERFORM smt_print_market_refresh(d, s, TG_TABLE_NAME = 'print_day_rollups'); END IF;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
-- After the days before `before` were dropped: refreshes every stored day whose trailing mean (the previous
-- 20 days with prints within 60 days) could have reached a dropped day, i.e. a day within 60 days of
-- `before` with fewer than 20 stored days with prints between `before` and it; returns how many. A superset
-- of what the per-row trigger refreshed (a refresh recomputes from the stored rollups, so it is idempotent).
CREATE FUNCTION smt_print_market_after_drop(before date) RETURNS bigint LANGUAGE plpgsql AS $f$
DECLARE kd date[]; ks text[];
BEGIN
  SELECT array_agg(day), array_agg(symbol) INTO kd, ks FROM (
    SELECT day, symbol, off_prints, count(*) FILTER (WHERE off_prints > 0) OVER (PARTITION BY symbol ORDER BY day
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS n
    FROM print_day_rollups WHERE day >= before AND day < before + 60) x
  WHERE off_prints > 0 AND coalesce(n, 0) < 20;
  IF kd IS NOT NULL THEN PERFORM smt_print_market_refresh(kd, ks, false); END IF;
  RETURN coalesce(cardinality(kd), 0);
END
$f$;
