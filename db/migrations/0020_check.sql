CREATE TABLE "finra_day_symbols" (
	"day" date NOT NULL,
	"symbol" text NOT NULL,
	"cnms" boolean NOT NULL,
	"short_volume" double precision,
	"short_exempt_volume" double precision,
	"total_volume" double precision,
	"short_ratio" double precision,
	"published_at" timestamp (6) with time zone NOT NULL,
	CONSTRAINT "finra_day_symbols_day_symbol_pk" PRIMARY KEY("day","symbol")
);
--> statement-breakpoint
CREATE TABLE "market_day_sources" (
	"input" text NOT NULL,
	"day" date NOT NULL,
	"source" text NOT NULL,
	"rows" bigint DEFAULT 0 NOT NULL,
	"latest_ref" text,
	CONSTRAINT "market_day_sources_input_day_source_pk" PRIMARY KEY("input","day","source")
);
--> statement-breakpoint
CREATE TABLE "option_day_rollups" (
	"day" date NOT NULL,
	"symbol" text NOT NULL,
	"call_premium_usd" double precision DEFAULT 0 NOT NULL,
	"put_premium_usd" double precision DEFAULT 0 NOT NULL,
	"call_volume" double precision DEFAULT 0 NOT NULL,
	"put_volume" double precision DEFAULT 0 NOT NULL,
	"multi_leg_premium_usd" double precision DEFAULT 0 NOT NULL,
	"prints" bigint DEFAULT 0 NOT NULL,
	"max_ts" timestamp (6) with time zone NOT NULL,
	"max_published_at" timestamp (6) with time zone NOT NULL,
	"options_premium_usd" double precision DEFAULT 0 NOT NULL,
	"call_put_skew" double precision,
	CONSTRAINT "option_day_rollups_day_symbol_pk" PRIMARY KEY("day","symbol")
);
--> statement-breakpoint
CREATE TABLE "print_day_market" (
	"day" date NOT NULL,
	"symbol" text NOT NULL,
	"off_prints" bigint DEFAULT 0 NOT NULL,
	"off_volume" double precision DEFAULT 0 NOT NULL,
	"off_value_usd" double precision DEFAULT 0 NOT NULL,
	"lit_volume" double precision DEFAULT 0 NOT NULL,
	"large_count" bigint DEFAULT 0 NOT NULL,
	"large_value_usd" double precision DEFAULT 0 NOT NULL,
	"large_bull_value_usd" double precision DEFAULT 0 NOT NULL,
	"large_bear_value_usd" double precision DEFAULT 0 NOT NULL,
	"max_ts" timestamp (6) with time zone NOT NULL,
	"max_published_at" timestamp (6) with time zone NOT NULL,
	"trailing_avg_off_volume" double precision,
	"trailing_days" bigint DEFAULT 0 NOT NULL,
	"bar_volume" double precision,
	"bar_source" text,
	"inputs_published_at" timestamp (6) with time zone NOT NULL,
	"consolidated_volume" double precision,
	"dark_pool_ratio" double precision,
	"unusual_volume" double precision,
	CONSTRAINT "print_day_market_day_symbol_pk" PRIMARY KEY("day","symbol")
);
--> statement-breakpoint
CREATE INDEX "finra_day_symbols_short_volume_idx" ON "finra_day_symbols" USING btree ("day","short_volume" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "finra_day_symbols_short_ratio_idx" ON "finra_day_symbols" USING btree ("day","short_ratio" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "finra_day_symbols_published_idx" ON "finra_day_symbols" USING btree ("day","published_at");--> statement-breakpoint
CREATE INDEX "option_day_rollups_premium_idx" ON "option_day_rollups" USING btree ("day","options_premium_usd" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "option_day_rollups_skew_idx" ON "option_day_rollups" USING btree ("day","call_put_skew" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "print_day_market_value_idx" ON "print_day_market" USING btree ("day","off_value_usd" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "print_day_market_ratio_idx" ON "print_day_market" USING btree ("day","dark_pool_ratio" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "print_day_market_block_idx" ON "print_day_market" USING btree ("day","large_value_usd" DESC NULLS LAST,symbol collate "C");--> statement-breakpoint
CREATE INDEX "print_day_market_unusual_idx" ON "print_day_market" USING btree ("day","unusual_volume" DESC NULLS LAST,symbol collate "C");