/**
 * Truth of the smart-money indices' inputs (issue 10.12, 10.13, 10.17): real FINRA and Form 4 samples are
 * loaded through the product on each engine, and the figures the API returns are compared with ones
 * computed here from the raw files with this test's own tiny parsing (pipe-split lines, regular
 * expressions over the Form 4 XML), never the project's parsers or formulas.
 */
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemo } from "../../server/src/feeds/demo";
import { ingestForm4 } from "../../server/src/institutional/institutional.ingest";
import { type Answer, api, buildTestApp, ok, upload } from "../support/app";
import { engines } from "../support/db";

const fixture = (path: string) => new URL(`../fixtures/${path}`, import.meta.url);
const SHORT_FILES = [
  "finra/CNMSshvol20210104.txt",
  "analytics/CNMSshvol20210125.txt",
  "analytics/CNMSshvol20210126.txt",
  "analytics/CNMSshvol20210127.txt",
  "analytics/CNMSshvol20210128.txt",
];
const AIR = "sec/0001127602-25-001055_AIR_form4_full_submission.txt";
const SNOW = "sec/form4_SNOW_Scarpelli_2022-12-13.xml";

/** ShortVolume / TotalVolume of one symbol's row in a raw CNMS file. */
function rawShortRatio(path: string, symbol: string): number {
  const row = readFileSync(fixture(path), "utf8")
    .split(/\r?\n/)
    .map((l) => l.split("|"))
    .find((f) => f[1] === symbol);
  if (!row) throw new Error(`${symbol} not in ${path}`);
  return Number(row[2]) / Number(row[4]);
}

interface RawTrade {
  code: string;
  shares: number;
  ownedAfter: number;
}

/** The non-derivative transactions of a raw Form 4 document, and its 10b5-1 flag. */
function rawForm4(path: string): { trades: RawTrade[]; planned: boolean } {
  const xml = readFileSync(fixture(path), "latin1");
  const table = xml.slice(xml.indexOf("<nonDerivativeTable>"), xml.indexOf("</nonDerivativeTable>"));
  const value = (block: string, tag: string) =>
    Number(new RegExp(`<${tag}>\\s*<value>([^<]+)</value>`).exec(block)?.[1]);
  const trades = [...table.matchAll(/<nonDerivativeTransaction>([\s\S]*?)<\/nonDerivativeTransaction>/g)].map(
    (m) => {
      const block = m[1] as string;
      return {
        code: /<transactionCode>([^<]+)</.exec(block)?.[1] as string,
        shares: value(block, "transactionShares"),
        ownedAfter: value(block, "sharesOwnedFollowingTransaction"),
      };
    },
  );
  const flag = /<aff10b5One>([^<]+)</.exec(xml)?.[1];
  return { trades, planned: flag === "1" || flag === "true" };
}

/**
 * The methodology's insider signal, written out again from the doc: each sale sized against the holding
 * before it, x 0.5 (x 0.5 again if planned), each purchase against the holding after it; net / 0.5.
 */
function expectedInsiderSignal(path: string): { signal: number; soldShare: number } {
  const { trades, planned } = rawForm4(path);
  let bought = 0;
  let sold = 0;
  let weightedSold = 0;
  for (const t of trades) {
    if (t.code === "P") bought += t.shares / t.ownedAfter;
    if (t.code === "S") {
      const r = t.shares / (t.ownedAfter + t.shares);
      sold += r;
      weightedSold += 0.5 * (planned ? 0.5 : 1) * r;
    }
  }
  return { signal: Math.max(-1, Math.min(1, (bought - weightedSold) / 0.5)), soldShare: sold };
}

type IndicatorsEndpoint = ReturnType<typeof api>["analytics"][":symbol"]["indicators"];
type Indicators = Answer<Awaited<ReturnType<IndicatorsEndpoint["$get"]>>>;
type Component = Indicators["components"]["smart_money_index"][number];

