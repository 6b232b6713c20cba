import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemo } from "../../server/src/feeds/demo";
import { buildTestApp } from "../support/app";
import { engines } from "../support/db";

describe.each(engines())("indices read the other areas through their endpoints on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp(engine);
    await generateDemo({
      db: t.handle.db,
      pipeline: t.deps.pipeline,
      symbol: "IDXA",
      days: 10,
      printsPerDay: 120,
    });
  });
  afterAll(async () => t.close());

  it("uses the same institutional ownership and insider figures the institutional endpoints return", async () => {
    const get = async (path: string) =>
      (await t.app.request(path)).json() as Promise<Record<string, unknown>>;
    const flow = await get("/smart-money/institutional/IDXA/flow");
    const indicators = (await get("/smart-money/analytics/IDXA/indicators")) as {
      institutional_ownership: number | null;
      confidence: { excluded: { name: string; reason: string }[] };
    };
    expect(flow.institutional_ownership).toEqual(expect.any(Number));
    expect(indicators.institutional_ownership).toBeCloseTo(flow.institutional_ownership as number, 2);
    const excluded = indicators.confidence.excluded.map((e) => e.name);
    expect(excluded).not.toContain("institutional");
    expect(excluded).not.toContain("insider");
    // The demo loads option prints too (issue 15): the options input is present, read from positioning.
    expect(excluded).not.toContain("options");
    const dashboard = (await get("/smart-money/analytics/IDXA/dashboard")) as {
      institutional: { top_holders?: unknown[] };
    };
    expect(JSON.stringify(dashboard)).toContain("DEMO");
  });
});
