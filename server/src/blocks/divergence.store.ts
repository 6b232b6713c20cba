/** SQL of the price/flow divergence on the blocks area's own table: one window's option premium flow. */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { num } from "../lib/row-values";

/** Single-leg option premium of an underlying over [since, until), by NBBO-sided sentiment (USD). */
export async function optionPremiumFlow(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
): Promise<{ optionsBullishPremiumUsd: number; optionsBearishPremiumUsd: number }> {
  const rows = rowsOf<{ bull: unknown; bear: unknown }>(
    await db.execute(sql`
      select
        coalesce(sum(premium_usd) filter (where sentiment = 'bullish'), 0) as bull,
        coalesce(sum(premium_usd) filter (where sentiment = 'bearish'), 0) as bear
      from option_prints
      where underlying = ${symbol} and not is_multi_leg
        and ts >= ${since.toISOString()}::timestamptz and ts < ${until.toISOString()}::timestamptz`),
  );
  return { optionsBullishPremiumUsd: num(rows[0]?.bull), optionsBearishPremiumUsd: num(rows[0]?.bear) };
}
