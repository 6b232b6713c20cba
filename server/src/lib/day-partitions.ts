/**
 * Day partitions of `prints` and `option_prints` (migration 0017): one partition per New York calendar
 * day, `<table>_pYYYYMMDD`, plus a DEFAULT partition that catches rows of a day nobody created. Writers
 * create the days of a batch before inserting it (`ensureDayPartitions`, remembered per handle), the
 * retention job creates the coming trading days ahead and moves strays out of DEFAULT
 * (`createDaysAhead`, `sweepDefaultPartitions`). The SQL functions do the work, so concurrent creators on several nodes
 * serialize on the parent and both succeed. See docs/operations.md#day-partitions-and-retention.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { addDays, etDateOf } from "./et-time";
import { isTradingDay } from "./trading-calendar";

export type PartitionedTable = "prints" | "option_prints";

/** Days known to have a partition, per handle and table (`prints:2026-11-27`). */
const known = new WeakMap<Db, Set<string>>();
/** Cap on remembered days per handle: a long-running node forgets and re-checks (one cheap lookup). */
const KNOWN_MAX = 4_096;
/**
 * Limits on partitions one input can create: a batch creates at most this many new days (a file spread
 * over more days, hostile or not, has the rest stored in DEFAULT), and one run of the job moves at most
 * `SWEEP_MAX_DAYS` days out of DEFAULT. Rows are stored and deduplicated either way.
 */
export const BATCH_MAX_NEW_DAYS = 64;
export const SWEEP_MAX_DAYS = 400;
/** Days of four-digit years: other years (JS writes `+010000-01-01`) stay in DEFAULT. */
const PLAIN_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The New York days of a batch's trade times, each once. */
export function daysOf<T extends { ts: Date }>(rows: readonly T[]): string[] {
  const days = new Set<string>();
  let lastDay = "";
  for (const row of rows) {
    const day = etDateOf(row.ts.getTime());
    if (day !== lastDay) {
      if (PLAIN_DAY.test(day)) days.add(day);
      lastDay = day;
    }
  }
  return [...days];
}

/**
 * Makes sure each day has its partition before a batch of those days is inserted (otherwise the rows
 * would land in DEFAULT and be moved later). Only days not seen before on this handle reach the
 * database. Returns how many partitions were created.
 */
export async function ensureDayPartitions(db: Db, table: PartitionedTable, days: string[]): Promise<number> {
  let seen = known.get(db);
  if (seen === undefined) {
    seen = new Set();
    known.set(db, seen);
  }
  const missing = days.filter((d) => !seen.has(`${table}:${d}`)).slice(0, BATCH_MAX_NEW_DAYS);
  if (missing.length === 0) return 0;
  const created = await createDays(db, table, missing);
  if (seen.size + missing.length > KNOWN_MAX) seen.clear();
  for (const d of missing) seen.add(`${table}:${d}`);
  return created;
}

/** Forgets the remembered days of a handle (after retention dropped some). */
export function forgetDayPartitions(db: Db): void {
  known.delete(db);
}

/** Today (New York) and the next `count` trading days after it. */
export function daysAhead(now: Date, count: number): string[] {
  const today = etDateOf(now.getTime());
  const days = [today];
  for (let d = addDays(today, 1); days.length <= count; d = addDays(d, 1)) if (isTradingDay(d)) days.push(d);
  return days;
}

/** Creates the partitions of these days in one table; returns how many were created. */
async function createDays(db: Db, table: PartitionedTable, days: string[]): Promise<number> {
  const rows = rowsOf<{ created: number }>(
    await db.execute(
      sql`select smt_ensure_day_partitions(${table}, ${`{${days.join(",")}}`}::date[]) as created`,
    ),
  );
  return Number(rows[0]?.created ?? 0);
}

const TABLES: readonly PartitionedTable[] = ["prints", "option_prints"];

/** Creates today's and the next `count` trading days' partitions of both tables ahead of their prints. */
export async function createDaysAhead(db: Db, now: Date, count: number): Promise<number> {
  let created = 0;
  for (const table of TABLES) created += await createDays(db, table, daysAhead(now, count));
  return created;
}

