-- Custom (issue 14, live path): the per-statement upkeep of an INSERT into prints, cheaper, every derived
-- table still exact. Before: the rollup upsert (INSERT ... ON CONFLICT DO UPDATE) fired four statement
-- triggers of print_day_rollups (market and activity, each for its INSERT and its UPDATE event); each market
-- one deleted and re-inserted the touched (day, symbol) rows of print_day_market, recomputing their 20-day
-- trailing mean (a window over up to 60 stored days) and probing the later days, and each activity one
-- recomputed the rank of the touched symbols. Now the insert trigger does that work itself, once, from the
-- rows its upsert returns (one statement with data-modifying CTEs), and the cascade triggers do not fire for
-- that statement (their WHEN reads `smt.rollup_cascade`, transaction-local, off only while it runs; other
-- writers of print_day_rollups keep the cascade):
-- - a (day, symbol) already in print_day_market with no later stored day within 60 days is updated in place:
--   inserted prints change only that day's own columns; its trailing mean and trailing days (the days
--   before it) and its bar (daily_bars) are unchanged, so consolidated volume, ratio and unusual volume are
--   recomputed from them with smt_print_market_refresh's formulas, and inputs_published_at, a greatest()
--   over those inputs, takes the day's new max_published_at (inserts only raise it);
-- - any other touched day with off-exchange prints (new in print_day_market, or with later days whose
--   trailing mean may reach it) goes through smt_print_market_refresh with its later days, as before;
-- - the activity rank is refreshed once for the batch's symbols (it was twice).
-- Both insert triggers' statements are static SQL, generated here from the same builders
-- (smt_print_rollup_select, smt_bump_versions_sql, smt_print_bins_select), so PL/pgSQL plans them once per
-- session: through EXECUTE the ~30-aggregate rollup upsert and the six-kind bins union were parsed and
-- planned again for every batch, most of a small batch's cost.
-- Deletes, updates, truncate and retention (`smt.day_drop`) keep their paths (they write print_day_rollups by
-- delete + insert, and the cascade runs). test/integration/market-days.test.ts, print-bins.test.ts and the
-- rollup tests compare every derived table with raw scans.
DO $d$ BEGIN
EXECUTE format($fn$
CREATE OR REPLACE FUNCTION smt_prints_inserted() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE kd date[]; ks text[]; syms text[];
BEGIN
  PERFORM set_config('smt.rollup_cascade', 'off', true);
  WITH up AS (INSERT INTO print_day_rollups AS r %s
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
      large_bear_value_usd = r.large_bear_value_usd + excluded.large_bear_value_usd
    RETURNING r.symbol, r.day, r.off_prints, r.off_volume, r.off_value_usd, r.lit_volume, r.large_count,
      r.large_value_usd, r.large_bull_value_usd, r.large_bear_value_usd, r.max_ts, r.max_published_at),
  kept AS (
    UPDATE print_day_market m SET off_prints = up.off_prints, off_volume = up.off_volume,
      off_value_usd = up.off_value_usd, lit_volume = up.lit_volume, large_count = up.large_count,
      large_value_usd = up.large_value_usd, large_bull_value_usd = up.large_bull_value_usd,
      large_bear_value_usd = up.large_bear_value_usd, max_ts = up.max_ts, max_published_at = up.max_published_at,
      inputs_published_at = greatest(m.inputs_published_at, up.max_published_at),
      (consolidated_volume, dark_pool_ratio) = (SELECT c.volume, CASE WHEN c.volume > 0 THEN up.off_volume / c.volume END
        FROM (SELECT CASE WHEN m.bar_volume IS NOT NULL AND m.bar_volume >= up.off_volume AND m.bar_volume > 0
          THEN m.bar_volume WHEN up.lit_volume > 0 AND up.lit_volume >= 0.2::float8 * (up.lit_volume + up.off_volume)
          THEN up.lit_volume + up.off_volume END AS volume) c),
      unusual_volume = CASE WHEN m.trailing_avg_off_volume > 0 THEN up.off_volume / m.trailing_avg_off_volume END
    FROM up
    WHERE m.day = up.day AND m.symbol = up.symbol
      AND NOT EXISTS (SELECT 1 FROM print_day_rollups x
        WHERE x.symbol = up.symbol AND x.day > up.day AND x.day <= up.day + 60)
    RETURNING m.day, m.symbol)
  SELECT array_agg(up.day ORDER BY up.day, up.symbol) FILTER (WHERE up.off_prints > 0 AND k.day IS NULL),
    array_agg(up.symbol ORDER BY up.day, up.symbol) FILTER (WHERE up.off_prints > 0 AND k.day IS NULL),
    array(SELECT DISTINCT symbol FROM up ORDER BY 1)
  INTO kd, ks, syms
  FROM up LEFT JOIN kept k ON k.day = up.day AND k.symbol = up.symbol;
  PERFORM set_config('smt.rollup_cascade', '', true);
  IF kd IS NOT NULL THEN PERFORM smt_print_market_refresh(kd, ks, true); END IF;
  PERFORM smt_symbol_activity_refresh(syms);
  %s;
  RETURN NULL;
END
$f$
$fn$, smt_print_rollup_select('new_rows'),
  smt_bump_versions_sql('(SELECT symbol, greatest(ts, published_at) AS t FROM new_rows)'));
