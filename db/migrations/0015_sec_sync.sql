CREATE TABLE "sec_company_tickers" (
	"symbol" text PRIMARY KEY NOT NULL,
	"sec_ticker" text NOT NULL,
	"cik" text NOT NULL,
	"title" text NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_rate_limits" (
	"name" text PRIMARY KEY NOT NULL,
	"grants" bigint[] DEFAULT '{}' NOT NULL,
	"paused_until_ms" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "sec_company_tickers_cik_idx" ON "sec_company_tickers" USING btree ("cik");