import { type Db, rowsOf, schema } from "@smt/db";
import { and, desc, eq, gte, lt, or, sql } from "drizzle-orm";
import { etDateOf } from "../lib/et-time";
import { pgArrayLiteral } from "../lib/pg-array";
import { num, numOrNull } from "../lib/row-values";
import type { EnrichedPrint } from "./print";
import { dayAggregates, ROLLUP_BLOCK_MIN_USD, sumDays } from "./rollups";
import { REGULAR_SESSION } from "./sessions.store";

/**
 * Array parameters of the bulk insert, in order: name and element type as sent. Times go as epoch
 * milliseconds (a `Date` holds whole milliseconds): parsing an integer is far cheaper than parsing an ISO
 * timestamp, on both sides. `published_at` and `value_usd` are sent as NULL when they equal `ts` and
 * `price * size` (IEEE-754 products are the same in V8 and Postgres), which most prints do.
 */
const PRINT_PARAMS = [
  ["symbol", "text"],
  ["ts_ms", "float8"],
  ["trade_key", "text"],
  ["price", "float8"],
  ["size", "float8"],
  ["value_usd", "float8"],
  ["exchange", "text"],
  ["trf_id", "int4"],
  ["is_off_exchange", "bool"],
  ["tape", "text"],
  ["conditions", "text"],
  ["block_eligible", "bool"],
  ["exclusion_reason", "text"],
  ["is_iso", "bool"],
  ["is_late", "bool"],
  ["extended_hours", "bool"],
  ["correction", "int4"],
  ["market_price", "float8"],
  ["market_price_source", "text"],
  ["bid", "float8"],
  ["ask", "float8"],
  ["premium_discount_pct", "float8"],
  ["side", "text"],
  ["sentiment", "text"],
  ["source", "text"],
  ["source_ref", "text"],
  ["published_ms", "float8"],
] as const;

/** Stored column <- expression over the unnested parameters `u`. */
const PRINT_COLUMNS: readonly (readonly [string, string])[] = PRINT_PARAMS.map(([name]) => {
  switch (name) {
    case "ts_ms":
      return ["ts", "to_timestamp(u.ts_ms / 1000)"] as const;
    case "published_ms":
      return ["published_at", "to_timestamp(coalesce(u.published_ms, u.ts_ms) / 1000)"] as const;
    case "value_usd":
      return ["value_usd", "coalesce(u.value_usd, u.price * u.size)"] as const;
    case "conditions":
      // Each element is itself a text[] literal (`{"a,b",c}`): a condition holding a comma stays whole.
      return ["conditions", "u.conditions::text[]"] as const;
    default:
      return [name, `u.${name}`] as const;
  }
});

const INSERT_COLUMNS = sql.raw(PRINT_COLUMNS.map(([c]) => c).join(", "));
const SELECT_COLUMNS = sql.raw(PRINT_COLUMNS.map(([, expr]) => expr).join(", "));
const UNNEST_ALIAS = sql.raw(`u(${PRINT_PARAMS.map(([c]) => c).join(", ")})`);

/**
 * The batch as one Postgres array literal per parameter (`{...}`): each column's elements go into an array
 * joined once at the end. This runs for every stored print; appending to 27 growing strings instead built
 * ~80 string pieces per print that stayed alive until the query was sent, and cost ~6 us per print in
 * building, flattening and garbage collection, against ~1.3 us this way.
 */