describe.each(engines())("analytics inputs against the raw FINRA and Form 4 samples on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const indicators = (symbol: string, as_of: string) =>
    ok(api(t.app).analytics[":symbol"].indicators.$get({ param: { symbol }, query: { as_of } }));
  const insiderSentiment = (symbol: string, as_of: string) =>
    ok(
      api(t.app).institutional[":symbol"]["insider-sentiment"].$get({ param: { symbol }, query: { as_of } }),
    );
  const component = (ind: Indicators, name: string) =>
    ind.components.smart_money_index.find((c) => c.name === name) as Component;

  beforeAll(async () => {
    t = await buildTestApp(engine);
    for (const path of SHORT_FILES) {
      const name = path.split("/").at(-1) as string;
      const res = upload(t.app, "short-volume", readFileSync(fixture(path)), "text/plain", { name });
      expect(await ok(res)).toMatchObject({ rejected: 0 });
    }
    async function* stream(path: string) {
      yield readFileSync(fixture(path), "latin1");
    }
    expect(await ingestForm4(t.handle.db, stream(AIR), "air.txt")).toMatchObject({ accepted: 1 });
    expect(
      await ingestForm4(t.handle.db, stream(SNOW), "snow.xml", {
        accession: "0001209191-22-063158",
        filedDate: "2022-12-15",
      }),
    ).toMatchObject({ rejected: 0 });
  });
  afterAll(async () => t.close());

  it("sizes AIR's $100k officer sale against his holding: about -0.04, not -1, in both endpoints", async () => {
    const { signal, soldShare } = expectedInsiderSignal(AIR);
    // 1,500 shares sold, 37,565 kept.
    expect(soldShare).toBeCloseTo(1_500 / 39_065, 12);
    const asOf = "2025-02-01T00:00:00Z";
    const sentiment = await insiderSentiment("AIR", asOf);
    expect(sentiment.score).toBeCloseTo(100 * signal, 2);
    expect(sentiment.score_components.sell_holding_share).toBeCloseTo(soldShare, 12);
    const ind = await indicators("AIR", asOf);
    const insider = component(ind, "insider");
    expect(insider.excluded_reason).toBeNull();
    expect(insider.normalized).toBeCloseTo(signal, 4);
    expect(insider.normalized).toBeCloseTo(sentiment.score / 100, 4);
    // One transaction of the 5 that make a full sample: sqrt(1/5).
    expect(insider).toMatchObject({ observations: 1, horizon_days: 90 });
    expect(insider.sample_factor).toBeCloseTo(Math.sqrt(1 / 5), 4);
  });

  it("reads the SNOW CFO's five sales of ~94% of his shares as one formula in both endpoints", async () => {
    const { signal } = expectedInsiderSignal(SNOW);
    const asOf = "2022-12-31T00:00:00Z";
    const sentiment = await insiderSentiment("SNOW", asOf);
    expect(sentiment.score).toBeCloseTo(100 * signal, 2);
    const ind = await indicators("SNOW", asOf);
    expect(component(ind, "insider").normalized).toBeCloseTo(signal, 4);
    // The only input: SMI 50 + 50 x signal, and a confidence that says how little that is.
    expect(ind.confidence.level).toBe("low");
  });

  it("takes GME's short-volume ratio from the raw CNMS row and counts its baseline days", async () => {
    const ind = await indicators("GME", "2021-01-29T00:00:00Z");
    const sv = component(ind, "short_volume");
    expect(sv.value).toBeCloseTo(rawShortRatio("analytics/CNMSshvol20210128.txt", "GME"), 12);
    // The earlier files with a GME row (2021-01-04, 25, 26, 27): fewer than the 5 a baseline needs.
    const earlier = SHORT_FILES.slice(0, -1).filter((p) =>
      readFileSync(fixture(p), "utf8").includes("|GME|"),
    );
    expect(earlier).toHaveLength(4);
    expect(sv).toMatchObject({
      observations: earlier.length,
      excluded_reason: "no_baseline",
      horizon_days: 1,
    });
    expect(sv.parts.trailing_average_ratio).toBeNull();
  });
});

describe.each(engines())("no print counts twice in the SMI on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const AS_OF = new Date("2025-06-06T20:30:00Z");

  beforeAll(async () => {
    t = await buildTestApp(engine);
    await generateDemo({
      db: t.handle.db,
      pipeline: t.deps.pipeline,
      symbol: "DCOR",
      days: 3,
      printsPerDay: 600,
      now: AS_OF,
    });
  });
  afterAll(async () => t.close());

  it("reads dark_pool over the non-block prints and block_flow over the blocks, from the stored prints", async () => {
    const rows = await t.handle.query<{
      ts: string | Date;
      is_off_exchange: boolean;
      block_eligible: boolean;
      value_usd: number;
      size: number;
      sentiment: string;
      correction: number;
    }>(
      sql`select ts, is_off_exchange, block_eligible, value_usd, size, sentiment, correction from prints where symbol = 'DCOR'`,
    );
    // The flow window: the New York day of the newest off-exchange print.
    const etDay = (ts: string | Date) =>
      new Date(ts).toLocaleDateString("en-CA", { timeZone: "America/New_York" });
    const off = rows.filter((r) => r.is_off_exchange && Number(r.correction) < 7);
    const newest = off.map((r) => new Date(r.ts).getTime()).reduce((a, b) => Math.max(a, b));
    const day = off.filter((r) => etDay(r.ts) === etDay(new Date(newest)));
    const isBlock = (r: (typeof day)[number]) => r.block_eligible && Number(r.value_usd) >= 1_000_000;
    const blocks = day.filter(isBlock);
    const nonBlock = day.filter((r) => !isBlock(r));
    expect(blocks.length).toBeGreaterThan(0);
    const vol = (xs: typeof day, s: string) =>
      xs.filter((r) => r.sentiment === s).reduce((a, r) => a + Number(r.size), 0);
    const classified = nonBlock.filter((r) => r.sentiment !== "unknown").length;

    const ind = await ok(
      api(t.app).analytics[":symbol"].indicators.$get({
        param: { symbol: "DCOR" },
        query: { as_of: AS_OF.toISOString() },
      }),
    );
    const dp = ind.components.smart_money_index.find((c) => c.name === "dark_pool") as Component;
    const bf = ind.components.smart_money_index.find((c) => c.name === "block_flow") as Component;
    expect(dp.parts.non_block_bullish_volume).toBe(vol(nonBlock, "bullish"));
    expect(dp.parts.non_block_bearish_volume).toBe(vol(nonBlock, "bearish"));
    expect(dp.parts.non_block_neutral_volume).toBe(vol(nonBlock, "neutral"));
    expect(dp.parts.non_block_unclassified_volume).toBe(vol(nonBlock, "unknown"));
    expect(dp.observations).toBe(classified);
    expect(dp.sample_factor).toBeCloseTo(Math.min(1, Math.sqrt(classified / 100)), 4);
    const bull = vol(nonBlock, "bullish");
    const bear = vol(nonBlock, "bearish");
    expect(dp.value).toBeCloseTo((bull - bear) / (bull + bear + vol(nonBlock, "neutral")), 12);
    expect(bf.parts.block_count).toBe(blocks.length);
    expect(bf.observations).toBe(blocks.length);
  });
});
