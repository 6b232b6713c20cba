import type { Db } from "@smt/db";
import type { AtsWeeklyRecord } from "../darkpool/ats.parse";
import type { DailyBarRecord } from "../darkpool/bars.parse";
import { atsWeeklyStore, dailyBarsStore, shortVolumeStore } from "../darkpool/finra.store";
import type { PrintPipeline } from "../darkpool/pipeline";
import type { RawPrint } from "../darkpool/print";
import type { ShortVolumeRecord } from "../darkpool/short-volume.parse";
import { generateInstitutionalDemo } from "../institutional/institutional.demo";
import { addDays, etWallTimeToUtc, mondayOf } from "../lib/et-time";
import { runIngest } from "../lib/ingest";
import { type Parsed, parsedOk } from "../lib/records";
import { generateOptionsDemo } from "./demo-options";
import { demoClose, demoOpen, demoPriceAt, demoTradingDays, sessionBounds, symbolSeed } from "./demo-path";
import { MarketModel } from "./market-model";

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
  {
    name: "options",
    generate: async (o) => ({ ...(await generateOptionsDemo(o.db, o.symbol, { days: o.days, now: o.now })) }),
  },
];

const ATS_VENUES = [
  ["UBSA", "UBSA UBS ATS"],
  ["SGMT", "SGMT GOLDMAN SACHS SIGMA X2"],
  ["JPBX", "JPBX JPM-X"],
  ["INCR", "INCR INTELLIGENT CROSS LLC"],
  ["MSPL", "MSPL MS POOL (ATS-4)"],
] as const;

interface DayTape {
  prints: RawPrint[];
  bar: DailyBarRecord | null;
  short: ShortVolumeRecord;
  offVolume: number;
}

/**
 * One session of demo prints on the symbol's price path (demo-path.ts) with a little noise around it,
 * the day's bar when the session has finished (from those prints, closing on the path's close) and a
 * FINRA-shaped short-volume row.
 */
function demoDay(model: MarketModel, symbol: string, day: string, now: Date, perDay: number): DayTape {
  const { open, close } = sessionBounds(day);
  const end = Math.min(close.getTime(), now.getTime());
  const finished = close.getTime() <= now.getTime();
  const n = Math.max(1, Math.round((perDay * (end - open.getTime())) / (close.getTime() - open.getTime())));
  const bias = demoClose(symbol, day) >= demoOpen(symbol, day) ? 0.5 : -0.5;
  const prints: RawPrint[] = [];
  let volume = 0;
  let offVolume = 0;
  for (let i = 0; i < n; i++) {
    const ts = new Date(open.getTime() + Math.floor(((i + model.uniform()) / n) * (end - open.getTime())));
    const path = finished && i === n - 1 ? demoClose(symbol, day) : demoPriceAt(symbol, ts);
    model.setMid(symbol, i === n - 1 && finished ? path : path * (1 + 0.0006 * model.gaussian()));
    const p = model.print(symbol, ts, "demo", bias);
    prints.push(p);
    volume += p.sizeShares;
    if (p.isOffExchange) offVolume += p.sizeShares;
  }
  const prices = prints.map((p) => p.price);
  // A bar only for finished sessions: today's volume keeps growing with the live simulator, and the
  // dark-pool ratio then takes its denominator from the tape itself.
  const bar: DailyBarRecord | null = finished
    ? {
        symbol,
        day,
        open: prints[0]?.price ?? demoOpen(symbol, day),
        high: Math.max(...prices),
        low: Math.min(...prices),
        close: demoClose(symbol, day),
        volume,
        transactions: n,
        source: "demo",
        sourceRef: `demo:${symbol}:${day}`,
        publishedAt: etWallTimeToUtc(day, 20, 0),
      }
    : null;
  const shortRatio = 0.35 + model.uniform() * 0.2 + (bias < 0 ? 0.05 : 0);
  const short: ShortVolumeRecord = {
    day,
    symbol,
    facility: "CNMS",
    market: "B,Q,N",
    shortVolume: Math.round(offVolume * shortRatio),
    shortExemptVolume: Math.round(offVolume * 0.003),
    totalVolume: offVolume,
    source: "demo",
    sourceRef: `demo:${symbol}:${day}`,
    publishedAt: etWallTimeToUtc(day, 18, 0),
  };
  return { prints, bar, short, offVolume };
}

/** FINRA ATS weekly rows per venue for the weeks whose two-week publication delay has passed. */
function demoAtsWeeks(model: MarketModel, symbol: string, weekly: Map<string, number>, now: Date) {
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
        symbol,
        issueName: `${symbol} (demo)`,
        mpid,
        participantName: name,
        summaryType: "ATS_W_SMBL_FIRM",
        shares,
        trades: Math.max(1, Math.round(shares / 180)),
        lastUpdateDate: addDays(week, 14),
        source: "demo",
        sourceRef: `demo:${symbol}:${week}:${mpid}`,
        publishedAt: published,
      });
    }
  }
  return ats;
}

/**
 * Generates `days` trading days of demo history for a symbol through the real ingest paths: prints
 * through the print pipeline, bars derived from those prints, a FINRA-shaped short-volume row per day,
 * ATS weekly rows per venue, and what the other generators add (13F, Form 4, options). Everything is
 * stored with `source = demo`, and every price follows the symbol's one demo price path.
 */
export async function generateDemo(o: DemoOptions): Promise<DemoSummary> {
  const now = o.now ?? new Date();
  const model = new MarketModel({ seed: o.seed ?? symbolSeed(o.symbol), blockProbability: 0.01 });
  const days = demoTradingDays(now, o.days);
  const bars: DailyBarRecord[] = [];
  const shorts: ShortVolumeRecord[] = [];
  const weekly = new Map<string, number>();
  const prints: RawPrint[] = [];
  for (const day of days) {
    const tape = demoDay(model, o.symbol, day, now, o.printsPerDay ?? 400);
    prints.push(...tape.prints);
    if (tape.bar) bars.push(tape.bar);
    shorts.push(tape.short);
    weekly.set(mondayOf(day), (weekly.get(mondayOf(day)) ?? 0) + tape.offVolume);
  }
  const ats = demoAtsWeeks(model, o.symbol, weekly, now);

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
