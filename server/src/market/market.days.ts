/**
 * The market days read from the per (day, symbol) tables of migration 0020 (finra_day_symbols,
 * print_day_market, option_day_rollups, market_day_sources), which triggers keep exact in the same
 * transaction as the source rows. A day is read from them only when it is settled at `as_of`: every row it
 * derives from (for prints also the trailing days and the day's bar) was published, and every print
 * happened, by then; the comparison is made in SQL, at the stored microsecond. Otherwise null, and the caller
 * computes the day from the source rows (darkpool/market.service.ts, blocks/market.service.ts), as before.
 * The day itself is chosen exactly as those services choose it (the same SQL). Every input asked is
 * chosen, checked and listed in one statement (`settledDays`): one round trip.
 */
import { type Db, preparedRows } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { latestOptionDaySql } from "../blocks/market.service";
import { latestFinraDaySql, latestPrintDaySql, type SourceCount } from "../darkpool/market.service";
import { dateOrNull, num } from "../lib/row-values";

export interface SettledDay {
  day: string | null;
  latestPublished: Date | null;
  sources: SourceCount[];
  /** Symbols with a row that day. */
  symbols: number;
}

type Input = "finra" | "prints" | "options";

/** The sources of `input`'s day `d.day`, as one json array (market_day_sources, by source). */
const sourcesSql = (input: Input) => sql`(
  select coalesce(json_agg(json_build_object('source', source, 'rows', rows, 'latest_ref', latest_ref)
    order by source), '[]') from market_day_sources s where s.input = ${input} and s.day = d.day)`;

/**
 * One row per input: its day at `asOf` (chosen as the area services choose it), whether the day is wholly
 * known at `asOf` (true without a day; null, i.e. not settled, when the day has no row in the table),
 * the latest publication, symbols, prints and sources. A single statement for one, two or three inputs.
 */
const DAY_SQL: Record<Input, (at: string, asOf: Date) => SQL> = {
  finra: (at, asOf) => sql`
    select 'finra' as input, d.day::text as day,
      case when d.day is null then true
        else (select max(published_at) from finra_day_symbols where day = d.day) <= ${at}::timestamptz end as settled,
      (select max(published_at) from finra_day_symbols where day = d.day and total_volume is not null) as latest,
      0::bigint as n, 0::numeric as prints, ${sourcesSql("finra")} as sources
    from (select ${latestFinraDaySql(asOf)} as day offset 0) d`,
  prints: (at, asOf) => sql`
    select 'prints' as input, d.day::text as day,
      case when d.day is null then true
        else max(m.inputs_published_at) <= ${at}::timestamptz and max(m.max_ts) <= ${at}::timestamptz end as settled,
      max(m.max_published_at) as latest, count(m.symbol) as n, coalesce(sum(m.off_prints), 0)::numeric as prints,
      '[]'::json as sources
    from (select ${latestPrintDaySql(asOf)} as day offset 0) d left join print_day_market m on m.day = d.day
    group by d.day`,
  options: (at, asOf) => sql`
    select 'options' as input, d.day::text as day,
      case when d.day is null then true
        else max(o.max_ts) <= ${at}::timestamptz and max(o.max_published_at) <= ${at}::timestamptz end as settled,
      max(o.max_published_at) as latest, count(o.symbol) as n, 0::numeric as prints, ${sourcesSql("options")} as sources
    from (select ${latestOptionDaySql(asOf)} as day offset 0) d left join option_day_rollups o on o.day = d.day
    group by d.day`,
};

export type DayRow = {
  input: Input;
  day: string | null;
  settled: boolean | null;
  latest: unknown;
  n: unknown;
  prints: unknown;
  sources: unknown;
};

export function settledOf(r: DayRow | undefined): (SettledDay & { prints: number }) | null {
  if (!r?.settled) return null;
  const prints = num(r.prints);
  const listed = (typeof r.sources === "string" ? JSON.parse(r.sources) : r.sources) as SourceCount[];
  return {
    day: r.day,
    latestPublished: dateOrNull(r.latest),
    sources:
      r.input !== "prints"
        ? listed.map((x) => ({ source: x.source, rows: num(x.rows), latest_ref: x.latest_ref }))
        : r.day
          ? [{ source: "prints", rows: prints, latest_ref: r.day }]
          : [],
    symbols: num(r.n),
    prints,
  };
}

/** The statement of `settledDays`, one row per input (`DayRow`), to embed in a larger statement. */
export const settledDaysSql = (asOf: Date, inputs: readonly Input[]) =>
  sql.join(
    inputs.map((i) => sql`(${DAY_SQL[i](asOf.toISOString(), asOf)})`),
    sql` union all `,
  );

/** Each input's settled day at `asOf` (null when not wholly known), in one statement. */
export async function settledDays<I extends Input>(
  db: Db,
  asOf: Date,
  inputs: readonly I[],
): Promise<Record<I, (SettledDay & { prints: number }) | null>> {
  const rows = await preparedRows<DayRow>(db, settledDaysSql(asOf, inputs));
  return Object.fromEntries(inputs.map((i) => [i, settledOf(rows.find((r) => r.input === i))])) as Record<
    I,
    (SettledDay & { prints: number }) | null
  >;
}
