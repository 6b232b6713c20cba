/**
 * A window of a symbol's prints grouped into bins (size buckets, session, price levels, premium/discount,
 * blocks by sentiment, sources), from the per-day bins of `print_day_bins` (db/src/schema/rollups.ts) where
 * a day provably lies wholly inside the window, from a scan of that day's prints otherwise.
 *
 * The bins are kept exact by the statement-level triggers of migration 0021 (inserts add, deletes and
 * corrections recompute the days they touched, retention deletes whole days with the prints). A day's
 * bins of a kind answer for the window when every print they hold has `since <= ts < until` (their
 * `min_ts`, `max_ts`) and, point in time, was published by `as_of` (`max_published_at`): then the window
 * holds exactly the day's prints of that kind. Price levels answer at a band only when that band's levels
 * hold every counted off-exchange print of the day (same count as its size buckets). Any other day is
 * grouped by `smt_print_bins_scan`, the triggers' own grouping over the day's prints in the window, so a
 * result is always the one a scan would give.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { etDateOf } from "../lib/et-time";
import { num } from "../lib/row-values";
import type { PrintWindow } from "./print-sql";

/** Groupings kept per day (see `print_day_bins`). */
export type BinKind = "size" | "ext" | "level" | "pd" | "block" | "source";

/** The block threshold the `level` and `block` bins count at (the original specification's $1M block). */
export const BINS_BLOCK_MIN_USD = 1_000_000;
/** Width of the `pd` bins, %. */
export const BINS_PD_STEP_PCT = 0.25;

export interface Bin {
  bin: number;
  label: string;
  prints: number;
  volume: number;
  valueUsd: number;
  litVolume: number;
  largePrints: number;
  largeValueUsd: number;
  /** `source` bins: `source_ref` of the newest print (latest `ts`, then greatest ref). */
  latestRef: string | null;
}

export interface BinOptions {
  /** Point in time: only prints published by then. Default: every stored print. */
  asOf?: Date | null | undefined;
  /** `level` bins: the level width in USD. */
  band?: number | undefined;
}

const DAY_START = sql.raw(`(d.day::timestamp at time zone 'America/New_York')`);
const DAY_END = sql.raw(`((d.day + 1)::timestamp at time zone 'America/New_York')`);

/** The bins of `kind` over a window, summed over its days, ordered by bin and label. One statement. */
export async function windowBins(
  db: Db,
  w: PrintWindow,
  kind: BinKind,
  opts: BinOptions = {},
): Promise<Bin[]> {
  const { symbol, since, until } = w;
  if (until <= since) return [];
  const s = since.toISOString();
  const u = until.toISOString();
  const asOf = opts.asOf ? opts.asOf.toISOString() : null;
  const band = kind === "level" ? Number(opts.band) : 0;
  if (!Number.isFinite(band) || band < 0) throw new Error(`level bins need a band > 0 (got ${opts.band})`);
  // Levels prove wholeness with the size bins: both hold every counted off-exchange print of the day.
  const proofKind = kind === "level" ? "size" : kind;
  const published = asOf ? sql`and d.mp <= ${asOf}::timestamptz` : sql``;
  const covered =
    kind === "level"
      ? sql`and d.n = (select coalesce(sum(l.prints), 0) from print_day_bins l where l.symbol = ${symbol}
          and l.day = d.day and l.kind = 'level' and l.band = ${band}::float8)`
      : sql``;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with d as (
        select day, min(min_ts) as mn, max(max_ts) as mx, max(max_published_at) as mp, sum(prints) as n
        from print_day_bins
        where symbol = ${symbol} and kind = ${proofKind} and day >= ${etDateOf(since.getTime())}::date
          and day <= ${etDateOf(until.getTime() - 1)}::date
        group by day),
      whole as (select d.day from d where d.mn >= ${s}::timestamptz and d.mx < ${u}::timestamptz ${published} ${covered}),
      b as (
        select bin, label, prints, volume, value_usd, lit_volume, large_prints, large_value_usd, max_ts, latest_ref
        from print_day_bins
        where symbol = ${symbol} and kind = ${kind} and band = ${band}::float8 and day in (select day from whole)
        union all
        select x.bin, x.label, x.prints, x.volume, x.value_usd, x.lit_volume, x.large_prints, x.large_value_usd,
          x.max_ts, x.latest_ref
        from d, lateral smt_print_bins_scan(${symbol}, greatest(${s}::timestamptz, ${DAY_START}),
          least(${u}::timestamptz, ${DAY_END}), ${asOf}::timestamptz, ${kind}, ${band}::float8) as x
        where d.day not in (select day from whole))
      select bin, label, sum(prints) as prints, sum(volume) as volume, sum(value_usd) as value_usd,
        sum(lit_volume) as lit_volume, sum(large_prints) as large_prints, sum(large_value_usd) as large_value_usd,
        (array_agg(latest_ref order by max_ts desc, latest_ref desc))[1] as latest_ref
      from b group by bin, label order by bin, label`),
  );
  return rows.map((r) => ({
    bin: num(r.bin),
    label: String(r.label),
    prints: num(r.prints),
    volume: num(r.volume),
    valueUsd: num(r.value_usd),
    litVolume: num(r.lit_volume),
    largePrints: num(r.large_prints),
    largeValueUsd: num(r.large_value_usd),
    latestRef: r.latest_ref === null || r.latest_ref === undefined ? null : String(r.latest_ref),
  }));
}
