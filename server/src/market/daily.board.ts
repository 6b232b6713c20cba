/**
 * The daily leaderboards and the screener ranked in SQL: `order by <key> limit/offset` over one settled
 * day of the per (day, symbol) tables (market.days.ts), through the index matching each sort, plus a count
 * in the same statement.
 * Rows come back as the area services' row types (same mappers), so values and explaining fields are those
 * of the in-server ranking; ties rank by symbol. Columns and operators come from fixed tables, never from
 * input; filter values are bound parameters.
 */
import { type Db, preparedRows, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { optionsDayRow } from "../blocks/market.service";
import { finraDayRow, printDayRow } from "../darkpool/market.service";
import { num, numOrNull } from "../lib/row-values";
import { type DayRow, type SettledDay, settledDaysSql, settledOf } from "./market.days";
import type { Metric } from "./metrics";
import { type Filter, type Op, SCREENER_FIELDS, type ScreenerField, type SortKey } from "./screener.grammar";

type Table = "finra" | "prints" | "options";
const DAY_INPUT = { finra: "finra", prints: "prints", options: "options" } as const;

const TABLES: Record<
  Table,
  { from: SQL; columns: SQL; where: SQL; row: (r: Record<string, unknown>) => unknown }
> = {
  finra: {
    from: sql.raw("finra_day_symbols"),
    columns: sql.raw("symbol, cnms, short_volume, short_exempt_volume, total_volume"),
    where: sql.raw("total_volume is not null"),
    row: finraDayRow,
  },
  prints: {
    from: sql.raw("print_day_market"),
    columns: sql.raw(`symbol, off_prints, off_volume, off_value_usd, lit_volume, large_count, large_value_usd,
      large_bull_value_usd, large_bear_value_usd, trailing_avg_off_volume as avg_off, trailing_days as trailing_n,
      bar_volume, bar_source`),
    where: sql.raw("true"),
    row: printDayRow,
  },
  options: {
    from: sql.raw("option_day_rollups"),
    columns: sql.raw(`symbol, call_premium_usd as call_premium, put_premium_usd as put_premium, call_volume,
      put_volume, multi_leg_premium_usd as multi_leg_premium, prints`),
    where: sql.raw("true"),
    row: optionsDayRow,
  },
};

/**
 * Each daily metric's stored ranking key (the same arithmetic as its METRIC_DEFS value) and, for the
 * floored ones, the volume `min_volume` applies to. Amounts rank only when positive.
 */
const BOARDS: Partial<Record<Metric, { table: Table; key: string; volume?: string }>> = {
  short_volume: { table: "finra", key: "short_volume" },
  short_ratio: { table: "finra", key: "short_ratio", volume: "total_volume" },
  dark_pool_value: { table: "prints", key: "off_value_usd" },
  dark_pool_ratio: { table: "prints", key: "dark_pool_ratio", volume: "consolidated_volume" },
  block_value: { table: "prints", key: "large_value_usd" },
  unusual_volume: { table: "prints", key: "unusual_volume", volume: "off_volume" },
  options_premium: { table: "options", key: "options_premium_usd" },
  call_put_skew: { table: "options", key: "call_put_skew", volume: "call_volume + put_volume" },
};

export interface BoardQuery {
  metric: Metric;
  asOf: Date;
  order: "desc" | "asc";
  minVolume: number | null;
  limit: number;
  offset: number;
}

/**
 * One page of a daily metric's ranking over its day at `asOf`, the number of ranked rows and the day
 * (market.days.ts), in one statement; `day` null when the day is not wholly known at as_of (no rows read:
 * the caller ranks the source rows). Rows as the area's row type.
 */
export async function dailyBoard<R>(
  db: Db,
  q: BoardQuery,
): Promise<{ day: (SettledDay & { prints: number }) | null; rows: R[]; total: number }> {
  const b = BOARDS[q.metric];
  if (!b) throw new Error(`${q.metric} is not a daily metric`);
  const t = TABLES[b.table];
  const key = sql.raw(b.key);
  const ranked = b.volume
    ? sql`${key} is not null and ${sql.raw(b.volume)} >= ${q.minVolume ?? 0}`
    : sql`${key} > 0`;
  const where = sql`day = d.day::date and ${t.where} and ${ranked}`;
  const order = q.order === "desc" ? sql`desc nulls last` : sql`asc`;
  // The day's row always comes back (with the count); the page's rows ride on it, ordered by their key.
  const raw = await preparedRows<Record<string, unknown>>(
    db,
    sql`
      with d as materialized (${settledDaysSql(q.asOf, [DAY_INPUT[b.table]])})
      select d.input as d_input, d.day as d_day, d.settled as d_settled, d.latest as d_latest, d.n as d_n,
        d.prints as d_prints, d.sources as d_sources, c.n as total_rows, p.*
      from d
        left join lateral (select count(*) as n from ${t.from} where ${where}) as c on d.settled and d.day is not null
        left join lateral (select ${t.columns}, ${key} as sort_key from ${t.from} where ${where}
          order by ${key} ${order}, symbol collate "C" limit ${q.limit} offset ${q.offset}) as p
          on d.settled and d.day is not null
      order by p.sort_key ${order}, p.symbol collate "C"`,
  );
  const first = raw[0];
  const day = settledOf(
    first &&
      ({
        input: first.d_input,
        day: first.d_day,
        settled: first.d_settled,
        latest: first.d_latest,
        n: first.d_n,
        prints: first.d_prints,
        sources: first.d_sources,
      } as DayRow),
  );
  if (!day) return { day: null, rows: [], total: 0 };
  const rows = raw.filter((r) => r.symbol !== null && r.symbol !== undefined);
  return { day, rows: rows.map((r) => t.row(r) as R), total: num(first?.total_rows) };
}

export const isDailyBoard = (metric: Metric) => metric in BOARDS;

/** Each screener field's column in the joined day (`j` below). */
const FIELD_SQL: Record<ScreenerField, string> = {
  short_volume: "short_volume",
  finra_total_volume: "finra_total_volume",
  short_ratio: "short_ratio",
  dark_pool_volume: "dark_pool_volume",
  dark_pool_value: "dark_pool_value",
  dark_pool_prints: "dark_pool_prints",
  dark_pool_ratio: "dark_pool_ratio",
  consolidated_volume: "consolidated_volume",
  volume: "volume",
  block_value: "block_value",
  block_count: "block_count",
  unusual_volume: "unusual_volume",
  options_premium: "options_premium",
  call_put_skew: "call_put_skew",
};
const OPS: Record<Op, string> = { ">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "=", "!=": "<>" };

export interface ScreenQuery {
  days: { finra: string | null; prints: string | null; options: string | null };
  filters: Filter[];
  sort: SortKey[];
  limit: number;
  offset: number;
}

/**
 * The screener over the three settled days joined by symbol (a symbol in any of them is a row, the others'
 * fields null): filters as bound comparisons (null never passes), sort keys nulls last, then by symbol.
 */
export async function screenDays(db: Db, q: ScreenQuery) {
  const col = (f: ScreenerField) => sql.raw(FIELD_SQL[f]);
  const where = q.filters.length
    ? sql.join(
        q.filters.map((f) => sql`${col(f.field)} ${sql.raw(OPS[f.op])} ${f.value}::float8`),
        sql` and `,
      )
    : sql`true`;
  const order = sql.join(
    [
      ...q.sort.map((k) => sql`${col(k.field)} ${sql.raw(k.desc ? "desc" : "asc")} nulls last`),
      sql`symbol collate "C"`,
    ],
    sql`, `,
  );
  const days = sql`
      with f as (
        select symbol, short_volume, total_volume as finra_total_volume, short_ratio from finra_day_symbols
        where day = ${q.days.finra}::date and total_volume is not null
      ), p as (
        select symbol, off_volume as dark_pool_volume, off_value_usd as dark_pool_value, off_prints as dark_pool_prints,
          dark_pool_ratio, consolidated_volume, large_value_usd as block_value, large_count as block_count, unusual_volume
        from print_day_market where day = ${q.days.prints}::date
      ), o as (
        select symbol, options_premium_usd as options_premium, call_put_skew from option_day_rollups
        where day = ${q.days.options}::date
      ), j as (
        select symbol, f.short_volume, f.finra_total_volume, f.short_ratio, p.dark_pool_volume, p.dark_pool_value,
          p.dark_pool_prints, p.dark_pool_ratio, p.consolidated_volume,
          coalesce(p.consolidated_volume, f.finra_total_volume) as volume,
          p.block_value, p.block_count, p.unusual_volume, o.options_premium, o.call_put_skew
        from f full join p using (symbol) full join o using (symbol)
      )`;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`${days}
      select j.*, count(*) over () as total_rows from j where ${where}
      order by ${order} limit ${q.limit} offset ${q.offset}`),
  );
  // A page past the end has no row to carry the count.
  const total =
    rows.length > 0 || q.offset === 0
      ? num(rows[0]?.total_rows)
      : num(
          rowsOf<{ n: unknown }>(await db.execute(sql`${days} select count(*) as n from j where ${where}`))[0]
            ?.n,
        );
  return {
    total,
    rows: rows.map((r) => {
      const out: Record<string, unknown> = { symbol: String(r.symbol) };
      for (const f of SCREENER_FIELDS) out[f] = numOrNull(r[FIELD_SQL[f]]);
      return out;
    }),
  };
}
