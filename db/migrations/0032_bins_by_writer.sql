-- Custom (issue 14, bulk ingest): a writer that keeps print_day_bins itself may skip the bins insert
-- trigger for its own transaction. The file ingest's COPY path (server/src/darkpool/prints.copy.ts with
-- print-bins.chunk.ts) groups each batch's bins from the prints it already holds and upserts them in the
-- transaction of the COPY, after setting `smt.bins_by_writer` (transaction-local); the trigger re-read the
-- statement's transition rows and grouped them six ways, the largest part of a market-day ingest's
-- database time. Every other writer (live inserts, the staged COPY fallback, uploads, PGlite) leaves the
-- setting unset and the trigger keeps the bins as before. Deletes, updates and truncate are unchanged.
DROP TRIGGER prints_bins_insert ON prints;
--> statement-breakpoint
CREATE TRIGGER prints_bins_insert AFTER INSERT ON prints REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  WHEN (current_setting('smt.bins_by_writer', true) IS DISTINCT FROM 'on') EXECUTE FUNCTION smt_prints_binned();
