CREATE TABLE "sync_items" (
	"source" text NOT NULL,
	"item_key" text NOT NULL,
	"status" text NOT NULL,
	"data_date" text,
	"detail" jsonb,
	"attempts" integer DEFAULT 1 NOT NULL,
	"published_at" timestamp (3) with time zone,
	"first_seen_at" timestamp (3) with time zone NOT NULL,
	"updated_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "sync_items_source_item_key_pk" PRIMARY KEY("source","item_key")
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sync_runs_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"source" text NOT NULL,
	"run_key" text NOT NULL,
	"status" text NOT NULL,
	"trigger" text NOT NULL,
	"params" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"scheduled_for" timestamp (3) with time zone NOT NULL,
	"next_attempt_at" timestamp (3) with time zone NOT NULL,
	"owner" text,
	"lease_until" timestamp (3) with time zone,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"last_error" text,
	"stats" jsonb,
	CONSTRAINT "sync_runs_source_key_uq" UNIQUE("source","run_key")
);
--> statement-breakpoint
CREATE INDEX "sync_items_date_idx" ON "sync_items" USING btree ("source","data_date");--> statement-breakpoint
CREATE INDEX "sync_runs_due_idx" ON "sync_runs" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "sync_runs_source_idx" ON "sync_runs" USING btree ("source","id");