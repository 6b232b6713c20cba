import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildTestApp } from "../../../test/support/app";
import { engines } from "../../../test/support/db";
import { parseDailyBars } from "../darkpool/bars.parse";
import { dailyBarsStore } from "../darkpool/finra.store";
import { loadEnv } from "../env";
import { etWallTimeToUtc } from "../lib/et-time";
import { runIngest } from "../lib/ingest";
import { type FakeFinraApi, rowsOfDownload, startFakeFinraApi } from "./finra-ats.fake-api";
import { FINRA_ATS_SOURCE, type FinraAtsOptions, finraAtsJob, latestPublishedWeek } from "./finra-ats.job";
import { sourceStatuses } from "./jobs";
import { SyncRunner } from "./runner";

/** The real OTC weekly download: OTC equities, the week of 2025-12-01, published 2025-12-29. */
const SAMPLE = readFileSync(
  new URL("../../../test/fixtures/finra/finra_otc_weekly_otc_20251229.psv", import.meta.url),
  "utf8",
);
const WEEK = "2025-12-01";
const sampleRows = rowsOfDownload(SAMPLE, {
  weekStartDate: WEEK,
  tierIdentifier: "OTCE",
  summaryTypeCode: "ATS_W_SMBL_FIRM",
});
/** Per-symbol rows (the parser skips the one firm total, whose symbol is empty). */
const symbolRows = sampleRows.filter((r) => r.issueSymbolIdentifier !== "");
const sharesOf = (symbol: string) =>
  symbolRows
    .filter((r) => r.issueSymbolIdentifier === symbol)
    .reduce((s, r) => s + Number(r.totalWeeklyShareQuantity), 0);
/** Monday 2025-12-29 12:00 New York: the OTC week of 2025-12-01 and the Tier 1 week of 2025-12-15 are out. */
const PUBLICATION_DAY_NOON = etWallTimeToUtc("2025-12-29", 12).getTime();

describe("ATS settings", () => {
  it("a tier FINRA does not have stops start-up with a message naming the variable", () => {
    expect(() => loadEnv({ FINRA_OTC_TIERS: "T1,T3" })).toThrow(/FINRA_OTC_TIERS/);
    expect(loadEnv({ FINRA_OTC_TIERS: "T1" }).FINRA_OTC_TIERS).toEqual(["T1"]);
    expect(loadEnv({}).FINRA_OTC_TIERS).toEqual(["T1", "T2", "OTCE"]);
  });
});

describe("ATS publication weeks", () => {
  it("Tier 1 is due two weeks after the week starts, other tiers four; a Monday holiday moves it a day", () => {
    expect(latestPublishedWeek(PUBLICATION_DAY_NOON, "T1")).toBe("2025-12-15");
    expect(latestPublishedWeek(PUBLICATION_DAY_NOON, "OTCE")).toBe("2025-12-01");
    expect(latestPublishedWeek(PUBLICATION_DAY_NOON, "T2")).toBe("2025-12-01");
    // Before 06:00 ET on the publication Monday the week is not out yet.
    expect(latestPublishedWeek(etWallTimeToUtc("2025-12-29", 5).getTime(), "T1")).toBe("2025-12-08");
    // Memorial Day 2025-05-26: the Tier 1 week of 2025-05-12 appears on Tuesday 2025-05-27.
    expect(latestPublishedWeek(etWallTimeToUtc("2025-05-26", 12).getTime(), "T1")).toBe("2025-05-05");
    expect(latestPublishedWeek(etWallTimeToUtc("2025-05-27", 7).getTime(), "T1")).toBe("2025-05-12");
  });

  it("runs on trading days at 07:00 and 12:00 New York time", () => {
    const job = finraAtsJob({
      baseUrl: "http://127.0.0.1:1",
      tiers: ["T1"],
      backfillWeeks: 1,
      maxBytes: 1,
      timeoutMs: 1,
    });
    // Sunday evening -> Monday 07:00 ET; after Monday noon -> Tuesday 07:00 (EST, UTC-5).
    expect(new Date(job.schedule.next(Date.parse("2025-12-28T23:00:00Z"))).toISOString()).toBe(
      "2025-12-29T12:00:00.000Z",
    );
    expect(new Date(job.schedule.next(Date.parse("2025-12-29T17:30:00Z"))).toISOString()).toBe(
      "2025-12-30T12:00:00.000Z",
    );
  });
});

