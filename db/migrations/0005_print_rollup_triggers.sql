-- Custom migration (drizzle-kit generate --custom): triggers that keep print_day_rollups and data_versions
-- exact under every writer (insertPrints, COPY, the retention job), and the back-fill of existing rows.
-- The aggregate list mirrors ROLLUP_AGGREGATES in server/src/darkpool/rollups.ts; a test compares them.
CREATE FUNCTION smt_print_rollup_select(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
SELECT format($q$
  SELECT symbol, (ts AT TIME ZONE 'America/New_York')::date AS day,
    min(ts), max(ts), max(published_at),
    count(*) FILTER (WHERE is_off_exchange),
    coalesce(sum(size) FILTER (WHERE is_off_exchange), 0),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange), 0),
    max(ts) FILTER (WHERE is_off_exchange),
    coalesce(sum(size) FILTER (WHERE NOT is_off_exchange), 0),
    coalesce(sum(premium_discount_pct) FILTER (WHERE is_off_exchange), 0),
    count(premium_discount_pct) FILTER (WHERE is_off_exchange),
    count(*) FILTER (WHERE is_off_exchange AND premium_discount_pct > 0),
    count(*) FILTER (WHERE is_off_exchange AND premium_discount_pct < 0),
    coalesce(sum(size) FILTER (WHERE is_off_exchange AND sentiment = 'bullish'), 0),
    coalesce(sum(size) FILTER (WHERE is_off_exchange AND sentiment = 'bearish'), 0),
    coalesce(sum(size) FILTER (WHERE is_off_exchange AND sentiment = 'neutral'), 0),
    coalesce(sum(size) FILTER (WHERE is_off_exchange AND sentiment = 'unknown'), 0),
    count(*) FILTER (WHERE is_off_exchange AND sentiment = 'bullish'),
    count(*) FILTER (WHERE is_off_exchange AND sentiment = 'bearish'),
    count(*) FILTER (WHERE is_off_exchange AND sentiment = 'neutral'),
    count(*) FILTER (WHERE is_off_exchange AND sentiment = 'unknown'),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange AND sentiment = 'bullish'), 0),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange AND sentiment = 'bearish'), 0),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange AND sentiment = 'neutral'), 0),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange AND sentiment NOT IN ('bullish', 'bearish', 'neutral')), 0),
    count(*) FILTER (WHERE is_off_exchange AND block_eligible AND value_usd >= 1000000),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange AND block_eligible AND value_usd >= 1000000), 0),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange AND block_eligible AND value_usd >= 1000000 AND sentiment = 'bullish'), 0),
    coalesce(sum(value_usd) FILTER (WHERE is_off_exchange AND block_eligible AND value_usd >= 1000000 AND sentiment = 'bearish'), 0)
  FROM %s AS src WHERE correction < 7 GROUP BY 1, 2 ORDER BY 1, 2$q$, src)
