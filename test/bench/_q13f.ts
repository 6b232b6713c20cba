import { openDb } from "@smt/db";
import { sql } from "drizzle-orm";
import { quarterChanges } from "../../server/src/institutional/positions.store";
const h = await openDb({ url: process.argv[2] as string, maxConnections: 2 });
const period = process.argv[3] as string;
for (const asOf of process.argv.slice(4)) {
  for (let k = 0; k < 2; k++) {
    const t0 = performance.now();
    const keep = 50;
    const c = await quarterChanges(h.db, new Date(asOf), period, [
      { filter: sql`shares > 0 and net_value > 0`, key: sql`net_value`, desc: true, keep },
      { filter: sql`shares > 0 and net_value < 0`, key: sql`net_value`, desc: false, keep },
      { filter: sql`new_positions > 0`, key: sql`new_key`, desc: true, keep },
      { filter: sql`sold_out > 0`, key: sql`sold_out`, desc: true, keep },
    ]);
    console.log(asOf, `${(performance.now() - t0).toFixed(0)} ms`, c.rows.length, c.totals, JSON.stringify(c.rows[0] ?? null).slice(0, 200));
  }
}
await h.close();
