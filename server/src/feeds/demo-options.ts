/**
 * Demo option prints and open interest for a symbol, priced off the symbol's demo price path
 * (demo-path.ts) with Black-Scholes at a flat volatility, so options positioning, unusual-options and
 * the Smart Money Index's options input have data for every demo symbol. Stored with `source = demo`,
 * deterministic per symbol and day (a second run stores nothing new).
 */
import type { Db } from "@smt/db";
import type { OptionRight } from "../blocks/occ";
import {
  CONTRACT_MULTIPLIER,
  OPTIONS_EXCHANGES,
  type OpenInterestRow,
  type OptionPrint,
  optionConditionFlags,
  optionSentiment,
  optionSide,
} from "../blocks/options.parse";
import { insertOpenInterest, insertOptionPrints } from "../blocks/options.store";
import { addDays } from "../lib/et-time";
import { runIngest } from "../lib/ingest";
import { type Parsed, parsedOk } from "../lib/records";
import { isTradingDay } from "../lib/trading-calendar";
import {
  demoClose,
  demoOpen,
  demoPriceAt,
  demoTradingDays,
  previousTradingDay,
  sessionBounds,
  unitHash,
} from "./demo-path";
import { rng } from "./market-model";

export interface OptionsDemoSummary {
  option_prints: number;
  open_interest_rows: number;
}

const VOLATILITY = 0.3;
const RATE = 0.04;
const YEAR_MS = 365 * 86_400_000;

/** Standard normal CDF (Abramowitz & Stegun 7.1.26, error < 1.5e-7). */
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return 0.5 * (1 + (x >= 0 ? erf : -erf));
}

/** Black-Scholes value per share of a European option (a fair enough mark for demo quotes). */
export function blackScholes(right: OptionRight, spot: number, strike: number, years: number): number {
  const t = Math.max(years, 1 / 365);
  const sd = VOLATILITY * Math.sqrt(t);
  const d1 = (Math.log(spot / strike) + (RATE + (VOLATILITY * VOLATILITY) / 2) * t) / sd;
  const d2 = d1 - sd;
  const discounted = strike * Math.exp(-RATE * t);
  return right === "call"
    ? spot * normCdf(d1) - discounted * normCdf(d2)
    : discounted * normCdf(-d2) - spot * normCdf(-d1);
}

/** Friday on or after a day; the third Friday of a month (standard monthly expiry). */
const fridayOnOrAfter = (day: string) => addDays(day, (5 - new Date(`${day}T12:00:00Z`).getUTCDay() + 7) % 7);
const thirdFriday = (year: number, month: number) =>
  addDays(fridayOnOrAfter(`${year}-${String(month).padStart(2, "0")}-01`), 14);

/** Expiries a trader would use on `day`: the next weekly and the next two monthlies (as trading days). */
function expiriesFor(day: string): string[] {
  const d = new Date(`${day}T12:00:00Z`);
  const monthlies: string[] = [];
  for (let k = 0; monthlies.length < 2; k++) {
    const m = d.getUTCMonth() + k;
    const f = thirdFriday(d.getUTCFullYear() + Math.floor(m / 12), (m % 12) + 1);
    if (f > day) monthlies.push(f);
  }
  const weekly = fridayOnOrAfter(addDays(day, 1));
  const asTradingDay = (x: string) => (isTradingDay(x) ? x : previousTradingDay(x));
  return [...new Set([weekly, ...monthlies].map(asTradingDay))];
}

const strikeStep = (price: number) => (price < 50 ? 1 : price < 200 ? 5 : 10);

function contractOf(symbol: string, expiry: string, right: OptionRight, strikeUsd: number) {
  const root = symbol.replace(/[^A-Z0-9]/g, "").slice(0, 6);
  const yymmdd = expiry.slice(2).replaceAll("-", "");
  const contract = `${root}${yymmdd}${right === "call" ? "C" : "P"}${String(Math.round(strikeUsd * 1000)).padStart(8, "0")}`;
  return { contract, root, underlying: symbol, expiry, right, strikeUsd, adjusted: false, isIndex: false };
}

const EXCHANGE_IDS = Object.keys(OPTIONS_EXCHANGES).map(Number);
const toTick = (v: number) => Math.max(0.01, Math.round(v * 100) / 100);

/**
 * One session of option prints: strikes around the prior close, calls and puts, NBBO around the model
 * value, and sides tilted by the day's move on the path (more calls bought on up days, puts on down days).
 */