END $d$;
--> statement-breakpoint
-- The bins of the batch, the same statement as 0024's smt_prints_binned, made static as above.
DO $d$ BEGIN
EXECUTE format($fn$
CREATE OR REPLACE FUNCTION smt_prints_binned() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO print_day_bins AS r %s
    ON CONFLICT (symbol, day, kind, band, bin, label) DO UPDATE SET
      prints = r.prints + excluded.prints, volume = r.volume + excluded.volume, value_usd = r.value_usd + excluded.value_usd,
      lit_volume = r.lit_volume + excluded.lit_volume, large_prints = r.large_prints + excluded.large_prints,
      large_value_usd = r.large_value_usd + excluded.large_value_usd, min_ts = least(r.min_ts, excluded.min_ts),
      max_ts = greatest(r.max_ts, excluded.max_ts), max_published_at = greatest(r.max_published_at, excluded.max_published_at),
      latest_ref = CASE WHEN (excluded.max_ts, excluded.latest_ref) > (r.max_ts, r.latest_ref)
        THEN excluded.latest_ref ELSE r.latest_ref END;
  RETURN NULL;
END
$f$
$fn$, smt_print_bins_select('new_rows', NULL, 'smt_level_bands(price)'));
END $d$;
--> statement-breakpoint
-- The cascade from print_day_rollups does not fire for the statement smt_prints_inserted runs (it did the
-- work): the condition is checked as the statement ends, while the setting is still off.
DROP TRIGGER print_day_rollups_market_insert ON print_day_rollups;
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_market_insert AFTER INSERT ON print_day_rollups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('smt.rollup_cascade', true) IS DISTINCT FROM 'off') EXECUTE FUNCTION smt_print_market_changed();
--> statement-breakpoint
DROP TRIGGER print_day_rollups_activity_insert ON print_day_rollups;
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_activity_insert AFTER INSERT ON print_day_rollups REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('smt.rollup_cascade', true) IS DISTINCT FROM 'off') EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
DROP TRIGGER print_day_rollups_market_update ON print_day_rollups;
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_market_update AFTER UPDATE ON print_day_rollups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('smt.rollup_cascade', true) IS DISTINCT FROM 'off') EXECUTE FUNCTION smt_print_market_changed();
--> statement-breakpoint
DROP TRIGGER print_day_rollups_activity_update ON print_day_rollups;
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_activity_update AFTER UPDATE ON print_day_rollups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('smt.rollup_cascade', true) IS DISTINCT FROM 'off') EXECUTE FUNCTION smt_symbol_activity_touched();
--> statement-breakpoint
-- Room on each page for the insert triggers' updates to stay on the page (HOT: no new index entries, the old
-- version pruned in place). A print_day_bins row is updated by every batch with prints in its bin (~10 rows
-- per symbol and batch) and a data_versions row by every batch of its symbol; neither updates an indexed
-- column. (print_day_rollups cannot: its partial index's predicate reads off_prints.) Pages written from now on.
ALTER TABLE print_day_bins SET (fillfactor = 70);
--> statement-breakpoint
ALTER TABLE data_versions SET (fillfactor = 50);
