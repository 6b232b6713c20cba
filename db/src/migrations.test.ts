import { describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../test/support/db";
import { appliedMigrations, migrationJournal, openDb } from "./index";

describe.each(engines())("migrations on %s", (engine) => {
  it("applies every journal entry, and a second run applies nothing new", async () => {
    const handle = await openTestDb(engine);
    try {
      await handle.migrate();
      const journal = migrationJournal().map((e) => e.when);
      expect(journal.length).toBeGreaterThan(0);
      expect(await appliedMigrations(handle)).toEqual(journal);
      await handle.migrate();
      expect(await appliedMigrations(handle)).toEqual(journal);
    } finally {
      await handle.close();
    }
  });
});

describe.each(engines().filter((e) => e === "postgres"))("connections on %s", (engine) => {
  it("run without JIT, whatever the server's default (a compile costs ~50 ms per short trigger statement)", async () => {
    const { sql } = await import("drizzle-orm");
    const handle = await openTestDb(engine);
    try {
      expect(await handle.query<{ jit: string }>(sql`show jit`)).toEqual([{ jit: "off" }]);
    } finally {
      await handle.close();
    }
  });
});

describe("embedded database", () => {
  it("keeps accepted data across a restart of the same data folder", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { sql } = await import("drizzle-orm");
    const dir = mkdtempSync(join(tmpdir(), "smt-pglite-"));
    try {
      const first = await openDb({ dataDir: dir });
      await first.query(
        sql`insert into ingest_runs (id, kind, source, source_ref) values ('run-1', 'prints', 'test', 'restart.ndjson')`,
      );
      await first.close();
      const second = await openDb({ dataDir: dir });
      const rows = await second.query<{ id: string }>(sql`select id from ingest_runs`);
      await second.close();
      expect(rows.map((r) => r.id)).toEqual(["run-1"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
