/**
 * The retention bench's data, made by SQL in seconds per million rows instead of through the ingest:
 * one trading day's `prints` partition filled with `rows` prints shaped like the market-day tape (Zipf
 * symbol counts, ~45% off-exchange, ~5% outside the session, odd lots to rare blocks), built unindexed and
 * attached to `prints` (which builds the production indexes), then that day's derived rows computed by the
 * production statements (`smt_print_rollup_select`, `smt_print_bins_select`; the rollup insert triggers
 * refresh `print_day_market`); and a later day of `laterRows` prints inserted through `prints` with every
 * trigger, the day a concurrent reader and writer use while the old day is dropped.
 */
import type postgres from "postgres";
import { etDayBounds } from "../../server/src/lib/et-time";
import { marketSymbol, zipfCounts } from "./market-day-tape";

type Sql = postgres.Sql;

/** The generated columns of one print numbered `g` of symbol `s`, in the day starting at `$1`. */
const PRINT_SELECT = `
  select s.symbol, ts, 'k' || g || '-' || s.rank as trade_key, price, size, price * size as value_usd,
    case when off then '4' else (1 + s.rank % 20)::text end as exchange, case when off then 201 + g % 3 end as trf_id,
    off as is_off_exchange, case when s.rank % 3 = 0 then 'A' else 'C' end as tape,
    case when g % 7 = 0 then '{12}'::text[] else '{}'::text[] end as conditions,
    off and size >= 100 as block_eligible, null::text as exclusion_reason, g % 11 = 0 as is_iso, false as is_late,
    ext as extended_hours, 0 as correction, price * (1 + (u2 - 0.5) / 500) as market_price, 'nbbo' as market_price_source,
    price - 0.01 as bid, price + 0.01 as ask, (u2 - 0.5) / 5 as premium_discount_pct,
    (array['buy','sell','mid','unknown'])[1 + g % 4] as side,
    (array['bullish','bearish','neutral','unknown'])[1 + g % 4] as sentiment,
    'polygon_flatfile' as source, 'trades.csv:' || g as source_ref, ts + interval '1 second' as published_at, now() as ingested_at
  from bench_symbols s, generate_series(1, s.n) g,
    lateral (select random() + g * 0 as u1, random() + g * 0 as u2, random() + g * 0 as u3) r,
    lateral (select r.u3 < 0.45 as off, r.u1 < 0.05 or r.u1 > 0.95 as ext,
      10 + s.rank % 490 + r.u2 as price, 1 + floor(power(r.u2, 6) * 20000) as size) v,
    lateral (select $1::timestamptz + interval '4 hours' + (r.u1 * 16 * 3600) * interval '1 second' as ts) t`;

async function symbolCounts(db: Sql, rows: number, symbols: number): Promise<void> {
  const counts = zipfCounts(rows, symbols);
  await db`drop table if exists bench_symbols`;
  await db`create unlogged table bench_symbols (rank int, symbol text, n int)`;
  const ranks = counts.map((_, i) => i);
  await db`insert into bench_symbols select * from unnest(${ranks}::int[], ${ranks.map(marketSymbol)}::text[], ${counts}::int[])`;
}

/** Fills `day` with `rows` prints and its derived rows; `later` with `laterRows` through the triggers. */
export async function fillDays(
  db: Sql,
  day: string,
  later: string,
  rows: number,
  laterRows: number,
  symbols: number,
): Promise<void> {
  const part = `prints_p${day.replaceAll("-", "")}`;
  const { start, end } = etDayBounds(day);
  await db`set maintenance_work_mem = '1GB'`;
  await symbolCounts(db, rows, symbols);
  await db.unsafe(`create table ${part}_fill (like prints including defaults including constraints)`);
  await db.unsafe(`insert into ${part}_fill ${PRINT_SELECT}`, [start.toISOString()]);
  await db.unsafe(
    `alter table ${part}_fill add constraint fill_day check (ts >= '${start.toISOString()}' and ts < '${end.toISOString()}')`,
  );
  await db.unsafe(`drop table if exists ${part}`);
  await db.unsafe(`alter table ${part}_fill rename to ${part}`);
  await db.unsafe(
    `alter table prints attach partition ${part} for values from ('${start.toISOString()}') to ('${end.toISOString()}')`,
  );
  await db.unsafe(`alter table ${part} drop constraint fill_day`);
  const [rollups] = await db`select smt_print_rollup_select(${part}) as q`;
  await db.unsafe(`insert into print_day_rollups ${rollups?.q}`);
  const [bins] = await db`select smt_print_bins_select(${part}, null, 'smt_level_bands(price)') as q`;
  await db.unsafe(`insert into print_day_bins ${bins?.q}`);
  await db`insert into data_versions (symbol) select symbol from bench_symbols on conflict do nothing`;
  // The later day through `prints` and its triggers, as the ingest writes it.
  await symbolCounts(db, laterRows, symbols);
  await db`select smt_ensure_day_partitions('prints', ${`{${later}}`}::date[])`;
  await db.unsafe(`insert into prints ${PRINT_SELECT}`, [etDayBounds(later).start.toISOString()]);
  await db`drop table bench_symbols`;
  await db`vacuum analyze`;
}
