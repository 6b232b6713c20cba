/**
 * The Market page's DIX chart in Debian's Chromium (playwright-core) against the real server: the whole
 * series comes from one request (`/dark-pool/dix/series`), not one request per day, and what the chart
 * shows is what that answer and the one-day route say. A basket of five symbols with generated demo
 * history (FINRA short volume and daily closes). Without /usr/bin/chromium the suite is skipped with a
 * printed reason, except under CI=true (as test/browser/dashboard-market.test.ts).
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/app";
import { CHROMIUM, CHROMIUM_ARGS, ensureClientBuilt } from "../support/chromium";

const BASKET = ["AAPL", "MSFT", "NVDA", "TSLA", "SPY"];
const inCi = process.env.CI === "true";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !inCi) console.warn(`[dix-chart] skipped: ${CHROMIUM} is not installed`);

interface Series {
  from: string;
  to: string;
  points: { date: string; dix: number; members_used: number }[];
}

describe.skipIf(!haveChromium && !inCi)("the DIX chart in Chromium", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing`);
    ensureClientBuilt();
    server = await startTestServer("pglite", { DIX_BASKET: BASKET.join(",") });
    for (const s of BASKET) {
      const res = await fetch(`${server.url}/smart-money/demo/${s}/generate-data?days=10`, {
        method: "POST",
      });
      expect(res.status, s).toBe(200);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  it("loads the chart from a single series request, showing the server's points", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      const page = await context.newPage();
      const dixRequests: string[] = [];
      page.on("request", (r) => {
        const url = new URL(r.url());
        if (url.pathname.startsWith("/smart-money/dark-pool/dix"))
          dixRequests.push(url.pathname + url.search);
      });
      await page.goto(`${server.url}/smart-money/dashboard/market`);
      const latest = page.locator('[data-testid="dix-latest"]');
      await latest.waitFor({ timeout: 15_000 });
      await page.locator('[data-testid="chart-dix"]').waitFor();
      // Let anything still queued go out before counting.
      await page.waitForLoadState("networkidle");
      expect(dixRequests).toHaveLength(1);
      expect(dixRequests[0]).toMatch(/^\/smart-money\/dark-pool\/dix\/series/);

      const res = await fetch(`${server.url}/smart-money/dark-pool/dix/series`);
      const series = (await res.json()) as Series;
      expect(series.points.length).toBeGreaterThan(5);
      const newest = series.points.at(-1) as Series["points"][number];
      expect(await latest.getAttribute("data-date")).toBe(newest.date);
      expect(Number(await latest.getAttribute("data-value"))).toBe(newest.dix);
      expect(await latest.textContent()).toContain(`${newest.members_used} of ${BASKET.length} members`);
      const day = (await (
        await fetch(`${server.url}/smart-money/dark-pool/dix?date=${newest.date}`)
      ).json()) as { dix: number };
      expect(day.dix).toBe(newest.dix);
    } finally {
      await context.close();
    }
  });
});
