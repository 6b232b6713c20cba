/**
 * Truth: the off-exchange ("dark pool") ratio is one rule and every endpoint shows the same figure, checked
 * against sums computed here from the raw files (own split of the vendor's TSV sample, not the parsers).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, buildTestApp, ok, upload } from "../support/app";
import { engines } from "../support/db";

const SAMPLE = "polygon_flatfile_us_stocks_sip_trades_v1_sample_MSFT_2023-03-28.tsv";
const tsv = readFileSync(join(import.meta.dirname, "..", "fixtures", "trades", SAMPLE), "utf8");
/** Polygon's exchange id 4 is FINRA's TRFs/ADF (polygon_v3_reference_exchanges_stocks.json): off exchange. */
const OFF_EXCHANGE_ID = "4";

function litSharesOfSample(): number {
  const [head, ...rows] = tsv.split("\n").filter((l) => l.length > 0);
  const cols = (head as string).split("\t");
  const exchange = cols.indexOf("exchange");
  const size = cols.indexOf("size");
  return rows
    .map((r) => r.split("\t"))
    .filter((f) => f[exchange] !== OFF_EXCHANGE_ID)
    .reduce((sum, f) => sum + Number(f[size]), 0);
}

// Off-exchange (TRF) prints of the same day, during the session; an off-exchange-only feed would carry these.
const OFF_PRINTS = [
  { timestamp: "2023-03-28T14:00:00Z", price: 275.9, size: 2_500 },
  { timestamp: "2023-03-28T15:30:00Z", price: 276.1, size: 2_600 },
  { timestamp: "2023-03-28T18:45:00Z", price: 275.4, size: 2_682 },
];
const AS_OF = "2023-03-29T02:00:00Z";
const DAY = "2023-03-28";

describe.each(engines())("truth: one off-exchange ratio on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const uploadFile = async (kind: string, body: string, type: string, name: string) => {
    expect((await ok(upload(t.app, kind, body, type, { name }))).rejected).toBe(0);
  };
  /** The ratio as each endpoint shows it for MSFT's day. */
  const shown = async () => {
    const param = { symbol: "MSFT" };
    const darkPool = api(t.app)["dark-pool"][":symbol"];
    const summary = await ok(darkPool.summary.$get({ param, query: { date: DAY, as_of: AS_OF } }));
    const patterns = await ok(darkPool.patterns.$get({ param, query: { days: 1, as_of: AS_OF } }));
    const indicators = await ok(
      api(t.app).analytics[":symbol"].indicators.$get({ param, query: { as_of: AS_OF } }),
    );
    return {
      summary: summary.dark_pool_ratio,
      reason: summary.dark_pool_ratio_reason,
      patterns: patterns.days.find((d) => d.date === DAY)?.dark_pool_ratio ?? null,
      analytics: indicators.dark_pool_ratio,
    };
  };
  const off = OFF_PRINTS.reduce((s, p) => s + p.size, 0);

  beforeAll(async () => {
    t = await buildTestApp(engine);
    await uploadFile("prints", tsv, "text/csv", "MSFT_2023-03-28.tsv");
    const ndjson = OFF_PRINTS.map((p) => JSON.stringify({ symbol: "MSFT", exchange: "D", ...p })).join("\n");
    await uploadFile("prints", ndjson, "application/x-ndjson", "msft_trf.ndjson");
  });
  afterAll(async () => t.close());

  it("does not call the feed the whole tape because it carried a few lit prints (was 0.9592)", async () => {
    const lit = litSharesOfSample();
    expect(lit).toBe(331);
    // The old rule: off / (off + lit) = 7,782 / 8,113.
    expect(off / (off + lit)).toBeCloseTo(0.9592, 4);
    const r = await shown();
    expect(r).toEqual({ summary: null, reason: "tape_incomplete", patterns: null, analytics: null });
  });

  it("divides by the vendor's consolidated volume once a bar is loaded, the same on every endpoint", async () => {
    const barVolume = 20_000_000;
    await uploadFile(
      "bars",
      `date,symbol,open,high,low,close,volume\n${DAY},MSFT,275.79,278.28,272.05,275.23,${barVolume}`,
      "text/csv",
      "msft_bar.csv",
    );
    const expected = Math.round((off / barVolume) * 1e4) / 1e4;
    const r = await shown();
    expect(r.summary).toBe(expected);
    expect(r.patterns).toBe(expected);
    expect(r.analytics).toBe(expected);
  });

  it("defaults to the latest data as of as_of, and says which date or period it chose", async () => {
    const darkPool = api(t.app)["dark-pool"][":symbol"];
    const param = { symbol: "MSFT" };
    const s = await ok(darkPool.summary.$get({ param, query: { as_of: "2023-04-03T12:00:00Z" } }));
    expect(s).toMatchObject({ date: DAY, date_basis: "latest_print_day_as_of", total_volume: off });
    const early = await ok(darkPool.summary.$get({ param, query: { as_of: "2023-03-20T12:00:00Z" } }));
    expect(early).toMatchObject({ date: "2023-03-20", date_basis: "as_of_date_no_prints" });
    // Without as_of (the clock is years later) the history is still shown, ending at its latest day.
    const p = await ok(darkPool.patterns.$get({ param, query: { days: 5 } }));
    expect(p.period.to).toBe(DAY);
    expect(p.date_basis).toBe("latest_data_as_of");
    expect(p.days.map((d) => d.date)).toContain(DAY);
  });
});
