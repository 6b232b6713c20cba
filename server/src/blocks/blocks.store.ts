/**
 * SQL of the blocks feature: option prints, open interest, and the queries behind the blocks routes and
 * the detectors' baselines. The only code of this feature that touches the database.
 */
import { type Db, rowsOf, schema } from "@smt/db";
import { and, desc, eq, gte, lt, lte, sql } from "drizzle-orm";
import type { EnrichedPrint } from "../darkpool/print";
import { num } from "../lib/row-values";
import type { OpenInterestRow, OptionPrint, OptionSentiment, OptionSide } from "./options.parse";

/** 26 columns x 1,000 rows = 26,000 bind parameters, well under Postgres' 65,534 cap. */
const OPTION_BATCH = 1_000;

/** Stores option prints idempotently (cancels are skipped) and returns the ones that were new. */
export async function insertOptionPrints(db: Db, prints: OptionPrint[]): Promise<OptionPrint[]> {
  const live = prints.filter((p) => !p.isCancel);
  const fresh: OptionPrint[] = [];
  for (let i = 0; i < live.length; i += OPTION_BATCH) {
    const batch = live.slice(i, i + OPTION_BATCH);
    const inserted = await db
      .insert(schema.optionPrints)
      .values(
        batch.map((p) => ({
          contract: p.contract,
          ts: p.ts,
          tradeKey: p.tradeKey,
          underlying: p.underlying,
          root: p.root,
          expiry: p.expiry,
          right: p.right,
          strikeUsd: p.strikeUsd,
          adjusted: p.adjusted,
          price: p.price,
          sizeContracts: p.sizeContracts,
          premiumUsd: p.premiumUsd,
          exchangeId: p.exchangeId,
          conditions: p.conditions,
          correction: p.correction,
          isIso: p.isIso,
          isMultiLeg: p.isMultiLeg,
          isLate: p.isLate,
          bid: p.bid,
          ask: p.ask,
          side: p.side,
          sentiment: p.sentiment,
          source: p.source,
          sourceRef: p.sourceRef,
          publishedAt: p.ts,
        })),
      )
      .onConflictDoNothing()
      .returning({ tradeKey: schema.optionPrints.tradeKey });
    if (inserted.length === batch.length) fresh.push(...batch);
    else {
      const keys = new Set(inserted.map((r) => r.tradeKey));
      for (const p of batch) if (keys.has(p.tradeKey)) fresh.push(p);
    }
  }
  return fresh;
}

export async function insertOpenInterest(db: Db, rows: OpenInterestRow[]): Promise<OpenInterestRow[]> {
  const fresh: OpenInterestRow[] = [];
  for (let i = 0; i < rows.length; i += 5_000) {
    const batch = rows.slice(i, i + 5_000);
    const inserted = await db
      .insert(schema.openInterest)
      .values(
        batch.map((r) => ({
          day: r.day,
          contract: r.contract,
          underlying: r.underlying,
          openInterestContracts: r.openInterestContracts,
          source: r.source,
          sourceRef: r.sourceRef,
          // OPRA disseminates open interest before the open of the day it applies to.
          publishedAt: new Date(`${r.day}T10:30:00Z`),
        })),
      )
      .onConflictDoNothing()
      .returning({ day: schema.openInterest.day, contract: schema.openInterest.contract });
    const keys = new Set(inserted.map((r) => `${r.day}|${r.contract}`));
    for (const r of batch) if (keys.has(`${r.day}|${r.contract}`)) fresh.push(r);
  }
  return fresh;
}

type OptionRow = typeof schema.optionPrints.$inferSelect;

/** A stored row back in the parser's shape, so the pure signals run on stored data unchanged. */
export function optionRowToPrint(r: OptionRow): OptionPrint {
  return {
    contract: r.contract,
    root: r.root,
    underlying: r.underlying,
    expiry: r.expiry,
    right: r.right === "put" ? "put" : "call",
    strikeUsd: r.strikeUsd,
    adjusted: r.adjusted,
    isIndex: false,
    ts: r.ts,
    price: r.price,
    sizeContracts: r.sizeContracts,
    premiumUsd: r.premiumUsd,
    exchangeId: r.exchangeId,
    exchange: null,
    conditions: r.conditions,
    correction: r.correction,
    isIso: r.isIso,
    isMultiLeg: r.isMultiLeg,
    isLate: r.isLate,
    isCancel: false,
    bid: r.bid,
    ask: r.ask,
    side: r.side as OptionSide,
    sentiment: r.sentiment as OptionSentiment,
    tradeKey: r.tradeKey,
    source: r.source,
    sourceRef: r.sourceRef,
  };
}

/**
 * Option prints of an underlying in [since, until), oldest first, at most `limit`; with `asOf`, only
 * prints published by then (point in time).
 */
