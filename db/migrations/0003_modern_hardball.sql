DROP INDEX "prints_symbol_ts_idx";--> statement-breakpoint
DROP INDEX "prints_ingested_idx";