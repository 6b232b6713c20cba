/**
 * Truth: FINRA's weekly OTC Transparency file as the product shows it, against figures computed here from
 * the raw file (own split on "|", not the project's parser).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, buildTestApp, ok, upload } from "../support/app";
import { engines } from "../support/db";

const NAME = "finra_otc_weekly_otc_20251229.psv";
const raw = readFileSync(join(import.meta.dirname, "..", "fixtures", "finra", NAME));

/** Independent reading of the raw file: per-symbol share totals, row count, dates. */
function expected() {
  const lines = raw
    .toString("utf8")
    .split("\n")
    .filter((l) => l.length > 0);
  const header = (lines[0] as string).split("|");
  const at = (name: string) => header.indexOf(name);
  const rows = lines.slice(1).map((l) => l.split("|"));
  const perSymbol = new Map<string, number>();
  const lastUpdate = new Set<string>();
  let symbolRows = 0;
  for (const r of rows) {
    lastUpdate.add(r[at("lastUpdateDate")] as string);
    const symbol = r[at("issueSymbolIdentifier")] as string;
    if (symbol === "") continue;
    symbolRows++;
    perSymbol.set(symbol, (perSymbol.get(symbol) ?? 0) + Number(r[at("totalWeeklyShareQuantity")]));
  }
  return { perSymbol, symbolRows, lastUpdate: [...lastUpdate] };
}

// AABB's consolidated volume in the week of 2025-12-01: 800,000 shares a day, Monday to Friday.
const AABB_BARS = [
  "date,symbol,open,high,low,close,volume",
  ...["01", "02", "03", "04", "05"].map((d) => `2025-12-${d},AABB,0.01,0.01,0.01,0.01,800000`),
].join("\n");
const WEEK_VOLUME = 5 * 800_000;

describe.each(engines())("truth: FINRA weekly ATS file on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const truth = expected();
  const darkPool = () => api(t.app)["dark-pool"][":symbol"];
  const patterns = (days: number, as_of: string) =>
    ok(darkPool().patterns.$get({ param: { symbol: "AABB" }, query: { days, as_of } }));
  beforeAll(async () => {
    t = await buildTestApp(engine, { MAX_UPLOAD_BYTES: "2000000" });
    // A neutral name: the content, not the name, says what the file is.
    expect((await ok(upload(t.app, "ats", raw, "text/plain", { name: "weekly.psv" }))).rejected).toBe(0);
    await ok(upload(t.app, "bars", AABB_BARS, "text/plain", { name: "aabb_bars.csv" }));
  });
  afterAll(async () => t.close());

  it("stores every venue of the OTC file as ATS volume, for the week the publication date belongs to", async () => {
    expect(truth.lastUpdate).toEqual(["2025-12-29"]);
    const rows = await t.handle.query<{
      summary_type: string;
      week_start: string;
      published: string;
      n: unknown;
    }>(
      sql`select summary_type, week_start::text as week_start, published_at::text as published, count(*) as n
          from ats_weekly group by 1, 2, 3`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ summary_type: "ATS_W_SMBL_FIRM", week_start: "2025-12-01" });
    // Published on 2025-12-29 (a Monday and a trading day) at 06:00 New York time.
    expect(new Date(rows[0]?.published as string).toISOString()).toBe("2025-12-29T11:00:00.000Z");
    expect(Number(rows[0]?.n)).toBe(truth.symbolRows);
  });

  it("gives AABB's ATS share against the whole week's volume, even for a window starting mid-week", async () => {
    const aabb = truth.perSymbol.get("AABB") as number;
    expect(aabb).toBe(2_841_885 + 144_056);
    const p = await patterns(3, "2025-12-30T12:00:00Z");
    // Latest data as of 2025-12-30 is the bar of Friday 2025-12-05; three days back starts on Wednesday.
    expect(p.period).toEqual({ from: "2025-12-03", to: "2025-12-05", days: 3 });
    expect(p.date_basis).toBe("latest_data_as_of");
    expect(p.days.map((d) => d.date)).toEqual(["2025-12-03", "2025-12-04", "2025-12-05"]);
    for (const d of p.days) {
      expect(d.ats_week_shares).toBe(aabb);
      expect(d.ats_share).toBeCloseTo(aabb / WEEK_VOLUME, 4); // 0.7465, not 1.244 (Wed-Fri only)
    }
    const s = await ok(
      darkPool().summary.$get({
        param: { symbol: "AABB" },
        query: { date: "2025-12-05", as_of: "2025-12-30T12:00:00Z" },
      }),
    );
    expect(s.ats).toMatchObject({
      week_start: "2025-12-01",
      shares: aabb,
      week_consolidated_volume: WEEK_VOLUME,
    });
    expect(s.ats?.ats_share).toBeCloseTo(0.7465, 4);
  });

  it("keeps the week invisible before its publication date", async () => {
    const before = await patterns(5, "2025-12-29T10:59:00Z");
    expect(before.days.every((d) => d.ats_share === null)).toBe(true);
  });

  it("lets the uploader override the venue type for a whole file", async () => {
    const res = upload(t.app, "ats", raw, "text/plain", {
      name: "weekly.psv",
      summary_type: "OTC_W_SMBL_FIRM",
    });
    expect((await ok(res)).accepted).toBe(truth.symbolRows);
    const rows = await t.handle.query<{ n: unknown }>(
      sql`select count(*) as n from ats_weekly where summary_type = 'OTC_W_SMBL_FIRM'`,
    );
    expect(Number(rows[0]?.n)).toBe(truth.symbolRows);
  });
});