export function printParamLiterals(prints: readonly EnrichedPrint[]): string[] {
  const n = prints.length;
  const c = Object.fromEntries(PRINT_PARAMS.map(([name]) => [name, new Array<string>(n)])) as Record<
    (typeof PRINT_PARAMS)[number][0],
    string[]
  >;
  for (let i = 0; i < n; i++) {
    const p = prints[i] as EnrichedPrint;
    const tsMs = p.ts.getTime();
    const publishedMs = p.publishedAt ? p.publishedAt.getTime() : tsMs;
    c.symbol[i] = quotedRepeating(p.symbol);
    c.ts_ms[i] = numeric(tsMs);
    c.trade_key[i] = quoted(p.tradeKey);
    c.price[i] = numeric(p.price);
    c.size[i] = numeric(p.sizeShares);
    c.value_usd[i] = p.valueUsd === p.price * p.sizeShares ? "NULL" : numeric(p.valueUsd);
    c.exchange[i] = quotedRepeating(p.exchange);
    c.trf_id[i] = numeric(p.trfId);
    c.is_off_exchange[i] = p.isOffExchange ? "t" : "f";
    c.tape[i] = quotedRepeating(p.tape);
    c.conditions[i] = quotedRepeating(conditionsLiteral(p.conditions));
    c.block_eligible[i] = p.blockEligible ? "t" : "f";
    c.exclusion_reason[i] = quotedRepeating(p.exclusionReason);
    c.is_iso[i] = p.isIso ? "t" : "f";
    c.is_late[i] = p.isLate ? "t" : "f";
    c.extended_hours[i] = p.extendedHours ? "t" : "f";
    c.correction[i] = numeric(p.correction);
    c.market_price[i] = numeric(p.marketPrice);
    c.market_price_source[i] = quotedRepeating(p.marketPriceSource);
    c.bid[i] = numeric(p.bid);
    c.ask[i] = numeric(p.ask);
    c.premium_discount_pct[i] = numeric(p.premiumDiscountPct);
    c.side[i] = quotedRepeating(p.side);
    c.sentiment[i] = quotedRepeating(p.sentiment);
    c.source[i] = quotedRepeating(p.source);
    c.source_ref[i] = quoted(p.sourceRef);
    c.published_ms[i] = publishedMs === tsMs ? "NULL" : numeric(publishedMs);
  }
  return PRINT_PARAMS.map(([name]) => `{${c[name].join(",")}}`);
}

/** One print's conditions as a text[] literal; the common one-code lists are kept once each. */
const conditionLists = new Map<string, string>();
function conditionsLiteral(conditions: readonly string[]): string {
  if (conditions.length === 0) return "{}";
  if (conditions.length === 1) {
    const only = conditions[0] as string;
    let lit = conditionLists.get(only);
    if (lit === undefined) {
      lit = pgArrayLiteral(conditions);
      if (conditionLists.size < REPEATING_MAX) conditionLists.set(only, lit);
    }
    return lit;
  }
  return pgArrayLiteral(conditions);
}

/** Quoted forms of values that repeat from print to print (symbols, codes, labels), kept once each. */
const repeating = new Map<string, string>();
const REPEATING_MAX = 10_000;
function quotedRepeating(v: string | null | undefined): string {
  if (v === null || v === undefined) return "NULL";
  let q = repeating.get(v);
  if (q === undefined) {
    q = quoted(v);
    if (repeating.size < REPEATING_MAX) repeating.set(v, q);
  }
  return q;
}

/** An array element of a text array: double-quoted, `"` and `\` escaped; NULL for null. */
function quoted(v: string | null | undefined): string {
  if (v === null || v === undefined) return "NULL";
  if (v.indexOf('"') === -1 && v.indexOf("\\") === -1) return `"${v}"`;
  return `"${v.replace(/[\\"]/g, "\\$&")}"`;
}

/** An array element of a numeric array; NULL for null and non-finite values. */
const numeric = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? "NULL" : String(v);

/**
 * Inserts prints idempotently and returns the ones that were new. One statement per batch with one
 * array parameter per column (`unnest`), so a batch of any size stays far below Postgres' 65,534
 * bind-parameter cap and runs the same on PGlite and a real server. The statement answers one row: the
 * number inserted, and the inserted keys only when some print was already stored.
 */
