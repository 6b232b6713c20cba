/**
 * The market days read from the per (day, symbol) tables of migration 0023 (finra_day_symbols,
 * print_day_market, option_day_rollups, market_day_sources), which triggers keep exact in the same
 * transaction as the source rows. A day is read from them only when it is settled at `as_of`: every row it
 * derives from (for prints also the trailing days and the day's bar) was published, and every print
 * happened, by then; the comparison is made in SQL, at the stored microsecond. Otherwise null, and the caller
 * computes the day from the source rows (darkpool/market.service.ts, blocks/market.service.ts), as before.
 * The day itself is chosen exactly as those services choose it.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { latestOptionDay } from "../blocks/market.service";
import { latestFinraDay, latestPrintDay, type SourceCount } from "../darkpool/market.service";
import { dateOrNull, num } from "../lib/row-values";

export interface SettledDay {
  day: string | null;
  latestPublished: Date | null;
  sources: SourceCount[];
  /** Symbols with a row that day. */
  symbols: number;
}

const NONE: SettledDay = { day: null, latestPublished: null, sources: [], symbols: 0 };

async function sourcesOf(db: Db, input: "finra" | "options", day: string): Promise<SourceCount[]> {
  return rowsOf<{ source: string; rows: unknown; latest_ref: string | null }>(
    await db.execute(sql`
      select source, rows, latest_ref from market_day_sources
      where input = ${input} and day = ${day}::date order by source`),
  ).map((r) => ({ source: r.source, rows: num(r.rows), latest_ref: r.latest_ref }));
}

type Check = { settled: boolean | null; latest: unknown; n: unknown; prints?: unknown };

/** The latest FINRA day published by `asOf`, when all of its rows are. */
export async function settledFinraDay(db: Db, asOf: Date): Promise<SettledDay | null> {
  const day = await latestFinraDay(db, asOf);
  if (day === null) return NONE;
  const c = rowsOf<Check>(
    await db.execute(sql`
      select (select max(published_at) from finra_day_symbols where day = ${day}::date) <= ${asOf.toISOString()}::timestamptz as settled,
        (select max(published_at) from finra_day_symbols where day = ${day}::date and total_volume is not null) as latest,
        0 as n`),
  )[0];
  if (!c?.settled) return null;
  return {
    day,
    latestPublished: dateOrNull(c.latest),
    sources: await sourcesOf(db, "finra", day),
    symbols: 0,
  };
}

/** The latest day with off-exchange prints at `asOf`, when it and its trailing days are wholly known. */
export async function settledPrintDay(db: Db, asOf: Date): Promise<(SettledDay & { prints: number }) | null> {
  const day = await latestPrintDay(db, asOf);
  if (day === null) return { ...NONE, prints: 0 };
  const at = asOf.toISOString();
  const c = rowsOf<Check>(
    await db.execute(sql`
      select max(inputs_published_at) <= ${at}::timestamptz and max(max_ts) <= ${at}::timestamptz as settled,
        max(max_published_at) as latest, count(*) as n, sum(off_prints) as prints
      from print_day_market where day = ${day}::date`),
  )[0];
  if (!c?.settled) return null;
  const prints = num(c.prints);
  return {
    day,
    latestPublished: dateOrNull(c.latest),
    sources: [{ source: "prints", rows: prints, latest_ref: day }],
    symbols: num(c.n),
    prints,
  };
}

/** The New York day of the latest option print at `asOf`, when all of its prints are known. */
export async function settledOptionDay(db: Db, asOf: Date): Promise<SettledDay | null> {
  const day = await latestOptionDay(db, asOf);
  if (day === null) return NONE;
  const at = asOf.toISOString();
  const c = rowsOf<Check>(
    await db.execute(sql`
      select max(max_ts) <= ${at}::timestamptz and max(max_published_at) <= ${at}::timestamptz as settled,
        max(max_published_at) as latest, count(*) as n
      from option_day_rollups where day = ${day}::date`),
  )[0];
  if (!c?.settled) return null;
  return {
    day,
    latestPublished: dateOrNull(c.latest),
    sources: await sourcesOf(db, "options", day),
    symbols: num(c.n),
  };
}
