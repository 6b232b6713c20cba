-- FINRA spellings stored before symbols had one canonical form (server/src/lib/symbol-form.ts,
-- docs/data-sources.md "Symbols"): class separators `/` -> `.` (`BRK/B` -> `BRK.B`, `ACIC/WS/A` -> `ACIC.WS.A`)
-- and CQS lower-case suffixes -> CMS words (`AAICpB` -> `AAIC.PRB`, `AAICp` -> `AAIC.PR`, `CELGr` -> `CELG.RT`,
-- `IFFw` -> `IFF.WI`). Data only. A row whose canonical twin is already stored (the file was loaded again
-- after the upgrade) is dropped, not duplicated.
CREATE FUNCTION smt_finra_symbol(s text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
  m text[];
  out text := s;
BEGIN
  IF out ~ '[a-z]' AND out ~ '[A-Z]' THEN
    m := regexp_match(out, '^([A-Z0-9./ -]*[A-Z0-9])(p[A-Z]?)?(r)?(w)?$');
    IF m IS NOT NULL AND (m[2] IS NOT NULL OR m[3] IS NOT NULL OR m[4] IS NOT NULL) THEN
      out := m[1]
        || CASE WHEN m[2] IS NULL THEN '' ELSE '.PR' || substr(m[2], 2) END
        || CASE WHEN m[3] IS NULL THEN '' ELSE '.RT' END
        || CASE WHEN m[4] IS NULL THEN '' ELSE '.WI' END;
    END IF;
  END IF;
  RETURN replace(out, '/', '.');
END
$f$;
--> statement-breakpoint
UPDATE short_volume o SET symbol = smt_finra_symbol(o.symbol)
WHERE o.symbol ~ '[/a-z]' AND NOT EXISTS (
  SELECT 1 FROM short_volume n
  WHERE n.day = o.day AND n.facility = o.facility AND n.symbol = smt_finra_symbol(o.symbol));
--> statement-breakpoint
DELETE FROM short_volume WHERE symbol ~ '[/a-z]' AND symbol <> smt_finra_symbol(symbol);
--> statement-breakpoint
UPDATE ats_weekly o SET symbol = smt_finra_symbol(o.symbol)
WHERE o.symbol ~ '[/a-z]' AND NOT EXISTS (
  SELECT 1 FROM ats_weekly n
  WHERE n.week_start = o.week_start AND n.mpid = o.mpid AND n.summary_type = o.summary_type
    AND n.symbol = smt_finra_symbol(o.symbol));
--> statement-breakpoint
DELETE FROM ats_weekly WHERE symbol ~ '[/a-z]' AND symbol <> smt_finra_symbol(symbol);
--> statement-breakpoint
-- The symbol picker: entries that only FINRA files created move to the canonical spelling (kinds merged).
INSERT INTO symbols (symbol, kinds, last_seen_at)
SELECT smt_finra_symbol(symbol), kinds, last_seen_at FROM symbols
WHERE symbol ~ '[/a-z]' AND kinds <@ array['short-volume', 'ats']::text[]
ON CONFLICT (symbol) DO UPDATE SET
  kinds = (SELECT array_agg(DISTINCT k ORDER BY k) FROM unnest(symbols.kinds || excluded.kinds) AS k),
  last_seen_at = greatest(symbols.last_seen_at, excluded.last_seen_at);
--> statement-breakpoint
DELETE FROM symbols WHERE symbol ~ '[/a-z]' AND kinds <@ array['short-volume', 'ats']::text[];
--> statement-breakpoint
DROP FUNCTION smt_finra_symbol(text);
