import { execFile } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { INGEST_KIND_NAMES } from "../../server/src/ingest/registry";

const root = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), "smt-cli-help-"));

/** `pnpm cli ...` as a user runs it, on an empty data folder. */
async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "server/src/cli.ts", ...args],
      {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "error" },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("pnpm cli help", () => {
  it("lists every command and every ingest kind", async () => {
    const help = await cli("--help");
    expect(help.code).toBe(0);
    for (const command of ["ingest", "replay", "demo", "migrate", "backtest", "fetch", "help"])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
    expect(help.stdout).toContain(`Kinds: ${INGEST_KIND_NAMES.join(", ")}`);
    expect(INGEST_KIND_NAMES).toEqual(
      expect.arrayContaining(["prints", "options", "13f", "form4", "securities"]),
    );
    // No command: the help text, as a usage error.
    expect((await cli()).code).toBe(2);
  });

  it("prints a command's usage for <command> --help without running it", async () => {
    for (const command of ["ingest", "replay", "demo", "migrate", "backtest", "fetch"]) {
      const help = await cli(command, "--help");
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: pnpm cli ${command}`));
    }
    // `migrate --help` did not open (and so create) the database.
    expect(existsSync(join(dataDir, "pglite"))).toBe(false);
  });

  it("answers an unknown command or kind with a usage error", async () => {
    const unknown = await cli("bogus");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "bogus"');
    const kind = await cli("ingest", "nope", "x");
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain(`unknown kind "nope"; one of ${INGEST_KIND_NAMES.join(", ")}`);
  });
});
