CREATE TABLE "data_versions" (
	"symbol" text PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	"max_time" timestamp (6) with time zone
);
--> statement-breakpoint
CREATE TABLE "print_day_rollups" (
	"symbol" text NOT NULL,
	"day" date NOT NULL,
	"min_ts" timestamp (6) with time zone NOT NULL,
	"max_ts" timestamp (6) with time zone NOT NULL,
	"max_published_at" timestamp (6) with time zone NOT NULL,
	"off_prints" bigint DEFAULT 0 NOT NULL,
	"off_volume" double precision DEFAULT 0 NOT NULL,
	"off_value_usd" double precision DEFAULT 0 NOT NULL,
	"off_max_ts" timestamp (6) with time zone,
	"lit_volume" double precision DEFAULT 0 NOT NULL,
	"pd_sum" double precision DEFAULT 0 NOT NULL,
	"pd_count" bigint DEFAULT 0 NOT NULL,
	"premium_count" bigint DEFAULT 0 NOT NULL,
	"discount_count" bigint DEFAULT 0 NOT NULL,
	"bull_volume" double precision DEFAULT 0 NOT NULL,
	"bear_volume" double precision DEFAULT 0 NOT NULL,
	"neut_volume" double precision DEFAULT 0 NOT NULL,
	"unk_volume" double precision DEFAULT 0 NOT NULL,
	"bull_count" bigint DEFAULT 0 NOT NULL,
	"bear_count" bigint DEFAULT 0 NOT NULL,
	"neut_count" bigint DEFAULT 0 NOT NULL,
	"unk_count" bigint DEFAULT 0 NOT NULL,
	"bull_value_usd" double precision DEFAULT 0 NOT NULL,
	"bear_value_usd" double precision DEFAULT 0 NOT NULL,
	"neut_value_usd" double precision DEFAULT 0 NOT NULL,
	"other_value_usd" double precision DEFAULT 0 NOT NULL,
	"large_count" bigint DEFAULT 0 NOT NULL,
	"large_value_usd" double precision DEFAULT 0 NOT NULL,
	"large_bull_value_usd" double precision DEFAULT 0 NOT NULL,
	"large_bear_value_usd" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "print_day_rollups_symbol_day_pk" PRIMARY KEY("symbol","day")
);
