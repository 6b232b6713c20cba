/**
 * SQL on the precomputed composite scores (`composite_scores`, `composite_days`, db/src/schema/composite.ts)
 * and the version counters the refresh compares against (`data_versions`, `area_versions`).
 */
import { bulkInserter, type Db, rowsOf, schema } from "@smt/db";
import { sql } from "drizzle-orm";
import { pgArrayLiteral } from "../lib/pg-array";
import { dateOrNull, num } from "../lib/row-values";
import type { CompositeMetric } from "./metrics";

export type ScoreRow = typeof schema.compositeScores.$inferInsert;
export type DayRow = typeof schema.compositeDays.$inferSelect;

const scoreUpsert = bulkInserter(schema.compositeScores, {
  key: ["day", "symbol"],
  onConflict: sql`(day, symbol) do update set as_of = excluded.as_of, computed_at = excluded.computed_at,
    activity = excluded.activity, activity_rank = excluded.activity_rank,
    smart_money_index = excluded.smart_money_index, accumulation = excluded.accumulation,
    smi_fields = excluded.smi_fields, accumulation_fields = excluded.accumulation_fields,
    data_version = excluded.data_version`,
});

/** The sums of `area_versions` and of `data_versions`: either moves with any write an analytics input reads. */
export async function versionSums(db: Db): Promise<{ area: number; data: number }> {
  const r = rowsOf<{ a: unknown; d: unknown }>(
    await db.execute(sql`select (select coalesce(sum(version), 0) from area_versions) as a,
      (select coalesce(sum(version), 0) from data_versions) as d`),
  )[0];
  return { area: num(r?.a), data: num(r?.d) };
}

/** Each symbol's `data_versions.version` (0 without a row). */
export async function symbolVersions(db: Db, symbols: string[]): Promise<Map<string, number>> {
  const rows = rowsOf<{ symbol: string; version: unknown }>(
    await db.execute(sql`select symbol, version from data_versions
      where symbol = any(${pgArrayLiteral(symbols)}::text[])`),
  );
  return new Map(rows.map((r) => [r.symbol, num(r.version)]));
}

const dayOf = (r: Record<string, unknown>): DayRow => ({
  day: String(r.day).slice(0, 10),
  asOf: dateOrNull(r.as_of) as Date,
  closed: r.closed === true,
  computedAt: dateOrNull(r.computed_at) as Date,
  fullAt: dateOrNull(r.full_at) as Date,
  areaVersion: num(r.area_version),
  dataVersionSum: num(r.data_version_sum),
  activeSymbols: num(r.active_symbols),
  window: r.window,
  sources: r.sources,
});

const DAY_COLUMNS = sql`day::text as day, as_of, closed, computed_at, full_at, area_version, data_version_sum,
  active_symbols, "window", sources`;

export async function readDay(db: Db, day: string): Promise<DayRow | null> {
  const r = rowsOf<Record<string, unknown>>(
    await db.execute(sql`select ${DAY_COLUMNS} from composite_days where day = ${day}`),
  )[0];
  return r ? dayOf(r) : null;
}

/** Days scored while open (today's when they were scored) before `day`: due to be closed. */
export async function openDaysBefore(db: Db, day: string): Promise<string[]> {
  const rows = rowsOf<{ day: string }>(
    await db.execute(
      sql`select day::text as day from composite_days where not closed and day < ${day} order by day`,
    ),
  );
  return rows.map((r) => String(r.day).slice(0, 10));
}

/** The stored symbols of a day with the version each was scored at. */
export async function storedVersions(db: Db, day: string): Promise<Map<string, number>> {
  const rows = rowsOf<{ symbol: string; data_version: unknown }>(
    await db.execute(sql`select symbol, data_version from composite_scores where day = ${day}`),
  );
  return new Map(rows.map((r) => [r.symbol, num(r.data_version)]));
}

/**
 * Writes one refresh of a day in one transaction, so a reader sees the board before or after it: the
 * rescored rows, the new activity and rank of the others, the members that left the universe removed,
 * and the day's row.
 */
