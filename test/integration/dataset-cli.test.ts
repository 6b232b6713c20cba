import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { INFOTABLE_COLUMNS, tsv, writeZip } from "../support/sec-fixtures";

const root = join(import.meta.dirname, "..", "..");
const run = promisify(execFile);

/** `pnpm cli ingest <kind> <file>` as a user runs it, on a private PGlite data folder. */
async function cli(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "server/src/cli.ts", ...args],
      {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "error", DEMO: "off" },
      },
    );
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe("pnpm cli ingest 13f-dataset with a local zip", () => {
  it("reads the zip in place and names it, never a temporary copy", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "smt-dataset-cli-"));
    const acc = "0009000000-25-000001";
    const good = join(dir, "2025q3_form13f.zip");
    writeZip(good, {
      "SUBMISSION.tsv": tsv(
        ["ACCESSION_NUMBER", "FILING_DATE", "CIK", "PERIODOFREPORT"],
        [[acc, "14-NOV-2025", "9000000", "30-SEP-2025"]],
      ),
      "COVERPAGE.tsv": tsv(["ACCESSION_NUMBER", "FILINGMANAGER_NAME"], [[acc, "MANAGER LLC"]]),
      "INFOTABLE.tsv": tsv(INFOTABLE_COLUMNS, [
        [acc, "1", "APPLE INC", "COM", "037833100", "", "100", "10", "SH", "", "SOLE", "", "10", "0", "0"],
      ]),
    });
    const broken = join(dir, "broken_form13f.zip");
    writeFileSync(broken, "this is not a zip");
    const dataDir = join(dir, "data");

    const ok = await cli(dataDir, "ingest", "13f-dataset", good);
    expect(ok.out).toContain(`${good}: 2 accepted, 0 duplicates, 0 rejected`);
    const bad = await cli(dataDir, "ingest", "13f-dataset", broken);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain(`${broken}: not a readable zip file`);
    expect(bad.out).not.toContain("smt-zip-");
  });
});
