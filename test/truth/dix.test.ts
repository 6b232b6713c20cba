import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, buildTestApp, ok, upload } from "../support/app";
import { engines } from "../support/db";

/**
 * DIX truth: the real FINRA CNMS file of 2021-01-25 and closes for some members go through the API; the
 * coverage and the DIX are recomputed here from the raw file, not with the project's parsers.
 */
const FINRA = "CNMSshvol20210125.txt";
const raw = readFileSync(join(import.meta.dirname, "..", "fixtures", "finra", FINRA));
const DAY = "2021-01-25";
const AS_OF = "2021-01-26T12:00:00Z";

/** symbol -> short and total volume, straight from the pipe-delimited file. */
const finra = new Map<string, { short: number; total: number }>();
for (const line of raw.toString("utf8").split("\n")) {
  const f = line.trim().split("|");
  if (f.length < 6 || f[0] !== "20210125") continue;
  finra.set(f[1] as string, { short: Number(f[2]), total: Number(f[4]) });
}

/** The shipped constituents list, read with a plain split (no quoted field holds a symbol). */
const shipped = readFileSync(
  join(import.meta.dirname, "..", "..", "server", "data", "sp500-constituents.csv"),
  "utf8",
)
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split(",")[0] as string);

/** Closes for a subset (GME and AAPL are the day's real closes; the others are test prices). */
const CLOSES: Record<string, number> = {
  AAPL: 142.92,
  MSFT: 229.53,
  AMZN: 3294.0,
  JPM: 128.79,
  XOM: 43.92,
  KO: 48.95,
  PFE: 36.69,
  INTC: 57.31,
  WMT: 146.12,
  DIS: 168.3,
};
const barsCsv = (symbols: string[]) =>
  `date,symbol,open,high,low,close,volume\n${symbols
    .map((s) => `${DAY},${s},${CLOSES[s]},${CLOSES[s]},${CLOSES[s]},${CLOSES[s]},1000`)
    .join("\n")}\n`;

/** sum(short x close) / sum(total x close) over members with both, from the raw file. */
const expectedDix = (symbols: string[]) => {
  let num = 0;
  let den = 0;
  for (const s of symbols) {
    const v = finra.get(s);
    const close = CLOSES[s];
    if (!v || !close) continue;
    num += v.short * close;
    den += v.total * close;
  }
  return num / den;
};

/** The refusal's body (`onError`: the typed client knows only a route's declared answers). */
interface ErrorBody {
  error: { code: string; message: string; details: { coverage: Record<string, number> } };
}

