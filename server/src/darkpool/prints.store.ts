/** The `prints` table: the bulk insert, the paged reads, the newest print day and the last price. */
import { type Db, rowsOf, schema } from "@smt/db";
import { and, desc, eq, gte, lt, or, sql } from "drizzle-orm";
import { daysOf, ensureDayPartitions } from "../lib/day-partitions";
import { pgArrayLiteral } from "../lib/pg-array";
import { num, numOrNull } from "../lib/row-values";
import type { EnrichedPrint } from "./print";
import { COUNTS, ET_DAY } from "./print-sql";

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

/** The stored columns a print fills, in the order of `PRINT_PARAMS` (the COPY path writes them in it too). */
export const PRINT_COLUMN_NAMES: readonly string[] = PRINT_COLUMNS.map(([c]) => c);
const INSERT_COLUMNS = sql.raw(PRINT_COLUMN_NAMES.join(", "));
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
export function conditionsLiteral(conditions: readonly string[]): string {
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
 * The statement `insertPrints` runs (day partitions aside): the batch into `prints` (or `table`, the name,
 * written as is, of a table of the same shape), answering the number inserted and, when some print was
 * already stored, the inserted keys.
 */
export function insertPrintsStatement(prints: readonly EnrichedPrint[], table = "prints") {
  const literals = printParamLiterals(prints);
  const params = sql.join(
    PRINT_PARAMS.map(([, type], i) => sql`${literals[i]}::${sql.raw(type)}[]`),
    sql`, `,
  );
  return sql`
      with ins as (
        insert into ${sql.raw(table)} (${INSERT_COLUMNS})
        select ${SELECT_COLUMNS} from unnest(${params}) as ${UNNEST_ALIAS}
        on conflict do nothing
        returning trade_key)
      select count(*) as inserted,
        case when count(*) < ${prints.length} then array_agg(trade_key) end as keys
      from ins`;
}

/**
 * Inserts prints idempotently and returns the ones that were new. One statement per batch with one
 * array parameter per column (`unnest`), so a batch of any size stays far below Postgres' 65,534
 * bind-parameter cap and runs the same on PGlite and a real server. The statement answers one row: the
 * number inserted, and the inserted keys only when some print was already stored.
 */
export async function insertPrints(db: Db, prints: EnrichedPrint[]): Promise<EnrichedPrint[]> {
  if (prints.length === 0) return [];
  await ensureDayPartitions(db, "prints", daysOf(prints));
  const rows = rowsOf<{ inserted: number | string; keys: string[] | null }>(
    await db.execute(insertPrintsStatement(prints)),
  );
  const inserted = Number(rows[0]?.inserted ?? 0);
  if (inserted === prints.length) return prints;
  const fresh = new Set(rows[0]?.keys ?? []);
  return prints.filter((p) => fresh.has(p.tradeKey));
}

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

/** The value from which `prints_symbol_blocks_idx` holds a symbol's off-exchange prints (USD). */
export const BLOCK_INDEX_MIN_USD = 1_000_000;
/** Its predicate as a literal, so a cached (generic) plan can prove the index applies. */
const BLOCK_INDEXED = sql.raw(`and value_usd >= ${BLOCK_INDEX_MIN_USD}`);

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
        and value_usd >= ${minValueUsd} ${minValueUsd >= BLOCK_INDEX_MIN_USD ? BLOCK_INDEXED : sql``}
        ${since ? sql`and ts >= ${since.toISOString()}` : sql``}
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

/**
 * Last eligible print price of a symbol at or before a moment (within the 3 days before it), or null.
 * Lit and off-exchange prints both count; excluded conditions (average price, derivatively priced, ...)
 * and corrections do not.
 */
export async function priceAtOrBefore(db: Db, symbol: string, at: Date): Promise<number | null> {
  const rows = rowsOf<{ price: unknown }>(
    await db.execute(sql`
      select price from prints
      where symbol = ${symbol} and block_eligible and correction < 7
        and ts <= ${at.toISOString()}::timestamptz
        and ts > ${at.toISOString()}::timestamptz - interval '3 days'
      order by ts desc limit 1`),
  );
  const p = rows[0]?.price;
  return p === undefined || p === null ? null : Number(p);
}