/** Gives every day found in a DEFAULT partition its own partition, moving its rows there. */
export async function sweepDefaultPartitions(db: Db): Promise<{ created: number; strayDays: string[] }> {
  let created = 0;
  const strayDays = new Set<string>();
  for (const table of TABLES) {
    const rows = rowsOf<{ day: string }>(
      await db.execute(
        sql`select distinct (ts at time zone 'America/New_York')::date::text as day from ${sql.raw(`${table}_default`)}
          limit ${SWEEP_MAX_DAYS}`,
      ),
    );
    const days = rows.map((r) => String(r.day)).filter((d) => PLAIN_DAY.test(d));
    for (const d of days) strayDays.add(d);
    if (days.length > 0) created += await createDays(db, table, days);
  }
  return { created, strayDays: [...strayDays].sort() };
}

/** The day partitions of a table, oldest first (`YYYY-MM-DD`). */
export async function dayPartitions(db: Db, table: PartitionedTable): Promise<string[]> {
  const rows = rowsOf<{ relname: string }>(
    await db.execute(sql`
      select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = to_regclass(${table}) and c.relname ~ ${`^${table}_p[0-9]{8}$`}
      order by c.relname`),
  );
  return rows.map((r) => {
    const d = r.relname.slice(-8);
    return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
  });
}

/**
 * Detaches the day partitions of `table` for the New York days before `before` (`YYYY-MM-DD`), inside the
 * caller's transaction (the retention job's one short lock); returns those days. The detached tables are
 * renamed `<table>_pYYYYMMDD_dropping` for `dropDetachedDays`.
 */
export async function detachDaysBefore(tx: Db, table: PartitionedTable, before: string): Promise<string[]> {
  const rows = rowsOf<{ day: string }>(
    await tx.execute(
      sql`select d::text as day from smt_detach_day_partitions(${table}, ${before}::date) as d`,
    ),
  );
  return rows.map((r) => String(r.day).slice(0, 10));
}

/** The detached day tables waiting for `dropDetachedDays` (`*_pYYYYMMDD_dropping`), of both tables or one. */
export async function detachedTables(
  db: Db,
  tables: readonly PartitionedTable[] = TABLES,
): Promise<string[]> {
  const rows = rowsOf<{ relname: string }>(
    await db.execute(sql`
      select relname from pg_class
      where relkind = 'r' and not relispartition and relname ~ ${`^(${tables.join("|")})_p[0-9]{8}_dropping$`}
      order by relname`),
  );
  return rows.map((r) => String(r.relname));
}

/** One relation `dropDetachedDays` dropped: its name, its size on disk and the statement's time. */
export interface DropStep {
  relation: string;
  bytes: number;
  ms: number;
}

/**
 * Drops the detached day tables (`*_pYYYYMMDD_dropping`), also those a crash left behind, one relation per
 * statement: each index (the primary key by its constraint), then the table with its TOAST. The time is the
 * file system's (freeing a day's gigabytes: ~0.4 s per GB on ext4 mounted with `discard`), so each
 * statement frees one file set and commits; none locks a live table (a detached table is no partition). A
 * crash in between leaves a `*_dropping` table with fewer indexes, which the next run drops the same way.
 */
export async function dropDetachedDays(db: Db): Promise<DropStep[]> {
  const steps: DropStep[] = [];
  for (const relname of await detachedTables(db)) {
    const parts = rowsOf<{ name: string; bytes: number; constraint: string | null }>(
      await db.execute(sql`
        select c.relname as name, pg_total_relation_size(c.oid)::float8 as bytes, k.conname as constraint
        from pg_index i join pg_class c on c.oid = i.indexrelid
        left join pg_constraint k on k.conindid = i.indexrelid and k.conrelid = i.indrelid
        where i.indrelid = to_regclass(${`"${relname}"`}) order by bytes`),
    );
    const statements = parts.map((p) => ({
      relation: String(p.name),
      bytes: Number(p.bytes),
      text: p.constraint
        ? `alter table if exists "${relname}" drop constraint if exists "${p.constraint}"`
        : `drop index if exists "${p.name}"`,
    }));
    const heap = rowsOf<{ bytes: number }>(
      await db.execute(
        sql`select coalesce(pg_table_size(to_regclass(${`"${relname}"`})), 0)::float8 as bytes`,
      ),
    );
    statements.push({
      relation: relname,
      bytes: Number(heap[0]?.bytes),
      text: `drop table if exists "${relname}"`,
    });
    for (const s of statements) {
      const t0 = performance.now();
      await db.execute(sql.raw(s.text));
      steps.push({ relation: s.relation, bytes: s.bytes, ms: performance.now() - t0 });
    }
  }
  return steps;
}
