CREATE TABLE "finra_day_symbols" (
	"day" date NOT NULL,
	"symbol" text NOT NULL,
	"cnms" boolean NOT NULL,
	"short_volume" double precision,
	"short_exempt_volume" double precision,
	"total_volume" double precision,
	"short_ratio" double precision,
	"published_at" timestamp (6) with time zone NOT NULL,
	CONSTRAINT "finra_day_symbols_day_symbol_pk" PRIMARY KEY("day","symbol")
);
--> statement-breakpoint
CREATE TABLE "market_day_sources" (
	"input" text NOT NULL,
	"day" date NOT NULL,
	"source" text NOT NULL,
	"rows" bigint DEFAULT 0 NOT NULL,
	"latest_ref" text,
	CONSTRAINT "market_day_sources_input_day_source_pk" PRIMARY KEY("input","day","source")
);
--> statement-breakpoint
CREATE TABLE "option_day_rollups" (
	"day" date NOT NULL,
	"symbol" text NOT NULL,
	"call_premium_usd" double precision DEFAULT 0 NOT NULL,
	"put_premium_usd" double precision DEFAULT 0 NOT NULL,
	"call_volume" double precision DEFAULT 0 NOT NULL,
	"put_volume" double precision DEFAULT 0 NOT NULL,
	"multi_leg_premium_usd" double precision DEFAULT 0 NOT NULL,
	"prints" bigint DEFAULT 0 NOT NULL,
	"max_ts" timestamp (6) with time zone NOT NULL,
	"max_published_at" timestamp (6) with time zone NOT NULL,
	"options_premium_usd" double precision DEFAULT 0 NOT NULL,
	"call_put_skew" double precision,
	CONSTRAINT "option_day_rollups_day_symbol_pk" PRIMARY KEY("day","symbol")
);
--> statement-breakpoint
CREATE TABLE "print_day_market" (
	"day" date NOT NULL,
	"symbol" text NOT NULL,
	"off_prints" bigint DEFAULT 0 NOT NULL,
	"off_volume" double precision DEFAULT 0 NOT NULL,
	"off_value_usd" double precision DEFAULT 0 NOT NULL,
	"lit_volume" double precision DEFAULT 0 NOT NULL,
	"large_count" bigint DEFAULT 0 NOT NULL,
	"large_value_usd" double precision DEFAULT 0 NOT NULL,
	"large_bull_value_usd" double precision DEFAULT 0 NOT NULL,
	"large_bear_value_usd" double precision DEFAULT 0 NOT NULL,
	"max_ts" timestamp (6) with time zone NOT NULL,
	"max_published_at" timestamp (6) with time zone NOT NULL,
	"trailing_avg_off_volume" double precision,
	"trailing_days" bigint DEFAULT 0 NOT NULL,
	"bar_volume" double precision,
	"bar_source" text,
	"inputs_published_at" timestamp (6) with time zone NOT NULL,
	"consolidated_volume" double precision,
	"dark_pool_ratio" double precision,
	"unusual_volume" double precision,
	CONSTRAINT "print_day_market_day_symbol_pk" PRIMARY KEY("day","symbol")
);
--> statement-breakpoint
CREATE INDEX "finra_day_symbols_short_volume_idx" ON "finra_day_symbols" USING btree ("day","short_volume" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "finra_day_symbols_short_ratio_idx" ON "finra_day_symbols" USING btree ("day","short_ratio" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "finra_day_symbols_published_idx" ON "finra_day_symbols" USING btree ("day","published_at");--> statement-breakpoint
CREATE INDEX "option_day_rollups_premium_idx" ON "option_day_rollups" USING btree ("day","options_premium_usd" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "option_day_rollups_skew_idx" ON "option_day_rollups" USING btree ("day","call_put_skew" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "print_day_market_value_idx" ON "print_day_market" USING btree ("day","off_value_usd" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "print_day_market_ratio_idx" ON "print_day_market" USING btree ("day","dark_pool_ratio" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "print_day_market_block_idx" ON "print_day_market" USING btree ("day","large_value_usd" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "print_day_market_unusual_idx" ON "print_day_market" USING btree ("day","unusual_volume" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
-- Custom part: the functions and statement-level triggers that keep the four tables above exact under every
-- writer (ingest, uploads, live feeds, COPY, retention), in the same transaction as the rows they derive from,
-- and the back-fill of an existing database. The formulas mirror server/src/darkpool/market.service.ts
-- (finraDay, printDay), server/src/darkpool/ratio.ts and server/src/blocks/market.service.ts (optionsDay);
-- test/integration/market-days.test.ts compares both paths.
CREATE FUNCTION smt_finra_day_refresh(days date[], syms text[]) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  DELETE FROM finra_day_symbols f USING unnest(days, syms) AS k(day, symbol)
    WHERE f.day = k.day AND f.symbol = k.symbol;
  INSERT INTO finra_day_symbols (day, symbol, cnms, short_volume, short_exempt_volume, total_volume, short_ratio, published_at)
  SELECT day, symbol, cnms, sv, sev, tv, CASE WHEN tv > 0 THEN sv / tv END, pub FROM (
    SELECT s.day, s.symbol, bool_or(s.facility = 'CNMS') AS cnms,
      coalesce(max(s.short_volume) FILTER (WHERE s.facility = 'CNMS'),
               sum(s.short_volume) FILTER (WHERE s.facility NOT IN ('CNMS', 'FORF'))) AS sv,
      coalesce(max(s.short_exempt_volume) FILTER (WHERE s.facility = 'CNMS'),
               sum(s.short_exempt_volume) FILTER (WHERE s.facility NOT IN ('CNMS', 'FORF'))) AS sev,
      coalesce(max(s.total_volume) FILTER (WHERE s.facility = 'CNMS'),
               sum(s.total_volume) FILTER (WHERE s.facility NOT IN ('CNMS', 'FORF'))) AS tv,
      max(s.published_at) AS pub
    FROM short_volume s JOIN (SELECT DISTINCT * FROM unnest(days, syms) AS u(day, symbol)) k
      ON s.day = k.day AND s.symbol = k.symbol
    GROUP BY s.day, s.symbol) x
  -- In day order, so a day's rows share pages (a back-fill otherwise scatters them: a count read 4,500 pages).
  ORDER BY day, symbol
  -- A concurrent writer's row for the same key (committed after this statement's delete): this one wins.
  ON CONFLICT (day, symbol) DO UPDATE SET (cnms, short_volume, short_exempt_volume, total_volume, short_ratio, published_at)
    = ROW(excluded.cnms, excluded.short_volume, excluded.short_exempt_volume, excluded.total_volume,
      excluded.short_ratio, excluded.published_at);
  DELETE FROM market_day_sources WHERE input = 'finra' AND day = ANY (days);
  INSERT INTO market_day_sources (input, day, source, rows, latest_ref)
    SELECT 'finra', s.day, s.source, count(*), max(s.source_ref) FROM short_volume s
    WHERE s.day IN (SELECT DISTINCT unnest(days)) GROUP BY s.day, s.source
  ON CONFLICT (input, day, source) DO UPDATE SET (rows, latest_ref) = ROW(excluded.rows, excluded.latest_ref);
END
$f$;
--> statement-breakpoint
CREATE FUNCTION smt_short_volume_market() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE d date[]; s text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(day), array_agg(symbol) INTO d, s FROM (SELECT DISTINCT day, symbol FROM new_rows) x;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(day), array_agg(symbol) INTO d, s FROM (SELECT DISTINCT day, symbol FROM old_rows) x;
  ELSE
    SELECT array_agg(day), array_agg(symbol) INTO d, s FROM (
      SELECT day, symbol FROM new_rows UNION SELECT day, symbol FROM old_rows) x;
  END IF;
  IF d IS NOT NULL THEN PERFORM smt_finra_day_refresh(d, s); END IF;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
-- Per (day, symbol) with off-exchange prints; `later`: also the symbol's later days whose trailing mean (the
-- previous 20 days with prints within 60 days) reaches this day. `inputs_published_at` covers those 20 days:
-- an older day unpublished at as_of would not enter the mean either way.
CREATE FUNCTION smt_print_market_refresh(days date[], syms text[], later boolean) RETURNS void LANGUAGE plpgsql AS $f$
DECLARE kd date[]; ks text[];
BEGIN
  SELECT array_agg(day), array_agg(symbol) INTO kd, ks FROM (
    SELECT day, symbol FROM unnest(days, syms) AS u(day, symbol)
    UNION
    SELECT r.day, r.symbol FROM unnest(days, syms) AS u(day, symbol)
      JOIN print_day_rollups r ON later AND r.symbol = u.symbol AND r.day > u.day AND r.day <= u.day + 60
      -- only the days whose trailing 20 days with prints reach back to this one
      WHERE (SELECT count(*) FROM print_day_rollups y WHERE y.symbol = u.symbol AND y.off_prints > 0
        AND y.day > u.day AND y.day < r.day) < 20) x;
  DELETE FROM print_day_market m USING unnest(kd, ks) AS k(day, symbol) WHERE m.day = k.day AND m.symbol = k.symbol;
  INSERT INTO print_day_market (day, symbol, off_prints, off_volume, off_value_usd, lit_volume, large_count,
    large_value_usd, large_bull_value_usd, large_bear_value_usd, max_ts, max_published_at, trailing_avg_off_volume,
    trailing_days, bar_volume, bar_source, inputs_published_at, consolidated_volume, dark_pool_ratio, unusual_volume)
  SELECT r.day, r.symbol, r.off_prints, r.off_volume, r.off_value_usd, r.lit_volume, r.large_count, r.large_value_usd,
    r.large_bull_value_usd, r.large_bear_value_usd, r.max_ts, r.max_published_at,
    CASE WHEN h.n >= 5 THEN h.avg_off END, h.n, b.volume, b.source,
    greatest(r.max_published_at, h.max_pub, b.published_at),
    c.volume,
    CASE WHEN c.volume > 0 THEN r.off_volume / c.volume END,
    CASE WHEN h.n >= 5 AND h.avg_off > 0 THEN r.off_volume / h.avg_off END
  FROM unnest(kd, ks) AS k(day, symbol)
  JOIN print_day_rollups r ON r.day = k.day AND r.symbol = k.symbol AND r.off_prints > 0
  CROSS JOIN LATERAL (
    SELECT avg(t.off_volume) FILTER (WHERE t.rn <= 20) AS avg_off, count(*) FILTER (WHERE t.rn <= 20) AS n,
      max(t.max_published_at) FILTER (WHERE t.rn <= 20) AS max_pub
    FROM (SELECT x.off_volume, x.max_published_at, row_number() OVER (ORDER BY x.day DESC) AS rn
      FROM print_day_rollups x
      WHERE x.symbol = r.symbol AND x.day < r.day AND x.day >= r.day - 60 AND x.off_prints > 0) t) h
  LEFT JOIN LATERAL (
    SELECT v.volume, v.source, v.published_at FROM daily_bars v
    WHERE v.symbol = r.symbol AND v.day = r.day AND v.source <> 'derived_from_prints'
    ORDER BY v.published_at, v.source LIMIT 1) b ON true
  CROSS JOIN LATERAL (
    SELECT CASE WHEN b.volume IS NOT NULL AND b.volume >= r.off_volume AND b.volume > 0 THEN b.volume
      WHEN r.lit_volume > 0 AND r.lit_volume >= 0.2::float8 * (r.lit_volume + r.off_volume)
        THEN r.lit_volume + r.off_volume END AS volume) c
  ORDER BY r.day, r.symbol
  -- A concurrent writer refreshing the same later day committed first: this statement's snapshot is newer.
  ON CONFLICT (day, symbol) DO UPDATE SET (off_prints, off_volume, off_value_usd, lit_volume, large_count,
    large_value_usd, large_bull_value_usd, large_bear_value_usd, max_ts, max_published_at, trailing_avg_off_volume,
    trailing_days, bar_volume, bar_source, inputs_published_at, consolidated_volume, dark_pool_ratio, unusual_volume)
    = ROW(excluded.off_prints, excluded.off_volume, excluded.off_value_usd, excluded.lit_volume, excluded.large_count,
      excluded.large_value_usd, excluded.large_bull_value_usd, excluded.large_bear_value_usd, excluded.max_ts,
      excluded.max_published_at, excluded.trailing_avg_off_volume, excluded.trailing_days, excluded.bar_volume,
      excluded.bar_source, excluded.inputs_published_at, excluded.consolidated_volume, excluded.dark_pool_ratio,
      excluded.unusual_volume);
END
$f$;
--> statement-breakpoint
CREATE FUNCTION smt_print_market_changed() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE d date[]; s text[];
BEGIN
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
CREATE FUNCTION smt_option_day_refresh(days date[], syms text[]) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  DELETE FROM option_day_rollups o USING unnest(days, syms) AS k(day, symbol) WHERE o.day = k.day AND o.symbol = k.symbol;
  INSERT INTO option_day_rollups (day, symbol, call_premium_usd, put_premium_usd, call_volume, put_volume,
    multi_leg_premium_usd, prints, max_ts, max_published_at, options_premium_usd, call_put_skew)
  SELECT k.day, k.symbol, a.cp, a.pp, a.cv, a.pv, a.ml, a.n, a.max_ts, a.max_pub, a.cp + a.pp,
    CASE WHEN a.cp + a.pp > 0 THEN (a.cp - a.pp) / (a.cp + a.pp) END
  FROM (SELECT DISTINCT * FROM unnest(days, syms) AS u(day, symbol)) k
  CROSS JOIN LATERAL (
    SELECT coalesce(sum(p.premium_usd) FILTER (WHERE NOT p.is_multi_leg AND p."right" = 'call'), 0) AS cp,
      coalesce(sum(p.premium_usd) FILTER (WHERE NOT p.is_multi_leg AND p."right" = 'put'), 0) AS pp,
      coalesce(sum(p.size_contracts) FILTER (WHERE NOT p.is_multi_leg AND p."right" = 'call'), 0) AS cv,
      coalesce(sum(p.size_contracts) FILTER (WHERE NOT p.is_multi_leg AND p."right" = 'put'), 0) AS pv,
      coalesce(sum(p.premium_usd) FILTER (WHERE p.is_multi_leg), 0) AS ml,
      count(*) AS n, max(p.ts) AS max_ts, max(p.published_at) AS max_pub
    FROM option_prints p WHERE p.underlying = k.symbol
      AND p.ts >= (k.day::timestamp AT TIME ZONE 'America/New_York')
      AND p.ts < ((k.day + 1)::timestamp AT TIME ZONE 'America/New_York')) a
  WHERE a.n > 0
  ORDER BY k.day, k.symbol
  ON CONFLICT (day, symbol) DO UPDATE SET (call_premium_usd, put_premium_usd, call_volume, put_volume,
    multi_leg_premium_usd, prints, max_ts, max_published_at, options_premium_usd, call_put_skew)
    = ROW(excluded.call_premium_usd, excluded.put_premium_usd, excluded.call_volume, excluded.put_volume,
      excluded.multi_leg_premium_usd, excluded.prints, excluded.max_ts, excluded.max_published_at,
      excluded.options_premium_usd, excluded.call_put_skew);
  DELETE FROM market_day_sources WHERE input = 'options' AND day = ANY (days);
  INSERT INTO market_day_sources (input, day, source, rows, latest_ref)
    SELECT 'options', d.day, p.source, count(*), max(p.source_ref)
    FROM (SELECT DISTINCT unnest(days) AS day) d JOIN option_prints p
      ON p.ts >= (d.day::timestamp AT TIME ZONE 'America/New_York')
      AND p.ts < ((d.day + 1)::timestamp AT TIME ZONE 'America/New_York')
    GROUP BY d.day, p.source
  ON CONFLICT (input, day, source) DO UPDATE SET (rows, latest_ref) = ROW(excluded.rows, excluded.latest_ref);
END
$f$;
--> statement-breakpoint
-- Inserts add the new prints' aggregates (no re-read of the day); deletes and updates recompute what they touched.
CREATE FUNCTION smt_option_prints_market() RETURNS trigger LANGUAGE plpgsql AS $f$
DECLARE d date[]; s text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO option_day_rollups AS o (day, symbol, call_premium_usd, put_premium_usd, call_volume, put_volume,
      multi_leg_premium_usd, prints, max_ts, max_published_at, options_premium_usd, call_put_skew)
    SELECT day, symbol, cp, pp, cv, pv, ml, n, max_ts, max_pub, cp + pp,
      CASE WHEN cp + pp > 0 THEN (cp - pp) / (cp + pp) END
    FROM (
      SELECT (ts AT TIME ZONE 'America/New_York')::date AS day, underlying AS symbol,
        coalesce(sum(premium_usd) FILTER (WHERE NOT is_multi_leg AND "right" = 'call'), 0) AS cp,
        coalesce(sum(premium_usd) FILTER (WHERE NOT is_multi_leg AND "right" = 'put'), 0) AS pp,
        coalesce(sum(size_contracts) FILTER (WHERE NOT is_multi_leg AND "right" = 'call'), 0) AS cv,
        coalesce(sum(size_contracts) FILTER (WHERE NOT is_multi_leg AND "right" = 'put'), 0) AS pv,
        coalesce(sum(premium_usd) FILTER (WHERE is_multi_leg), 0) AS ml,
        count(*) AS n, max(ts) AS max_ts, max(published_at) AS max_pub
      FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2) x
    ON CONFLICT (day, symbol) DO UPDATE SET
      call_premium_usd = o.call_premium_usd + excluded.call_premium_usd,
      put_premium_usd = o.put_premium_usd + excluded.put_premium_usd,
      call_volume = o.call_volume + excluded.call_volume, put_volume = o.put_volume + excluded.put_volume,
      multi_leg_premium_usd = o.multi_leg_premium_usd + excluded.multi_leg_premium_usd,
      prints = o.prints + excluded.prints, max_ts = greatest(o.max_ts, excluded.max_ts),
      max_published_at = greatest(o.max_published_at, excluded.max_published_at),
      options_premium_usd = (o.call_premium_usd + excluded.call_premium_usd) + (o.put_premium_usd + excluded.put_premium_usd),
      call_put_skew = CASE WHEN (o.call_premium_usd + excluded.call_premium_usd) + (o.put_premium_usd + excluded.put_premium_usd) > 0
        THEN ((o.call_premium_usd + excluded.call_premium_usd) - (o.put_premium_usd + excluded.put_premium_usd))
          / ((o.call_premium_usd + excluded.call_premium_usd) + (o.put_premium_usd + excluded.put_premium_usd)) END;
    INSERT INTO market_day_sources AS m (input, day, source, rows, latest_ref)
      SELECT 'options', (ts AT TIME ZONE 'America/New_York')::date, source, count(*), max(source_ref)
      FROM new_rows GROUP BY 2, 3 ORDER BY 2, 3
    ON CONFLICT (input, day, source) DO UPDATE SET rows = m.rows + excluded.rows,
      latest_ref = greatest(m.latest_ref, excluded.latest_ref);
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(day), array_agg(symbol) INTO d, s FROM (
      SELECT DISTINCT (ts AT TIME ZONE 'America/New_York')::date AS day, underlying AS symbol FROM old_rows) x;
  ELSE
    SELECT array_agg(day), array_agg(symbol) INTO d, s FROM (
      SELECT (ts AT TIME ZONE 'America/New_York')::date AS day, underlying AS symbol FROM new_rows
      UNION SELECT (ts AT TIME ZONE 'America/New_York')::date, underlying FROM old_rows) x;
  END IF;
  IF d IS NOT NULL THEN PERFORM smt_option_day_refresh(d, s); END IF;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE FUNCTION smt_market_day_truncated() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_TABLE_NAME = 'short_volume' THEN
    DELETE FROM finra_day_symbols;
    DELETE FROM market_day_sources WHERE input = 'finra';
  ELSIF TG_TABLE_NAME = 'option_prints' THEN
    DELETE FROM option_day_rollups;
    DELETE FROM market_day_sources WHERE input = 'options';
  ELSIF TG_TABLE_NAME = 'print_day_rollups' THEN
    DELETE FROM print_day_market;
  ELSE
    PERFORM smt_print_market_refresh(array_agg(day), array_agg(symbol), false) FROM print_day_market;
  END IF;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER short_volume_market_insert AFTER INSERT ON short_volume REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_short_volume_market();
--> statement-breakpoint
CREATE TRIGGER short_volume_market_delete AFTER DELETE ON short_volume REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_short_volume_market();
--> statement-breakpoint
CREATE TRIGGER short_volume_market_update AFTER UPDATE ON short_volume REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_short_volume_market();
--> statement-breakpoint
CREATE TRIGGER short_volume_market_truncate AFTER TRUNCATE ON short_volume
  FOR EACH STATEMENT EXECUTE FUNCTION smt_market_day_truncated();
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_market_insert AFTER INSERT ON print_day_rollups REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_print_market_changed();
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_market_delete AFTER DELETE ON print_day_rollups REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_print_market_changed();
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_market_update AFTER UPDATE ON print_day_rollups REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_print_market_changed();
--> statement-breakpoint
CREATE TRIGGER print_day_rollups_market_truncate AFTER TRUNCATE ON print_day_rollups
  FOR EACH STATEMENT EXECUTE FUNCTION smt_market_day_truncated();
--> statement-breakpoint
CREATE TRIGGER daily_bars_market_insert AFTER INSERT ON daily_bars REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_print_market_changed();
--> statement-breakpoint
CREATE TRIGGER daily_bars_market_delete AFTER DELETE ON daily_bars REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_print_market_changed();
--> statement-breakpoint
CREATE TRIGGER daily_bars_market_update AFTER UPDATE ON daily_bars REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_print_market_changed();
--> statement-breakpoint
CREATE TRIGGER daily_bars_market_truncate AFTER TRUNCATE ON daily_bars
  FOR EACH STATEMENT EXECUTE FUNCTION smt_market_day_truncated();
--> statement-breakpoint
CREATE TRIGGER option_prints_market_insert AFTER INSERT ON option_prints REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_option_prints_market();
--> statement-breakpoint
CREATE TRIGGER option_prints_market_delete AFTER DELETE ON option_prints REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_option_prints_market();
--> statement-breakpoint
CREATE TRIGGER option_prints_market_update AFTER UPDATE ON option_prints REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION smt_option_prints_market();
--> statement-breakpoint
CREATE TRIGGER option_prints_market_truncate AFTER TRUNCATE ON option_prints
  FOR EACH STATEMENT EXECUTE FUNCTION smt_market_day_truncated();
--> statement-breakpoint
-- Back-fill from the rows already stored.
SELECT smt_finra_day_refresh(array_agg(day), array_agg(symbol)) FROM (SELECT DISTINCT day, symbol FROM short_volume) x;
--> statement-breakpoint
SELECT smt_print_market_refresh(array_agg(day), array_agg(symbol), false) FROM print_day_rollups WHERE off_prints > 0;
--> statement-breakpoint
SELECT smt_option_day_refresh(array_agg(day), array_agg(symbol)) FROM (
  SELECT DISTINCT (ts AT TIME ZONE 'America/New_York')::date AS day, underlying AS symbol FROM option_prints) x;
--> statement-breakpoint
-- Statistics now, so the first reads plan the ordered index scans (autovacuum would come later).
ANALYZE finra_day_symbols, print_day_market, option_day_rollups, market_day_sources;
