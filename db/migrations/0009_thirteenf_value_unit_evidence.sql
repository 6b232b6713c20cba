ALTER TABLE "thirteenf_filings" ADD COLUMN "value_unit_suspect" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "thirteenf_filings" ADD COLUMN "value_unit_evidence" jsonb;