/**
 * The dashboard's Sources panel in Debian's Chromium (playwright-core) against the real server with
 * scheduled sync switched on (its runner not started: no plugin, so nothing reaches FINRA). FINRA Reg SHO
 * is synced once through the real job from a local CDN holding only the real 2021-01-04 file, so the
 * source is years behind: the panel must show it late, with the lag and newest date the API reports.
 * Without /usr/bin/chromium the suite is skipped with a printed reason, except under CI=true.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINRA_REGSHO_SOURCE } from "../../server/src/sync/finra-regsho.job";
import { syncJobsFrom } from "../../server/src/sync/jobs";
import { SyncRunner } from "../../server/src/sync/runner";
import { type FakeUpstream, startFakeUpstream } from "../../server/src/sync/test-upstream";
import { startTestServer } from "../support/app";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = join(import.meta.dirname, "..", "..");
const inCi = process.env.CI === "true";
const haveChromium = existsSync(CHROMIUM);

interface SourcesBody {
  sources: { source: string; state: string; newest_data_date: string | null; lag_seconds: number | null }[];
}

describe.skipIf(!haveChromium && !inCi)("Sources panel in Chromium", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let upstream: FakeUpstream;
  let browser: Browser;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing`);
    if (!existsSync(join(ROOT, "client", "dist", "index.html"))) {
      const build = spawnSync("pnpm", ["--filter", "@smt/client", "build"], { cwd: ROOT, stdio: "inherit" });
      if (build.status !== 0) throw new Error("client build failed");
    }
    upstream = await startFakeUpstream();
    upstream.files.set(
      "/equity/regsho/daily/CNMSshvol20210104.txt",
      readFileSync(join(ROOT, "test/fixtures/finra/CNMSshvol20210104.txt")),
    );
    const env = { SYNC: "on", FINRA_REGSHO_BASE_URL: `${upstream.url}/equity/regsho/daily` };
    server = await startTestServer("pglite", env, []);
    const runner = new SyncRunner({
      db: server.deps.db.db,
      jobs: syncJobsFrom(server.deps.env),
      log: server.deps.log,
    });
    const { outcome } = await runner.runNow(FINRA_REGSHO_SOURCE, {
      since: "2021-01-04",
      until: "2021-01-04",
    });
    expect(outcome.stats).toMatchObject({ stored: 1 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
    await upstream?.close();
  });

  it("shows a late source as late, with the API's newest date and lag; a source without a key as off", async () => {
    const api = (await (await fetch(`${server.url}/smart-money/sources`)).json()) as SourcesBody;
    const regsho = api.sources.find((s) => s.source === FINRA_REGSHO_SOURCE);
    expect(regsho).toMatchObject({ state: "late", newest_data_date: "2021-01-04" });
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/smart-money/dashboard`);
    const row = page.locator(`[data-testid="source-row"][data-source="${FINRA_REGSHO_SOURCE}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute("data-state")).toBe("late");
    expect((await row.locator('[data-testid="source-state"]').textContent())?.trim()).toBe("late");
    expect((await row.locator('[data-testid="source-newest"]').textContent())?.trim()).toBe("2021-01-04");
    const lag = row.locator('[data-testid="source-lag"]');
    // The page may have read the status a moment after the test did: the lag only grew.
    expect(Number(await lag.getAttribute("data-lag-seconds"))).toBeGreaterThanOrEqual(
      regsho?.lag_seconds ?? 0,
    );
    expect((await lag.textContent())?.trim()).toMatch(/^\d+ d behind$/);
    const bars = page.locator('[data-testid="source-row"][data-source="vendor-bars"]');
    expect(await bars.getAttribute("data-state")).toBe("off");
    expect(await bars.textContent()).toContain("POLYGON_API_KEY");
    expect(await page.locator('[data-testid="sources-summary"]').textContent()).toMatch(/1 late/);
    expect(errors).toEqual([]);
    mkdirSync(join(ROOT, "test", "artifacts"), { recursive: true });
    await page
      .locator('[data-testid="sources-panel"]')
      .screenshot({ path: join(ROOT, "test/artifacts/sources-panel.png") });
    await context.close();
  });
});