describe.each(engines())("DIX over the S&P 500 list on %s", (engine) => {
  const dir = mkdtempSync(join(tmpdir(), "smt-dix-truth-"));
  // A replacement list (DIX_CONSTITUENTS_FILE): the ten priced members, one of them twice, and GME unpriced.
  const replacement = join(dir, "my-index.csv");
  writeFileSync(
    replacement,
    `symbol,name,as_of\n${Object.keys(CLOSES)
      .map((s) => `${s},"${s}, Inc.",2021-01-04`)
      .join("\n")}\nAAPL,Apple again,2021-01-04\nGME,GameStop,2021-01-22\n`,
  );
  let shippedApp: Awaited<ReturnType<typeof buildTestApp>>;
  let replacedApp: Awaited<ReturnType<typeof buildTestApp>>;
  const load = async (t: typeof shippedApp) => {
    for (const [kind, body, name] of [
      ["short-volume", raw, FINRA],
      ["bars", barsCsv(Object.keys(CLOSES)), "bars-2021-01-25.csv"],
    ] as const) {
      await ok(upload(t.app, kind, body, "text/csv", { name }));
    }
  };

  const dix = (t: typeof shippedApp, basket?: string[]) =>
    api(t.app)["dark-pool"].dix.$get({ query: { date: DAY, as_of: AS_OF, basket: basket?.join(",") } });
  const refused = async (pending: ReturnType<typeof dix>) => {
    const res = await pending;
    expect(res.status).toBe(422);
    return (await res.json()) as unknown as ErrorBody;
  };

  beforeAll(async () => {
    shippedApp = await buildTestApp(engine);
    replacedApp = await buildTestApp(engine, { DIX_CONSTITUENTS_FILE: replacement });
    await load(shippedApp);
    await load(replacedApp);
  });
  afterAll(async () => {
    await shippedApp?.close();
    await replacedApp?.close();
  });

  it("refuses a DIX over the shipped list when only a few members have a close, and says how many do", async () => {
    expect(shipped).toHaveLength(503);
    const body = await refused(dix(shippedApp));
    expect(body.error.code).toBe("INSUFFICIENT_COVERAGE");
    const covered = shipped.filter((s) => finra.has(s) && (finra.get(s)?.total ?? 0) > 0 && CLOSES[s]).length;
    expect(covered).toBe(10);
    expect(body.error.details.coverage).toEqual({ members: 503, covered, ratio: covered / 503, floor: 0.8 });
    expect(body.error).not.toHaveProperty("dix");
  });

  it("reports the DIX over a replacement list with enough coverage, equal to the figure from the raw file", async () => {
    const body = await ok(dix(replacedApp));
    // 11 distinct members (AAPL listed twice counts once), 10 with short volume and a close; GME has no close.
    expect(body.coverage).toEqual({ members: 11, covered: 10, ratio: 0.9091, floor: 0.8 });
    expect(body.basket_source).toEqual({ file: "my-index.csv", as_of: "2021-01-22" });
    expect(body.dix).toBeCloseTo(expectedDix(Object.keys(CLOSES)), 4);
    expect(body.members_used).toBe(10);
  });

  it("applies the floor to an explicit basket too: 7 of 10 covered is refused, 8 of 10 is reported", async () => {
    const priced = Object.keys(CLOSES);
    const tooFew = [...priced.slice(0, 7), "GME", "ZZZZ", "AMC"];
    expect((await refused(dix(shippedApp, tooFew))).error.details.coverage).toMatchObject({
      members: 10,
      covered: 7,
    });
    const enough = [...priced.slice(0, 8), "GME", "ZZZZ"];
    const body = await ok(dix(shippedApp, enough));
    expect(body.coverage).toMatchObject({ members: 10, covered: 8, ratio: 0.8 });
    expect(body.basket_source).toBeNull();
    expect(body.dix).toBeCloseTo(expectedDix(enough), 4);
  });
  it("answers a date range in one request, each point equal to the one-day DIX, days without one accounted for", async () => {
    // The next real FINRA day, without closes: under the floor, so excluded rather than failing the range.
    const next = readFileSync(join(import.meta.dirname, "..", "fixtures", "finra", "CNMSshvol20210126.txt"));
    const up = await replacedApp.app.request("/smart-money/ingest/short-volume?name=CNMSshvol20210126.txt", {
      method: "POST",
      body: next as unknown as BodyInit,
      headers: { "content-type": "text/plain" },
    });
    expect(up.status).toBe(200);
    const asOf = "2021-01-27T12:00:00Z";
    const res = await replacedApp.app.request(
      `/smart-money/dark-pool/dix/series?from=2021-01-22&to=2021-01-26&as_of=${asOf}`,
    );
    expect(res.status).toBe(200);
    const series = (await res.json()) as {
      points: { date: string; dix: number; coverage: number; covered: number; members_used: number }[];
      excluded: { date: string; reason: string; covered: number }[];
      days_without_data: string[];
      basket_size: number;
    };
    const one = await ok(api(replacedApp.app)["dark-pool"].dix.$get({ query: { date: DAY, as_of: asOf } }));
    expect(series.points).toEqual([
      { date: DAY, dix: one.dix, coverage: one.coverage.ratio, covered: 10, members_used: one.members_used },
    ]);
    expect(series.points[0]?.dix).toBeCloseTo(expectedDix(Object.keys(CLOSES)), 4);
    expect(series.excluded).toEqual([
      expect.objectContaining({ date: "2021-01-26", reason: "insufficient_coverage", covered: 0 }),
    ]);
    expect(series.days_without_data).toEqual(["2021-01-22"]);
    expect(series.basket_size).toBe(11);
    // Default range: the 4 weeks up to the newest FINRA day published by as_of.
    const byDefault = (await (
      await replacedApp.app.request(`/smart-money/dark-pool/dix/series?as_of=${asOf}`)
    ).json()) as { from: string; to: string };
    expect(byDefault).toMatchObject({ from: "2020-12-29", to: "2021-01-26" });
  });

  it.each([
    ["from=2021-01-26&to=2021-01-25", /after/],
    ["from=2020-01-01&to=2021-01-25", /at most 366/],
    ["from=2021-02-30", /from/],
    ["to=20210125", /to/],
    [`basket=${Array.from({ length: 1001 }, (_, i) => `S${i}`).join(",")}`, /at most 1000/],
    [`basket=${"A,".repeat(10_001)}`, /basket/],
    ["basket=AAPL,<script>", /symbol/i],
  ])("refuses a bad series request (%s) with 400 naming the problem", async (query, message) => {
    const res = await shippedApp.app.request(`/smart-money/dark-pool/dix/series?${query}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(message);
  });
});
