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
