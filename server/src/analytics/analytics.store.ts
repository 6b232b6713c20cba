/**
 * Point-in-time reads for the smart-money indices: every query sees only rows with
 * `published_at <= as_of` (ARCHITECTURE.md invariant 5), so an index computed "as of" a past moment,
 * and the backtest built on it, uses what the world could know then. The dark-pool store's own
 * aggregates (`darkpool.store.ts`) filter on event time only and count sentiment by volume; the indices
 * need value shares and the publication filter, hence these queries.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { avgPremiumDiscountOf, dayAggregates, printWindowAggregate } from "../darkpool/print-aggregate";
import { num, numOrNull } from "../lib/row-values";

const dayOf = (v: unknown): string => String(v).slice(0, 10);

/** Trading day of a print: its calendar date in New York. */
const ET_DAY = sql.raw(`(ts at time zone 'America/New_York')::date`);
/** Corrections and cancels (Polygon `correction` >= 7) never count as volume. */
const COUNTS = sql.raw(`correction < 7`);

/** The New York trading day of the newest off-exchange print known at `asOf`, or null. */
export async function latestFlowDay(db: Db, symbol: string, asOf: Date): Promise<string | null> {
  const at = asOf.toISOString();
  const rows = rowsOf<{ day: unknown }>(
    await db.execute(sql`
      select ${ET_DAY}::text as day from prints
      where symbol = ${symbol} and is_off_exchange and ts <= ${at} and published_at <= ${at}
      order by ts desc limit 1`),
  );
  return rows[0] ? dayOf(rows[0].day) : null;
}

export interface PrintFlow {
  offExchangePrints: number;
  offExchangeVolumeShares: number;
  offExchangeValueUsd: number;
  /** Off-exchange value by estimated sentiment. */
  valueUsdBySentiment: { bullish: number; bearish: number; neutral: number; unknown: number };
  /** Off-exchange volume (shares) and prints by estimated sentiment. */
  volumeBySentiment: SentimentTally;
  countBySentiment: SentimentTally;
  /** Lit volume the feed carried in the window (a whole-tape feed gives the consolidated total). */
  litVolumeShares: number;
  /** Block-eligible off-exchange prints at or above the block threshold. */
  blocks: { count: number; valueUsd: number; bullishValueUsd: number; bearishValueUsd: number };
  avgPremiumDiscountPct: number | null;
  premiumCount: number;
  discountCount: number;
  pricedCount: number;
  latestTs: Date | null;
}

/** Off-exchange flow over [since, until) as known at `asOf`. */
export async function printFlow(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  asOf: Date,
  blockMinUsd: number,
): Promise<PrintFlow> {
  const t = await printWindowAggregate(db, symbol, since, until, { asOf, blockMinUsd });
  return {
    offExchangePrints: t.offPrints,
    offExchangeVolumeShares: t.offVolume,
    offExchangeValueUsd: t.offValueUsd,
    valueUsdBySentiment: {
      bullish: t.valueUsd.bullish,
      bearish: t.valueUsd.bearish,
      neutral: t.valueUsd.neutral,
      unknown: t.valueUsd.other,
    },
    volumeBySentiment: { ...t.volume },
    countBySentiment: { ...t.count },
    litVolumeShares: t.litVolume,
    blocks: { ...t.large },
    avgPremiumDiscountPct: avgPremiumDiscountOf(t),
    premiumCount: t.premiumCount,
    discountCount: t.discountCount,
    pricedCount: t.pdCount,
    latestTs: t.offMaxTs,
  };
}

/** Shares or prints by estimated sentiment (the print's `sentiment` column). */
export interface SentimentTally {
  bullish: number;
  bearish: number;
  neutral: number;
  unknown: number;
}

const SENTIMENTS = ["bullish", "bearish", "neutral", "unknown"] as const;

/**
 * Off-exchange blocks (block-eligible, `value >= blockMinUsd`) over [since, until) as known at `asOf`:
 * volume and prints by sentiment, so the dark-pool component can read the non-block prints alone.
 */
export async function blockSentiment(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  asOf: Date,
  blockMinUsd: number,
): Promise<{ volume: SentimentTally; count: SentimentTally }> {
  const rows = rowsOf<{ sentiment: unknown; volume: unknown; n: unknown }>(
    await db.execute(sql`
      select sentiment, sum(size) as volume, count(*) as n from prints
      where symbol = ${symbol} and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
        and published_at <= ${asOf.toISOString()} and ${COUNTS}
        and is_off_exchange and block_eligible and value_usd >= ${blockMinUsd}
      group by sentiment`),
  );
  const volume: SentimentTally = { bullish: 0, bearish: 0, neutral: 0, unknown: 0 };
  const count: SentimentTally = { bullish: 0, bearish: 0, neutral: 0, unknown: 0 };
  for (const r of rows) {
    const k = SENTIMENTS.find((x) => x === r.sentiment);
    if (k === undefined) continue;
    volume[k] += num(r.volume);
    count[k] += num(r.n);
  }
  return { volume, count };
}

export interface DailyOffExchange {
  day: string;
  volumeShares: number;
  valueUsd: number;
  litVolumeShares: number;
}

/**
 * Off-exchange volume per New York trading day over [since, until), as known at `asOf` (from the per-day
 * rollup where a day lies wholly inside the window and was wholly published by `asOf`; see rollups.ts).
 */
