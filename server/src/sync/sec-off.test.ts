import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, testEnv } from "../../../test/support/app";
import { createLogger } from "../lib/log";
import { sourceStatuses, statusMetrics, syncJobsFrom } from "./jobs";
import { SyncRunner } from "./runner";
import { SEC_CURRENT_SOURCE } from "./sec-current.job";
import { SEC_DATASETS_SOURCE } from "./sec-datasets.job";
import { SEC_TICKERS_SOURCE } from "./sec-tickers.job";

const root = join(import.meta.dirname, "..", "..", "..");
const run = promisify(execFile);

/** `pnpm cli ...` as a user runs it, with no SEC_USER_AGENT. */
async function cli(...args: string[]) {
  const env = {
    ...process.env,
    DATA_DIR: mkdtempSync(join(tmpdir(), "smt-sec-off-")),
    DATABASE_URL: "",
    SEC_USER_AGENT: "",
    LOG_LEVEL: "error",
  };
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "server/src/cli.ts", ...args],
      {
        cwd: root,
        env,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("SEC jobs without a declared SEC_USER_AGENT", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp("pglite", { SYNC: "on" });
  });
  afterAll(async () => {
    await t.close();
  });

  it("are off with the reason on /smart-money/sources and in the metrics; FINRA stays on", async () => {
    const res = await t.app.request("/smart-money/sources");
    expect(res.status).toBe(200);
    const { sources } = (await res.json()) as { sources: Record<string, unknown>[] };
    const by = new Map(sources.map((s) => [s.source, s]));
    for (const source of [SEC_CURRENT_SOURCE, SEC_TICKERS_SOURCE, SEC_DATASETS_SOURCE]) {
      expect(by.get(source)).toMatchObject({
        enabled: false,
        state: "off",
        next_run_at: null,
        disabled_reason: expect.stringMatching(/^SEC_USER_AGENT is not set/),
      });
    }
    expect(by.get("finra-regsho")).toMatchObject({ enabled: true });
    expect(by.get(SEC_CURRENT_SOURCE)).toMatchObject({
      schedule: "every 60 s, EDGAR business days 06:00-22:00 ET",
    });
    const metrics = statusMetrics(
      (await sourceStatuses(t.handle.db, syncJobsFrom(t.deps.env), Date.now())) as never,
    );
    expect(metrics.get(`smt_sync_enabled{source="${SEC_CURRENT_SOURCE}"}`)).toBe(0);
  });

  it("an address-less User-Agent is not a declaration; a declared one turns the jobs on", () => {
    const jobs = (ua: string) => syncJobsFrom(testEnv({ SYNC: "on", SEC_USER_AGENT: ua }));
    const current = (ua: string) => jobs(ua).find((j) => j.source === SEC_CURRENT_SOURCE);
    expect(current("python-requests/2.31")?.disabledReason).toMatch(/no contact e-mail address/);
    expect(current("Smart Money Tracker admin@example.com")?.disabledReason).toBeNull();
    // SYNC=off keeps the schedule off but the CLI (ignoreSwitches) may run a declared job...
    const cliJobs = syncJobsFrom(testEnv({ SYNC: "off", SEC_USER_AGENT: "Co admin@example.com" }), {
      ignoreSwitches: true,
    });
    expect(cliJobs.find((j) => j.source === SEC_CURRENT_SOURCE)?.disabledReason).toBeNull();
    // ...never an undeclared one.
    const undeclared = syncJobsFrom(testEnv({ SYNC: "off" }), { ignoreSwitches: true });
    expect(undeclared.find((j) => j.source === SEC_CURRENT_SOURCE)?.disabledReason).toMatch(/SEC_USER_AGENT/);
  });

  it("cannot be run now, by the runner or the CLI; `sync --list` shows them off with the reason", async () => {
    const runner = new SyncRunner({
      db: t.handle.db,
      jobs: syncJobsFrom(t.deps.env, { ignoreSwitches: true }),
      log: createLogger("silent"),
    });
    await expect(runner.runNow(SEC_CURRENT_SOURCE, {})).rejects.toThrow(
      /sec-current is off: SEC_USER_AGENT is not set/,
    );
    const list = await cli("sync", "--list");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^sec-current\s+off\s+every 60 s, EDGAR business days 06:00-22:00 ET$/m);
    expect(list.stdout).toMatch(/^sec-tickers\s+off\s+trading days at 05:30 ET$/m);
    expect(list.stdout).toMatch(/^sec-datasets\s+off\s+trading days at 07:15 ET$/m);
    expect(list.stdout).toMatch(/next run off: SEC_USER_AGENT is not set/);
    const now = await cli("sync", "sec-current");
    expect(now.code).toBe(1);
    expect(now.stderr).toMatch(/sec-current is off: SEC_USER_AGENT is not set/);
  });
});
