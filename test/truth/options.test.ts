/**
 * Truth of the options figures (issue 10.8, 10.14): the real OPRA sample is ingested through the API on
 * each engine, and every figure is compared with one computed here from the raw file with its own tiny
 * parsing (tab-separated columns, OPRA multi-leg condition ids 232-246 per data-formats.md 7.2).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, buildTestApp, ok, upload } from "../support/app";
import { engines } from "../support/db";

const FILE = new URL(
  "../fixtures/options/polygon_flatfile_us_options_opra_trades_v1_sample_SPY230327P00390000.tsv",
  import.meta.url,
);

interface RawRow {
  ticker: string;
  conditions: number[];
  price: number;
  size: number;
  tsMs: number;
}

/** The raw file, read without the project's parser. */
function rawRows(): RawRow[] {
  const [header, ...lines] = readFileSync(FILE, "utf8").split(/\r?\n/).filter(Boolean);
  const cols = (header as string).split("\t");
  const at = (f: string[], name: string) => f[cols.indexOf(name)] as string;
  return lines.map((line) => {
    const f = line.split("\t");
    return {
      ticker: at(f, "ticker"),
      conditions: at(f, "conditions")
        .split(",")
        .filter(Boolean)
        .map((c) => Number(c)),
      price: Number(at(f, "price")),
      size: Number(at(f, "size")),
      // Nanoseconds since the epoch; the last six digits are below a millisecond.
      tsMs: Number(at(f, "sip_timestamp").slice(0, -6)),
    };
  });
}

const isMultiLeg = (r: RawRow) => r.conditions.some((c) => c >= 232 && c <= 246);
const premium = (r: RawRow) => r.price * r.size * 100;
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

describe.each(engines())("options figures against the raw OPRA sample on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const rows = rawRows();
  const positioning = (query: { as_of?: string } = {}) =>
    ok(api(t.app).blocks[":symbol"]["options-positioning"].$get({ param: { symbol: "SPY" }, query }));

  beforeAll(async () => {
    t = await buildTestApp(engine);
    const summary = await ok(upload(t.app, "options", readFileSync(FILE), "text/csv", { name: "opra.tsv" }));
    expect(summary).toMatchObject({ accepted: rows.length, rejected: 0 });
  });
  afterAll(async () => t.close());

  it("counts single-leg puts in put_volume and put_premium alike, multi-leg apart", async () => {
    const single = rows.filter((r) => !isMultiLeg(r));
    const multi = rows.filter(isMultiLeg);
    expect(rows.every((r) => r.ticker.includes("P00390000"))).toBe(true);
    const pos = await positioning();
    expect(pos.put_volume).toBe(sum(single.map((r) => r.size)));
    expect(pos.put_premium).toBeCloseTo(sum(single.map(premium)), 6);
    expect(pos.multi_leg_volume).toBe(sum(multi.map((r) => r.size)));
    expect(pos.multi_leg_premium).toBeCloseTo(sum(multi.map(premium)), 6);
    expect(pos.put_volume + pos.multi_leg_volume).toBe(sum(rows.map((r) => r.size)));
    expect(pos).toMatchObject({ call_volume: 0, call_premium: 0, prints: rows.length });
  });

  it("says unknown, not bearish, when no print has a quote to tell a bought put from a sold one", async () => {
    const pos = await positioning();
    expect(pos).toMatchObject({ sentiment: "unknown", sentiment_basis: "none", net_sentiment_score: null });
  });

  it("answers as of 15:00Z from the prints of that day before it, and analytics uses them", async () => {
    const asOf = "2023-03-13T15:00:00.000Z";
    const before = rows.filter((r) => r.tsMs <= Date.parse(asOf));
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(rows.length);
    const pos = await positioning({ as_of: asOf });
    expect(pos.prints).toBe(before.length);
    expect(pos.put_volume).toBe(sum(before.filter((r) => !isMultiLeg(r)).map((r) => r.size)));
    expect(pos.put_premium).toBeCloseTo(sum(before.filter((r) => !isMultiLeg(r)).map(premium)), 6);
    expect(Date.parse(pos.window_end as string)).toBeLessThanOrEqual(Date.parse(asOf) + 1);
    expect(pos.as_of).toBe(asOf);

    const analytics = api(t.app).analytics[":symbol"];
    const ind = await ok(analytics.indicators.$get({ param: { symbol: "SPY" }, query: { as_of: asOf } }));
    const options = ind.components.smart_money_index.find((c) => c.name === "options");
    // Read point in time: never after as_of. Without quotes it has no side, so it is left out as such.
    expect(options?.excluded_reason).toBe("mostly_unclassified");
    expect(Date.parse(options?.as_of as string)).toBeLessThanOrEqual(Date.parse(asOf));

    // The dashboard shows the same premium with sentiment unknown, not "bearish" for puts.
    const dash = await ok(analytics.dashboard.$get({ param: { symbol: "SPY" }, query: { as_of: asOf } }));
    expect(dash.options).toMatchObject({ available: true, sentiment: "unknown" });
    expect(dash.options.put_premium).toBeCloseTo(pos.put_premium, 6);
  });
});
