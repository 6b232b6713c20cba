/**
 * Throughput of the darkpool parsers and the enricher on in-memory input (no disk, no database): daily bars
 * (both layouts), Reg SHO short volume, Polygon trades, Alpaca stream frames and `PrintEnricher.enrich`.
 * Each figure is the median of the passes, beside a same-run floor: what the input costs before any parsing
 * (`readLines` over the same bytes, `JSON.parse` of the same frames, a plain copy of the same prints).
 *
 * Paired before/after: `PARSERS_BASE=<another checkout> pnpm bench parsers` loads the same modules from
 * that checkout too and alternates passes (base, this tree, this tree, base, ...), so both see the same
 * machine load; it prints both medians and the median of the per-pair ratios (this tree / base).
 *
 * Run: `pnpm bench parsers` (or `npx tsx test/bench/parsers.bench.ts [records]`).
 */
import { join, resolve } from "node:path";
import type * as Alpaca from "../../server/src/darkpool/alpaca.parse";
import type * as Bars from "../../server/src/darkpool/bars.parse";
import type * as Enrich from "../../server/src/darkpool/enrich";
import type * as Polygon from "../../server/src/darkpool/polygon-trades.parse";
import type { RawPrint } from "../../server/src/darkpool/print";
import type * as ShortVolume from "../../server/src/darkpool/short-volume.parse";
import { readLines } from "../../server/src/lib/lines";
import { fmt, report } from "./support";

/** The measured functions, loaded from one checkout. */
interface Impl {
  parseDailyBars: typeof Bars.parseDailyBars;
  parseShortVolume: typeof ShortVolume.parseShortVolume;
  parsePolygonTradeBatches: typeof Polygon.parsePolygonTradeBatches;
  parseAlpacaMessages: typeof Alpaca.parseAlpacaMessages;
  PrintEnricher: typeof Enrich.PrintEnricher;
}

async function load(root: string): Promise<Impl> {
  const at = (module: string) => join(root, "server/src/darkpool", `${module}.ts`);
  const bars: typeof Bars = await import(at("bars.parse"));
  const shortVolume: typeof ShortVolume = await import(at("short-volume.parse"));
  const polygon: typeof Polygon = await import(at("polygon-trades.parse"));
  const alpaca: typeof Alpaca = await import(at("alpaca.parse"));
  const enrich: typeof Enrich = await import(at("enrich"));
  return {
    parseDailyBars: bars.parseDailyBars,
    parseShortVolume: shortVolume.parseShortVolume,
    parsePolygonTradeBatches: polygon.parsePolygonTradeBatches,
    parseAlpacaMessages: alpaca.parseAlpacaMessages,
    PrintEnricher: enrich.PrintEnricher,
  };
}

const here = await load(join(import.meta.dirname, "..", ".."));
const baseRoot = process.env.PARSERS_BASE;
const base = baseRoot === undefined ? null : await load(resolve(baseRoot));

const LINES = Number(process.argv[2] ?? 200_000);
const PASSES = base === null ? 5 : 8;
const encoder = new TextEncoder();

let seed = 11;
const rand = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
};
const SYMBOLS = Array.from({ length: 500 }, (_, i) => `S${i.toString(36).toUpperCase().padStart(3, "A")}`);
const symbolAt = (i: number) => SYMBOLS[i % SYMBOLS.length] as string;

