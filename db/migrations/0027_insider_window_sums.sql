CREATE TABLE "insider_window_days" (
	"day" date PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "insider_window_sums" (
	"day" date NOT NULL,
	"issuer_cik" text NOT NULL,
	"issuer_symbol" text NOT NULL,
	"source" text NOT NULL,
	"buy_value_usd" numeric NOT NULL,
	"buy_shares" numeric NOT NULL,
	"buy_transactions" bigint NOT NULL,
	"sell_value_usd" numeric NOT NULL,
	"sell_shares" numeric NOT NULL,
	"sell_transactions" bigint NOT NULL,
	"planned_sell_transactions" bigint NOT NULL,
	CONSTRAINT "insider_window_sums_day_issuer_cik_issuer_symbol_source_pk" PRIMARY KEY("day","issuer_cik","issuer_symbol","source")
);
--> statement-breakpoint
CREATE TABLE "insider_owner_window_counts" (
	"day" date NOT NULL,
	"issuer_cik" text NOT NULL,
	"issuer_symbol" text NOT NULL,
	"code" text NOT NULL,
	"owner_cik" text NOT NULL,
	"transactions" bigint NOT NULL,
	CONSTRAINT "insider_owner_window_counts_pk" PRIMARY KEY("day","issuer_cik","issuer_symbol","code","owner_cik")
);
--> statement-breakpoint
CREATE INDEX "insider_filings_issuer_name_idx" ON "insider_filings" USING btree ("issuer_cik","issuer_name","published_at");--> statement-breakpoint
CREATE INDEX "insider_transactions_open_market_published_idx" ON "insider_transactions" USING btree ("transaction_date","published_at","issuer_cik","issuer_symbol","source","code","owner_cik","shares","price_usd","value_usd","aff10b5_one") WHERE code in ('P', 'S') and not is_derivative and table_name like '%Transaction' and issuer_symbol is not null;--> statement-breakpoint
CREATE INDEX "insider_transactions_open_market_buys_idx" ON "insider_transactions" USING btree ("transaction_date","issuer_cik","owner_cik","published_at","source","accession","issuer_symbol","owner_name","shares","price_usd","value_usd") WHERE code = 'P' and not is_derivative and table_name like '%Transaction';--> statement-breakpoint
CREATE INDEX "insider_transactions_open_market_source_idx" ON "insider_transactions" USING btree ("transaction_date","source","accession","published_at") WHERE code in ('P', 'S') and not is_derivative and table_name like '%Transaction' and issuer_symbol is not null;--> statement-breakpoint
--> statement-breakpoint
-- Issue 12, market-wide insider buys and sells (docs/methodology.md "Market"): insider_window_sums holds, on
-- each date of insider_window_days, the running totals of the open-market trades (non-derivative P/S rows
-- with an issuer symbol) dated on or before it, per issuer, symbol and source; a key has a row on every date
-- from its first trade on. Kept by statement triggers on insider_transactions from the signed changed rows:
-- a new date copies the previous date's rows, then every key's rows from its earliest changed date on add
-- the running sum of its changes (one upsert per table).
CREATE FUNCTION smt_insider_window_sums() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    TRUNCATE insider_window_sums, insider_owner_window_counts, insider_window_days;
    RETURN NULL;
  END IF;
  -- The changed open-market rows, signed (+ new, - old), per date, issuer, symbol, source, code and owner.
  CREATE TEMP TABLE IF NOT EXISTS smt_insider_window_delta (
    day date, issuer_cik text, issuer_symbol text, source text, code text, owner_cik text, v numeric,
    sh numeric, n bigint, pn bigint);
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO smt_insider_window_delta
    SELECT transaction_date, issuer_cik, issuer_symbol, source, code, owner_cik,
      sum(coalesce(value_usd, shares * price_usd, 0)::numeric), sum(coalesce(shares, 0)::numeric), count(*),
      count(*) FILTER (WHERE aff10b5_one)
    FROM new_rows
    WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction'
      AND issuer_symbol IS NOT NULL AND transaction_date IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    INSERT INTO smt_insider_window_delta
    SELECT transaction_date, issuer_cik, issuer_symbol, source, code, owner_cik,
      -sum(coalesce(value_usd, shares * price_usd, 0)::numeric), -sum(coalesce(shares, 0)::numeric), -count(*),
      -count(*) FILTER (WHERE aff10b5_one)
    FROM old_rows
    WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction'
      AND issuer_symbol IS NOT NULL AND transaction_date IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6;
  END IF;
  -- New dates: a copy of the previous date's rows (the changes are added below).
  INSERT INTO insider_window_sums
  SELECT n.day, s.issuer_cik, s.issuer_symbol, s.source, s.buy_value_usd, s.buy_shares, s.buy_transactions,
    s.sell_value_usd, s.sell_shares, s.sell_transactions, s.planned_sell_transactions
  FROM (SELECT DISTINCT day FROM smt_insider_window_delta d
        WHERE NOT EXISTS (SELECT 1 FROM insider_window_days w WHERE w.day = d.day)) AS n
    JOIN insider_window_sums s ON s.day = (SELECT max(w.day) FROM insider_window_days w WHERE w.day < n.day);
  INSERT INTO insider_owner_window_counts
  SELECT n.day, s.issuer_cik, s.issuer_symbol, s.code, s.owner_cik, s.transactions
  FROM (SELECT DISTINCT day FROM smt_insider_window_delta d
        WHERE NOT EXISTS (SELECT 1 FROM insider_window_days w WHERE w.day = d.day)) AS n
    JOIN insider_owner_window_counts s
      ON s.day = (SELECT max(w.day) FROM insider_window_days w WHERE w.day < n.day);
  INSERT INTO insider_window_days SELECT DISTINCT day FROM smt_insider_window_delta ON CONFLICT DO NOTHING;
  -- Every changed key, on every date from its earliest changed date on: the running sum of its changes, added
  -- to the row of that date (or the row itself where the key had none yet: nothing before).
  INSERT INTO insider_window_sums AS s
  SELECT w.day, k.issuer_cik, k.issuer_symbol, k.source,
    sum(coalesce(d.bv, 0)) OVER r, sum(coalesce(d.bs, 0)) OVER r, sum(coalesce(d.bn, 0)) OVER r,
    sum(coalesce(d.sv, 0)) OVER r, sum(coalesce(d.ss, 0)) OVER r, sum(coalesce(d.sn, 0)) OVER r,
    sum(coalesce(d.pn, 0)) OVER r
  FROM (SELECT issuer_cik, issuer_symbol, source, min(day) AS first FROM smt_insider_window_delta
        GROUP BY 1, 2, 3) AS k
    JOIN insider_window_days w ON w.day >= k.first
    LEFT JOIN (
      SELECT day, issuer_cik, issuer_symbol, source,
        sum(v) FILTER (WHERE code = 'P') AS bv, sum(sh) FILTER (WHERE code = 'P') AS bs,
        sum(n) FILTER (WHERE code = 'P') AS bn, sum(v) FILTER (WHERE code = 'S') AS sv,
        sum(sh) FILTER (WHERE code = 'S') AS ss, sum(n) FILTER (WHERE code = 'S') AS sn,
        sum(pn) FILTER (WHERE code = 'S') AS pn
      FROM smt_insider_window_delta GROUP BY 1, 2, 3, 4) AS d
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
    planned_sell_transactions = s.planned_sell_transactions + excluded.planned_sell_transactions;
  INSERT INTO insider_owner_window_counts AS s
  SELECT w.day, k.issuer_cik, k.issuer_symbol, k.code, k.owner_cik, sum(coalesce(d.n, 0)) OVER r
  FROM (SELECT issuer_cik, issuer_symbol, code, owner_cik, min(day) AS first FROM smt_insider_window_delta
        GROUP BY 1, 2, 3, 4) AS k
    JOIN insider_window_days w ON w.day >= k.first
    LEFT JOIN (SELECT day, issuer_cik, issuer_symbol, code, owner_cik, sum(n) AS n
               FROM smt_insider_window_delta GROUP BY 1, 2, 3, 4, 5) AS d
      ON d.day = w.day AND d.issuer_cik = k.issuer_cik AND d.issuer_symbol = k.issuer_symbol
        AND d.code = k.code AND d.owner_cik = k.owner_cik
  WINDOW r AS (PARTITION BY k.issuer_cik, k.issuer_symbol, k.code, k.owner_cik ORDER BY w.day)
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (day, issuer_cik, issuer_symbol, code, owner_cik) DO UPDATE SET
    transactions = s.transactions + excluded.transactions;
  DELETE FROM smt_insider_window_delta;
  RETURN NULL;
END
$f$;
--> statement-breakpoint
CREATE TRIGGER insider_transactions_window_insert AFTER INSERT ON insider_transactions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_insider_window_sums();
--> statement-breakpoint
CREATE TRIGGER insider_transactions_window_update AFTER UPDATE ON insider_transactions
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_insider_window_sums();
--> statement-breakpoint
CREATE TRIGGER insider_transactions_window_delete AFTER DELETE ON insider_transactions
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION smt_insider_window_sums();
--> statement-breakpoint
CREATE TRIGGER insider_transactions_window_truncate AFTER TRUNCATE ON insider_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION smt_insider_window_sums();
--> statement-breakpoint
-- Back-fill: the dates, then every key's running totals on every date from its first on, stored date by date
-- (a request reads two dates' rows).
INSERT INTO insider_window_days
SELECT DISTINCT transaction_date FROM insider_transactions
WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction'
  AND issuer_symbol IS NOT NULL AND transaction_date IS NOT NULL;
--> statement-breakpoint
WITH d AS (
  SELECT transaction_date AS day, issuer_cik, issuer_symbol, source,
    sum(coalesce(value_usd, shares * price_usd, 0)::numeric) FILTER (WHERE code = 'P') AS bv,
    sum(coalesce(shares, 0)::numeric) FILTER (WHERE code = 'P') AS bs, count(*) FILTER (WHERE code = 'P') AS bn,
    sum(coalesce(value_usd, shares * price_usd, 0)::numeric) FILTER (WHERE code = 'S') AS sv,
    sum(coalesce(shares, 0)::numeric) FILTER (WHERE code = 'S') AS ss, count(*) FILTER (WHERE code = 'S') AS sn,
    count(*) FILTER (WHERE code = 'S' AND aff10b5_one) AS pn
  FROM insider_transactions
  WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction'
    AND issuer_symbol IS NOT NULL AND transaction_date IS NOT NULL
  GROUP BY 1, 2, 3, 4
), k AS (
  SELECT issuer_cik, issuer_symbol, source, min(day) AS first FROM d GROUP BY 1, 2, 3
)
INSERT INTO insider_window_sums
SELECT w.day, k.issuer_cik, k.issuer_symbol, k.source,
  sum(coalesce(d.bv, 0)) OVER r, sum(coalesce(d.bs, 0)) OVER r, sum(coalesce(d.bn, 0)) OVER r,
  sum(coalesce(d.sv, 0)) OVER r, sum(coalesce(d.ss, 0)) OVER r, sum(coalesce(d.sn, 0)) OVER r,
  sum(coalesce(d.pn, 0)) OVER r
FROM k JOIN insider_window_days w ON w.day >= k.first
  LEFT JOIN d ON d.day = w.day AND d.issuer_cik = k.issuer_cik AND d.issuer_symbol = k.issuer_symbol
    AND d.source = k.source
WINDOW r AS (PARTITION BY k.issuer_cik, k.issuer_symbol, k.source ORDER BY w.day)
ORDER BY 1, 2, 3, 4;
--> statement-breakpoint
WITH d AS (
  SELECT transaction_date AS day, issuer_cik, issuer_symbol, code, owner_cik, count(*) AS n
  FROM insider_transactions
  WHERE code IN ('P', 'S') AND NOT is_derivative AND table_name LIKE '%Transaction'
    AND issuer_symbol IS NOT NULL AND transaction_date IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5
), k AS (
  SELECT issuer_cik, issuer_symbol, code, owner_cik, min(day) AS first FROM d GROUP BY 1, 2, 3, 4
)
INSERT INTO insider_owner_window_counts
SELECT w.day, k.issuer_cik, k.issuer_symbol, k.code, k.owner_cik, sum(coalesce(d.n, 0)) OVER r
FROM k JOIN insider_window_days w ON w.day >= k.first
  LEFT JOIN d ON d.day = w.day AND d.issuer_cik = k.issuer_cik AND d.issuer_symbol = k.issuer_symbol
    AND d.code = k.code AND d.owner_cik = k.owner_cik
WINDOW r AS (PARTITION BY k.issuer_cik, k.issuer_symbol, k.code, k.owner_cik ORDER BY w.day)
ORDER BY 1, 2, 3, 4, 5;
--> statement-breakpoint
ANALYZE insider_window_days;
--> statement-breakpoint
ANALYZE insider_window_sums;
--> statement-breakpoint
ANALYZE insider_owner_window_counts;
