import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type { Db, DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import {
  ACORN_CIK,
  ACORN_Q4_ACCESSION,
  ACORN_Q4_FILE,
  acornQ3,
  acornQ4Holdings,
  airPurchase,
  finraFixture,
  infoTable,
  type Purchase,
  regShoFigures,
} from "../../../test/support/filing-fixtures";
import { shortVolumeStore } from "../darkpool/finra.store";
import { parseShortVolume } from "../darkpool/short-volume.parse";
import { ingestForm4, ingestSecuritiesCsv, read13F, store13F } from "../institutional/institutional.ingest";
import { runIngest } from "../lib/ingest";
import { canonicalSymbol } from "../lib/symbol-form";
import { queryAlerts, type StoredAlert } from "./alerts.store";
import {
  configureFilingAlerts,
  DEFAULT_FILING_ALERT_SETTINGS,
  type FilingAlertSettings,
  onAlertsRaised,
} from "./raised-alerts";
import { shortSpikeAlerts } from "./short-spike-alerts";
import { thirteenFAlerts } from "./thirteenf-alerts";

const source = (text: string) => Readable.from([Buffer.from(text)]);
const alertsOf = async (db: Db, type: string): Promise<StoredAlert[]> =>
  (await queryAlerts(db, { symbol: null, limit: 1000 })).filter((a) => a.type === type);

let restore: () => void = () => undefined;
const settings = (over: Partial<FilingAlertSettings>) => {
  restore = configureFilingAlerts({ ...DEFAULT_FILING_ALERT_SETTINGS, ...over });
};
afterEach(() => restore());

/** An AIR purchase by insider `n` (a distinct reporting owner), accepted on `date` at 16:00 New York. */
const buy = (n: number, date: string, shares: number, price = 100): Purchase => ({
  accession: `0009999999-25-${String(n).padStart(6, "0")}`,
  ownerCik: String(1_900_000 + n).padStart(10, "0"),
  ownerName: `Insider${n} Test`,
  date,
  shares,
  price,
  acceptance: `${date.replaceAll("-", "")}160000`,
});

describe.each(engines())("alerts from stored filings and files (%s)", (engine) => {
  let handle: DbHandle;
  let db: Db;
  beforeAll(async () => {
    handle = await openTestDb(engine);
    db = handle.db;
  });
  afterAll(async () => handle.close());

  it("raises an insider purchase at the threshold, not below it, once however often the filing is stored", async () => {
    settings({ insiderBuyMinUsd: 250_000 });
    let told = 0;
    const off = onAlertsRaised(() => told++);
    const at = buy(1, "2025-01-06", 2500); // 2,500 x $100 = $250,000: at the threshold
    const below = buy(2, "2025-01-07", 2499); // $249,900
    await ingestForm4(db, source(airPurchase(at)), "at.txt");
    await ingestForm4(db, source(airPurchase(below)), "below.txt");
    await ingestForm4(db, source(airPurchase(at)), "at-again.txt");
    off();
    const got = await alertsOf(db, "insider_purchase");
    expect(got).toHaveLength(1);
    const a = got[0] as StoredAlert;
    expect(a).toMatchObject({
      symbol: "AIR",
      severity: "medium",
      timestamp: "2025-01-06T21:00:00.000Z",
      dedupe_key: `insider_purchase:${at.accession}`,
      values: { value_usd: 250_000, shares: 2500, owner_name: "Insider1 Test", threshold_usd: 250_000 },
      origin: {
        kind: "sec_form4",
        ref: at.accession,
        url: `/Archives/edgar/data/1750/${at.accession.replaceAll("-", "")}/${at.accession}-index.htm`,
        published_at: "2025-01-06T21:00:00.000Z",
      },
    });
    expect(Date.now() - Date.parse(a.origin?.seen_at as string)).toBeLessThan(120_000);
    expect(told).toBe(1); // the announcers are told when something new was stored, not on the reload
  });

  it("raises one cluster buy as the third distinct insider files, none for the fourth", async () => {
    settings({ insiderBuyMinUsd: 10_000_000 });
    // Insiders 1 and 2 bought on 01-06 and 01-07 (previous test); the same insider again is not a third.
    await ingestForm4(
      db,
      source(airPurchase({ ...buy(1, "2025-01-08", 100), accession: "0009999999-25-000101" })),
      "1b.txt",
    );
    expect(await alertsOf(db, "insider_cluster_buy")).toHaveLength(0);
    const third = buy(3, "2025-01-10", 300);
    await ingestForm4(db, source(airPurchase(third)), "third.txt");
    const got = await alertsOf(db, "insider_cluster_buy");
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      symbol: "AIR",
      severity: "high",
      values: {
        insiders: 3,
        window_start: "2025-01-06",
        window_end: "2025-01-10",
        min_insiders: 3,
        window_days: 14,
      },
      dedupe_key: "insider_cluster_buy:0000001750:2025-01-06",
      origin: { kind: "sec_form4", ref: third.accession, published_at: "2025-01-10T21:00:00.000Z" },
    });
    await ingestForm4(db, source(airPurchase(buy(4, "2025-01-13", 400))), "fourth.txt");
    await ingestForm4(db, source(airPurchase(third)), "third-again.txt");
    expect(await alertsOf(db, "insider_cluster_buy")).toHaveLength(1);
    // Three other insiders well after that cluster: a new cluster, a new alert.
    for (const [n, d] of [
      [5, "2025-03-03"],
      [6, "2025-03-04"],
    ] as const)
      await ingestForm4(db, source(airPurchase(buy(n, d, 10))), `${n}.txt`);
    expect(await alertsOf(db, "insider_cluster_buy")).toHaveLength(1);
    await ingestForm4(db, source(airPurchase(buy(7, "2025-03-05", 10))), "7.txt");
    const both = await alertsOf(db, "insider_cluster_buy");
    expect(both.map((a) => a.values.window_start).sort()).toEqual(["2025-01-06", "2025-03-03"]);
  });

  describe("13F new positions and exits", () => {
    const q4 = acornQ4Holdings();
    const GLD = "78463V107"; // SPDR Gold, 6.5% of Q4: new
    const AON = "G0403H108"; // 0.1% of Q4: new, below any floor used here
    const KO = "191216100"; // Coca-Cola: in Q3 only, sold out by Q4
    const INTC = "458140100";
    const q4Total = q4.reduce((s, h) => s + h.value, 0);
    const gldWeightPct = ((q4.find((h) => h.cusip === GLD)?.value as number) / q4Total) * 100;
    const q3Extra = [
      infoTable("COCA COLA CO", KO, 14_000_000, 100_000),
      infoTable("INTEL CORP", INTC, 90_000, 4_000),
    ];
    const q3Total =
      q4Total -
      q4.filter((h) => h.cusip === GLD || h.cusip === AON).reduce((s, h) => s + h.value, 0) +
      14_090_000;
    const Q3_ACCESSION = "0001951757-24-000050";

    const store = async (text: string, name: string) =>
      store13F(db, await read13F([{ source: source(text), name }], {}), name, {});

    it("raises them at the floor on the filing that makes the change, once", async () => {
      settings({ thirteenFMinWeightPct: gldWeightPct });
      await ingestSecuritiesCsv(
        db,
        source(`symbol,cusip\nGLD,${GLD}\nAON,${AON}\nKO,${KO}\nINTC,${INTC}\n`),
        "map.csv",
      );
      await store(acornQ3(Q3_ACCESSION, [GLD, AON], q3Extra), "q3.txt");
      // No Q2 report: nothing is called new.
      expect(
        (await queryAlerts(db, { symbol: null, limit: 100 })).filter((a) =>
          a.type.startsWith("institutional"),
        ),
      ).toEqual([]);
      const q4Text = (await import("node:fs")).readFileSync(ACORN_Q4_FILE, "utf8");
      await store(q4Text, "q4.txt");
      await store(q4Text, "q4-again.txt");
      const news = await alertsOf(db, "institutional_new_position");
      const exits = await alertsOf(db, "institutional_exit");
      expect(news.map((a) => a.symbol)).toEqual(["GLD"]); // AON: 0.1%, below
      expect(exits.map((a) => a.symbol)).toEqual(["KO"]); // INTC: sold out too, below
      expect(news[0]?.values.weight_pct).toBeCloseTo(gldWeightPct, 2);
      expect(exits[0]?.values.weight_pct).toBeCloseTo((14_000_000 / q3Total) * 100, 2);
      expect(news[0]).toMatchObject({
        timestamp: "2025-01-23T04:59:59.000Z",
        dedupe_key: `institutional_new_position:${ACORN_CIK}:2024-12-31:${GLD}`,
        origin: {
          kind: "sec_13f",
          ref: ACORN_Q4_ACCESSION,
          url: `/Archives/edgar/data/1994827/${ACORN_Q4_ACCESSION.replaceAll("-", "")}/${ACORN_Q4_ACCESSION}-index.htm`,
          published_at: "2025-01-23T04:59:59.000Z",
        },
      });
    });

    it("does not raise a position just below the floor", async () => {
      const filing = {
        source: "sec_13f_xml",
        accession: ACORN_Q4_ACCESSION,
        publishedAt: new Date("2025-01-23T04:59:59Z"),
        filedDate: "2025-01-22",
        valueUnit: "usd" as const,
        cover: { filerCik: ACORN_CIK, periodOfReport: "2024-12-31", reportType: "13F HOLDINGS REPORT" },
      } as Parameters<typeof thirteenFAlerts>[1];
      const s = { ...DEFAULT_FILING_ALERT_SETTINGS, thirteenFMinWeightPct: gldWeightPct + 1e-6 };
      const got = await thirteenFAlerts(db, filing, s, new Date());
      expect(got.map((a) => a.symbol)).toEqual(["KO"]);
    });
  });

  describe("short-ratio spikes", () => {
    const days = ["20210104", "20210125", "20210126", "20210127", "20210128"];
    const fileOf = (d: string) => `CNMSshvol${d}.txt`;
    const figures = new Map(days.map((d) => [d, regShoFigures(fileOf(d))]));
    /** What the rule should find on the last day, computed here from the files: symbol -> excess. */
    const excessOnLastDay = (minVolume: number) => {
      const out = new Map<string, number>();
      for (const [symbol, [short, total]] of figures.get("20210128") as Map<string, [number, number]>) {
        if (total < minVolume || total <= 0) continue;
        const prior = days.slice(0, -1).flatMap((d) => {
          const f = figures.get(d)?.get(symbol);
          return f && f[1] > 0 ? [f[0] / f[1]] : [];
        });
        if (prior.length < 4) continue;
        out.set(symbol, short / total - prior.reduce((a, b) => a + b, 0) / prior.length);
      }
      return out;
    };
    const excess = excessOnLastDay(100_000);
    const sorted = [...excess.values()].sort((a, b) => b - a);
    const floor = sorted[39] as number; // the 40th largest excess is exactly at the floor
    const storeDay = (d: string) =>
      runIngest({
        db,
        kind: "short-volume",
        source: "finra_regsho",
        sourceRef: fileOf(d),
        records: parseShortVolume(createReadStream(finraFixture(fileOf(d))), { sourceName: fileOf(d) }),
        insert: shortVolumeStore.insert,
        transactional: true,
        strict: true,
      });

    it("raises one alert per symbol-day at or above the floor over the trailing average, once", async () => {
      settings({ shortSpikeMinExcess: floor, shortSpikeMinBaselineDays: 4, shortSpikeMinVolume: 100_000 });
      for (const d of days) await storeDay(d);
      await storeDay("20210128");
      const got = await alertsOf(db, "short_ratio_spike");
      const expected = [...excess].filter(([, e]) => e >= floor).map(([s]) => s);
      expect(expected.length).toBe(40);
      const canonical = (s: string) => {
        const c = canonicalSymbol(s);
        return c.ok ? c.symbol : s;
      };
      expect(got.map((a) => a.symbol).sort()).toEqual(expected.map(canonical).sort());
      const top = got.find((a) => a.values.excess === Math.max(...got.map((x) => x.values.excess as number)));
      expect(top).toMatchObject({
        timestamp: "2021-01-28T23:00:00.000Z",
        values: { day: "2021-01-28", baseline_days: 4, threshold_excess: floor },
        origin: {
          kind: "finra_regsho",
          ref: "CNMSshvol20210128.txt",
          url: null,
          published_at: "2021-01-28T23:00:00.000Z",
        },
      });
      for (const a of got) expect(a.dedupe_key).toBe(`short_ratio_spike:${a.symbol}:2021-01-28`);
    });

    it("finds a whole day's spikes in one query, and none just below the floor", async () => {
      const rows = [];
      for await (const r of parseShortVolume(createReadStream(finraFixture(fileOf("20210128"))), {
        sourceName: fileOf("20210128"),
      }))
        if (r.ok) rows.push(r.record);
      let statements = 0;
      const counting = new Proxy(db, {
        get(target, key, receiver) {
          if (key === "execute")
            return (q: Parameters<Db["execute"]>[0]) => {
              statements++;
              return target.execute(q);
            };
          return Reflect.get(target, key, receiver);
        },
      });
      const s = {
        ...DEFAULT_FILING_ALERT_SETTINGS,
        shortSpikeMinExcess: floor + 1e-6,
        shortSpikeMinBaselineDays: 4,
      };
      const got = await shortSpikeAlerts(counting, rows, s, new Date());
      expect(rows.length).toBeGreaterThan(9000);
      expect(statements).toBe(1);
      expect(got).toHaveLength(39);
      const quiet = await shortSpikeAlerts(db, rows, { ...s, shortSpikeMinVolume: 1e12 }, new Date());
      expect(quiet).toEqual([]);
    });

    it("raises nothing without enough prior days", async () => {
      const count = (
        await handle.query<{ n: number }>(
          sql`select count(*)::int as n from alerts where type = 'short_ratio_spike' and values->>'day' <> '2021-01-28'`,
        )
      )[0];
      expect(count?.n).toBe(0);
    });
  });
});