export async function optionPrintsFor(
  db: Db,
  underlying: string,
  since: Date,
  until: Date,
  limit = 200_000,
  asOf: Date | null = null,
) {
  const t = schema.optionPrints;
  const rows = await db
    .select()
    .from(t)
    .where(
      and(
        eq(t.underlying, underlying),
        gte(t.ts, since),
        lt(t.ts, until),
        asOf ? lte(t.publishedAt, asOf) : undefined,
      ),
    )
    .orderBy(t.ts)
    .limit(limit);
  return rows.map(optionRowToPrint);
}

/**
 * The newest option print time of an underlying (to default the window to the last trading day); with
 * `asOf`, the newest print at or before it that was published by then.
 */
export async function latestOptionPrint(
  db: Db,
  underlying: string,
  asOf: Date | null = null,
): Promise<Date | null> {
  const t = schema.optionPrints;
  const rows = await db
    .select({ ts: t.ts })
    .from(t)
    .where(
      and(
        eq(t.underlying, underlying),
        asOf ? lte(t.ts, asOf) : undefined,
        asOf ? lte(t.publishedAt, asOf) : undefined,
      ),
    )
    .orderBy(desc(t.ts))
    .limit(1);
  return rows[0]?.ts ?? null;
}

export interface ContractDayStats {
  contract: string;
  volume: number;
  premiumUsd: number;
  /** Mean daily volume over trading days with prints in the trailing window (null without history). */
  averageVolume: number | null;
  historyDays: number;
  openInterest: number | null;
}

/**
 * Per contract of an underlying: volume and premium on `day` (ET), the mean daily volume over the
 * `lookbackDays` calendar days before it, and open interest for `day` when loaded.
 */
export async function contractDayStats(
  db: Db,
  underlying: string,
  day: string,
  lookbackDays: number,
): Promise<ContractDayStats[]> {
  const rows = rowsOf<{
    contract: string;
    volume: unknown;
    premium: unknown;
    avg_volume: unknown;
    history_days: unknown;
    open_interest: unknown;
  }>(
    await db.execute(sql`
      with daily as (
        select contract, (ts at time zone 'America/New_York')::date as day,
          sum(size_contracts) as volume, sum(premium_usd) as premium
        from option_prints
        where underlying = ${underlying}
          and ts >= (${day}::date - ${lookbackDays}::int)::timestamp at time zone 'America/New_York'
          and ts < (${day}::date + 1)::timestamp at time zone 'America/New_York'
        group by 1, 2
      ),
      today as (select contract, volume, premium from daily where day = ${day}::date),
      history as (
        select contract, avg(volume) as avg_volume, count(*) as history_days
        from daily where day < ${day}::date group by 1
      )
      select t.contract, t.volume, t.premium, h.avg_volume, coalesce(h.history_days, 0) as history_days,
        oi.open_interest_contracts as open_interest
      from today t
      left join history h using (contract)
      left join open_interest oi on oi.contract = t.contract and oi.day = ${day}::date
      order by t.premium desc`),
  );
  return rows.map((r) => ({
    contract: r.contract,
    volume: Number(r.volume),
    premiumUsd: Number(r.premium),
    averageVolume: r.avg_volume === null ? null : Number(r.avg_volume),
    historyDays: Number(r.history_days),
    openInterest: r.open_interest === null ? null : Number(r.open_interest),
  }));
}

/** Baseline of one contract for the live detector: trailing mean daily volume and today's open interest. */
export async function contractBaseline(db: Db, contract: string, day: string, lookbackDays: number) {
  const rows = rowsOf<{ avg_volume: unknown; oi: unknown }>(
    await db.execute(sql`
      select
        (select avg(v) from (
          select sum(size_contracts) as v from option_prints
          where contract = ${contract}
            and ts >= (${day}::date - ${lookbackDays}::int)::timestamp at time zone 'America/New_York'
            and ts < ${day}::date::timestamp at time zone 'America/New_York'
          group by (ts at time zone 'America/New_York')::date) d) as avg_volume,
        (select open_interest_contracts from open_interest where contract = ${contract} and day = ${day}::date) as oi`),
  );
  const r = rows[0];
  return {
    averageVolumeContracts: r?.avg_volume == null ? null : Number(r.avg_volume),
    openInterestContracts: r?.oi == null ? null : Number(r.oi),
  };
}

/**
 * Same-time-of-day volume baseline of a symbol from stored prints: mean shares per `bucketMinutes` bucket
 * of the New York day over the trading days in [fromDay, toDay) that have prints.
 */
