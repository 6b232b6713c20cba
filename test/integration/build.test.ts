/**
 * `pnpm build` output as production runs it: plain `node` on server/dist/main.js (no tsx), with the
 * workspace package @smt/db bundled in, migrations, the shipped S&P 500 list and the CLI all found from the
 * bundle's location.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer, type NodeProcess, spawnNode } from "../support/processes";

const runCli = (cli: string, args: string[], env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [cli, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );

describe("the built server (node server/dist/main.js)", () => {
  let build: Awaited<ReturnType<typeof buildServer>>;
  let node: NodeProcess;
  const dataDir = mkdtempSync(join(tmpdir(), "smt-built-"));

  beforeAll(async () => {
    build = await buildServer();
    node = await spawnNode(
      { DATA_DIR: dataDir, DATABASE_URL: "", REDIS_URL: "", DEMO: "off" },
      { entry: build.main },
    );
  });

  afterAll(async () => {
    await node?.stop();
    build?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs under plain node: migrates a fresh database, stores and serves a print", async () => {
    expect(node.proc.spawnargs).not.toContain("tsx");
    const health = await (await fetch(`${node.url}/health`)).json();
    expect(health).toMatchObject({ status: "ok", database: { engine: "pglite", reachable: true } });

    const body = `${JSON.stringify({ symbol: "BUILT", timestamp: new Date().toISOString(), price: 10, size: 500, id: "b-1" })}\n`;
    const res = await fetch(`${node.url}/smart-money/ingest/prints?name=built.ndjson`, {
      method: "POST",
      body,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const prints = (await (await fetch(`${node.url}/smart-money/dark-pool/BUILT/prints`)).json()) as {
      prints: { size: number }[];
    };
    expect(prints.prints.map((p) => p.size)).toEqual([500]);
  });

  it("finds the shipped S&P 500 list next to its source (server/data)", async () => {
    const res = await fetch(`${node.url}/smart-money/dark-pool/dix`);
    // No FINRA data is loaded, so the DIX is refused for coverage, over the full basket read from the file.
    const body = (await res.json()) as {
      error: { code: string; details: { coverage: { members: number } } };
    };
    expect(body.error.code).toBe("INSUFFICIENT_COVERAGE");
    expect(body.error.details.coverage.members).toBeGreaterThanOrEqual(500);
  });

  it("ships the CLI as server/dist/cli.js: help, and migrate on a fresh folder", async () => {
    const help = await runCli(build.cli, ["help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: pnpm cli");
    const fresh = mkdtempSync(join(tmpdir(), "smt-built-migrate-"));
    try {
      const migrate = await runCli(build.cli, ["migrate"], { DATA_DIR: fresh, DATABASE_URL: "" });
      expect(migrate.code, migrate.stderr).toBe(0);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
