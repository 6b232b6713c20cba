import { readFileSync } from "node:fs";
import { type DbHandle, openDb } from "@smt/db";
import postgres from "postgres";
import { inject } from "vitest";
import { withDatabase } from "./global-setup";

export type Engine = "pglite" | "postgres";

/**
 * The engines database tests run on: PGlite always, real Postgres when DATABASE_URL is set (always in
 * CI, where global setup refuses to run without it). Use with `describe.each(engines())`.
 */
export function engines(): Engine[] {
  return inject("pgTemplateUrl") ? ["pglite", "postgres"] : ["pglite"];
}

let counter = 0;

/** A freshly migrated database of this test file's own; `close()` drops it. */
export async function openTestDb(engine: Engine): Promise<DbHandle & { url?: string }> {
  if (engine === "pglite") {
    const template = new Blob([readFileSync(inject("pgliteTemplatePath"))]);
    // The template is already migrated; migrate() still runs to prove there is nothing left to apply.
    return openDb({ dataDir: "memory://", pgliteTemplate: template });
  }
  const templateUrl = inject("pgTemplateUrl");
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `smt_t_${inject("pgRunId")}_${process.pid}_${counter++}`;
  const admin = postgres(templateUrl.replace(`/${template}`, "/postgres"), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(templateUrl, name);
  const handle = await openDb({ url, migrate: false });
  return {
    ...handle,
    url,
    async close() {
      await handle.close();
      const dropper = postgres(templateUrl.replace(`/${template}`, "/postgres"), {
        max: 1,
        onnotice: () => {},
      });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
