import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { engines } from "../../../test/support/db";
import { secSyncFixture, secTestOptions, TEST_SEC_USER_AGENT } from "../../../test/support/sec-sync-fixture";
import { EdgarClient, RateLimiter } from "../institutional/edgar.client";
import { fetchSec } from "../institutional/institutional.cli";
import { createLogger } from "../lib/log";
import { SyncRunner } from "./runner";
import { SEC_TICKERS_SOURCE, secTickersJob } from "./sec-tickers.job";
import { cikOfSymbol, parseCompanyTickers } from "./sec-tickers.store";
import { sourceState } from "./sync.store";

const log = createLogger("silent");
const UA = TEST_SEC_USER_AGENT;
const PATH = "/files/company_tickers.json";

type Entry = { cik_str: number; ticker: string; title: string };

describe.each(engines())("sec-tickers (company_tickers.json) on %s", (engine) => {
  const fx = secSyncFixture(engine, () => {
    original = fx.edgar.upstream.files.get(PATH) as Buffer;
    nowMs = Date.parse("2025-02-19T10:30:00Z");
  });
  let original: Buffer;
  let nowMs = Date.parse("2025-02-19T10:30:00Z"); // Wednesday 05:30 ET
  const run = async () => {
    const job = secTickersJob(secTestOptions(fx.edgar.url));
    const runner = new SyncRunner({ db: fx.handle.db, jobs: [job], log, clock: () => nowMs, owner: "n" });
    return (await runner.runNow(SEC_TICKERS_SOURCE, {})).outcome;
  };
  const stored = async () => {
    const [r] = await fx.handle.query<{ n: number; last: string }>(
      sql`select count(*)::int as n, max(ingested_at)::text as last from sec_company_tickers`,
    );
    return { n: Number(r?.n), last: r?.last };
  };
  const serve = (entries: Record<string, unknown>) =>
    fx.edgar.upstream.files.set(PATH, JSON.stringify(entries));

  it("stores the SEC's list (class shares in tape form), then writes nothing while the list is the same", async () => {
    const expected = parseCompanyTickers(original, "sample").rows.length;
    expect(expected).toBeGreaterThan(9000);
    const first = await run();
    expect(first.status).toBe("succeeded");
    expect(first.stats).toMatchObject({
      unchanged: 0,
      tickers: expected,
      added: expected,
      changed: 0,
      removed: 0,
    });
    expect((await stored()).n).toBe(expected);
    expect(await cikOfSymbol(fx.handle.db, "BRK-B")).toBe("0001067983");
    expect(await cikOfSymbol(fx.handle.db, "brk.b")).toBe("0001067983");
    expect(await cikOfSymbol(fx.handle.db, "MSFT")).toBe("0000789019");
    const before = await stored();
    nowMs += 86_400_000;
    const second = await run();
    expect(second.stats).toMatchObject({ unchanged: 1, tickers: expected });
    expect(await stored()).toEqual(before);
    expect(await sourceState(fx.handle.db, SEC_TICKERS_SOURCE)).toMatchObject({
      newestDataDate: "2025-02-20",
    });
  });

  it("`fetch sec --ticker` takes the CIK from the stored list instead of fetching the SEC's file", async () => {
    await run();
    fx.edgar.upstream.requests.length = 0;
    const client = new EdgarClient({
      userAgent: UA,
      cacheDir: null,
      wwwBaseUrl: fx.edgar.url,
      dataBaseUrl: fx.edgar.url,
      limiter: new RateLimiter(1000),
      maxRetries: 0,
    });
    // The fake has no submissions JSON: the command fails after the lookup, which is what is checked.
    await expect(fetchSec(fx.handle.db, client, { ticker: "BRK.B", forms: ["4"] })).rejects.toThrow(
      /HTTP 403/,
    );
    expect(fx.edgar.upstream.requests.map((r) => r.path)).toEqual(["/submissions/CIK0001067983.json"]);
  });

  it("applies a changed list as a snapshot: added, changed and removed tickers only", async () => {
    await run();
    const entries = JSON.parse(original.toString("utf8")) as Record<string, Entry>;
    const keys = Object.keys(entries);
    const removed = keys.slice(-10).map((k) => entries[k]?.ticker);
    for (const k of keys.slice(-10)) delete entries[k];
    (entries[keys[0] as string] as Entry).title = "MICROSOFT CORPORATION (renamed)";
    entries.new = { cik_str: 1234567, ticker: "NEWCO", title: "New Co" };
    serve(entries);
    nowMs += 86_400_000;
    const outcome = await run();
    expect(outcome.stats).toMatchObject({ added: 1, changed: 1, removed: 10 });
    expect(await cikOfSymbol(fx.handle.db, "NEWCO")).toBe("0001234567");
    expect(await cikOfSymbol(fx.handle.db, removed[0] as string)).toBeNull();
    const [msft] = await fx.handle.query<{ title: string }>(
      sql`select title from sec_company_tickers where symbol = 'MSFT'`,
    );
    expect(msft?.title).toBe("MICROSOFT CORPORATION (renamed)");
  });

  it("refuses a list that would remove most tickers, or one that is not JSON; bad entries are skipped and counted", async () => {
    await run();
    const before = await stored();
    const entries = JSON.parse(original.toString("utf8")) as Record<string, Entry>;
    serve(Object.fromEntries(Object.entries(entries).slice(0, 100)));
    nowMs += 86_400_000;
    const cut = await run();
    expect(cut.status).toBe("dead");
    expect(cut.error).toMatch(/lists 100 tickers where \d+ are stored: refused/);
    expect(await stored()).toEqual(before);
    fx.edgar.upstream.files.set(PATH, "<html>Service Unavailable</html>");
    expect((await run()).error).toMatch(/company_tickers\.json: not JSON/);
    entries.bad1 = { cik_str: -5, ticker: "BAD", title: "x" } as Entry;
    entries.bad2 = { cik_str: 42, ticker: "../../etc", title: "x" } as Entry;
    serve(entries);
    const outcome = await run();
    expect(outcome.stats).toMatchObject({ rejected: 2, added: 0, removed: 0 });
    expect(await cikOfSymbol(fx.handle.db, "BAD")).toBeNull();
  });
});
