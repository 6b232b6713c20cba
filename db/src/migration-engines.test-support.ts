/**
 * For migration tests: the migrations folder cut before a migration, and a bare database on either engine
 * that a test migrates itself (to the cut folder, writes rows as the old schema stored them, then migrates
 * to the end).
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { sql } from "drizzle-orm";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { inject } from "vitest";
import { migrationJournal, migrationsFolder } from "./index";

/** The migrations folder as it was before `tag` (e.g. "0017"): the journal cut there. */
export function foldersBefore(tag: string): { before: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `smt-pre${tag}-`));
  cpSync(migrationsFolder, dir, { recursive: true });
  const entries = migrationJournal().filter((e) => e.tag < tag);
  writeFileSync(
    join(dir, "meta", "_journal.json"),
    JSON.stringify({ version: "7", dialect: "postgresql", entries }),
  );
  return { before: dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Exec {
  run(statement: ReturnType<typeof sql>): Promise<Record<string, unknown>[]>;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

/** An empty, unmigrated database (`suffix` names the Postgres one). */
export async function openEngine(engine: "pglite" | "postgres", suffix: string): Promise<Exec> {
  if (engine === "pglite") {
    const client = await PGlite.create("memory://");
    const db = drizzlePglite(client);
    return {
      run: async (s) => (await db.execute(s)).rows as Record<string, unknown>[],
      migrate: (folder) => migratePglite(db, { migrationsFolder: folder }),
      close: () => client.close(),
    };
  }
  const templateUrl = new URL(inject("pgTemplateUrl"));
  const name = `smt_t_${inject("pgRunId")}_${process.pid}_${suffix}`;
  const adminUrl = new URL(templateUrl);
  adminUrl.pathname = "/postgres";
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const db = drizzlePostgres(client);
  return {
    run: async (s) => (await db.execute(s)) as unknown as Record<string, unknown>[],
    migrate: (folder) => migratePostgres(db, { migrationsFolder: folder }),
    async close() {
      await client.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
