/**
 * The dashboard's layout, live price chart, history (as-of) view, accessibility and request discipline,
 * in Debian's Chromium (playwright-core) against the real server over demo history and a real FINRA
 * Reg SHO file. Without /usr/bin/chromium the suite is skipped with a printed reason, except under CI=true.
 */

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateDemo } from "../../server/src/feeds/demo";
import { servicePlugins } from "../../server/src/plugins";
import { startTestServer } from "../support/app";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"];
const ROOT = join(import.meta.dirname, "..", "..");
/** The only 2021-01 FINRA CNMS file in the samples is the 28th (there is no 20210129 file). */
const FINRA_FILE = "/work/shared/samples/finra_regsho/CNMSshvol20210128.txt";
const SIZES = [
  { width: 390, height: 844 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
] as const;
const inCi = process.env.CI === "true";
const haveChromium = existsSync(CHROMIUM);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** GME's line of the FINRA file, read independently of the server's parser: short / total volume. */
function gmeShortRatio(): { date: string; ratio: number } {
  const line = readFileSync(FINRA_FILE, "utf8")
    .split("\n")
    .find((l) => l.split("|")[1] === "GME");
  if (!line) throw new Error("GME missing from the FINRA sample");
  const [date, , shortVolume, , totalVolume] = line.split("|");
  return {
    date: `${date!.slice(0, 4)}-${date!.slice(4, 6)}-${date!.slice(6, 8)}`,
    ratio: Number(shortVolume) / Number(totalVolume),
  };
}

describe.skipIf(!haveChromium && !inCi)("dashboard views in Chromium", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let context: BrowserContext | null = null;
  let consoleErrors: string[] = [];
  let notFound: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`CI=true but ${CHROMIUM} is missing`);
    if (!existsSync(join(ROOT, "client", "dist", "index.html"))) {
      const build = spawnSync("pnpm", ["--filter", "@smt/client", "build"], { cwd: ROOT, stdio: "inherit" });
      if (build.status !== 0) throw new Error("client build failed");
    }
    server = await startTestServer("pglite", {}, servicePlugins);
    const { db } = server.deps.db;
    for (const symbol of ["AAPL", "MSFT"]) {
      await generateDemo({ db, pipeline: server.deps.pipeline, symbol, days: 10, printsPerDay: 150 });
    }
    const res = await fetch(`${server.url}/smart-money/ingest/short-volume?name=CNMSshvol20210128.txt`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: readFileSync(FINRA_FILE),
    });
    expect(res.status).toBe(200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  afterEach(async () => {
    await context?.close();
    context = null;
  });

  const newPage = async (size: { width: number; height: number } = SIZES[1]): Promise<Page> => {
    context = await browser.newContext({ viewport: size });
    const page = await context.newPage();
    consoleErrors = [];
    notFound = [];
    page.on("response", (r) => {
      if (r.status() === 404) notFound.push(new URL(r.url()).pathname);
    });
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    page.on("pageerror", (e) => consoleErrors.push(`uncaught: ${e.message}`));
    return page;
  };

  /** Console errors, except the browser's notes on the 13F 404s of a symbol without a CUSIP mapping. */
  const unexpectedErrors = () => {
    const only13f = notFound.every((u) => /^\/smart-money\/institutional\/[A-Z]+\/(holders|flow)$/.test(u));
    return consoleErrors.filter((e) => !(only13f && /status of 404/.test(e)));
  };

  /** Opens a dashboard path (`symbol/AAPL`, `market`, ...). */
  const open = async (page: Page, path: string) => {
    await page.goto(`${server.url}/smart-money/dashboard/${path}`);
    await page.locator('[data-testid="dashboard"][data-state="ready"]').waitFor({ timeout: 15_000 });
  };

  const upload = async (lines: object[], name: string) => {
    const res = await fetch(`${server.url}/smart-money/ingest/prints?name=${name}`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body: lines.map((l) => JSON.stringify(l)).join("\n"),
    });
    expect(res.status).toBe(200);
  };

  for (const size of SIZES) {
    it(`holds its layout at ${size.width}x${size.height}: no sideways page scroll, tables inside their cards, demo banner`, async () => {
      const page = await newPage(size);
      await open(page, "symbol/AAPL");
      await page.locator('[data-testid="top-holders"]').waitFor({ timeout: 10_000 });
      await page.locator('[data-testid="blocks-table"]').waitFor({ timeout: 10_000 });
      // Every section fully rendered, including the details behind the metric cards.
      await page.locator('[data-testid="metric-smi-card"]').click();
      await page.locator('[data-testid="components-table"]').waitFor();
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth,
        tables: [...document.querySelectorAll("table")]
          .filter((t) => t.getClientRects().length > 0)
          .map((t) => {
            const card = t.closest("section, .components, .card") ?? document.body;
            const box = (t.closest(".table-wrap") ?? t).getBoundingClientRect();
            const c = card.getBoundingClientRect();
            return {
              table: t.dataset.testid ?? t.querySelector("caption")?.textContent ?? "table",
              left: box.left,
              right: box.right,
              cardLeft: c.left,
              cardRight: c.right,
            };
          }),
      }));
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
      expect(layout.tables.length).toBeGreaterThanOrEqual(4);
      for (const t of layout.tables) {
        expect(t.left, t.table).toBeGreaterThanOrEqual(t.cardLeft - 0.5);
        expect(t.right, t.table).toBeLessThanOrEqual(t.cardRight + 0.5);
      }
      // Demo rows are stored for AAPL: the page says so, and the feed badge is not a green "live".
      expect(await page.locator('[data-testid="demo-banner"]').isVisible()).toBe(true);
      expect(await page.locator('[data-testid="connection-indicator"]').getAttribute("data-feed")).toBe(
        "simulated",
      );
      expect(unexpectedErrors()).toEqual([]);
    });
  }

  it("moves the price chart when a live print arrives", async () => {
    const page = await newPage();
    await open(page, "symbol/AAPL");
    const chart = page.locator('[data-testid="chart-price"]');
    await expect.poll(async () => Number(await chart.getAttribute("data-points"))).toBeGreaterThan(0);
    await expect
      .poll(() => page.locator('[data-testid="connection-indicator"]').getAttribute("data-state"))
      .toBe("connected");
    const before = Number(await chart.getAttribute("data-points"));
    await upload(
      [{ symbol: "AAPL", timestamp: new Date().toISOString(), price: 177.7777, size: 777 }],
      "price-chart.ndjson",
    );
    await expect.poll(() => chart.getAttribute("data-last-price"), { timeout: 2_000 }).toBe("177.7777");
    expect(Number(await chart.getAttribute("data-points"))).toBe(before + 1);
    expect(unexpectedErrors()).toEqual([]);
  });

  it("shows the FINRA short ratio of GME for 2021-01-28 through the as-of picker, and in a shared URL", async () => {
    const gme = gmeShortRatio();
    const expected = `${(gme.ratio * 100).toFixed(1)}%`;
    const page = await newPage();
    await open(page, "symbol/GME");
    await page.locator('[data-testid="as-of-input"]').fill(gme.date);
    await page.locator('[data-testid="as-of-apply"]').click();
    const latest = page.locator('[data-testid="short-ratio-latest"]');
    await expect.poll(() => latest.getAttribute("data-date"), { timeout: 10_000 }).toBe(gme.date);
    expect(await latest.textContent()).toContain(expected);
    expect(new URL(page.url()).searchParams.get("as_of")).toBe(gme.date);
    expect(await page.locator('[data-testid="as-of-banner"]').isVisible()).toBe(true);
    // The URL alone reproduces the view.
    const shared = page.url();
    const other = await page.context().newPage();
    await other.goto(shared);
    const again = other.locator('[data-testid="short-ratio-latest"]');
    await expect.poll(() => again.getAttribute("data-date"), { timeout: 10_000 }).toBe(gme.date);
    expect(await again.textContent()).toContain(expected);
    expect(await other.locator('[data-testid="as-of-input"]').inputValue()).toBe(gme.date);
  });

  it("passes an axe-core check with no serious or critical violations", async () => {
    const page = await newPage();
    await open(page, "symbol/AAPL");
    await page.locator('[data-testid="top-holders"]').waitFor({ timeout: 10_000 });
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(o: object): Promise<{ violations: unknown[] }> } }).axe;
      const result = await axe.run({ runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] } });
      return (result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[]).map(
        (v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }),
      );
    });
    expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
  });

  it("makes one request per endpoint on a symbol switch", async () => {
    const page = await newPage();
    await open(page, "symbol/AAPL");
    await page.locator('[data-testid="top-holders"]').waitFor({ timeout: 10_000 });
    const requests: string[] = [];
    page.on("request", (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith("/smart-money/") && !path.startsWith("/smart-money/dashboard")) requests.push(path);
    });
    // Typed and entered at once: the typeahead's debounced request is cancelled, so no /symbols call.
    await page.locator('[data-testid="symbol-input"]').fill("MSFT");
    await page.locator('[data-testid="symbol-input"]').press("Enter");
    await page.locator('[data-testid="dashboard"][data-symbol="MSFT"][data-state="ready"]').waitFor();
    await page.locator('[data-testid="institutional-section"][data-state="ready"]').waitFor();
    // Let anything that would be sent twice be sent.
    await page.waitForTimeout(1_500);
    const counts = new Map<string, number>();
    for (const r of requests) counts.set(r, (counts.get(r) ?? 0) + 1);
    expect(requests.length).toBeGreaterThanOrEqual(7);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
    expect([...counts.keys()].every((p) => p.includes("/MSFT"))).toBe(true);
  });

  it("explains an invalid symbol in a (legacy) URL and in the search box", async () => {
    const page = await newPage();
    await page.goto(`${server.url}/smart-money/dashboard?symbol=${encodeURIComponent("AAPL!!")}`);
    const message = page.locator('[data-testid="invalid-symbol"]');
    await message.waitFor({ timeout: 10_000 });
    expect(await message.textContent()).toContain('"AAPL!!" is not a ticker symbol');
    await page.locator('[data-testid="symbol-input"]').fill("AAPL!!");
    // The box explains a query the search endpoint refuses, without asking it (no 400 in the console).
    const note = page.locator('[data-testid="symbol-search-note"]');
    await note.filter({ hasText: "Not searchable" }).waitFor();
    await page.waitForTimeout(300); // past the typeahead's 150 ms debounce: a request would have gone out
    await page.locator('[data-testid="symbol-input"]').press("Enter");
    await page.locator('[data-testid="symbol-problem"]').waitFor();
    expect(unexpectedErrors()).toEqual([]);
  });
});
