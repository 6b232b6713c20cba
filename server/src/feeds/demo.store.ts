/** SQL of the demo feature: which symbols hold generated demo rows. */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";

/**
 * Symbols with stored demo rows, from the ingest log: every demo load records its runs there with
 * source `demo` and reference `demo:<SYMBOL>`, and the log is small, so this never scans the tape.
 */
export async function demoSymbols(db: Db): Promise<string[]> {
  const rows = rowsOf<{ source_ref: string }>(
    await db.execute(sql`
      select distinct source_ref from ingest_runs
      where source = 'demo' and accepted > 0 and source_ref like 'demo:%'
      order by source_ref`),
  );
  return rows.map((r) => r.source_ref.slice("demo:".length));
}
