/**
 * SQL on option prints and open interest: idempotent inserts, the windows the options routes and the
 * positioning read, and the per-contract baselines of the unusual-options detector.
 */
import { type Db, rowsOf, schema } from "@smt/db";
import { and, eq, gte, lt, lte, sql } from "drizzle-orm";
import { daysOf, ensureDayPartitions } from "../lib/day-partitions";
import type { OpenInterestRow, OptionPrint, OptionSentiment, OptionSide } from "./options.parse";

/** 26 columns x 1,000 rows = 26,000 bind parameters, well under Postgres' 65,534 cap. */
const OPTION_BATCH = 1_000;

/** Stores option prints idempotently (cancels are skipped) and returns the ones that were new. */
export async function insertOptionPrints(db: Db, prints: OptionPrint[]): Promise<OptionPrint[]> {
  const live = prints.filter((p) => !p.isCancel);
  await ensureDayPartitions(db, "option_prints", daysOf(live));
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
 * `asOf`, the newest print at or before it that was published by then. The days come from
 * `option_day_rollups` (a row per New York day with prints of the underlying, kept by triggers), newest
 * first, and each is probed inside its own bounds until one has a print that counts: an underlying
 * without option prints costs one index probe, never a backward scan of every underlying's prints.
 */
export async function latestOptionPrint(
  db: Db,
  underlying: string,
  asOf: Date | null = null,
): Promise<Date | null> {
  const at = asOf?.toISOString() ?? null;
  const rows = rowsOf<{ ts: Date | string }>(
    await db.execute(sql`
      select x.ts from (
        select day from option_day_rollups where symbol = ${underlying}
          ${at ? sql`and day <= (${at}::timestamptz at time zone 'America/New_York')::date` : sql``}
        order by day desc
      ) d cross join lateral (
        select o.ts from option_prints o
        where o.underlying = ${underlying} and o.ts >= (d.day::timestamp at time zone 'America/New_York')
          and o.ts < ((d.day + 1)::timestamp at time zone 'America/New_York')
          ${at ? sql`and o.ts <= ${at}::timestamptz and o.published_at <= ${at}::timestamptz` : sql``}
        order by o.ts desc limit 1
      ) x
      limit 1`),
  );
  const ts = rows[0]?.ts;
  return ts === undefined ? null : new Date(ts);
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
 * The options part of print retention, run inside the retention job's detach transaction (before and after
 * it detaches the option-print day partitions before `before`, `YYYY-MM-DD` New York): a detach fires no
 * row trigger, so the day rollups of the market views (migration 0023) and the day sources go here, by day.
 */
export async function deleteOptionDerivedBefore(tx: Db, before: string): Promise<void> {
  await tx.execute(sql`delete from option_day_rollups where day < ${before}::date`);
  await tx.execute(sql`delete from market_day_sources where input = 'options' and day < ${before}::date`);
}
