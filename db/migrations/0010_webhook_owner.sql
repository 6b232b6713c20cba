ALTER TABLE "webhooks" ADD COLUMN "owner" text DEFAULT 'legacy' NOT NULL;--> statement-breakpoint
CREATE INDEX "webhooks_owner_idx" ON "webhooks" USING btree ("owner");