-- Issue 12, market-wide views: indexes for reads of one day / one window across all symbols (server/src/*/market.service.ts).
CREATE INDEX "option_prints_ts_idx" ON "option_prints" USING btree ("ts");--> statement-breakpoint
CREATE INDEX "symbols_prefix_idx" ON "symbols" USING btree ("symbol" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "prints_tape_idx" ON "prints" USING btree ("ts" DESC NULLS LAST,"symbol" DESC NULLS LAST,"trade_key" DESC NULLS LAST) WHERE is_off_exchange and correction < 7 and value_usd >= 100000;--> statement-breakpoint
CREATE INDEX "insider_transactions_open_market_date_idx" ON "insider_transactions" USING btree ("transaction_date") WHERE code in ('P', 'S') and not is_derivative;--> statement-breakpoint
CREATE INDEX "print_day_rollups_day_idx" ON "print_day_rollups" USING btree ("day");