CREATE TABLE "composite_days" (
	"day" date PRIMARY KEY NOT NULL,
	"as_of" timestamp (6) with time zone NOT NULL,
	"closed" boolean NOT NULL,
	"computed_at" timestamp (6) with time zone NOT NULL,
	"full_at" timestamp (6) with time zone NOT NULL,
	"area_version" bigint NOT NULL,
	"data_version_sum" bigint NOT NULL,
	"active_symbols" integer NOT NULL,
	"window" jsonb NOT NULL,
	"sources" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "composite_scores" (
	"day" date NOT NULL,
	"symbol" text NOT NULL,
	"as_of" timestamp (6) with time zone NOT NULL,
	"computed_at" timestamp (6) with time zone NOT NULL,
	"activity" double precision NOT NULL,
	"activity_rank" integer NOT NULL,
	"smart_money_index" double precision,
	"accumulation" double precision,
	"smi_fields" jsonb NOT NULL,
	"accumulation_fields" jsonb NOT NULL,
	"data_version" bigint NOT NULL,
	CONSTRAINT "composite_scores_day_symbol_pk" PRIMARY KEY("day","symbol")
);
--> statement-breakpoint
CREATE INDEX "composite_days_as_of_idx" ON "composite_days" USING btree ("as_of");--> statement-breakpoint
CREATE INDEX "composite_scores_smi_idx" ON "composite_scores" USING btree ("day","smart_money_index");--> statement-breakpoint
CREATE INDEX "composite_scores_accumulation_idx" ON "composite_scores" USING btree ("day","accumulation");