-- Retention of a market day (server/src/darkpool/retention.ts) holds the exclusive lock on `prints` only
-- from the detach to the commit; two of its costs move out of that window.
-- 1. Deleting the dropped days' rollups refreshed every touched symbol's activity (10,000 upserts, ~100 ms
-- for a market day) though activity reads only the newest print day, which retention of older days does
-- not change. With `smt.day_drop` on, the delete passes no symbol: smt_symbol_activity_refresh still
-- re-checks the newest day and refreshes everything when it did change (every day dropped). The rollup
-- delete then touches only rows of the dropped days, so it runs before the detach takes the lock.
CREATE OR REPLACE FUNCTION smt_symbol_activity_touched() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE
  syms text[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    syms := '{}';
  ELSIF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'print_day_rollups' AND current_setting('smt.day_drop', true) = 'on' THEN
    syms := '{}';
  ELSIF TG_OP = 'DELETE' THEN
    syms := array(SELECT DISTINCT symbol FROM old_rows);
  ELSIF TG_OP = 'UPDATE' THEN
    syms := array(SELECT symbol FROM old_rows UNION SELECT symbol FROM new_rows);
  ELSE
    syms := array(SELECT DISTINCT symbol FROM new_rows);
  END IF;
  PERFORM smt_symbol_activity_refresh(syms);
  RETURN NULL;
END
$f$;
--> statement-breakpoint
-- 2. The later days' trailing means after a drop: the (day, symbol) rows smt_print_market_after_drop
-- refreshes, for the caller to refresh in slices, each its own short transaction (one statement over a
-- market's 10,000 symbols held the row locks a live insert of those days needs for ~400 ms).
CREATE FUNCTION smt_print_market_after_drop_keys(before date) RETURNS TABLE (day date, symbol text)
LANGUAGE sql STABLE AS $f$
  SELECT x.day, x.symbol FROM (
    SELECT r.day, r.symbol, r.off_prints, count(*) FILTER (WHERE r.off_prints > 0) OVER (PARTITION BY r.symbol
      ORDER BY r.day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS n
    FROM print_day_rollups r WHERE r.day >= before AND r.day < before + 60) x
  WHERE x.off_prints > 0 AND coalesce(x.n, 0) < 20
  ORDER BY x.day, x.symbol
$f$;
