import type { Db } from "@smt/db";
import type { AtsWeeklyRecord } from "../darkpool/ats.parse";
import type { DailyBarRecord } from "../darkpool/bars.parse";
import { atsWeeklyStore, dailyBarsStore, shortVolumeStore } from "../darkpool/finra.store";
import type { PrintPipeline } from "../darkpool/pipeline";
import type { RawPrint } from "../darkpool/print";
import type { ShortVolumeRecord } from "../darkpool/short-volume.parse";
import { generateInstitutionalDemo } from "../institutional/institutional.demo";
import { addDays, etDateOf, etWallTimeToUtc, mondayOf } from "../lib/et-time";
import { runIngest } from "../lib/ingest";
import { type Parsed, parsedOk } from "../lib/records";
import { MarketModel, symbolSeed } from "./market-model";

export interface DemoOptions {
  db: Db;
  pipeline: PrintPipeline;
  symbol: string;
  days: number;
  now?: Date;
  seed?: number;
  printsPerDay?: number;
}

export interface DemoSummary {
  symbol: string;
  days: number;
  prints: number;
  bars: number;
  short_volume_rows: number;
  ats_rows: number;
  extra: Record<string, unknown>;
}

/** Other features add their demo data here (institutional holdings, options, ...). */
export type DemoGenerator = (o: DemoOptions) => Promise<Record<string, unknown>>;
export const demoGenerators: { name: string; generate: DemoGenerator }[] = [
  {
    name: "institutional",
    generate: async (o) => ({
      ...(await generateInstitutionalDemo(o.db, o.symbol, { days: Math.max(o.days, 90), now: o.now })),
    }),
  },
];

const ATS_VENUES = [
  ["UBSA", "UBSA UBS ATS"],
  ["SGMT", "SGMT GOLDMAN SACHS SIGMA X2"],
  ["JPBX", "JPBX JPM-X"],
  ["INCR", "INCR INTELLIGENT CROSS LLC"],
  ["MSPL", "MSPL MS POOL (ATS-4)"],
] as const;

/**
 * Generates `days` weekdays of demo history for a symbol through the real ingest paths: prints through
 * the print pipeline, bars derived from those prints, a FINRA-shaped short-volume row per day and ATS
 * weekly rows per venue. Everything is stored with `source = demo`.
 */
export async function generateDemo(o: DemoOptions): Promise<DemoSummary> {
  const now = o.now ?? new Date();
  const model = new MarketModel({ seed: o.seed ?? symbolSeed(o.symbol), blockProbability: 0.01 });
  const perDay = o.printsPerDay ?? 400;
  const days: string[] = [];
  for (let d = etDateOf(now.getTime()); days.length < o.days; d = addDays(d, -1)) {
    const dow = new Date(`${d}T12:00:00Z`).getUTCDay();
    if (dow !== 0 && dow !== 6) days.unshift(d);
  }
  const bars: DailyBarRecord[] = [];
  const shorts: ShortVolumeRecord[] = [];
  const weekly = new Map<string, number>();
  const prints: RawPrint[] = [];
  for (const day of days) {
    const open = etWallTimeToUtc(day, 9, 30).getTime();
    const close = etWallTimeToUtc(day, 16, 0).getTime();
    if (open > now.getTime()) continue;
    const drift = (model.uniform() - 0.5) * 0.004;
    const openPrice = model.mid(o.symbol);
    let high = openPrice;
    let low = openPrice;
    let volume = 0;
    let offVolume = 0;
    const end = Math.min(close, now.getTime());
    const n = Math.max(1, Math.round((perDay * (end - open)) / (close - open)));
    for (let i = 0; i < n; i++) {
      const ts = new Date(open + Math.floor(((i + model.uniform()) / n) * (end - open)));
      const px = model.step(o.symbol, 0.0008, drift / n);
      high = Math.max(high, px);
      low = Math.min(low, px);
      const p = model.print(o.symbol, ts, "demo", drift > 0 ? 0.5 : -0.5);
      prints.push(p);
      volume += p.sizeShares;
      if (p.isOffExchange) offVolume += p.sizeShares;
    }
    const published = etWallTimeToUtc(day, 20, 0);
    // A bar only for finished sessions: today's volume keeps growing with the live simulator, and the
    // dark-pool ratio then takes its denominator from the tape itself.
    if (close <= now.getTime())
      bars.push({
        symbol: o.symbol,
        day,
        open: openPrice,
        high,
        low,
        close: model.mid(o.symbol),
        volume,
        transactions: n,
        source: "demo",
        sourceRef: `demo:${o.symbol}:${day}`,
        publishedAt: published,
      });
    const shortRatio = 0.35 + model.uniform() * 0.2 + (drift < 0 ? 0.05 : 0);
    shorts.push({
      day,
      symbol: o.symbol,
      facility: "CNMS",
      market: "B,Q,N",
      shortVolume: Math.round(offVolume * shortRatio),
      shortExemptVolume: Math.round(offVolume * 0.003),
      totalVolume: offVolume,
      source: "demo",
      sourceRef: `demo:${o.symbol}:${day}`,
      publishedAt: etWallTimeToUtc(day, 18, 0),
    });
    const monday = mondayOf(day);
    weekly.set(monday, (weekly.get(monday) ?? 0) + offVolume);
  }
  const ats: AtsWeeklyRecord[] = [];
  for (const [week, offVolume] of weekly) {
    const published = etWallTimeToUtc(addDays(week, 14), 6, 0);
    if (published > now) continue;
    let remaining = offVolume * 0.3;
    for (const [mpid, name] of ATS_VENUES) {
      const shares = Math.round(remaining * (0.3 + model.uniform() * 0.2));
      remaining -= shares;
      ats.push({
        weekStart: week,
        tier: "T1",
        symbol: o.symbol,
        issueName: `${o.symbol} (demo)`,
        mpid,
        participantName: name,
        summaryType: "ATS_W_SMBL_FIRM",
        shares,
        trades: Math.max(1, Math.round(shares / 180)),
        lastUpdateDate: addDays(week, 14),
        source: "demo",
        sourceRef: `demo:${o.symbol}:${week}:${mpid}`,
        publishedAt: published,
      });
    }
  }

  const printSummary = await o.pipeline.ingest(asParsed(prints, "demo"), {
    source: "demo",
    sourceRef: `demo:${o.symbol}`,
  });
  const store = async <T>(kind: string, rows: T[], insert: (db: Db, batch: T[]) => Promise<T[]>) =>
    runIngest({
      db: o.db,
      kind,
      source: "demo",
      sourceRef: `demo:${o.symbol}`,
      records: asParsed(rows, "demo"),
      insert,
      symbolOf: () => o.symbol,
    });
  const barSummary = await store("bars", bars, dailyBarsStore.insert);
  const shortSummary = await store("short-volume", shorts, shortVolumeStore.insert);
  const atsSummary = await store("ats", ats, atsWeeklyStore.insert);
  const extra: Record<string, unknown> = {};
  for (const g of demoGenerators) extra[g.name] = await g.generate({ ...o, now });
  return {
    symbol: o.symbol,
    days: days.length,
    prints: printSummary.accepted,
    bars: barSummary.accepted,
    short_volume_rows: shortSummary.accepted,
    ats_rows: atsSummary.accepted,
    extra,
  };
}

async function* asParsed<T>(rows: T[], source: string): AsyncGenerator<Parsed<T>> {
  for (const r of rows) yield parsedOk(r, { source });
}