export async function insertPrints(db: Db, prints: EnrichedPrint[]): Promise<EnrichedPrint[]> {
  if (prints.length === 0) return [];
  const literals = printParamLiterals(prints);
  const params = sql.join(
    PRINT_PARAMS.map(([, type], i) => sql`${literals[i]}::${sql.raw(type)}[]`),
    sql`, `,
  );
  const rows = rowsOf<{ inserted: number | string; keys: string[] | null }>(
    await db.execute(sql`
      with ins as (
        insert into prints (${INSERT_COLUMNS})
        select ${SELECT_COLUMNS} from unnest(${params}) as ${UNNEST_ALIAS}
        on conflict do nothing
        returning trade_key)
      select count(*) as inserted,
        case when count(*) < ${prints.length} then array_agg(trade_key) end as keys
      from ins`),
  );
  const inserted = Number(rows[0]?.inserted ?? 0);
  if (inserted === prints.length) return prints;
  const fresh = new Set(rows[0]?.keys ?? []);
  return prints.filter((p) => fresh.has(p.tradeKey));
}

/** Trading day of a timestamp: the calendar date in New York. */
const ET_DAY = sql.raw(`(ts at time zone 'America/New_York')::date`);
/** Prints that count as volume: corrections/cancels (Polygon correction >= 7) never do. */
const COUNTS = sql.raw(`correction < 7`);

export interface PrintQuery {
  symbol: string;
  since?: Date | undefined;
  until?: Date | undefined;
  minValueUsd?: number | undefined;
  limit: number;
  /** Opaque position from a previous page: prints strictly older than it. */
  before?: { ts: Date; tradeKey: string } | undefined;
  offExchangeOnly: boolean;
}

/** Newest first, keyset-paginated on (ts, trade_key). */
export async function queryPrints(db: Db, q: PrintQuery) {
  const prints = schema.prints;
  const conds = [eq(prints.symbol, q.symbol)];
  if (q.offExchangeOnly) conds.push(eq(prints.isOffExchange, true));
  if (q.since) conds.push(gte(prints.ts, q.since));
  if (q.until) conds.push(lt(prints.ts, q.until));
  if (q.minValueUsd !== undefined) conds.push(gte(prints.valueUsd, q.minValueUsd));
  if (q.before) {
    const b = q.before;
    const older = or(lt(prints.ts, b.ts), and(eq(prints.ts, b.ts), lt(prints.tradeKey, b.tradeKey)));
    if (older) conds.push(older);
  }
  return db
    .select()
    .from(prints)
    .where(and(...conds))
    .orderBy(desc(prints.ts), desc(prints.tradeKey))
    .limit(q.limit);
}

/** The trading day (ET) of the newest off-exchange print of a symbol known at `asOf`, or null. */
export async function latestPrintDay(db: Db, symbol: string, asOf: Date): Promise<string | null> {
  const at = asOf.toISOString();
  const rows = rowsOf<{ day: string | Date | null }>(
    await db.execute(
      sql`select ${ET_DAY}::text as day from prints
        where symbol = ${symbol} and is_off_exchange and ts <= ${at} and published_at <= ${at}
        order by ts desc limit 1`,
    ),
  );
  const day = rows[0]?.day;
  return day ? String(day).slice(0, 10) : null;
}

/**
 * The latest trading day with any data of a symbol known at `asOf`: off-exchange prints, a daily bar or
 * FINRA short volume (each visible from its publication time). Null when there is none.
 */
export async function latestDataDay(db: Db, symbol: string, asOf: Date): Promise<string | null> {
  const at = asOf.toISOString();
  const [print, other] = await Promise.all([
    latestPrintDay(db, symbol, asOf),
    db.execute(sql`
      select greatest(
        (select max(day) from daily_bars where symbol = ${symbol} and published_at <= ${at}),
        (select max(day) from short_volume where symbol = ${symbol} and published_at <= ${at}))::text as day`),
  ]);
  const d = rowsOf<{ day: string | Date | null }>(other)[0]?.day;
  const fromTables = d ? String(d).slice(0, 10) : null;
  if (print === null) return fromTables;
  return fromTables === null || print > fromTables ? print : fromTables;
}

