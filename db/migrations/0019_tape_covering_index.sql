-- Issue 12, CSV export speed: the market tape's partial index carries every column the tape answers
-- (INCLUDE), so a long read of the tape (GET /smart-money/market/prints?format=csv, up to 100k rows) is an
-- index-only scan in index order: one leaf page holds dozens of prints, where a heap fetch per print read a
-- page per row (the tape's prints are scattered through each day's partition), and the planner no longer
-- prefers a sort of every match to the ordered scan. Drizzle cannot express INCLUDE, so the schema's
-- `prints_tape_idx` stays as it is declared there and this file is hand-written; the key, the predicate
-- and the name are unchanged.
DROP INDEX IF EXISTS "prints_tape_idx";--> statement-breakpoint
CREATE INDEX "prints_tape_idx" ON "prints" USING btree ("ts" DESC NULLS LAST,"symbol" DESC NULLS LAST,"trade_key" DESC NULLS LAST) INCLUDE ("price","size","value_usd","exchange","trf_id","side","sentiment","premium_discount_pct","block_eligible","extended_hours","source","source_ref","published_at") WHERE is_off_exchange and correction < 7 and value_usd >= 100000;
