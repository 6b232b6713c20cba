/**
 * A synthetic full market day in the Polygon/Massive trades flat-file layout (`us_stocks_sip/trades_v1`,
 * comma CSV, quoted condition lists, sorted by ticker then time as the vendor's files are), shaped like the
 * real tape: SYMBOLS symbols whose print counts follow a Zipf-Mandelbrot law (weight of the k-th symbol
 * (k + 5)^-1, so at 20M prints the hottest hold ~444k, 381k, 333k prints and the coldest a few hundred),
 * ~45% off-exchange (exchange 4 with a TRF id 201-203 and a TRF timestamp), a U-shaped intraday profile with
 * 5% pre-market and 5% after-hours prints, odd lots, round lots and rare blocks. Deterministic for a seed.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rng } from "../../server/src/feeds/market-model";

export const MARKET_SYMBOLS = 10_000;
const ZIPF_S = 1;
const ZIPF_Q = 5;
/** Lit exchange ids (Polygon `/v3/reference/exchanges`), the TRF/ADF id 4 aside. */
const LIT_EXCHANGES = [1, 2, 3, 7, 8, 9, 10, 11, 12, 12, 12, 15, 16, 17, 18, 19, 20, 21];
const HEADER =
  "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp\n";

/** Symbol names: `Z` + base-26 letters, rank 0 hottest (`ZAAA`, `ZAAB`, ...), sorted as the file is. */
export const marketSymbol = (rank: number): string => {
  let s = "";
  let n = rank;
  for (let i = 0; i < 3; i++) {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return `Z${String.fromCharCode(65 + n)}${s}`;
};

/** Prints per symbol (rank order), summing to exactly `total`. */
export function zipfCounts(total: number, symbols = MARKET_SYMBOLS): number[] {
  const weights = Array.from({ length: symbols }, (_, i) => (i + 1 + ZIPF_Q) ** -ZIPF_S);
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.max(1, Math.floor((total * w) / sum)));
  let rest = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % symbols, rest--) counts[i] = (counts[i] as number) + 1;
  return counts;
}

/** Milliseconds into the day (from 04:00 ET) of a print: 5% pre-market, 90% U-shaped session, 5% after. */
function timeOfDayMs(r: () => number): number {
  const u = r();
  if (u < 0.05) return r() * 5.5 * 3_600_000; // 04:00-09:30
  if (u >= 0.95) return (12 + r() * 4) * 3_600_000; // 16:00-20:00
  // U shape over the session: density ~ 1 + 3 * (2x - 1)^2, sampled by rejection.
  for (;;) {
    const x = r();
    if (r() * 4 <= 1 + 3 * (2 * x - 1) ** 2) return (5.5 + x * 6.5) * 3_600_000;
  }
}

const pad6 = (n: number) => String(n).padStart(6, "0");

export interface MarketDayFile {
  bytes: number;
  prints: number;
  symbols: number;
  hottest: { symbol: string; prints: number };
}

interface SymbolState {
  symbol: string;
  /** Milliseconds from 04:00 ET of each print, ascending. */
  times: Float64Array;
  tape: number;
  price: number;
}

function symbolState(symbol: string, n: number, r: () => number): SymbolState {
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = timeOfDayMs(r);
  times.sort();
  return { symbol, times, tape: 1 + Math.floor(r() * 3), price: 5 + r() * 400 };
}

const EXTENDED_BEFORE = 5.5 * 3_600_000;
const EXTENDED_AFTER = 12 * 3_600_000;

/** Lines `from` to `to` (exclusive) of one symbol's prints. */
function symbolLines(
  s: SymbolState,
  from: number,
  to: number,
  openMs: number,
  r: () => number,
  nextId: () => number,
): string {
  let out = "";
  for (let i = from; i < to; i++) {
    const t = s.times[i] as number;
    const ms = openMs + Math.floor(t);
    const sub = pad6(Math.floor(r() * 1_000_000));
    s.price = Math.max(1, s.price * (1 + (r() - 0.5) * 0.0004));
    const u = r();
    const size =
      u < 0.3
        ? 1 + Math.floor(r() * 99)
        : u < 0.998
          ? 100 * (1 + Math.floor(r() * 20))
          : 10_000 + Math.floor(r() * 190_000);
    const extended = t < EXTENDED_BEFORE || t >= EXTENDED_AFTER;
    const iso = r() < 0.1;
    const codes = [extended ? "12" : "", iso ? "14" : "", size < 100 ? "37" : ""].filter((c) => c !== "");
    const cond = codes.length === 0 ? "" : codes.length === 1 ? (codes[0] as string) : `"${codes.join(",")}"`;
    const off = r() < 0.45;
    const exchange = off ? 4 : (LIT_EXCHANGES[Math.floor(r() * LIT_EXCHANGES.length)] as number);
    const trf = off ? String(201 + Math.floor(r() * 3)) : "";
    const participantMs = ms - Math.floor(r() * 3);
    const id = nextId();
    out += `${s.symbol},${cond},,${exchange},${id},${participantMs}${sub},${s.price.toFixed(4)},${id},${ms}${sub},${size},${s.tape},${trf},${off ? `${ms}${sub}` : ""}\n`;
  }
  return out;
}

/**
 * Writes the day `day` (YYYY-MM-DD, a New York trading day; `openUtcMs` is its 04:00 ET) with `total`
 * prints over `symbols` symbols to `path`, streaming symbol by symbol (fewer symbols: hotter ones).
 */
export async function writeMarketDay(
  path: string,
  total: number,
  openUtcMs: number,
  symbols = MARKET_SYMBOLS,
  seed = 14,
): Promise<MarketDayFile> {
  const counts = zipfCounts(total, symbols);
  const r = rng(seed);
  let id = 0;
  const nextId = () => ++id;
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  out.write(HEADER);
  let bytes = HEADER.length;
  for (let k = 0; k < counts.length; k++) {
    // Hot symbols in slices, so no string grows past a few MB.
    const n = counts[k] as number;
    const state = symbolState(marketSymbol(k), n, r);
    for (let from = 0; from < n; from += 50_000) {
      const text = symbolLines(state, from, Math.min(n, from + 50_000), openUtcMs, r, nextId);
      bytes += text.length;
      if (!out.write(text)) await once(out, "drain");
    }
  }
  out.end();
  await once(out, "finish");
  return {
    bytes,
    prints: total,
    symbols: counts.length,
    hottest: { symbol: marketSymbol(0), prints: counts[0] as number },
  };
}