export interface WindowAggregate {
  prints: number;
  volume: number;
  value: number;
  vwap: number | null;
  avgPremiumDiscountPct: number | null;
  premiumCount: number;
  discountCount: number;
  pricedCount: number;
  sentimentVolume: { bullish: number; bearish: number; neutral: number; unknown: number };
  sentimentCount: { bullish: number; bearish: number; neutral: number; unknown: number };
  largeBlocks: number;
  largeBlocksValue: number;
  litVolume: number;
  latest: Date | null;
}

/** Off-exchange aggregates over [since, until), plus the lit volume the feed carried in the same window. */
export async function aggregateWindow(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  largeBlockUsd: number,
): Promise<WindowAggregate> {
  // The per-day rollup holds these aggregates at the $1M block threshold (server/src/darkpool/rollups.ts).
  if (largeBlockUsd === ROLLUP_BLOCK_MIN_USD) {
    const t = sumDays(await dayAggregates(db, symbol, since, until, null));
    return {
      prints: t.offPrints,
      volume: t.offVolume,
      value: t.offValueUsd,
      vwap: t.offVolume > 0 ? t.offValueUsd / t.offVolume : null,
      avgPremiumDiscountPct: t.pdCount > 0 ? t.pdSum / t.pdCount : null,
      premiumCount: t.premiumCount,
      discountCount: t.discountCount,
      pricedCount: t.pdCount,
      sentimentVolume: t.volume,
      sentimentCount: t.count,
      largeBlocks: t.large.count,
      largeBlocksValue: t.large.valueUsd,
      litVolume: t.litVolume,
      latest: t.offMaxTs,
    };
  }
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select
        count(*) filter (where is_off_exchange) as prints,
        sum(size) filter (where is_off_exchange) as volume,
        sum(value_usd) filter (where is_off_exchange) as value,
        avg(premium_discount_pct) filter (where is_off_exchange) as avg_pd,
        count(*) filter (where is_off_exchange and premium_discount_pct > 0) as premium_count,
        count(*) filter (where is_off_exchange and premium_discount_pct < 0) as discount_count,
        count(*) filter (where is_off_exchange and premium_discount_pct is not null) as priced_count,
        sum(size) filter (where is_off_exchange and sentiment = 'bullish') as bull_v,
        sum(size) filter (where is_off_exchange and sentiment = 'bearish') as bear_v,
        sum(size) filter (where is_off_exchange and sentiment = 'neutral') as neut_v,
        sum(size) filter (where is_off_exchange and sentiment = 'unknown') as unk_v,
        count(*) filter (where is_off_exchange and sentiment = 'bullish') as bull_n,
        count(*) filter (where is_off_exchange and sentiment = 'bearish') as bear_n,
        count(*) filter (where is_off_exchange and sentiment = 'neutral') as neut_n,
        count(*) filter (where is_off_exchange and sentiment = 'unknown') as unk_n,
        count(*) filter (where is_off_exchange and block_eligible and value_usd >= ${largeBlockUsd}) as large_n,
        sum(value_usd) filter (where is_off_exchange and block_eligible and value_usd >= ${largeBlockUsd}) as large_v,
        sum(size) filter (where not is_off_exchange) as lit_volume,
        max(ts) filter (where is_off_exchange) as latest
      from prints
      where symbol = ${symbol} and ts >= ${since.toISOString()} and ts < ${until.toISOString()} and ${COUNTS}`),
  );
  const r = rows[0] ?? {};
  const volume = num(r.volume);
  const value = num(r.value);
  const agg: WindowAggregate = {
    prints: num(r.prints),
    volume,
    value,
    vwap: volume > 0 ? value / volume : null,
    avgPremiumDiscountPct: numOrNull(r.avg_pd),
    premiumCount: num(r.premium_count),
    discountCount: num(r.discount_count),
    pricedCount: num(r.priced_count),
    sentimentVolume: {
      bullish: num(r.bull_v),
      bearish: num(r.bear_v),
      neutral: num(r.neut_v),
      unknown: num(r.unk_v),
    },
    sentimentCount: {
      bullish: num(r.bull_n),
      bearish: num(r.bear_n),
      neutral: num(r.neut_n),
      unknown: num(r.unk_n),
    },
    largeBlocks: num(r.large_n),
    largeBlocksValue: num(r.large_v),
    litVolume: num(r.lit_volume),
    latest: r.latest ? new Date(r.latest as string) : null,
  };
  return agg;
}

/** FINRA's block buckets (shares): odd lot, round lots, 2K, 10K, 100K and up. */
export const SIZE_BUCKETS = [
  { label: "<100", min: 0, max: 100 },
  { label: "100-1,999", min: 100, max: 2000 },
  { label: "2,000-9,999", min: 2000, max: 10_000 },
  { label: "10,000-99,999", min: 10_000, max: 100_000 },
  { label: ">=100,000", min: 100_000, max: null },
] as const;

export async function sizeBuckets(db: Db, symbol: string, since: Date, until: Date) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select width_bucket(size, array[100, 2000, 10000, 100000]::float8[]) as b,
        count(*) as prints, sum(size) as volume, sum(value_usd) as value
      from prints
      where symbol = ${symbol} and is_off_exchange and ${COUNTS}
        and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
      group by 1`),
  );
  return SIZE_BUCKETS.map((bucket, i) => {
    const r = rows.find((x) => Number(x.b) === i);
    return {
      bucket: bucket.label,
      min_shares: bucket.min,
      max_shares: bucket.max,
      prints: num(r?.prints),
      volume: num(r?.volume),
      value: num(r?.value),
    };
  });
}