export function demoOptionDay(symbol: string, day: string, now: Date, printsPerDay = 60): OptionPrint[] {
  const random = rng((unitHash(`${symbol}:options:${day}`) * 4294967296) >>> 0);
  const { open, close } = sessionBounds(day);
  const end = Math.min(close.getTime(), now.getTime());
  if (end <= open.getTime()) return [];
  const ref = demoClose(symbol, previousTradingDay(day));
  const step = strikeStep(ref);
  const atm = Math.round(ref / step) * step;
  const expiries = expiriesFor(day);
  const up = demoClose(symbol, day) >= demoOpen(symbol, day);
  const n = Math.max(
    1,
    Math.round((printsPerDay * (end - open.getTime())) / (close.getTime() - open.getTime())),
  );
  const prints: OptionPrint[] = [];
  for (let i = 0; i < n; i++) {
    const tsMs = open.getTime() + Math.floor(((i + random()) / n) * (end - open.getTime()));
    const right: OptionRight = random() < (up ? 0.62 : 0.42) ? "call" : "put";
    const strike = Math.max(step, atm + step * (Math.floor(random() * 5) - 2));
    const expiry = expiries[Math.floor(random() * expiries.length)] as string;
    const c = contractOf(symbol, expiry, right, strike);
    const years = (sessionBounds(expiry).close.getTime() - tsMs) / YEAR_MS;
    const mark = blackScholes(right, demoPriceAt(symbol, new Date(tsMs)), strike, years);
    const half = Math.max(0.01, mark * 0.02);
    const bid = toTick(mark - half);
    const ask = toTick(Math.max(mark + half, bid + 0.01));
    // Buyers lift the ask more often in the direction of the day's move.
    const buy = random() < ((right === "call") === up ? 0.65 : 0.4);
    const roll = random();
    const price = roll < 0.15 ? toTick((bid + ask) / 2) : buy ? ask : bid;
    const size = random() < 0.03 ? 500 + Math.floor(random() * 1500) : 1 + Math.floor(Math.exp(random() * 5));
    const iso = size >= 100 && random() < 0.4;
    const conditions = iso ? ["S"] : [];
    const exchangeId = EXCHANGE_IDS[Math.floor(random() * EXCHANGE_IDS.length)] as number;
    const side = optionSide(price, bid, ask);
    prints.push({
      ...c,
      ts: new Date(tsMs),
      price,
      sizeContracts: size,
      premiumUsd: Math.round(price * size * CONTRACT_MULTIPLIER * 100) / 100,
      exchangeId,
      exchange: OPTIONS_EXCHANGES[exchangeId] ?? null,
      conditions,
      correction: 0,
      ...optionConditionFlags(conditions),
      bid,
      ask,
      side,
      sentiment: optionSentiment(right, side),
      tradeKey: `demo|${c.contract}|${tsMs}|${i}`,
      source: "demo",
      sourceRef: `demo:${symbol}:${day}:${i}`,
    });
  }
  return prints;
}

/** Open interest at the start of `day` for the contracts traded that day (deterministic per contract). */
function demoOpenInterest(symbol: string, day: string, prints: OptionPrint[]): OpenInterestRow[] {
  const contracts = new Set(prints.map((p) => p.contract));
  return [...contracts].map((contract) => ({
    day,
    contract,
    underlying: symbol,
    openInterestContracts: Math.round(
      800 + 12_000 * unitHash(contract) + 400 * unitHash(`${contract}:${day}`),
    ),
    source: "demo",
    sourceRef: `demo:${symbol}:${day}:${contract}`,
  }));
}

async function* asParsed<T>(rows: T[]): AsyncGenerator<Parsed<T>> {
  for (const r of rows) yield parsedOk(r, { source: "demo" });
}

/** Option prints and open interest for the last `days` trading days (at most 30) up to `now`. */
export async function generateOptionsDemo(
  db: Db,
  symbol: string,
  options: { days: number; now?: Date | undefined },
): Promise<OptionsDemoSummary> {
  const now = options.now ?? new Date();
  const prints: OptionPrint[] = [];
  const oi: OpenInterestRow[] = [];
  for (const day of demoTradingDays(now, Math.min(options.days, 30))) {
    const dayPrints = demoOptionDay(symbol, day, now);
    prints.push(...dayPrints);
    oi.push(...demoOpenInterest(symbol, day, dayPrints));
  }
  const common = { db, source: "demo", sourceRef: `demo:${symbol}`, symbolOf: () => symbol };
  const stored = await runIngest({
    ...common,
    kind: "options",
    records: asParsed(prints),
    insert: insertOptionPrints,
  });
  const storedOi = await runIngest({
    ...common,
    kind: "open-interest",
    records: asParsed(oi),
    insert: insertOpenInterest,
  });
  return { option_prints: stored.accepted, open_interest_rows: storedOi.accepted };
}