/** The text cut in 64 KB chunks, as a file stream delivers it. */
function chunksOf(text: string): Uint8Array[] {
  const bytes = encoder.encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += 65_536) out.push(bytes.subarray(i, i + 65_536));
  return out;
}
async function* stream(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

function barsCsv(vendor: boolean): string {
  const rows: string[] = [
    vendor
      ? "ticker,volume,open,close,high,low,window_start,transactions"
      : "date,symbol,open,high,low,close,volume",
  ];
  const ns = BigInt(Date.UTC(2025, 2, 12, 4)) * 1_000_000n;
  for (let i = 0; i < LINES; i++) {
    const open = (50 + rand() * 50).toFixed(2);
    const close = (50 + rand() * 50).toFixed(2);
    const high = (Math.max(Number(open), Number(close)) + 1).toFixed(2);
    const low = (Math.min(Number(open), Number(close)) - 1).toFixed(2);
    const volume = Math.floor(rand() * 1e7);
    rows.push(
      vendor
        ? `${symbolAt(i)},${volume},${open},${close},${high},${low},${ns + BigInt(i % 20) * 86_400_000_000_000n},${i % 9000}`
        : `2025-03-${String(3 + (i % 20)).padStart(2, "0")},${symbolAt(i)},${open},${high},${low},${close},${volume}`,
    );
  }
  return `${rows.join("\n")}\n`;
}

function shortVolumeFile(): string {
  const rows = ["Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market"];
  for (let i = 0; i < LINES; i++) {
    const total = Math.floor(rand() * 1e6) + 10;
    rows.push(`20250312|${symbolAt(i)}|${Math.floor(total / 2)}|${i % 7}|${total}|B,Q,N`);
  }
  rows.push(String(LINES));
  return `${rows.join("\n")}\n`;
}

function polygonFile(): string {
  const rows = [
    "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp",
  ];
  let ns = BigInt(Date.UTC(2025, 2, 12, 13, 30)) * 1_000_000n;
  for (let i = 0; i < LINES; i++) {
    ns += BigInt(Math.floor(rand() * 20_000));
    const off = rand() < 0.4;
    const size = rand() < 0.3 ? Math.ceil(rand() * 99) : Math.ceil(rand() * 20) * 100;
    const cond = size < 100 ? '"12,37"' : "12";
    const ex = off ? 4 : 9 + Math.floor(rand() * 3);
    const trf = off ? 201 + Math.floor(rand() * 3) : "";
    rows.push(
      `${symbolAt(i)},${cond},0,${ex},${i + 1},${ns},${(50 + (i % 97) + rand()).toFixed(4)},${i},${ns + 1000n},${size}.000000,3,${trf},${off ? ns + 500n : ""}`,
    );
  }
  return `${rows.join("\n")}\n`;
}

/** Frames of ten messages: trades, quotes and now and then a correction and a cancel. */
function alpacaFrames(): string[] {
  const frames: string[] = [];
  const t0 = Date.UTC(2025, 2, 12, 14);
  for (let f = 0; f < LINES / 10; f++) {
    const messages: unknown[] = [];
    for (let k = 0; k < 10; k++) {
      const i = f * 10 + k;
      const S = symbolAt(i);
      const t = new Date(t0 + i * 3).toISOString().replace("Z", "123456Z");
      const p = 50 + (i % 97) + 0.25;
      if (k === 9 && f % 10 === 0) messages.push({ T: "x", S, i: i, x: "D", p, s: 100, a: "C", t, z: "C" });
      else if (k === 8 && f % 10 === 0)
        messages.push({
          T: "c",
          S,
          x: "V",
          oi: i,
          op: p,
          os: 100,
          oc: ["@"],
          ci: i + 1,
          cp: p,
          cs: 200,
          cc: ["@"],
          t,
          z: "C",
        });
      else if (k % 3 === 0)
        messages.push({
          T: "q",
          S,
          bx: "V",
          bp: p - 0.01,
          bs: 1,
          ax: "V",
          ap: p + 0.01,
          as: 2,
          c: ["R"],
          t,
          z: "C",
        });
      else
        messages.push({ T: "t", S, i, x: k % 2 === 0 ? "D" : "V", p, s: 100 * k, c: ["@", "I"], t, z: "C" });
    }
    frames.push(JSON.stringify(messages));
  }
  return frames;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** One timed pass: items/s. */
async function timed(items: number, pass: () => Promise<number> | number): Promise<number> {
  const t0 = performance.now();
  const n = await pass();
  const secs = (performance.now() - t0) / 1000;
  if (n !== items) throw new Error(`pass produced ${n} items, expected ${items}`);
  return items / secs;
}

/** Median rate in items/s over the passes. */
async function rate(items: number, pass: () => Promise<number> | number): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < PASSES; i++) rates.push(await timed(items, pass));
  return median(rates);
}

async function linesFloor(chunks: Uint8Array[], lines: number): Promise<number> {
  return rate(lines, async () => {
    let n = 0;
    for await (const { text } of readLines(stream(chunks), "floor.txt")) if (text.length > 0) n++;
    return n;
  });
}

async function countOk(records: AsyncIterable<{ ok: boolean }>): Promise<number> {
  let n = 0;
  for await (const r of records) {
    if (!r.ok) throw new Error(`bench input refused: ${JSON.stringify(r)}`);
    n++;
  }
  return n;
}