/** Off-exchange volume and value per price band; `large_*` counts prints at or above `largeBlockUsd`. */
export async function priceLevels(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  bandUsd: number,
  largeBlockUsd: number,
) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select floor(price / ${bandUsd}) * ${bandUsd} as level, count(*) as prints, sum(size) as volume,
        sum(value_usd) as value,
        count(*) filter (where block_eligible and value_usd >= ${largeBlockUsd}) as large_prints,
        coalesce(sum(value_usd) filter (where block_eligible and value_usd >= ${largeBlockUsd}), 0) as large_value
      from prints
      where symbol = ${symbol} and is_off_exchange and ${COUNTS}
        and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
      group by 1 order by 1`),
  );
  return rows.map((r) => ({
    price_low: Math.round(num(r.level) * 1e4) / 1e4,
    price_high: Math.round((num(r.level) + bandUsd) * 1e4) / 1e4,
    prints: num(r.prints),
    volume: num(r.volume),
    value: num(r.value),
    large_prints: num(r.large_prints),
    large_value: num(r.large_value),
  }));
}

/** Consolidated daily volume from bars (vendor bars preferred over bars derived from prints). */
export async function barsByDay(db: Db, symbol: string, fromDay: string, toDay: string) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select distinct on (day) day::text as day, open, high, low, close, volume, source, published_at
      from daily_bars where symbol = ${symbol} and day >= ${fromDay} and day <= ${toDay}
      order by day, case when source = 'derived_from_prints' then 1 else 0 end, published_at`),
  );
  return new Map(
    rows.map((r) => [
      String(r.day).slice(0, 10),
      {
        open: num(r.open),
        high: num(r.high),
        low: num(r.low),
        close: num(r.close),
        volume: num(r.volume),
        source: String(r.source),
        publishedAt: new Date(r.published_at as string),
      },
    ]),
  );
}

