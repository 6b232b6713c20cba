CREATE TABLE "insider_filings" (
	"accession" text PRIMARY KEY NOT NULL,
	"issuer_cik" text NOT NULL,
	"issuer_name" text,
	"issuer_symbol" text,
	"document_type" text,
	"period_of_report" date,
	"filed_date" date,
	"aff10b5_one" boolean,
	"reporting_owners" jsonb NOT NULL,
	"footnotes" jsonb NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "insider_transactions" (
	"issuer_cik" text NOT NULL,
	"accession" text NOT NULL,
	"table_name" text NOT NULL,
	"row_index" integer NOT NULL,
	"issuer_symbol" text,
	"owner_cik" text NOT NULL,
	"owner_name" text,
	"owner_roles" text NOT NULL,
	"officer_title" text,
	"security_title" text,
	"transaction_date" date,
	"code" text,
	"acquired_disposed" text,
	"shares" double precision,
	"price_usd" double precision,
	"value_usd" double precision,
	"shares_owned_after" double precision,
	"direct_indirect" text,
	"nature_of_ownership" text,
	"is_derivative" boolean NOT NULL,
	"conversion_or_exercise_price_usd" double precision,
	"expiration_date" date,
	"underlying_shares" double precision,
	"aff10b5_one" boolean,
	"footnote_ids" jsonb NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "insider_transactions_issuer_cik_accession_table_name_row_index_pk" PRIMARY KEY("issuer_cik","accession","table_name","row_index")
);
--> statement-breakpoint
CREATE TABLE "securities" (
	"cusip" text NOT NULL,
	"symbol" text NOT NULL,
	"name" text,
	"cik" text,
	"shares_outstanding" double precision,
	"shares_as_of" date,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "securities_cusip_source_pk" PRIMARY KEY("cusip","source")
);
--> statement-breakpoint
CREATE TABLE "thirteenf_filings" (
	"accession" text PRIMARY KEY NOT NULL,
	"filer_cik" text NOT NULL,
	"filer_name" text,
	"submission_type" text,
	"period_of_report" date NOT NULL,
	"report_type" text,
	"is_amendment" boolean DEFAULT false NOT NULL,
	"amendment_no" integer,
	"amendment_type" text,
	"filed_date" date,
	"table_entry_total" integer,
	"table_value_total" double precision,
	"value_unit" text NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "thirteenf_holdings" (
	"accession" text NOT NULL,
	"row_index" integer NOT NULL,
	"filer_cik" text NOT NULL,
	"period_of_report" date NOT NULL,
	"cusip" text NOT NULL,
	"name_of_issuer" text NOT NULL,
	"title_of_class" text,
	"figi" text,
	"value_as_filed" double precision NOT NULL,
	"value_usd" double precision NOT NULL,
	"value_unit" text NOT NULL,
	"value_unit_suspect" boolean DEFAULT false NOT NULL,
	"shares_or_principal" double precision NOT NULL,
	"shares_type" text NOT NULL,
	"put_call" text,
	"investment_discretion" text,
	"other_manager" text,
	"voting_sole" double precision DEFAULT 0 NOT NULL,
	"voting_shared" double precision DEFAULT 0 NOT NULL,
	"voting_none" double precision DEFAULT 0 NOT NULL,
	"source" text NOT NULL,
	"source_ref" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "thirteenf_holdings_accession_row_index_pk" PRIMARY KEY("accession","row_index")
);
--> statement-breakpoint
CREATE INDEX "insider_filings_issuer_idx" ON "insider_filings" USING btree ("issuer_cik","published_at");--> statement-breakpoint
CREATE INDEX "insider_transactions_symbol_date_idx" ON "insider_transactions" USING btree ("issuer_symbol","transaction_date");--> statement-breakpoint
CREATE INDEX "insider_transactions_issuer_published_idx" ON "insider_transactions" USING btree ("issuer_cik","published_at");--> statement-breakpoint
CREATE INDEX "securities_symbol_idx" ON "securities" USING btree ("symbol");--> statement-breakpoint
CREATE INDEX "thirteenf_filings_filer_period_idx" ON "thirteenf_filings" USING btree ("filer_cik","period_of_report");--> statement-breakpoint
CREATE INDEX "thirteenf_filings_period_idx" ON "thirteenf_filings" USING btree ("period_of_report","published_at");--> statement-breakpoint
CREATE INDEX "thirteenf_holdings_cusip_period_idx" ON "thirteenf_holdings" USING btree ("cusip","period_of_report");--> statement-breakpoint
CREATE INDEX "thirteenf_holdings_filer_period_idx" ON "thirteenf_holdings" USING btree ("filer_cik","period_of_report");