const rows: [string, string][] = [];

/**
 * Measures `pass` with this tree's functions (and, paired, the base checkout's) and adds the row.
 * `floor` is the same-run cost of reading the input.
 */
async function measure(
  name: string,
  unit: string,
  items: number,
  floor: number,
  pass: (impl: Impl) => Promise<number> | number,
): Promise<void> {
  if (base === null) {
    const r = await rate(items, () => pass(here));
    rows.push([name, `${fmt(r)} ${unit}/s (floor ${fmt(floor)}/s)`]);
    return;
  }
  const before: number[] = [];
  const after: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < PASSES; i++) {
    // Alternate who goes first (ABBA), so neither side always runs on the other's garbage.
    let b: number;
    let a: number;
    if (i % 2 === 0) {
      b = await timed(items, () => pass(base));
      a = await timed(items, () => pass(here));
    } else {
      a = await timed(items, () => pass(here));
      b = await timed(items, () => pass(base));
    }
    before.push(b);
    after.push(a);
    ratios.push(a / b);
  }
  rows.push([
    name,
    `base ${fmt(median(before))} -> ${fmt(median(after))} ${unit}/s, ratio ${fmt(median(ratios), 2)} (floor ${fmt(floor)}/s)`,
  ]);
}

for (const vendor of [false, true]) {
  const chunks = chunksOf(barsCsv(vendor));
  const floor = await linesFloor(chunks, LINES + 1);
  await measure(
    `parseDailyBars, ${vendor ? "Polygon day aggs" : "generic CSV"}`,
    "rows",
    LINES,
    floor,
    (impl) => countOk(impl.parseDailyBars(stream(chunks), { sourceName: "bars.csv" })),
  );
}

{
  const chunks = chunksOf(shortVolumeFile());
  const floor = await linesFloor(chunks, LINES + 2);
  await measure("parseShortVolume, current layout", "rows", LINES, floor, (impl) =>
    countOk(impl.parseShortVolume(stream(chunks), { sourceName: "CNMSshvol20250312.txt" })),
  );
}

const prints: RawPrint[] = [];
{
  const chunks = chunksOf(polygonFile());
  const floor = await linesFloor(chunks, LINES + 1);
  await measure("parsePolygonTradeBatches (parseLine)", "prints", LINES, floor, async (impl) => {
    prints.length = 0;
    for await (const batch of impl.parsePolygonTradeBatches(stream(chunks), { sourceName: "trades.csv" })) {
      for (const item of batch) {
        if (!item.ok) throw new Error(`bench input refused: ${item.error.message}`);
        prints.push(item.record);
      }
    }
    return prints.length;
  });
}

{
  const frames = alpacaFrames();
  const floor = await rate(LINES, () => {
    let n = 0;
    for (const frame of frames) n += (JSON.parse(frame) as unknown[]).length;
    return n;
  });
  await measure("parseAlpacaMessages (toEvent)", "messages", LINES, floor, (impl) => {
    let n = 0;
    for (const frame of frames) {
      for (const item of impl.parseAlpacaMessages(frame, { sourceName: "alpaca" })) {
        if (!item.ok) throw new Error(`bench input refused: ${item.error.message}`);
        n++;
      }
    }
    return n;
  });
}

{
  const floor = await rate(LINES, () => {
    let n = 0;
    for (const p of prints) if ({ ...p }.price > 0) n++;
    return n;
  });
  // Every third print brings a quote first, so both the NBBO and the last-lit paths run.
  await measure("PrintEnricher.enrich", "prints", LINES, floor, (impl) => {
    const enricher = new impl.PrintEnricher({ lastLitWindowMs: 60_000, midToleranceBps: 2 });
    let n = 0;
    for (let i = 0; i < prints.length; i++) {
      const p = prints[i] as RawPrint;
      if (i % 3 === 0)
        enricher.onQuote({ symbol: p.symbol, ts: p.ts, bid: p.price - 0.02, ask: p.price + 0.02 });
      if (enricher.enrich(p).tradeKey.length > 0) n++;
    }
    return n;
  });
}

report(
  `darkpool parsers and enrichment (${fmt(LINES)} records each, median of ${PASSES} passes${
    base === null ? "" : `, paired with ${baseRoot}`
  })`,
  rows,
);
