-- Issue 13, alerts from filings and files: the filing's EDGAR path, and the claim marker of the announcer.
ALTER TABLE "alerts" ADD COLUMN "source_url" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "announced_at" timestamp with time zone;--> statement-breakpoint
-- Alerts stored before this column were announced when stored.
UPDATE "alerts" SET "announced_at" = "ingested_at";--> statement-breakpoint
CREATE INDEX "alerts_unannounced_idx" ON "alerts" USING btree ("seq") WHERE announced_at is null;