$f$;
--> statement-breakpoint
-- Transition tables are visible only to statements the trigger function itself runs, hence SQL builders.
CREATE FUNCTION smt_bump_versions_sql(src text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
-- Sorted, so concurrent writers lock the same rows in the same order.
SELECT format($q$
    INSERT INTO data_versions AS v (symbol, version, max_time)
    SELECT symbol, 1, max(t) FROM %s AS src GROUP BY symbol ORDER BY symbol
    ON CONFLICT (symbol) DO UPDATE SET version = v.version + 1, max_time = greatest(v.max_time, excluded.max_time)$q$, src)
$f$;
--> statement-breakpoint
CREATE FUNCTION smt_prints_inserted() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE 'INSERT INTO print_day_rollups AS r ' || smt_print_rollup_select('new_rows') || $q$
    ON CONFLICT (symbol, day) DO UPDATE SET
      min_ts = least(r.min_ts, excluded.min_ts), max_ts = greatest(r.max_ts, excluded.max_ts),
      max_published_at = greatest(r.max_published_at, excluded.max_published_at),
      off_prints = r.off_prints + excluded.off_prints, off_volume = r.off_volume + excluded.off_volume,
      off_value_usd = r.off_value_usd + excluded.off_value_usd, off_max_ts = greatest(r.off_max_ts, excluded.off_max_ts),
      lit_volume = r.lit_volume + excluded.lit_volume, pd_sum = r.pd_sum + excluded.pd_sum,
      pd_count = r.pd_count + excluded.pd_count, premium_count = r.premium_count + excluded.premium_count,
      discount_count = r.discount_count + excluded.discount_count,
      bull_volume = r.bull_volume + excluded.bull_volume, bear_volume = r.bear_volume + excluded.bear_volume,
      neut_volume = r.neut_volume + excluded.neut_volume, unk_volume = r.unk_volume + excluded.unk_volume,
      bull_count = r.bull_count + excluded.bull_count, bear_count = r.bear_count + excluded.bear_count,
      neut_count = r.neut_count + excluded.neut_count, unk_count = r.unk_count + excluded.unk_count,
      bull_value_usd = r.bull_value_usd + excluded.bull_value_usd, bear_value_usd = r.bear_value_usd + excluded.bear_value_usd,
      neut_value_usd = r.neut_value_usd + excluded.neut_value_usd, other_value_usd = r.other_value_usd + excluded.other_value_usd,
      large_count = r.large_count + excluded.large_count, large_value_usd = r.large_value_usd + excluded.large_value_usd,
      large_bull_value_usd = r.large_bull_value_usd + excluded.large_bull_value_usd,
      large_bear_value_usd = r.large_bear_value_usd + excluded.large_bear_value_usd$q$;
  EXECUTE smt_bump_versions_sql('(SELECT symbol, greatest(ts, published_at) AS t FROM new_rows)');
  RETURN NULL;
END
$f$;
--> statement-breakpoint
-- Deletes (retention) and updates: recompute every day they touched from what is left in prints.
CREATE FUNCTION smt_prints_recompute() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP = 'DELETE' THEN
    CREATE TEMP TABLE smt_touched ON COMMIT DROP AS
      SELECT DISTINCT symbol, (ts AT TIME ZONE 'America/New_York')::date AS day, ts FROM old_rows;
  ELSE
    CREATE TEMP TABLE smt_touched ON COMMIT DROP AS
      SELECT DISTINCT symbol, (ts AT TIME ZONE 'America/New_York')::date AS day, greatest(ts, published_at) AS ts
      FROM (SELECT symbol, ts, published_at FROM old_rows UNION ALL SELECT symbol, ts, published_at FROM new_rows) AS x;
  END IF;
  DELETE FROM print_day_rollups r USING (SELECT DISTINCT symbol, day FROM smt_touched) k
    WHERE r.symbol = k.symbol AND r.day = k.day;
  EXECUTE 'INSERT INTO print_day_rollups ' || smt_print_rollup_select($q$(
    SELECT p.* FROM (SELECT DISTINCT symbol, day FROM smt_touched) k JOIN prints p ON p.symbol = k.symbol
      AND p.ts >= (k.day::timestamp AT TIME ZONE 'America/New_York')
      AND p.ts < ((k.day + 1)::timestamp AT TIME ZONE 'America/New_York'))$q$);
  EXECUTE smt_bump_versions_sql('(SELECT symbol, ts AS t FROM smt_touched)');
  DROP TABLE smt_touched;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE FUNCTION smt_prints_truncated() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  DELETE FROM print_day_rollups;
  UPDATE data_versions SET version = version + 1;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE FUNCTION smt_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    EXECUTE smt_bump_versions_sql('(SELECT symbol, published_at AS t FROM new_rows)');
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    EXECUTE smt_bump_versions_sql('(SELECT symbol, published_at AS t FROM old_rows)');
  END IF;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER prints_rollup_insert AFTER INSERT ON prints REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_inserted();
--> statement-breakpoint
CREATE TRIGGER prints_rollup_delete AFTER DELETE ON prints REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_recompute();
--> statement-breakpoint
CREATE TRIGGER prints_rollup_update AFTER UPDATE ON prints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_recompute();
--> statement-breakpoint
CREATE TRIGGER prints_rollup_truncate AFTER TRUNCATE ON prints FOR EACH STATEMENT EXECUTE FUNCTION smt_prints_truncated();
--> statement-breakpoint
CREATE TRIGGER daily_bars_version_insert AFTER INSERT ON daily_bars REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
CREATE TRIGGER daily_bars_version_delete AFTER DELETE ON daily_bars REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
CREATE TRIGGER daily_bars_version_update AFTER UPDATE ON daily_bars REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
CREATE TRIGGER short_volume_version_insert AFTER INSERT ON short_volume REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
CREATE TRIGGER short_volume_version_delete AFTER DELETE ON short_volume REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
CREATE TRIGGER short_volume_version_update AFTER UPDATE ON short_volume REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
CREATE TRIGGER ats_weekly_version_insert AFTER INSERT ON ats_weekly REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
CREATE TRIGGER ats_weekly_version_delete AFTER DELETE ON ats_weekly REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
CREATE TRIGGER ats_weekly_version_update AFTER UPDATE ON ats_weekly REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_rows_changed();
--> statement-breakpoint
-- Back-fill what is already stored.
DO $d$ BEGIN
  EXECUTE 'INSERT INTO print_day_rollups ' || smt_print_rollup_select('prints');
  EXECUTE smt_bump_versions_sql($q$(
    SELECT symbol, greatest(ts, published_at) AS t FROM prints
    UNION ALL SELECT symbol, published_at FROM daily_bars
    UNION ALL SELECT symbol, published_at FROM short_volume
    UNION ALL SELECT symbol, published_at FROM ats_weekly)$q$);
END $d$;