/** Per trading day: off-exchange and lit print aggregates (from the per-day rollup, see rollups.ts). */
export async function dailyPrintStats(db: Db, symbol: string, since: Date, until: Date) {
  const days = await dayAggregates(db, symbol, since, until, null);
  return days.map((d) => ({
    day: d.day,
    prints: d.offPrints,
    volume: d.offVolume,
    value: d.offValueUsd,
    avgPremiumDiscountPct: d.pdCount > 0 ? d.pdSum / d.pdCount : null,
    bullishVolume: d.volume.bullish,
    bearishVolume: d.volume.bearish,
    largeBlocks: d.large.count,
    litVolume: d.litVolume,
  }));
}

/** Off-exchange volume per trading day and intraday window (minutes since midnight ET / windowMinutes). */
export async function intradayWindows(
  db: Db,
  symbol: string,
  since: Date,
  until: Date,
  windowMinutes: number,
) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select ${ET_DAY}::text as day,
        floor(extract(epoch from (ts at time zone 'America/New_York')::time) / ${windowMinutes * 60})::int as w,
        sum(size) as volume, sum(value_usd) as value, count(*) as prints
      from prints
      where symbol = ${symbol} and is_off_exchange and ${COUNTS}
        and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
      group by 1, 2 order by 1, 2`),
  );
  return rows.map((r) => ({
    day: String(r.day).slice(0, 10),
    window: Number(r.w),
    volume: num(r.volume),
    value: num(r.value),
    prints: num(r.prints),
  }));
}

/** FINRA short volume per day: the consolidated CNMS file when present, else the sum of facility files. */
export async function shortVolumeByDay(db: Db, symbol: string, fromDay: string, toDay: string) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select day::text as day,
        coalesce(max(short_volume) filter (where facility = 'CNMS'), sum(short_volume) filter (where facility <> 'CNMS' and facility <> 'FORF')) as short_volume,
        coalesce(max(total_volume) filter (where facility = 'CNMS'), sum(total_volume) filter (where facility <> 'CNMS' and facility <> 'FORF')) as total_volume,
        max(published_at) as published_at
      from short_volume where symbol = ${symbol} and day >= ${fromDay} and day <= ${toDay}
      group by day order by day`),
  );
  return new Map(
    rows.map((r) => [
      String(r.day).slice(0, 10),
      {
        shortVolume: num(r.short_volume),
        totalVolume: num(r.total_volume),
        publishedAt: new Date(r.published_at as string),
      },
    ]),
  );
}

/** ATS (dark pool venue) shares per week, summed over venues of one summary type. */
export async function atsByWeek(db: Db, symbol: string, fromDay: string, toDay: string, asOf: Date) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select week_start::text as week_start, sum(shares) as shares, sum(trades) as trades, count(*) as venues,
        max(published_at) as published_at
      from ats_weekly
      where symbol = ${symbol} and summary_type = 'ATS_W_SMBL_FIRM' and week_start >= ${fromDay}::date - 6
        and week_start <= ${toDay} and published_at <= ${asOf.toISOString()}
      group by week_start order by week_start`),
  );
  return rows.map((r) => ({
    weekStart: String(r.week_start).slice(0, 10),
    shares: num(r.shares),
    trades: num(r.trades),
    venues: num(r.venues),
    publishedAt: new Date(r.published_at as string),
  }));
}

/** Top ATS venues for a symbol in its latest published week. */
export async function topAtsVenues(db: Db, symbol: string, asOf: Date, limit = 10) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with latest as (
        select max(week_start) as wk from ats_weekly
        where symbol = ${symbol} and summary_type = 'ATS_W_SMBL_FIRM' and published_at <= ${asOf.toISOString()})
      select week_start::text as week_start, mpid, participant_name, shares, trades
      from ats_weekly, latest
      where symbol = ${symbol} and summary_type = 'ATS_W_SMBL_FIRM' and week_start = latest.wk
      order by shares desc limit ${limit}`),
  );
  return rows.map((r) => ({
    week_start: String(r.week_start).slice(0, 10),
    mpid: String(r.mpid),
    venue: r.participant_name === null ? null : String(r.participant_name),
    shares: num(r.shares),
    trades: num(r.trades),
  }));
}

