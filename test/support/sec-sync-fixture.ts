/**
 * The setup the SEC sync job tests share: a database of the test file's own (per engine), a fresh local
 * EDGAR per test with the SEC tables emptied, and a row counter. `reset` runs after each test's EDGAR has
 * started (a test's clock, what it keeps of the fake's files).
 */
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { type Engine, openTestDb } from "./db";
import { type FakeEdgar, SEC_TABLES, startFakeEdgar } from "./fake-edgar";

export interface SecSyncFixture {
  handle: DbHandle;
  edgar: FakeEdgar;
  /** Rows of a table. */
  count(table: string): Promise<number>;
}

export function secSyncFixture(engine: Engine, reset?: () => void): SecSyncFixture {
  const fx = {
    async count(table: string) {
      const [r] = await fx.handle.query<{ n: number }>(
        sql`select count(*)::int as n from ${sql.identifier(table)}`,
      );
      return Number(r?.n);
    },
  } as SecSyncFixture;
  beforeAll(async () => {
    fx.handle = await openTestDb(engine);
  });
  afterAll(async () => {
    await fx.handle?.close();
  });
  beforeEach(async () => {
    fx.edgar = await startFakeEdgar();
    for (const t of SEC_TABLES) await fx.handle.query(sql`delete from ${sql.identifier(t)}`);
    reset?.();
  });
  afterEach(async () => {
    await fx.edgar?.close();
  });
  return fx;
}

/** The declared User-Agent the SEC job tests send. */
export const TEST_SEC_USER_AGENT = "Smart Money Tracker tests admin@example.com";

/** SEC job options the tests share: the local EDGAR for both hosts, tight limits, a short backoff. */
export function secTestOptions(edgarUrl: string) {
  return {
    userAgent: TEST_SEC_USER_AGENT,
    wwwBaseUrl: edgarUrl,
    dataBaseUrl: edgarUrl,
    maxBytes: 16 * 1024 * 1024,
    timeoutMs: 5000,
    backoffBaseMs: 5,
  };
}
