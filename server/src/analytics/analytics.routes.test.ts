/**
 * The analytics routes on a real database loaded with FINRA's published Reg SHO files of the GME squeeze
 * week (test/fixtures/analytics, byte-for-byte copies of the samples). Checks the point-in-time rule:
 * a file counts only once FINRA had posted it (18:00 ET on the trade date).
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import type { DbHandle } from "@smt/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, ok, refusal } from "../../../test/support/app";
import { engines, openTestDb } from "../../../test/support/db";
import { createApp } from "../app";
import { PrintPipeline } from "../darkpool/pipeline";
import { loadEnv } from "../env";
import { INGEST_KINDS } from "../ingest/registry";
import { createLogger } from "../lib/log";
import { LiveBus } from "../realtime/bus";
import { gatherInputs } from "./analytics.inputs";
import { ANALYTICS_PARAMS, ANALYTICS_PARAMS_VERSION } from "./analytics.params";

const FIXTURES = join(import.meta.dirname, "..", "..", "..", "test", "fixtures", "analytics");
const FILES = [
  "CNMSshvol20210125.txt",
  "CNMSshvol20210126.txt",
  "CNMSshvol20210127.txt",
  "CNMSshvol20210128.txt",
];

// GME rows of the four files: ShortVolume / TotalVolume.
const GME_RATIO = {
  "2021-01-25": 27342770 / 72224899,
  "2021-01-26": 27348512 / 82653297,
  "2021-01-27": 16292827 / 29923417,
  "2021-01-28": 9606123 / 18899860,
};

describe.each(engines())("smart-money analytics on %s", (engine) => {
  let handle: DbHandle;
  let app: ReturnType<typeof createApp>;
  const analytics = () => api(app).analytics[":symbol"];
  const GME_AFTER = { param: { symbol: "GME" }, query: { as_of: "2021-01-29T00:00:00Z" } };

  beforeAll(async () => {
    handle = await openTestDb(engine);
    const log = createLogger("silent");
    const bus = new LiveBus();
    const pipeline = new PrintPipeline({ db: handle.db, bus, log, lastLitWindowMs: 60_000 });
    for (const name of FILES) {
      const kind = INGEST_KINDS["short-volume"]!;
      const summary = await kind.run(createReadStream(join(FIXTURES, name)), {
        db: handle.db,
        pipeline,
        bus,
        name,
        origin: "test",
      });
      expect(summary.rejected).toBe(0);
    }
    app = createApp({ env: loadEnv({ LOG_LEVEL: "silent" }), db: handle, bus, pipeline, log });
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("reads the latest FINRA day published by as_of, not one posted later that evening", async () => {
    const params = { ...ANALYTICS_PARAMS, minBaselineDays: 2 };
    // 17:00 ET on the 28th: the 28th's file (posted 18:00 ET) is not out yet.
    const before = await gatherInputs(handle.db, "GME", new Date("2021-01-28T22:00:00Z"), { params });
    expect(before.inputs.shortVolume?.shortVolumeRatio).toBeCloseTo(GME_RATIO["2021-01-27"], 10);
    expect(before.inputs.shortVolume?.trailingAverageRatio).toBeCloseTo(
      (GME_RATIO["2021-01-25"] + GME_RATIO["2021-01-26"]) / 2,
      10,
    );
    const after = await gatherInputs(handle.db, "GME", new Date("2021-01-29T00:00:00Z"), { params });
    expect(after.inputs.shortVolume?.shortVolumeRatio).toBeCloseTo(GME_RATIO["2021-01-28"], 10);
  });

  it("answers indicators with the short-volume component excluded for want of a 5-day baseline", async () => {
    const body = await ok(analytics().indicators.$get(GME_AFTER));
    expect(body.params_version).toBe(ANALYTICS_PARAMS_VERSION);
    expect(body.as_of).toBe("2021-01-29T00:00:00.000Z");
    expect(body.smart_money_index).toBeNull();
    const sv = body.components.smart_money_index.find((c) => c.name === "short_volume");
    expect(sv).toMatchObject({ available: false, excluded_reason: "no_baseline", source: "finra_regsho" });
    expect(sv?.value).toBeCloseTo(GME_RATIO["2021-01-28"], 10);
    expect(body.confidence.score).toBe(0);
  });

  it("accepts the price_change override and reports it as the divergence input's source", async () => {
    const body = await ok(
      analytics().indicators.$get({ ...GME_AFTER, query: { ...GME_AFTER.query, price_change: "2.5" } }),
    );
    const price = body.components.divergence_score.find((c) => c.name === "price_change");
    expect(price).toMatchObject({
      available: true,
      value: 2.5,
      normalized: 0.5,
      source: "override:price_change",
    });
    // No flow input is available, so there is nothing to diverge from.
    expect(body.divergence_score).toBeNull();
  });

  it("answers the flow with every side marked unavailable rather than balanced", async () => {
    const body = await ok(analytics().flow.$get(GME_AFTER));
    expect(body.institutional.available).toBe(false);
    expect(body.insider.direction).toBeNull();
    expect(body.net_flow).toBeNull();
  });

  it("answers the dashboard with all seven sections and the FINRA short ratio history", async () => {
    const body = await ok(analytics().dashboard.$get(GME_AFTER));
    expect(Object.keys(body)).toEqual(
      expect.arrayContaining([
        "metrics",
        "alerts",
        "dark_pool",
        "institutional",
        "blocks",
        "options",
        "flow",
      ]),
    );
    expect(body.metrics.smart_money_index.value).toBeNull();
    expect(body.dark_pool.history.map((h) => [h.date, h.short_volume_ratio])).toEqual([
      ["2021-01-25", Number(GME_RATIO["2021-01-25"].toFixed(4))],
      ["2021-01-26", Number(GME_RATIO["2021-01-26"].toFixed(4))],
      ["2021-01-27", Number(GME_RATIO["2021-01-27"].toFixed(4))],
      ["2021-01-28", Number(GME_RATIO["2021-01-28"].toFixed(4))],
    ]);
    // The alerts area is wired in: no alert fired for GME, which is an empty list, not a missing input.
    expect(body.alerts).toMatchObject({ available: true, items: [] });
  });

  it("answers 404 with the error body for a symbol without data", async () => {
    expect(await refusal(analytics().indicators.$get({ param: { symbol: "ZZZZ" }, query: {} }))).toEqual({
      status: 404,
      code: "NOT_FOUND",
    });
  });
});
