/**
 * Truth of the insider windows (issue 10, item 18): a window of N days ends on the New York date of
 * `as_of`, not its UTC date. Real Form 4 files (test/fixtures/sec, copied byte-for-byte from
 * ../shared/samples/sec_form4) go through the product; the expected tallies are computed here from the
 * raw XML with regular expressions and the platform's own time-zone database (Intl), not the project's
 * parsers or its ET helper.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DbHandle } from "@smt/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/src/app";
import { PrintPipeline } from "../../server/src/darkpool/pipeline";
import { loadEnv } from "../../server/src/env";
import { ingestForm4 } from "../../server/src/institutional/institutional.ingest";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import { api, ok } from "../support/app";
import { engines, openTestDb } from "../support/db";

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/sec/${name}`, import.meta.url)), "latin1");
const SNOW = fixture("form4_SNOW_Scarpelli_2022-12-13.xml");
const AIR = fixture("0001127602-25-001055_AIR_form4_full_submission.txt");

interface RawTx {
  date: string;
  code: string;
  shares: number;
  price: number;
}
const value = (block: string, name: string) =>
  new RegExp(`<${name}>\\s*<value>([^<]*)</value>`).exec(block)?.[1]?.trim() ?? "";
const nonDerivative = (xml: string): RawTx[] =>
  [...xml.matchAll(/<nonDerivativeTransaction>([\s\S]*?)<\/nonDerivativeTransaction>/g)].map((m) => {
    const b = m[1] as string;
    return {
      date: value(b, "transactionDate"),
      code: /<transactionCode>([^<]*)<\/transactionCode>/.exec(b)?.[1] ?? "",
      shares: Number(value(b, "transactionShares")),
      price: Number(value(b, "transactionPricePerShare") || "0"),
    };
  });

/** New York calendar date of an instant, from the platform's tz database. */
const nyDate = (iso: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone: "America/New_York" }).format(new Date(iso));
const minusDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/** Open-market sales (S) in the `days`-day window ending on the New York date of `asOf`. */
function expectedSales(txs: RawTx[], asOf: string, days: number) {
  const end = nyDate(asOf);
  const start = minusDays(end, days - 1);
  const sales = txs.filter((t) => t.code === "S" && t.date >= start && t.date <= end);
  return {
    count: sales.length,
    value: Math.round(sales.reduce((s, t) => s + t.shares * t.price, 0) * 100) / 100,
  };
}

const bytes = (text: string) =>
  (async function* () {
    yield Buffer.from(text, "latin1");
  })();

describe.each(engines())("insider windows end on the New York date on %s", (engine) => {
  let handle: DbHandle;
  let app: ReturnType<typeof createApp>;
  const sells30 = async (symbol: string, as_of: string) => {
    const sentiment = api(app).institutional[":symbol"]["insider-sentiment"];
    const body = await ok(sentiment.$get({ param: { symbol }, query: { as_of } }));
    const w = body.windows.find((x) => x.days === 30);
    return { count: w?.sells.count, value: w?.sells.value };
  };

  beforeAll(async () => {
    handle = await openTestDb(engine);
    const log = createLogger("silent");
    const bus = new LiveBus();
    const pipeline = new PrintPipeline({ db: handle.db, bus, log, lastLitWindowMs: 60_000 });
    app = createApp({ env: loadEnv({ LOG_LEVEL: "silent" }), db: handle, bus, pipeline, log });
    await ingestForm4(handle.db, bytes(SNOW), "snow.xml", {
      accession: "0001209191-22-063158",
      filedDate: "2022-12-15",
    });
    await ingestForm4(handle.db, bytes(AIR), "air.txt");
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("SNOW: at 21:00 ET on the 30th day the five 2022-12-13 sales are still in the 30-day window", async () => {
    const txs = nonDerivative(SNOW);
    expect(txs.filter((t) => t.code === "S")).toHaveLength(5);
    // 2023-01-12T02:00Z is 2023-01-11 21:00 EST; the UTC date (Jan 12) would start the window on Dec 14.
    const asOf = "2023-01-12T02:00:00Z";
    expect(nyDate(asOf)).toBe("2023-01-11");
    const expected = expectedSales(txs, asOf, 30);
    expect(expected.count).toBe(5);
    const got = await sells30("SNOW", asOf);
    expect(got.count).toBe(expected.count);
    expect(got.value).toBeCloseTo(expected.value, 2);
    // One New York day later they have left it.
    const next = "2023-01-13T02:00:00Z";
    expect(await sells30("SNOW", next)).toEqual({ count: expectedSales(txs, next, 30).count, value: 0 });
    expect(expectedSales(txs, next, 30).count).toBe(0);
  });

  it("AIR: the 2025-01-10 sale counts on the evening (ET) of the window's last day", async () => {
    const txs = nonDerivative(AIR);
    const asOf = "2025-02-09T03:00:00Z"; // 2025-02-08 22:00 EST
    const expected = expectedSales(txs, asOf, 30);
    expect(expected.count).toBe(1);
    const got = await sells30("AIR", asOf);
    expect(got.count).toBe(1);
    expect(got.value).toBeCloseTo(expected.value, 2);
  });
});
