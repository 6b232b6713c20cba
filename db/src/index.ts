import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { Db } from "./db";
import * as schema from "./schema/index";

export { type BulkInserter, type BulkInsertOptions, bulkInserter } from "./bulk";
export { type CopyColumn, type CopyOut, copyRows } from "./copy";
export { rowBatches, type ValueRow } from "./cursor";
export { type Db, postgresJsClient, rowsOf } from "./db";
export { ArrayLiteral, pgArrayLiteral } from "./pg-array";
export { preparedRows } from "./prepared";
export * as schema from "./schema/index";

export const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), "..", "migrations");

export interface DbHandle {
  db: Db;
  /** `pglite` (embedded, one process) or `postgres` (a real server). */
  kind: "pglite" | "postgres";
  /** Runs a raw statement and returns its rows, the same shape on both engines. */
  query<T = Record<string, unknown>>(statement: SQL): Promise<T[]>;
  /** Applies every pending migration (under an advisory lock on a real server). */
  migrate(): Promise<void>;
  /** True when the database answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** A `postgres://` URL. Without one the embedded engine is used. */
  url?: string | undefined;
  /** PGlite data folder; `memory://` keeps everything in memory (tests). */
  dataDir?: string | undefined;
  /** Pool size for a real server. */
  maxConnections?: number | undefined;
  /** Run migrations before returning. Default true. */
  migrate?: boolean | undefined;
  /** PGlite only: start from this data directory dump (`dumpPgliteTemplate`), skipping initdb. */
  pgliteTemplate?: Blob | undefined;
}

/** Arbitrary key shared by every process of this service for the migration lock. */
const MIGRATION_LOCK_KEY = 7_303_150_221;

/**
 * Opens the database: postgres.js when a URL is given, PGlite on `dataDir` otherwise. Both return the
 * same Drizzle handle type, so no other module needs to know which engine it talks to.
 */
export async function openDb(options: OpenDbOptions = {}): Promise<DbHandle> {
  const handle = options.url
    ? openPostgres(options.url, options.maxConnections ?? 10)
    : await openPglite(options.dataDir ?? "./data/pglite", options.pgliteTemplate);
  if (options.migrate !== false) await handle.migrate();
  return handle;
}

/**
 * Every connection runs without JIT compilation (`jit = off` as a startup parameter). The service's statements
 * are short: per-batch trigger statements over transition tables, index reads of a page. Their estimates
 * still pass `jit_above_cost` often, and compiling one costs ~50 ms: with JIT on, a 1,000,000-print market
 * day ingested at 26,000-47,000 rows/s, without it 62,000 (the same run's `psql \copy`: 143,000-155,000).
 */
const CONNECTION = { jit: "off" };

function openPostgres(url: string, max: number): DbHandle {
  const client = postgres(url, { max, onnotice: () => {}, prepare: true, connection: CONNECTION });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "postgres",
    async query<T>(statement: SQL) {
      return (await db.execute(statement)) as unknown as T[];
    },
    async migrate() {
      // Several nodes may start at once: one migrates, the others wait on the lock and then find nothing
      // to do. A session-level advisory lock needs one connection, hence a single-connection client.
      const single = postgres(url, { max: 1, onnotice: () => {}, connection: CONNECTION });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres(single), { migrationsFolder });
        await single`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    async ping() {
      try {
        await client`select 1`;
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string, template?: Blob): Promise<DbHandle> {
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir, template ? { loadDataDir: template } : {});
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: "pglite",
    async query<T>(statement: SQL) {
      const result = (await db.execute(statement)) as unknown as { rows: T[] };
      return result.rows;
    },
    async migrate() {
      await migratePglite(drizzlePglite(client), { migrationsFolder });
    },
    async ping() {
      try {
        await client.query("select 1");
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await client.close();
    },
  };
}

/**
 * A migrated, empty PGlite data directory as a tarball: tests start each database from it instead of
 * running initdb and every migration again.
 */
export async function dumpPgliteTemplate(): Promise<Blob> {
  const client = await PGlite.create("memory://");
  await migratePglite(drizzlePglite(client), { migrationsFolder });
  const dump = await client.dumpDataDir("none");
  await client.close();
  return dump;
}

/** Journal entries shipped with this build (`migrations/meta/_journal.json`). */
export function migrationJournal(): { idx: number; tag: string; when: number }[] {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
    entries: { idx: number; tag: string; when: number }[];
  };
  return journal.entries;
}

/** Migrations the database says it has applied (`created_at` holds the journal's `when`). */
export async function appliedMigrations(handle: DbHandle): Promise<number[]> {
  const rows = await handle.query<{ created_at: string | number }>(
    sql`select created_at from drizzle.__drizzle_migrations order by id`,
  );
  return rows.map((r) => Number(r.created_at));
}
