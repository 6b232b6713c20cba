ALTER TABLE "insider_owner_window_counts" ADD COLUMN "known_transactions" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "insider_window_sums" ADD COLUMN "known_buy_value_usd" numeric DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "insider_window_sums" ADD COLUMN "known_buy_shares" numeric DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "insider_window_sums" ADD COLUMN "known_buy_transactions" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "insider_window_sums" ADD COLUMN "known_sell_value_usd" numeric DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "insider_window_sums" ADD COLUMN "known_sell_shares" numeric DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "insider_window_sums" ADD COLUMN "known_sell_transactions" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "insider_window_sums" ADD COLUMN "known_planned_sell_transactions" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "insider_window_sums" ADD COLUMN "known_changed_on" date;--> statement-breakpoint
CREATE INDEX "insider_transactions_issuer_buys_idx" ON "insider_transactions" USING btree ("issuer_cik","transaction_date","published_at","accession","owner_cik","owner_name","issuer_symbol") WHERE code = 'P' and not is_derivative and table_name like '%Transaction';--> statement-breakpoint
CREATE INDEX "insider_window_sums_changed_idx" ON "insider_window_sums" USING btree ("day","known_changed_on");--> statement-breakpoint
-- Issue 12, point-in-time insider boards without reading trades per request (docs/methodology.md "Insider
-- window reads"). Beside the running totals by trade date, insider_window_sums and insider_owner_window_counts
-- now keep them by known date: max(trade date, New York date of publication), the first day on which a trade
-- is both made and public. A window [from, to] read at the end of `to` is known(to) - by_trade_date(from - 1)
-- plus the trades dated before `from` and published after `to` (the window's straddlers: filed more than the
-- window's length late, read through the GiST index below); an as_of inside `to` subtracts that day's
-- filings accepted after it. The dates are every trade date and every known date. `known_changed_on` (the last
-- date a key's known totals changed) lets a window read only the keys with a trade known inside it.
-- Adds the signed changes in smt_insider_known_delta to both tables (and their dates), then empties it: the
-- statement triggers' step and the back-fill's.
CREATE OR REPLACE FUNCTION smt_insider_known_apply() RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  -- New dates: a copy of the previous date's rows (the changes are added below).
  INSERT INTO insider_window_sums
  SELECT n.day, s.issuer_cik, s.issuer_symbol, s.source, s.buy_value_usd, s.buy_shares, s.buy_transactions,
    s.sell_value_usd, s.sell_shares, s.sell_transactions, s.planned_sell_transactions, s.known_buy_value_usd,
    s.known_buy_shares, s.known_buy_transactions, s.known_sell_value_usd, s.known_sell_shares,
    s.known_sell_transactions, s.known_planned_sell_transactions, s.known_changed_on
  FROM (SELECT DISTINCT day FROM smt_insider_known_delta d
        WHERE NOT EXISTS (SELECT 1 FROM insider_window_days w WHERE w.day = d.day)) AS n
    JOIN insider_window_sums s ON s.day = (SELECT max(w.day) FROM insider_window_days w WHERE w.day < n.day);
  INSERT INTO insider_owner_window_counts
  SELECT n.day, s.issuer_cik, s.issuer_symbol, s.code, s.owner_cik, s.transactions, s.known_transactions
  FROM (SELECT DISTINCT day FROM smt_insider_known_delta d
        WHERE NOT EXISTS (SELECT 1 FROM insider_window_days w WHERE w.day = d.day)) AS n
    JOIN insider_owner_window_counts s
      ON s.day = (SELECT max(w.day) FROM insider_window_days w WHERE w.day < n.day);
  INSERT INTO insider_window_days SELECT DISTINCT day FROM smt_insider_known_delta ON CONFLICT DO NOTHING;
  -- Every changed key, on every date from its earliest changed date on: the running sums of its changes (by
  -- trade date, by known date), added to the row of that date (or the row itself where the key had none).
  INSERT INTO insider_window_sums AS s
  SELECT w.day, k.issuer_cik, k.issuer_symbol, k.source,
    sum(coalesce(d.bv, 0)) OVER r, sum(coalesce(d.bs, 0)) OVER r, sum(coalesce(d.bn, 0)) OVER r,
    sum(coalesce(d.sv, 0)) OVER r, sum(coalesce(d.ss, 0)) OVER r, sum(coalesce(d.sn, 0)) OVER r,
    sum(coalesce(d.pn, 0)) OVER r,
    sum(coalesce(d.kbv, 0)) OVER r, sum(coalesce(d.kbs, 0)) OVER r, sum(coalesce(d.kbn, 0)) OVER r,
    sum(coalesce(d.ksv, 0)) OVER r, sum(coalesce(d.kss, 0)) OVER r, sum(coalesce(d.ksn, 0)) OVER r,
    sum(coalesce(d.kpn, 0)) OVER r, max(d.kd) OVER r
  FROM (SELECT issuer_cik, issuer_symbol, source, min(day) AS first FROM smt_insider_known_delta
        GROUP BY 1, 2, 3) AS k
    JOIN insider_window_days w ON w.day >= k.first
    LEFT JOIN (
      SELECT day, issuer_cik, issuer_symbol, source,
        sum(v) FILTER (WHERE code = 'P' AND NOT known) AS bv, sum(sh) FILTER (WHERE code = 'P' AND NOT known) AS bs,
        sum(n) FILTER (WHERE code = 'P' AND NOT known) AS bn, sum(v) FILTER (WHERE code = 'S' AND NOT known) AS sv,
        sum(sh) FILTER (WHERE code = 'S' AND NOT known) AS ss, sum(n) FILTER (WHERE code = 'S' AND NOT known) AS sn,
        sum(pn) FILTER (WHERE code = 'S' AND NOT known) AS pn,
        sum(v) FILTER (WHERE code = 'P' AND known) AS kbv, sum(sh) FILTER (WHERE code = 'P' AND known) AS kbs,
        sum(n) FILTER (WHERE code = 'P' AND known) AS kbn, sum(v) FILTER (WHERE code = 'S' AND known) AS ksv,
        sum(sh) FILTER (WHERE code = 'S' AND known) AS kss, sum(n) FILTER (WHERE code = 'S' AND known) AS ksn,
        sum(pn) FILTER (WHERE code = 'S' AND known) AS kpn, CASE WHEN bool_or(known) THEN day END AS kd
      FROM smt_insider_known_delta GROUP BY 1, 2, 3, 4) AS d
      ON d.day = w.day AND d.issuer_cik = k.issuer_cik AND d.issuer_symbol = k.issuer_symbol
        AND d.source = k.source
  WINDOW r AS (PARTITION BY k.issuer_cik, k.issuer_symbol, k.source ORDER BY w.day)
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (day, issuer_cik, issuer_symbol, source) DO UPDATE SET
    buy_value_usd = s.buy_value_usd + excluded.buy_value_usd, buy_shares = s.buy_shares + excluded.buy_shares,
    buy_transactions = s.buy_transactions + excluded.buy_transactions,
    sell_value_usd = s.sell_value_usd + excluded.sell_value_usd,
    sell_shares = s.sell_shares + excluded.sell_shares,
    sell_transactions = s.sell_transactions + excluded.sell_transactions,
    planned_sell_transactions = s.planned_sell_transactions + excluded.planned_sell_transactions,
    known_buy_value_usd = s.known_buy_value_usd + excluded.known_buy_value_usd,
    known_buy_shares = s.known_buy_shares + excluded.known_buy_shares,
    known_buy_transactions = s.known_buy_transactions + excluded.known_buy_transactions,
    known_sell_value_usd = s.known_sell_value_usd + excluded.known_sell_value_usd,
    known_sell_shares = s.known_sell_shares + excluded.known_sell_shares,
    known_sell_transactions = s.known_sell_transactions + excluded.known_sell_transactions,
    known_planned_sell_transactions = s.known_planned_sell_transactions + excluded.known_planned_sell_transactions,
    known_changed_on = greatest(s.known_changed_on, excluded.known_changed_on);
  INSERT INTO insider_owner_window_counts AS s
  SELECT w.day, k.issuer_cik, k.issuer_symbol, k.code, k.owner_cik, sum(coalesce(d.n, 0)) OVER r,
    sum(coalesce(d.kn, 0)) OVER r
  FROM (SELECT issuer_cik, issuer_symbol, code, owner_cik, min(day) AS first FROM smt_insider_known_delta
        GROUP BY 1, 2, 3, 4) AS k
    JOIN insider_window_days w ON w.day >= k.first
    LEFT JOIN (SELECT day, issuer_cik, issuer_symbol, code, owner_cik, sum(n) FILTER (WHERE NOT known) AS n,
                 sum(n) FILTER (WHERE known) AS kn
               FROM smt_insider_known_delta GROUP BY 1, 2, 3, 4, 5) AS d
      ON d.day = w.day AND d.issuer_cik = k.issuer_cik AND d.issuer_symbol = k.issuer_symbol
        AND d.code = k.code AND d.owner_cik = k.owner_cik
  WINDOW r AS (PARTITION BY k.issuer_cik, k.issuer_symbol, k.code, k.owner_cik ORDER BY w.day)
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (day, issuer_cik, issuer_symbol, code, owner_cik) DO UPDATE SET
    transactions = s.transactions + excluded.transactions,
    known_transactions = s.known_transactions + excluded.known_transactions;
  DELETE FROM smt_insider_known_delta;
END
$f$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION smt_insider_window_sums() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE insider_window_sums, insider_owner_window_counts, insider_window_days;
    RETURN NULL;
  END IF;
  -- The changed open-market rows, signed (+ new, - old), per date, set (known or by trade date), issuer,
  -- symbol, source, code and owner: each row counts on its trade date and on its known date.
  CREATE TEMP TABLE IF NOT EXISTS smt_insider_known_delta (
    day date, known boolean, issuer_cik text, issuer_symbol text, source text, code text, owner_cik text,
    v numeric, sh numeric, n bigint, pn bigint);
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO smt_insider_known_delta
    SELECT d.day, d.known, issuer_cik, issuer_symbol, source, code, owner_cik,
      sum(coalesce(value_usd, shares * price_usd, 0)::numeric), sum(coalesce(shares, 0)::numeric), count(*),
      count(*) FILTER (WHERE aff10b5_one)
    FROM new_rows, LATERAL (VALUES (transaction_date, false),
      (greatest(transaction_date, (published_at AT TIME ZONE 'America/New_York')::date), true)) AS d(day, known)
    WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction'
      AND issuer_symbol IS NOT NULL AND transaction_date IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO smt_insider_known_delta
    SELECT d.day, d.known, issuer_cik, issuer_symbol, source, code, owner_cik,
      -sum(coalesce(value_usd, shares * price_usd, 0)::numeric), -sum(coalesce(shares, 0)::numeric), -count(*),
      -count(*) FILTER (WHERE aff10b5_one)
    FROM old_rows, LATERAL (VALUES (transaction_date, false),
      (greatest(transaction_date, (published_at AT TIME ZONE 'America/New_York')::date), true)) AS d(day, known)
    WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction'
      AND issuer_symbol IS NOT NULL AND transaction_date IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
  END IF;
  PERFORM smt_insider_known_apply();
  RETURN NULL;
END
$f$;
--> statement-breakpoint
-- The straddlers of a window (dated before it, published after it): open-market trades whose span from trade
-- date to publication date (New York) contains the window and a day either side, by range containment.
CREATE INDEX "insider_transactions_open_market_span_idx" ON "insider_transactions" USING gist (
  daterange(transaction_date, greatest(transaction_date, (published_at AT TIME ZONE 'America/New_York')::date), '[]'))
  WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction' AND issuer_symbol IS NOT NULL
    AND transaction_date IS NOT NULL;
--> statement-breakpoint
-- Back-fill: both sets of running totals recomputed from the trades (the dates now include known dates), by
-- the triggers' own step over every trade.
TRUNCATE insider_window_sums, insider_owner_window_counts, insider_window_days;
--> statement-breakpoint
CREATE TEMP TABLE IF NOT EXISTS smt_insider_known_delta (
  day date, known boolean, issuer_cik text, issuer_symbol text, source text, code text, owner_cik text,
  v numeric, sh numeric, n bigint, pn bigint);
--> statement-breakpoint
INSERT INTO smt_insider_known_delta
SELECT d.day, d.known, issuer_cik, issuer_symbol, source, code, owner_cik,
  sum(coalesce(value_usd, shares * price_usd, 0)::numeric), sum(coalesce(shares, 0)::numeric), count(*),
  count(*) FILTER (WHERE aff10b5_one)
FROM insider_transactions, LATERAL (VALUES (transaction_date, false),
  (greatest(transaction_date, (published_at AT TIME ZONE 'America/New_York')::date), true)) AS d(day, known)
WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction'
  AND issuer_symbol IS NOT NULL AND transaction_date IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7;
--> statement-breakpoint
SELECT smt_insider_known_apply();
--> statement-breakpoint
ANALYZE insider_window_days;
--> statement-breakpoint
ANALYZE insider_window_sums;
--> statement-breakpoint
ANALYZE insider_owner_window_counts;