describe.each(engines())("FINRA weekly ATS sync on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let api: FakeFinraApi;
  let nowMs = PUBLICATION_DAY_NOON;
  const options = (o: Partial<FinraAtsOptions> = {}): FinraAtsOptions => ({
    baseUrl: api.url,
    tiers: ["T1", "OTCE"],
    backfillWeeks: 4,
    maxBytes: 4 * 1024 * 1024,
    timeoutMs: 3000,
    pageRows: 1000,
    retryBaseMs: 5,
    ...o,
  });
  const run = (params: { since?: string; until?: string } = {}, o: Partial<FinraAtsOptions> = {}) =>
    new SyncRunner({
      db: t.handle.db,
      jobs: [finraAtsJob(options(o))],
      log: t.deps.log,
      clock: () => nowMs,
      owner: "node-a",
    }).runNow(FINRA_ATS_SOURCE, params);
  const stored = async () => {
    const rows = await t.handle.query<{ n: number; shares: number }>(
      sql`select count(*)::int as n, coalesce(sum(shares), 0)::float8 as shares from ats_weekly
          where week_start = ${WEEK} and tier = 'OTCE' and summary_type = 'ATS_W_SMBL_FIRM'`,
    );
    return { rows: Number(rows[0]?.n), shares: Number(rows[0]?.shares) };
  };
  const asked = () =>
    api.requests.map((r) => {
      const f = (r.body?.compareFilters ?? []) as { fieldName: string; fieldValue: string }[];
      const v = (n: string) => f.find((x) => x.fieldName === n)?.fieldValue;
      return `${v("weekStartDate")}:${v("tierIdentifier")}@${r.body?.offset}`;
    });

  beforeAll(async () => {
    t = await buildTestApp(engine);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    api = await startFakeFinraApi();
    api.datasets.set(`${WEEK}|OTCE|ATS_W_SMBL_FIRM`, sampleRows);
    for (const table of ["ats_weekly", "daily_bars", "sync_items", "sync_runs"])
      await t.handle.query(sql.raw(`delete from ${table}`));
    nowMs = PUBLICATION_DAY_NOON;
  });
  afterEach(async () => {
    await api.close();
  });

  it("backfills the due weeks of each tier; the published week lands page by page, the others are 'not published'", async () => {
    const { outcome } = await run();
    expect(outcome.status).toBe("succeeded");
    // Tier 1: weeks 11-24 .. 12-15 are due; OTC: 11-24 and 12-01 (12-08 is due 2026-01-05).
    expect(asked()).toEqual([
      "2025-11-24:T1@0",
      "2025-11-24:OTCE@0",
      "2025-12-01:T1@0",
      ...[0, 1000, 2000, 3000, 4000].map((o) => `2025-12-01:OTCE@${o}`),
      "2025-12-08:T1@0",
      "2025-12-15:T1@0",
    ]);
    expect(outcome.stats).toMatchObject({
      weeks: 6,
      stored: 1,
      not_published: 5,
      accepted: symbolRows.length,
    });
    const got = await stored();
    expect(got.rows).toBe(symbolRows.length);
    expect(got.shares).toBe(symbolRows.reduce((s, r) => s + Number(r.totalWeeklyShareQuantity), 0));
  });

  it("a re-run stores nothing new: the unpublished weeks are asked again, the stored one re-checked and unchanged", async () => {
    await run();
    api.requests.length = 0;
    const { outcome } = await run();
    expect(outcome.stats).toMatchObject({
      stored: 0,
      already: 1,
      not_published: 5,
      accepted: 0,
      rechecked: 1,
      revised: 0,
      unchanged: 1,
      summary: "stored 0 weeks, revised 0 weeks (1 re-checked)",
    });
    expect(asked().filter((a) => a.startsWith("2025-12-01:OTCE"))).toHaveLength(5);
    expect((await stored()).rows).toBe(symbolRows.length);
    // Re-checks off: the stored week is not asked again.
    api.requests.length = 0;
    await run({}, { recheckWeeks: 0 });
    expect(asked()).not.toContain("2025-12-01:OTCE@0");
  });

  it("a revised week replaces the stored one in one transaction: new figures, a dropped venue gone, no duplicates", async () => {
    await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    const [first, second] = symbolRows as [Record<string, string>, Record<string, string>];
    // FINRA re-publishes the week: the first venue's shares change, the second venue is no longer listed.
    const revised = sampleRows
      .filter((r) => r !== second)
      .map((r) =>
        r === first ? { ...r, totalWeeklyShareQuantity: "123456789", lastUpdateDate: "2026-01-05" } : r,
      );
    api.datasets.set(`${WEEK}|OTCE|ATS_W_SMBL_FIRM`, revised);
    const { outcome } = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    expect(outcome.stats).toMatchObject({ stored: 0, rechecked: 1, revised: 1, unchanged: 0 });
    expect(String(outcome.stats?.summary)).toMatch(/revised 1 weeks/);
    const got = await stored();
    expect(got.rows).toBe(symbolRows.length - 1);
    const expectedShares =
      symbolRows.reduce((s, r) => s + Number(r.totalWeeklyShareQuantity), 0) -
      Number(first.totalWeeklyShareQuantity) -
      Number(second.totalWeeklyShareQuantity) +
      123456789;
    expect(got.shares).toBe(expectedShares);
    const venue = (r: Record<string, string>) =>
      t.handle.query<{ shares: number }>(
        sql`select shares::float8 as shares from ats_weekly where week_start = ${WEEK}
            and symbol = ${r.issueSymbolIdentifier} and mpid = ${r.MPID}`,
      );
    expect((await venue(first)).map((r) => Number(r.shares))).toEqual([123456789]);
    expect(await venue(second)).toEqual([]);
    // The same answer again is unchanged: nothing written.
    const again = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    expect(again.outcome.stats).toMatchObject({ revised: 0, unchanged: 1, revised_accepted: 0 });
    expect((await stored()).rows).toBe(symbolRows.length - 1);
  });

  it("a revision answer that fails a check changes nothing: the stored week stays whole", async () => {
    await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    const before = await stored();
    api.datasets.set(
      `${WEEK}|OTCE|ATS_W_SMBL_FIRM`,
      sampleRows.map((r) => (r === symbolRows[3] ? { ...r, totalWeeklyShareQuantity: "-5" } : r)),
    );
    const { outcome } = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    expect(outcome.status).toBe("dead");
    expect(outcome.error).toMatch(/re-check/);
    expect(await stored()).toEqual(before);
  });

  it("a page cut short stores nothing for the week and fails the run; the next run stores it whole", async () => {
    api.faults.set(`${WEEK}|OTCE|2000`, { kind: "drop-rows", keep: 999, times: 1 });
    const first = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    expect(first.outcome.status).toBe("dead");
    expect(first.outcome.error).toMatch(/2025-12-01 OTCE @2000: 999 rows where Record-Total 4655 means 1000/);
    expect((await stored()).rows).toBe(0);
    const second = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    expect(second.outcome.status).toBe("succeeded");
    expect((await stored()).rows).toBe(symbolRows.length);
  });

  it("a 429 with Retry-After is waited out; the week then lands once", async () => {
    api.faults.set(`${WEEK}|OTCE|0`, { kind: "status", status: 429, times: 1, retryAfterS: 1 });
    const { outcome } = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    expect(outcome.status).toBe("succeeded");
    const first = api.requests.filter((r) => r.body?.offset === 0).map((r) => r.atMs);
    expect(first).toHaveLength(2);
    expect((first[1] as number) - (first[0] as number)).toBeGreaterThanOrEqual(900);
    expect((await stored()).rows).toBe(symbolRows.length);
  });

  it.each([
    [
      "a row of another week",
      `${sampleRows[0] ? Object.keys(sampleRows[0]).join("|") : ""}\nOTC|AABB|x|OTCX ECN|OTCX|1|1|2025-12-29|2025-11-24|OTCE|ATS_W_SMBL_FIRM`,
      /line 2: week "2025-11-24", asked for 2025-12-01/,
    ],
    ["a header without the asked columns", "a|b|c\n1|2|3", /header lacks tierDescription/],
  ])("hostile answer: %s stores nothing and names the problem", async (_name, body, error) => {
    api.faults.set(`${WEEK}|OTCE|0`, { kind: "body", body, times: 1 });
    const { outcome } = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    expect(outcome.status).toBe("dead");
    expect(outcome.error).toMatch(error);
    expect((await stored()).rows).toBe(0);
  });

  it("hostile answer: a body over the size limit or a hanging answer fails the week, nothing stored", async () => {
    const big = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"], maxBytes: 50_000 });
    expect(big.outcome.error).toMatch(/over the 50000-byte limit/);
    api.faults.set(`${WEEK}|OTCE|0`, { kind: "hang", times: 10 });
    const hung = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"], timeoutMs: 200 });
    expect(hung.outcome.error).toMatch(/no complete answer within 200 ms/);
    expect((await stored()).rows).toBe(0);
  });

  it("a range over the per-run limit is refused before anything is asked", async () => {
    const { outcome } = await run({ since: "2010-01-04" });
    expect(outcome.status).toBe("dead");
    expect(outcome.error).toMatch(/weeks asked for; one run takes at most 260/);
    expect(api.requests).toHaveLength(0);
  });

  it("status: late while a due tier is missing (lag from its due time), current once every due week is stored", async () => {
    await run();
    const late = (await sourceStatuses(t.handle.db, [finraAtsJob(options())], nowMs))[0];
    expect(late).toMatchObject({ state: "late", newest_data_date: WEEK, expected_data_date: "2025-12-15" });
    // The first missing item is Tier 1's week of 2025-11-24, due Monday 2025-12-08 06:00 ET.
    expect(late?.lag_seconds).toBe((nowMs - etWallTimeToUtc("2025-12-08", 6).getTime()) / 1000);
    const otcOnly = finraAtsJob(options({ tiers: ["OTCE"], backfillWeeks: 1 }));
    const current = (await sourceStatuses(t.handle.db, [otcOnly], nowMs))[0];
    expect(current).toMatchObject({ state: "current", newest_data_date: WEEK, lag_seconds: 0 });
    // A week later the next OTC week is due and not stored: late again.
    nowMs += 7 * 86_400_000;
    const week2 = (await sourceStatuses(t.handle.db, [otcOnly], nowMs))[0];
    expect(week2).toMatchObject({ state: "late", expected_data_date: "2025-12-08" });
  });

  it("when the week lands, the affected days' ATS share is re-read from it (computed at read time)", async () => {
    const symbol = "AABB";
    const days = ["2025-12-01", "2025-12-02", "2025-12-03", "2025-12-04", "2025-12-05"];
    const csv = `date,symbol,open,high,low,close,volume\n${days.map((d) => `${d},${symbol},1,1,1,1,1000000`).join("\n")}`;
    await runIngest({
      db: t.handle.db,
      kind: "bars",
      source: "bars_csv",
      sourceRef: "test",
      records: parseDailyBars(Readable.from([csv]), { sourceName: "bars.csv" }),
      insert: dailyBarsStore.insert,
    });
    const patterns = async () => {
      const res = await t.app.request(`/smart-money/dark-pool/${symbol}/patterns?days=5`);
      expect(res.status).toBe(200);
      return (await res.json()) as {
        days: { date: string; ats_share: number | null; ats_week_shares: number | null }[];
      };
    };
    const before = await patterns();
    expect(before.days.map((d) => d.date)).toEqual(days);
    expect(before.days.every((d) => d.ats_share === null)).toBe(true);
    await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    const after = await patterns();
    const expected = sharesOf(symbol) / 5_000_000;
    expect(expected).toBeGreaterThan(0);
    for (const d of after.days) {
      expect(d.ats_week_shares).toBe(sharesOf(symbol));
      expect(d.ats_share).toBeCloseTo(expected, 4);
    }
    // FINRA revises the week: the next run re-checks it and the days' ATS share follows the new figures.
    const revised = sampleRows.map((r) =>
      r.issueSymbolIdentifier === symbol
        ? { ...r, totalWeeklyShareQuantity: String(2 * Number(r.totalWeeklyShareQuantity)) }
        : r,
    );
    api.datasets.set(`${WEEK}|OTCE|ATS_W_SMBL_FIRM`, revised);
    const rerun = await run({ since: WEEK, until: WEEK }, { tiers: ["OTCE"] });
    expect(rerun.outcome.stats).toMatchObject({ revised: 1 });
    for (const d of (await patterns()).days) {
      expect(d.ats_week_shares).toBe(2 * sharesOf(symbol));
      expect(d.ats_share).toBeCloseTo(2 * expected, 4);
    }
  });
});