export async function equityBucketBaseline(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  bucketMinutes: number,
): Promise<{ bucketAverageShares: Float64Array; historyDays: number }> {
  const rows = rowsOf<{ bucket: unknown; shares: unknown; days: unknown }>(
    await db.execute(sql`
      with p as (
        select (ts at time zone 'America/New_York') as local, size from prints
        where symbol = ${symbol} and correction < 7
          and ts >= ${fromDay}::date::timestamp at time zone 'America/New_York'
          and ts < ${toDay}::date::timestamp at time zone 'America/New_York'
      )
      select floor(extract(epoch from (local - date_trunc('day', local))) / 60 / ${bucketMinutes}::int)::int as bucket,
        sum(size) as shares, (select count(distinct local::date) from p) as days
      from p group by 1`),
  );
  const buckets = new Float64Array(Math.ceil((24 * 60) / bucketMinutes));
  let days = 0;
  for (const r of rows) {
    days = Number(r.days);
    const b = Number(r.bucket);
    if (b >= 0 && b < buckets.length) buckets[b] = Number(r.shares);
  }
  if (days > 0) for (let i = 0; i < buckets.length; i++) buckets[i] = (buckets[i] ?? 0) / days;
  return { bucketAverageShares: buckets, historyDays: days };
}

/** Volume per New York trading day from stored prints (consolidated when the feed carries the whole tape). */
export async function dailyPrintVolumes(db: Db, symbol: string, fromDay: string, toDay: string) {
  const rows = rowsOf<{ day: string; volume: unknown }>(
    await db.execute(sql`
      select to_char((ts at time zone 'America/New_York')::date, 'YYYY-MM-DD') as day, sum(size) as volume
      from prints
      where symbol = ${symbol} and correction < 7
        and ts >= ${fromDay}::date::timestamp at time zone 'America/New_York'
        and ts < (${toDay}::date + 1)::timestamp at time zone 'America/New_York'
      group by 1 order by 1`),
  );
  return rows.map((r) => ({ day: r.day, volume: Number(r.volume) }));
}

/** Volume per intraday bucket of one day and the same buckets' trailing mean. */
export async function intradayBuckets(
  db: Db,
  symbol: string,
  day: string,
  lookbackDays: number,
  bucketMinutes: number,
) {
  const rows = rowsOf<{ bucket: number; volume: unknown; avg_volume: unknown; history_days: unknown }>(
    await db.execute(sql`
      with p as (
        select (ts at time zone 'America/New_York') as local, size from prints
        where symbol = ${symbol} and correction < 7
          and ts >= (${day}::date - ${lookbackDays}::int)::timestamp at time zone 'America/New_York'
          and ts < (${day}::date + 1)::timestamp at time zone 'America/New_York'
      ),
      b as (
        select local::date as d,
          floor(extract(epoch from (local - date_trunc('day', local))) / 60 / ${bucketMinutes}::int)::int as bucket,
          sum(size) as volume
        from p group by 1, 2
      ),
      hist as (select count(distinct d) as n from b where d < ${day}::date)
      select t.bucket, t.volume,
        (select coalesce(sum(h.volume), 0) from b h where h.bucket = t.bucket and h.d < ${day}::date)
          / nullif((select n from hist), 0) as avg_volume,
        (select n from hist) as history_days
      from b t where t.d = ${day}::date order by t.bucket`),
  );
  return rows.map((r) => ({
    bucket: Number(r.bucket),
    volume: Number(r.volume),
    averageVolume: r.avg_volume === null ? 0 : Number(r.avg_volume),
    historyDays: Number(r.history_days),
  }));
}

/** Prints of a symbol at or above a value, newest first: the tracked blocks. */
export async function recentBlockPrints(
  db: Db,
  symbol: string,
  minValueUsd: number,
  since: Date | undefined,
  limit: number,
) {
  const t = schema.prints;
  const conds = [eq(t.symbol, symbol), gte(t.valueUsd, minValueUsd), sql`${t.correction} < 7`];
  if (since) conds.push(gte(t.ts, since));
  return db
    .select()
    .from(t)
    .where(and(...conds))
    .orderBy(desc(t.ts))
    .limit(limit);
}

/** A stored print row in the pipeline's shape (for the pure block classification). */
export function printRowToEnriched(r: typeof schema.prints.$inferSelect): EnrichedPrint {
  return {
    symbol: r.symbol,
    ts: r.ts,
    price: r.price,
    sizeShares: r.size,
    exchange: r.exchange,
    trfId: r.trfId,
    isOffExchange: r.isOffExchange,
    tape: r.tape,
    conditions: r.conditions,
    conditionScheme: r.conditions.some((c) => /^\d+$/.test(c)) ? "polygon" : "sip_letter",
    correction: r.correction,
    source: r.source,
    sourceRef: r.sourceRef,
    publishedAt: r.publishedAt,
    tradeKey: r.tradeKey,
    valueUsd: r.valueUsd,
    blockEligible: r.blockEligible,
    exclusionReason: r.exclusionReason,
    isIso: r.isIso,
    isLate: r.isLate,
    extendedHours: r.extendedHours,
    marketPrice: r.marketPrice,
    marketPriceSource: r.marketPriceSource as EnrichedPrint["marketPriceSource"],
    bid: r.bid,
    ask: r.ask,
    premiumDiscountPct: r.premiumDiscountPct,
    side: r.side as EnrichedPrint["side"],
    sentiment: r.sentiment as EnrichedPrint["sentiment"],
  };
}

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
