import { type DbHandle, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { createLogger } from "../lib/log";
import { LiveBus } from "../realtime/bus";
import { PrintPipeline } from "./pipeline";
import { parsePrintBatches } from "./prints.parse";

const HEADER =
  "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp";

/** A lit print of the vendor's trades flat file at a UTC time. */
function line(symbol: string, id: number, utc: string, price: number, size: number) {
  const ns = `${BigInt(Date.parse(utc)) * 1_000_000n}`;
  return `${symbol},,0,11,${id},${ns},${price},${id},${ns},${size},3,,`;
}

const bytes = (text: string) =>
  (async function* () {
    yield Buffer.from(text);
  })();

describe.each(engines())("print pipeline: derived daily bars (%s)", (engine) => {
  let handle: DbHandle;
  let pipeline: PrintPipeline;
  beforeAll(async () => {
    handle = await openTestDb(engine);
    pipeline = new PrintPipeline({
      db: handle.db,
      bus: new LiveBus(),
      log: createLogger("silent"),
      lastLitWindowMs: 60_000,
    });
  });
  afterAll(async () => {
    await pipeline.close();
    await handle.close();
  });

  const ingest = (name: string, text: string) =>
    pipeline.ingest(parsePrintBatches(bytes(text), { sourceName: name }), {
      source: "test",
      sourceRef: name,
    });
  const bars = async (symbol: string) =>
    rowsOf<{ day: string; close: number; volume: number }>(
      await handle.db.execute(
        sql`select day::text as day, close::float8 as close, volume::float8 as volume
            from daily_bars where symbol = ${symbol} order by day`,
      ),
    );

  it("a re-ingest after a kill derives the bars of days stored before the kill (all duplicates now)", async () => {
    const file = [
      HEADER,
      line("REKILL", 1, "2025-03-10T14:00:00Z", 10, 100),
      line("REKILL", 2, "2025-03-10T19:00:00Z", 11, 200),
      line("REKILL", 3, "2025-03-11T14:00:00Z", 12, 300),
    ].join("\n");
    expect(await ingest("rekill.csv", file)).toMatchObject({ accepted: 3 });
    // A kill -9 after the prints were committed and before bars were derived leaves no bars behind.
    await handle.db.execute(sql`delete from daily_bars where symbol = 'REKILL'`);
    expect(await ingest("rekill.csv", file)).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(await bars("REKILL")).toEqual([
      { day: "2025-03-10", close: 11, volume: 300 },
      { day: "2025-03-11", close: 12, volume: 300 },
    ]);
  });

  it("a derived bar left from after-hours prints alone (darkpool-1) is removed when its day is derived again", async () => {
    await handle.db.execute(sql`
      insert into daily_bars (symbol, day, open, high, low, close, volume, transactions, source, source_ref, published_at)
      values ('STALE', '2025-03-12', 231, 231, 231, 231, 500, 1, 'derived_from_prints', 'darkpool-1', '2025-03-12T23:30:00Z')`);
    const file = [
      HEADER,
      line("STALE", 1, "2025-03-12T23:30:00Z", 231, 500), // 19:30 ET: after hours
      line("STALE", 2, "2025-03-13T15:00:00Z", 250, 100), // 11:00 ET
      line("STALE", 3, "2025-03-13T23:30:00Z", 240, 100), // 19:30 ET: not the close
    ].join("\n");
    expect(await ingest("stale.csv", file)).toMatchObject({ accepted: 3 });
    expect(await bars("STALE")).toEqual([{ day: "2025-03-13", close: 250, volume: 100 }]);
  });
});

/** New York wall-clock date and time (`YYYY-MM-DD`, `HH:MM:SS.mmm`) of an instant, by Intl (not SQL). */
const NY = new Intl.DateTimeFormat("en-CA", {
  timeZone: "America/New_York",
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  fractionalSecondDigits: 3,
});
function nyWall(ts: Date): { day: string; time: string } {
  const part = Object.fromEntries(NY.formatToParts(ts).map((p) => [p.type, p.value]));
  return {
    day: `${part.year}-${part.month}-${part.day}`,
    time: `${part.hour}:${part.minute}:${part.second}.${part.fractionalSecond}`,
  };
}

interface StoredPrint {
  symbol: string;
  ts: Date;
  price: number;
  size: number;
  block_eligible: boolean;
  is_off_exchange: boolean;
  correction: number;
  extended_hours: boolean;
}

/**
 * The bars methodology (docs/methodology.md, "Per day") applied to stored rows in JavaScript: per symbol
 * and New York day, the counted (correction < 7) regular-session prints (09:30:00 through the 16:00:00
 * second, not extended-hours); a bar when they include a lit print and a block-eligible one; open and close
 * from the first and last block-eligible print, high/low over block-eligible prints, volume over all.
 */
function barsFromRows(rows: StoredPrint[]) {
  const days = new Map<string, StoredPrint[]>();
  for (const p of rows) {
    const { day, time } = nyWall(p.ts);
    if (p.correction >= 7 || p.extended_hours || time < "09:30:00.000" || time > "16:00:00.999") continue;
    const key = `${p.symbol} ${day}`;
    days.set(key, [...(days.get(key) ?? []), p]);
  }
  const bars: Record<string, unknown>[] = [];
  for (const [key, prints] of [...days].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const eligible = prints.filter((p) => p.block_eligible).sort((a, b) => +a.ts - +b.ts);
    if (eligible.length === 0 || prints.every((p) => p.is_off_exchange)) continue;
    const [symbol, day] = key.split(" ");
    const prices = eligible.map((p) => p.price);
    bars.push({
      symbol,
      day,
      open: eligible[0]?.price,
      high: Math.max(...prices),
      low: Math.min(...prices),
      close: eligible.at(-1)?.price,
      volume: prints.reduce((s, p) => s + p.size, 0),
      transactions: prints.length,
    });
  }
  return bars;
}

describe.each(engines())("print pipeline: derived bars of a multi-batch file (%s)", (engine) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(engine);
  });
  afterAll(async () => {
    await handle.close();
  });

  it("equal the bars computed from the stored rows, also with prints stored before the file", async () => {
    const symbols = ["MBA", "MBB", "MBC", "MBD"];
    const conditions = ["", "12", "37", "14", '"12,37"', "", ""];
    const lines = [HEADER];
    // 12,500 prints (three batches of 5,000 at most, by COPY on Postgres), symbols interleaved so each one's
    // days span every batch; two days (EDT), 04:00 to 20:00 ET, some at the 16:00:00 second, cancels
    // (correction 8), odd lots, Form T; MBD trades off-exchange only on the second day (no bar that day).
    for (let i = 0; i < 12_500; i++) {
      const symbol = symbols[i % 4] as string;
      const day = i % 3 === 0 ? "2025-06-12" : "2025-06-13";
      const ms = Date.parse(`${day}T08:00:00Z`) + ((i * 4_613) % 57_600_000);
      const at = i % 97 === 0 ? Date.parse(`${day}T20:00:00.250Z`) + (i % 700) : ms;
      const off = i % 5 < 2 || (symbol === "MBD" && day === "2025-06-13");
      const ns = `${BigInt(at) * 1_000_000n + BigInt(i)}`;
      const price = (20 + ((i * 7919) % 1000) / 100).toFixed(2);
      lines.push(
        `${symbol},${conditions[i % 7]},${i % 41 === 0 ? 8 : 0},${off ? 4 : 11},${i + 1},${ns},${price},${i},${ns},${1 + ((i * 31) % 700)},3,${off ? 202 : ""},${off ? ns : ""}`,
      );
    }
    const pipeline = new PrintPipeline({
      db: handle.db,
      bus: new LiveBus(),
      log: createLogger("silent"),
      lastLitWindowMs: 60_000,
    });
    // A print of MBA stored before the file (the day's first trade): the bar derived after the file counts it.
    const early = line("MBA", 900_001, "2025-06-13T13:30:00Z", 19.5, 300);
    await pipeline.ingest(parsePrintBatches(bytes(`${HEADER}\n${early}`), { sourceName: "early.csv" }), {
      source: "test",
      sourceRef: "early.csv",
    });
    const summary = await pipeline.ingest(
      parsePrintBatches(bytes(lines.join("\n")), { sourceName: "mb.csv" }),
      {
        source: "test",
        sourceRef: "mb.csv",
      },
    );
    expect(summary).toMatchObject({ accepted: 12_500, rejected: 0 });
    await pipeline.close();
    const rows = rowsOf<StoredPrint>(
      await handle.db.execute(sql`
        select symbol, ts, price::float8 as price, size::float8 as size, block_eligible, is_off_exchange,
          correction, extended_hours
        from prints where symbol like 'MB_'`),
    ).map((r) => ({ ...r, ts: new Date(r.ts as unknown as string) }));
    expect(rows).toHaveLength(12_501);
    const expected = barsFromRows(rows);
    expect(expected.map((b) => `${b.symbol} ${b.day}`)).toEqual([
      "MBA 2025-06-12",
      "MBA 2025-06-13",
      "MBB 2025-06-12",
      "MBB 2025-06-13",
      "MBC 2025-06-12",
      "MBC 2025-06-13",
      "MBD 2025-06-12",
    ]);
    const derived = rowsOf<Record<string, unknown>>(
      await handle.db.execute(sql`
        select symbol, day::text as day, open::float8 as open, high::float8 as high, low::float8 as low,
          close::float8 as close, volume::float8 as volume, transactions::float8 as transactions
        from daily_bars where source = 'derived_from_prints' and symbol like 'MB_' order by symbol, day`),
    );
    expect(derived).toEqual(expected);
    expect(derived[1]).toMatchObject({ symbol: "MBA", day: "2025-06-13", open: 19.5 });
  });
});
