import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { dumpPgliteTemplate, openDb } from "../../db/src/index";

/**
 * With DATABASE_URL set, migrates a template database once per run; each test file then clones it
 * (`CREATE DATABASE ... TEMPLATE`), so database tests never share mutable state. In CI a missing
 * DATABASE_URL is an error, not a skip.
 */
export default async function setup(project: TestProject) {
  // A migrated PGlite data directory, dumped once; each test database starts from a copy.
  const templatePath = join(tmpdir(), `smt-pglite-template-${process.pid}.tar`);
  const dump = await dumpPgliteTemplate();
  writeFileSync(templatePath, Buffer.from(await dump.arrayBuffer()));
  project.provide("pgliteTemplatePath", templatePath);
  const url = process.env.DATABASE_URL;
  if (!url) {
    if (process.env.CI === "true")
      throw new Error("CI=true but DATABASE_URL is not set: real Postgres tests cannot be skipped in CI");
    console.warn(
      "[tests] DATABASE_URL not set: database tests run on PGlite only (real Postgres tests skipped)",
    );
    project.provide("pgTemplateUrl", "");
    project.provide("pgRunId", "");
    return;
  }
  // Names carry this run's id so the teardown removes only this run's databases, never a parallel run's.
  const runId = `${process.pid}${Date.now().toString(36)}`;
  project.provide("pgRunId", runId);
  const template = `smt_tpl_${runId}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${template}`);
  const templateUrl = withDatabase(url, template);
  const handle = await openDb({ url: templateUrl });
  await handle.close();
  project.provide("pgTemplateUrl", templateUrl);
  return async () => {
    await admin.unsafe(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname like 'smt_t_${runId}_%' or datname = '${template}'`,
    );
    const clones = await admin<
      { datname: string }[]
    >`select datname from pg_database where datname like ${`smt_t_${runId}_%`}`;
    for (const { datname } of clones) await admin.unsafe(`drop database if exists ${datname}`);
    await admin.unsafe(`drop database if exists ${template}`);
    await admin.end();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

declare module "vitest" {
  export interface ProvidedContext {
    pgTemplateUrl: string;
    pgliteTemplatePath: string;
    pgRunId: string;
  }
}
