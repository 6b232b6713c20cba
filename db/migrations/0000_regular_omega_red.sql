CREATE TABLE "ingest_runs" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"accepted" integer DEFAULT 0 NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "symbols" (
	"symbol" text PRIMARY KEY NOT NULL,
	"kinds" text[] NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ats_weekly" (
	"week_start" date NOT NULL,
	"tier" text NOT NULL,
	"symbol" text NOT NULL,
	"issue_name" text,
	"mpid" text NOT NULL,
	"participant_name" text,
	"summary_type" text NOT NULL,
	"shares" double precision NOT NULL,
	"trades" integer,
	"last_update_date" date,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ats_weekly_week_start_symbol_mpid_summary_type_pk" PRIMARY KEY("week_start","symbol","mpid","summary_type")
);
--> statement-breakpoint
CREATE TABLE "daily_bars" (
	"symbol" text NOT NULL,
	"day" date NOT NULL,
	"open" double precision NOT NULL,
	"high" double precision NOT NULL,
	"low" double precision NOT NULL,
	"close" double precision NOT NULL,
	"volume" double precision NOT NULL,
	"transactions" integer,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "daily_bars_symbol_day_source_pk" PRIMARY KEY("symbol","day","source")
);
--> statement-breakpoint
CREATE TABLE "prints" (
	"symbol" text NOT NULL,
	"ts" timestamp (6) with time zone NOT NULL,
	"trade_key" text NOT NULL,
	"price" double precision NOT NULL,
	"size" double precision NOT NULL,
	"value_usd" double precision NOT NULL,
	"exchange" text NOT NULL,
	"trf_id" integer,
	"is_off_exchange" boolean NOT NULL,
	"tape" text,
	"conditions" text[] NOT NULL,
	"block_eligible" boolean NOT NULL,
	"exclusion_reason" text,
	"is_iso" boolean DEFAULT false NOT NULL,
	"is_late" boolean DEFAULT false NOT NULL,
	"extended_hours" boolean DEFAULT false NOT NULL,
	"correction" integer DEFAULT 0 NOT NULL,
	"market_price" double precision,
	"market_price_source" text,
	"bid" double precision,
	"ask" double precision,
	"premium_discount_pct" double precision,
	"side" text NOT NULL,
	"sentiment" text NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "prints_symbol_ts_trade_key_pk" PRIMARY KEY("symbol","ts","trade_key")
);
--> statement-breakpoint
CREATE TABLE "short_volume" (
	"day" date NOT NULL,
	"symbol" text NOT NULL,
	"facility" text NOT NULL,
	"market" text NOT NULL,
	"short_volume" double precision NOT NULL,
	"short_exempt_volume" double precision,
	"total_volume" double precision NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "short_volume_day_symbol_facility_pk" PRIMARY KEY("day","symbol","facility")
);
--> statement-breakpoint
CREATE INDEX "symbols_last_seen_idx" ON "symbols" USING btree ("last_seen_at");--> statement-breakpoint
CREATE INDEX "ats_weekly_symbol_idx" ON "ats_weekly" USING btree ("symbol","week_start");--> statement-breakpoint
CREATE INDEX "prints_symbol_ts_idx" ON "prints" USING btree ("symbol","ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "prints_ingested_idx" ON "prints" USING btree ("ingested_at");--> statement-breakpoint
CREATE INDEX "short_volume_symbol_idx" ON "short_volume" USING btree ("symbol","day");