export async function writeDay(
  db: Db,
  day: DayRow,
  scored: ScoreRow[],
  ranks: { symbol: string; activity: number; rank: number }[],
): Promise<void> {
  await db.transaction(async (txn) => {
    const tx = txn as unknown as Db;
    // Two nodes refreshing the same day write one after the other, not interleaved.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`composite_scores:${day.day}`}))`);
    const symbols = pgArrayLiteral(ranks.map((r) => r.symbol));
    await tx.execute(sql`delete from composite_scores where day = ${day.day}
      and not (symbol = any(${symbols}::text[]))`);
    await tx.execute(sql`update composite_scores c set activity = u.activity, activity_rank = u.rank
      from unnest(${symbols}::text[], ${pgArrayLiteral(ranks.map((r) => r.activity))}::float8[],
        ${pgArrayLiteral(ranks.map((r) => r.rank))}::int[]) as u (symbol, activity, rank)
      where c.day = ${day.day} and c.symbol = u.symbol`);
    if (scored.length > 0) await scoreUpsert.insert(tx, scored);
    await tx.execute(sql`insert into composite_days (day, as_of, closed, computed_at, full_at, area_version,
        data_version_sum, active_symbols, "window", sources)
      values (${day.day}, ${day.asOf.toISOString()}, ${day.closed}, ${day.computedAt.toISOString()},
        ${day.fullAt.toISOString()}, ${day.areaVersion}, ${day.dataVersionSum}, ${day.activeSymbols},
        ${JSON.stringify(day.window)}::jsonb, ${JSON.stringify(day.sources)}::jsonb)
      on conflict (day) do update set as_of = excluded.as_of, closed = excluded.closed,
        computed_at = excluded.computed_at, full_at = excluded.full_at, area_version = excluded.area_version,
        data_version_sum = excluded.data_version_sum, active_symbols = excluded.active_symbols,
        "window" = excluded."window", sources = excluded.sources`);
  });
}

/** Which input each score component reads (market.service DELAYS keys), for the freshness list. */
export const COMPONENT_INPUT = {
  dark_pool: "prints",
  block_flow: "prints",
  short_volume: "finra",
  options: "options",
  institutional: "thirteenf",
  insider: "insider",
} as const;

const COLUMN = { smart_money_index: "smart_money_index", accumulation: "accumulation" } as const;
const FIELDS = { smart_money_index: "smi_fields", accumulation: "accumulation_fields" } as const;

export interface BoardQuery {
  asOf: Date;
  metric: CompositeMetric;
  universe: number;
  minActivity: number;
  order: "desc" | "asc";
  limit: number;
  offset: number;
}

const parsed = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

/**
 * In one round trip: the stored day with the newest `as_of` at or before `q.asOf`; one page of its board
 * (members within the universe with a value and at least `minActivity`, ranked by value, ties by symbol)
 * with the total before paging; how many members of the universe are stored and the newest available
 * component `as_of` per input over them; and, for an open day, the version sums now. Null: no day stored.
 */
export async function readBoard(db: Db, q: BoardQuery) {
  const col = sql.raw(COLUMN[q.metric]);
  const fields = sql.raw(FIELDS[q.metric]);
  const dir = sql.raw(q.order === "asc" ? "asc" : "desc");
  const names = Object.keys(COMPONENT_INPUT) as (keyof typeof COMPONENT_INPUT)[];
  const newest = sql.join(
    names.map(
      (n) =>
        sql`${n}::text, max(c.${fields} ->> ${`${n}_as_of`}) filter (where c.${fields} ->> ${`${n}_signal`} is not null)`,
    ),
    sql`, `,
  );
  const r = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with d as (
        select ${DAY_COLUMNS} from composite_days
        where as_of <= ${q.asOf.toISOString()}::timestamptz order by as_of desc limit 1),
      m as (
        select c.symbol, c.as_of, c.activity, c.${col} as value, c.${fields} as fields
        from composite_scores c join d on c.day = d.day::date
        where c.activity_rank <= ${q.universe} and c.${col} is not null and c.activity >= ${q.minActivity}),
      p as (select * from m order by value ${dir}, symbol collate "C" limit ${q.limit} offset ${q.offset})
      select to_json(d) as day,
        (select count(*) from m) as total,
        (select coalesce(json_agg(p order by value ${dir}, symbol collate "C"), '[]'::json) from p) as rows,
        (select json_build_object('scored', count(*), ${newest}) from composite_scores c join d on c.day = d.day::date
          where c.activity_rank <= ${q.universe}) as summary,
        case when d.closed then null else json_build_object(
          'area', (select coalesce(sum(version), 0) from area_versions),
          'data', (select coalesce(sum(version), 0) from data_versions)) end as sums
      from d`),
  )[0];
  if (!r) return null;
  const summary = parsed(r.summary) as Record<string, unknown>;
  const latest = new Map<string, string>();
  for (const n of names) {
    const at = summary[n];
    const input = COMPONENT_INPUT[n];
    if (typeof at === "string" && (latest.get(input) ?? "") < at) latest.set(input, at);
  }
  const sums = parsed(r.sums) as { area: unknown; data: unknown } | null;
  return {
    day: dayOf(parsed(r.day) as Record<string, unknown>),
    total: num(r.total),
    rows: (parsed(r.rows) as Record<string, unknown>[]).map((x) => ({
      symbol: String(x.symbol),
      value: Number(x.value),
      activity: Number(x.activity),
      scoredAsOf: (dateOrNull(x.as_of) as Date).toISOString(),
      fields: parsed(x.fields) as Record<string, unknown>,
    })),
    scored: num(summary.scored),
    latest,
    sums: sums ? { area: num(sums.area), data: num(sums.data) } : null,
  };
}
