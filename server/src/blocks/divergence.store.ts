/**
 * SQL of the price/flow divergence: one window's price move and its dark-pool, block and options flow.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { num } from "../lib/row-values";

/** Flow sums of one window for the divergence score. */
export async function divergenceWindow(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  blockMinUsd: number,
) {
  const equityRows = rowsOf<{
    first_price: unknown;
    last_price: unknown;
    price_prints: unknown;
    dark_bull: unknown;
    dark_bear: unknown;
    block_bull: unknown;
    block_bear: unknown;
  }>(
    await db.execute(sql`
      select
        (select price from prints where symbol = ${symbol} and ts >= ${since.toISOString()}::timestamptz
          and ts < ${until.toISOString()}::timestamptz and block_eligible and not is_late order by ts asc limit 1) as first_price,
        (select price from prints where symbol = ${symbol} and ts >= ${since.toISOString()}::timestamptz
          and ts < ${until.toISOString()}::timestamptz and block_eligible and not is_late order by ts desc limit 1) as last_price,
        count(*) filter (where block_eligible and not is_late) as price_prints,
        coalesce(sum(value_usd) filter (where is_off_exchange and block_eligible and sentiment = 'bullish'), 0) as dark_bull,
        coalesce(sum(value_usd) filter (where is_off_exchange and block_eligible and sentiment = 'bearish'), 0) as dark_bear,
        coalesce(sum(value_usd) filter (where value_usd >= ${blockMinUsd} and block_eligible and not is_late and sentiment = 'bullish'), 0) as block_bull,
        coalesce(sum(value_usd) filter (where value_usd >= ${blockMinUsd} and block_eligible and not is_late and sentiment = 'bearish'), 0) as block_bear
      from prints
      where symbol = ${symbol} and correction < 7
        and ts >= ${since.toISOString()}::timestamptz and ts < ${until.toISOString()}::timestamptz`),
  );
  const opt = rowsOf<{ bull: unknown; bear: unknown }>(
    await db.execute(sql`
      select
        coalesce(sum(premium_usd) filter (where sentiment = 'bullish'), 0) as bull,
        coalesce(sum(premium_usd) filter (where sentiment = 'bearish'), 0) as bear
      from option_prints
      where underlying = ${symbol} and not is_multi_leg
        and ts >= ${since.toISOString()}::timestamptz and ts < ${until.toISOString()}::timestamptz`),
  );
  const e = equityRows[0];
  const o = opt[0];
  return {
    firstPrice: e?.first_price == null ? null : Number(e.first_price),
    lastPrice: e?.last_price == null ? null : Number(e.last_price),
    pricePrints: num(e?.price_prints),
    darkPoolBullishUsd: num(e?.dark_bull),
    darkPoolBearishUsd: num(e?.dark_bear),
    blockBullishUsd: num(e?.block_bull),
    blockBearishUsd: num(e?.block_bear),
    optionsBullishPremiumUsd: num(o?.bull),
    optionsBearishPremiumUsd: num(o?.bear),
  };
}