export async function dailyOffExchange(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  asOf: Date,
): Promise<DailyOffExchange[]> {
  const days = await dayAggregates(db, symbol, since, until, asOf);
  return days.map((d) => ({
    day: d.day,
    volumeShares: d.offVolume,
    valueUsd: d.offValueUsd,
    litVolumeShares: d.litVolume,
  }));
}

export interface BarAsOf {
  day: string;
  close: number;
  volumeShares: number;
  source: string;
  publishedAt: Date;
}

/**
 * Daily bars published by `asOf`, one per day, oldest first. Vendor bars are preferred over bars derived
 * from prints (a partial tape undercounts volume), as in the dark-pool store.
 */
export async function barsAsOf(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  asOf: Date,
): Promise<BarAsOf[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select distinct on (day) day::text as day, close, volume, source, published_at
      from daily_bars
      where symbol = ${symbol} and day >= ${fromDay} and day <= ${toDay} and published_at <= ${asOf.toISOString()}
      order by day, case when source = 'derived_from_prints' then 1 else 0 end, published_at`),
  );
  return rows.map((r) => ({
    day: dayOf(r.day),
    close: num(r.close),
    volumeShares: num(r.volume),
    source: String(r.source),
    publishedAt: new Date(r.published_at as string),
  }));
}

export interface ShortVolumeDay {
  day: string;
  shortVolumeShares: number;
  totalVolumeShares: number;
  publishedAt: Date;
}

/**
 * FINRA short volume per day published by `asOf`, oldest first: the consolidated CNMS file when loaded,
 * else the sum of the TRF/ADF facility files (CNMS = FNSQ + FNQC + FNYX + FNRA; FORF, the OTC facility,
 * is not part of it: data-formats.md 1.1).
 */
export async function shortVolumeAsOf(
  db: Db,
  symbol: string,
  fromDay: string,
  toDay: string,
  asOf: Date,
): Promise<ShortVolumeDay[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select day::text as day,
        coalesce(max(short_volume) filter (where facility = 'CNMS'),
          sum(short_volume) filter (where facility not in ('CNMS', 'FORF'))) as short_volume,
        coalesce(max(total_volume) filter (where facility = 'CNMS'),
          sum(total_volume) filter (where facility not in ('CNMS', 'FORF'))) as total_volume,
        max(published_at) as published_at
      from short_volume
      where symbol = ${symbol} and day >= ${fromDay} and day <= ${toDay} and published_at <= ${asOf.toISOString()}
      group by day order by day`),
  );
  return rows.map((r) => ({
    day: dayOf(r.day),
    shortVolumeShares: num(r.short_volume),
    totalVolumeShares: num(r.total_volume),
    publishedAt: new Date(r.published_at as string),
  }));
}

export interface StoredPrint {
  ts: Date;
  price: number;
  sizeShares: number;
  valueUsd: number;
  exchange: string;
  isOffExchange: boolean;
  conditions: string[];
  blockEligible: boolean;
  isIso: boolean;
  isLate: boolean;
  marketPrice: number | null;
  premiumDiscountPct: number | null;
  side: string;
  sentiment: string;
  source: string;
  sourceRef: string;
}

/** Newest off-exchange prints known at `asOf`, optionally only those worth at least `minValueUsd`. */
export async function recentOffExchangePrints(
  db: Db,
  symbol: string,
  asOf: Date,
  limit: number,
  minValueUsd = 0,
  since?: Date,
): Promise<StoredPrint[]> {
  const at = asOf.toISOString();
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select ts, price, size, value_usd, exchange, is_off_exchange, conditions, block_eligible, is_iso, is_late,
        market_price, premium_discount_pct, side, sentiment, source, source_ref
      from prints
      where symbol = ${symbol} and is_off_exchange and ts <= ${at} and published_at <= ${at} and ${COUNTS}
        and value_usd >= ${minValueUsd} ${since ? sql`and ts >= ${since.toISOString()}` : sql``}
      order by ts desc limit ${limit}`),
  );
  return rows.map((r) => ({
    ts: new Date(r.ts as string),
    price: num(r.price),
    sizeShares: num(r.size),
    valueUsd: num(r.value_usd),
    exchange: String(r.exchange),
    isOffExchange: Boolean(r.is_off_exchange),
    conditions: Array.isArray(r.conditions) ? (r.conditions as unknown[]).map(String) : [],
    blockEligible: Boolean(r.block_eligible),
    isIso: Boolean(r.is_iso),
    isLate: Boolean(r.is_late),
    marketPrice: numOrNull(r.market_price),
    premiumDiscountPct: numOrNull(r.premium_discount_pct),
    side: String(r.side),
    sentiment: String(r.sentiment),
    source: String(r.source),
    sourceRef: String(r.source_ref),
  }));
}

/** Off-exchange prints of a window grouped by premium/discount to the market price, in 0.25% bins. */
export async function premiumDiscountHistogram(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  asOf: Date,
  binPct = 0.25,
): Promise<{ lowPct: number; prints: number; volumeShares: number }[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select floor(least(greatest(premium_discount_pct, -2.0), 1.99) / ${binPct}) * ${binPct} as low,
        count(*) as prints, sum(size) as volume
      from prints
      where symbol = ${symbol} and is_off_exchange and premium_discount_pct is not null and ${COUNTS}
        and ts >= ${since.toISOString()} and ts < ${until.toISOString()} and published_at <= ${asOf.toISOString()}
      group by 1 order by 1`),
  );
  return rows.map((r) => ({ lowPct: num(r.low), prints: num(r.prints), volumeShares: num(r.volume) }));
}
