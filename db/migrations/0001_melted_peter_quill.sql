CREATE TABLE "open_interest" (
	"day" date NOT NULL,
	"contract" text NOT NULL,
	"underlying" text NOT NULL,
	"open_interest_contracts" integer NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "open_interest_day_contract_pk" PRIMARY KEY("day","contract")
);
--> statement-breakpoint
CREATE TABLE "option_prints" (
	"contract" text NOT NULL,
	"ts" timestamp (6) with time zone NOT NULL,
	"trade_key" text NOT NULL,
	"underlying" text NOT NULL,
	"root" text NOT NULL,
	"expiry" date NOT NULL,
	"right" text NOT NULL,
	"strike_usd" double precision NOT NULL,
	"adjusted" boolean DEFAULT false NOT NULL,
	"price" double precision NOT NULL,
	"size_contracts" integer NOT NULL,
	"premium_usd" double precision NOT NULL,
	"exchange_id" integer NOT NULL,
	"conditions" text[] NOT NULL,
	"correction" integer DEFAULT 0 NOT NULL,
	"is_iso" boolean DEFAULT false NOT NULL,
	"is_multi_leg" boolean DEFAULT false NOT NULL,
	"is_late" boolean DEFAULT false NOT NULL,
	"bid" double precision,
	"ask" double precision,
	"side" text NOT NULL,
	"sentiment" text NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "option_prints_contract_ts_trade_key_pk" PRIMARY KEY("contract","ts","trade_key")
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "alerts_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"symbol" text NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"ts" timestamp (3) with time zone NOT NULL,
	"title" text NOT NULL,
	"values" jsonb NOT NULL,
	"inputs" jsonb NOT NULL,
	"params_version" text NOT NULL,
	"rules_version" text NOT NULL,
	"dedupe_key" text NOT NULL,
	"price_at_alert" double precision,
	"price_move_1h_pct" double precision,
	"price_move_1d_pct" double precision,
	"outcome_evaluated_at" timestamp with time zone,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alerts_seq_unique" UNIQUE("seq")
);
--> statement-breakpoint
CREATE TABLE "webhook_dead_letters" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "webhook_dead_letters_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"webhook_id" text NOT NULL,
	"alert_id" text NOT NULL,
	"url" text NOT NULL,
	"attempts" integer NOT NULL,
	"last_status" integer,
	"last_error" text NOT NULL,
	"body" text NOT NULL,
	"failed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"url" text NOT NULL,
	"secret" text NOT NULL,
	"symbols" text[] NOT NULL,
	"types" text[] NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "open_interest_underlying_idx" ON "open_interest" USING btree ("underlying","day");--> statement-breakpoint
CREATE INDEX "option_prints_underlying_ts_idx" ON "option_prints" USING btree ("underlying","ts" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "option_prints_ingested_idx" ON "option_prints" USING btree ("ingested_at");--> statement-breakpoint
CREATE INDEX "alerts_symbol_seq_idx" ON "alerts" USING btree ("symbol","seq");--> statement-breakpoint
CREATE INDEX "alerts_ts_idx" ON "alerts" USING btree ("ts");--> statement-breakpoint
CREATE INDEX "alerts_ingested_idx" ON "alerts" USING btree ("ingested_at");--> statement-breakpoint
CREATE INDEX "webhook_dead_letters_webhook_idx" ON "webhook_dead_letters" USING btree ("webhook_id","failed_at");