/** Provenance summary of a symbol's prints in a window: which sources, how many rows, newest reference. */
export async function printSources(db: Db, symbol: string, since: Date, until: Date) {
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      select source, count(*) as rows, (array_agg(source_ref order by ts desc))[1] as latest_ref
      from prints where symbol = ${symbol} and ts >= ${since.toISOString()} and ts < ${until.toISOString()}
      group by source order by 2 desc`),
  );
  return rows.map((r) => ({
    source: String(r.source),
    rows: num(r.rows),
    latest_ref: r.latest_ref === null ? null : String(r.latest_ref),
  }));
}

/**
 * Daily bars derived from the tape for (symbol, trading day) pairs whose prints include lit trades, i.e.
 * when the feed carried the whole tape, over the regular session only (09:30-16:00 ET, `sessions.store.ts`):
 * open/close from the first/last block-eligible regular-session print, high/low, and the regular-session
 * volume of every print that counts. Extended-hours prints never set the close (a 19:30 print is not the
 * day's close) and are reported apart. Stored as source `derived_from_prints` and recomputed (replaced) when
 * more prints of that day arrive; vendor bars, when loaded, take precedence in every query.
 */
export async function deriveBarsFromPrints(
  db: Db,
  symbols: string[],
  since: Date,
  until: Date,
): Promise<number> {
  if (symbols.length === 0) return 0;
  const symbolList = pgArrayLiteral(symbols);
  const fromDay = etDateOf(since.getTime());
  const toDayExclusive = etDateOf(until.getTime());
  const rows = rowsOf<{ symbol: string }>(
    await db.execute(sql`
      with derived as (
      insert into daily_bars (symbol, day, open, high, low, close, volume, transactions, source, source_ref, published_at)
      select d.symbol, d.day,
        (select price from prints p where p.symbol = d.symbol and p.ts = d.first_ts and p.block_eligible and p.correction < 7 limit 1),
        d.high, d.low,
        (select price from prints p where p.symbol = d.symbol and p.ts = d.last_ts and p.block_eligible and p.correction < 7 limit 1),
        d.volume, d.n, 'derived_from_prints', 'prints ' || d.min_ts::text || ' .. ' || d.max_ts::text, d.max_ts
      from (
        -- One pass without sorting; open and close are then two primary-key lookups per day.
        select symbol, ${ET_DAY} as day, sum(size) as volume, count(*) as n, min(ts) as min_ts, max(ts) as max_ts,
          max(price) filter (where block_eligible) as high, min(price) filter (where block_eligible) as low,
          min(ts) filter (where block_eligible) as first_ts, max(ts) filter (where block_eligible) as last_ts
        from prints
        where symbol = any(${symbolList}::text[]) and ts >= ${since.toISOString()}
          and ts < ${until.toISOString()} and ${COUNTS} and ${REGULAR_SESSION}
        group by symbol, 2
        having bool_or(not is_off_exchange) and bool_or(block_eligible)
      ) d
      on conflict (symbol, day, source) do update set
        open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
        volume = excluded.volume, transactions = excluded.transactions, source_ref = excluded.source_ref,
        published_at = excluded.published_at, ingested_at = now()
      returning symbol, day
      ),
      -- A derived bar of the range that has no regular-session basis any more (e.g. one an earlier
      -- version derived from after-hours prints only) is removed rather than left standing.
      stale as (
        delete from daily_bars b
        where b.source = 'derived_from_prints' and b.symbol = any(${symbolList}::text[])
          and b.day >= ${fromDay}::date and b.day < ${toDayExclusive}::date
          and not exists (select 1 from derived d where d.symbol = b.symbol and d.day = b.day)
        returning 1
      )
      select symbol from derived`),
  );
  return rows.length;
}
