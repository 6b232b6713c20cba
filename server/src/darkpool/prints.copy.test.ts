import { createReadStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { type DbHandle, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { createLogger } from "../lib/log";
import { LiveBus } from "../realtime/bus";
import { PrintEnricher } from "./enrich";
import { PrintPipeline } from "./pipeline";
import type { EnrichedPrint } from "./print";
import { copyPrints, printsCopyText } from "./prints.copy";
import { parsePrintBatches } from "./prints.parse";
import { insertPrints } from "./prints.store";

const SAMPLE = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "test",
  "fixtures",
  "trades",
  "polygon_flatfile_us_stocks_sip_trades_v1_sample_MSFT_2023-03-28.tsv",
);

/** The real sample, parsed and enriched as the pipeline does. */
async function samplePrints(): Promise<EnrichedPrint[]> {
  const enricher = new PrintEnricher({ lastLitWindowMs: 60_000 });
  const out: EnrichedPrint[] = [];
  for await (const batch of parsePrintBatches(createReadStream(SAMPLE), { sourceName: "msft.tsv" }))
    for (const item of batch) if (item.ok) out.push(enricher.enrich(item.record));
  return out;
}

/**
 * `n` prints made from the sample's: later times, their own trade ids, and every kind of value the COPY
 * text format must escape or mark as NULL (tabs, newlines, backslashes, quotes, braces in text and in
 * condition lists; null and non-finite numbers; a publication time after the trade).
 */
function widened(sample: EnrichedPrint[], n: number): EnrichedPrint[] {
  const odd = ["a\tb", "c\nd", "e\\f", 'g"h', "{i,j}", "NULL", "", " k ", "\r"];
  return Array.from({ length: n }, (_, i) => {
    const p = sample[i % sample.length] as EnrichedPrint;
    const ts = new Date(p.ts.getTime() + 1000 + i * 37);
    return {
      ...p,
      ts,
      tradeId: `w${i}`,
      tradeKey: `${p.tradeKey}|w${i}${i % 50 === 0 ? odd[i % odd.length] : ""}`,
      sourceRef: i % 7 === 0 ? `${odd[i % odd.length]}.csv:${i}` : p.sourceRef,
      conditions: i % 11 === 0 ? [odd[i % odd.length] as string, "12"] : p.conditions,
      publishedAt: i % 5 === 0 ? new Date(ts.getTime() + 60_000) : p.publishedAt,
      marketPrice: i % 13 === 0 ? null : p.marketPrice,
      premiumDiscountPct: i % 17 === 0 ? Number.NaN : p.premiumDiscountPct,
      valueUsd: i % 19 === 0 ? 12.5 : p.valueUsd,
      exclusionReason: i % 3 === 0 ? null : p.exclusionReason,
    };
  });
}

/** Every stored column but the ingest time, and the rollups and data versions the triggers keep. */
async function stored(handle: DbHandle) {
  const prints = await handle.query(
    sql`select symbol, ts, trade_key, price, size, value_usd, exchange, trf_id, is_off_exchange, tape, conditions,
      block_eligible, exclusion_reason, is_iso, is_late, extended_hours, correction, market_price,
      market_price_source, bid, ask, premium_discount_pct, side, sentiment, source, source_ref, published_at
      from prints order by symbol, ts, trade_key`,
  );
  const rollups = await handle.query(sql`select * from print_day_rollups order by symbol, day`);
  const versions = await handle.query(sql`select symbol, max_time from data_versions order by symbol`);
  return { prints, rollups, versions };
}

describe.skipIf(!engines().includes("postgres"))("the COPY path of prints (real Postgres)", () => {
  let viaInsert: DbHandle;
  let viaCopy: DbHandle;
  beforeAll(async () => {
    viaInsert = await openTestDb("postgres");
    viaCopy = await openTestDb("postgres");
  });
  afterAll(async () => {
    await viaInsert.close();
    await viaCopy.close();
  });

  it("stores the real sample exactly as the bind-parameter path does: rows, rollups, versions", async () => {
    const sample = await samplePrints();
    expect(sample.length).toBe(10);
    expect(await insertPrints(viaInsert.db, sample)).toEqual(sample);
    expect(await copyPrints(viaCopy.db, sample, "flushed", 1)).toEqual(sample);
    const [a, b] = [await stored(viaInsert), await stored(viaCopy)];
    expect(b.prints).toHaveLength(10);
    expect(b).toEqual(a);
  });

  it("stores 3,000 prints with values COPY must escape as the bind-parameter path does", async () => {
    const many = widened(await samplePrints(), 3000);
    expect(printsCopyText(many).next().value).toContain("a\\tb");
    expect(await insertPrints(viaInsert.db, many)).toHaveLength(3000);
    expect(await copyPrints(viaCopy.db, many)).toHaveLength(3000);
    const [a, b] = [await stored(viaInsert), await stored(viaCopy)];
    expect(b.prints).toHaveLength(3010);
    expect(b).toEqual(a);
    // COPY created the batch's day partitions first: nothing landed in the DEFAULT safety net.
    const inDefault = await viaCopy.db.execute(sql`select count(*)::int as n from prints_default`);
    expect(rowsOf<{ n: number }>(inDefault)[0]?.n).toBe(0);
  });

  it("is idempotent: a stored batch stores nothing again, a mixed one only its new prints", async () => {
    const sample = await samplePrints();
    const many = widened(sample, 3000);
    const before = await stored(viaCopy);
    expect(await copyPrints(viaCopy.db, many)).toEqual([]);
    const fresh = widened(sample, 3100).slice(3000);
    const mixed = [...many.slice(0, 2000), ...fresh];
    expect(await copyPrints(viaCopy.db, mixed)).toEqual(fresh);
    expect(await insertPrints(viaInsert.db, mixed)).toEqual(fresh);
    const after = await stored(viaCopy);
    expect(after.prints).toHaveLength(before.prints.length + 100);
    expect(after).toEqual(await stored(viaInsert));
  });

  it("stays correct when concurrent batches repeat each other's prints (a key taken after the check)", async () => {
    const many = widened(await samplePrints(), 6000).map((p) => ({ ...p, symbol: "RACE" }));
    const [x, y] = await Promise.all([
      copyPrints(viaCopy.db, many.slice(0, 4000)),
      copyPrints(viaCopy.db, many.slice(2000)),
    ]);
    expect(x.length + y.length).toBe(6000);
    const rows = await viaCopy.query<{ n: string }>(
      sql`select count(*)::text as n from prints where symbol = 'RACE'`,
    );
    expect(rows[0]?.n).toBe("6000");
  });

  it("file ingest goes by COPY and stores the same file once", async () => {
    const lines = ["ticker,conditions,correction,exchange,id,price,sip_timestamp,size,tape,trf_id"];
    const t0 = BigInt(Date.UTC(2025, 2, 12, 14, 30)) * 1_000_000n;
    for (let i = 0; i < 12_000; i++) {
      const off = i % 3 === 0;
      lines.push(
        `FILE${i % 7},"12,37",0,${off ? 4 : 11},${i + 1},${(50 + (i % 13) / 10).toFixed(2)},${t0 + BigInt(i) * 1_000_000n},${1 + (i % 500)},3,${off ? 202 : ""}`,
      );
    }
    const text = `${lines.join("\n")}\n`;
    const pipeline = new PrintPipeline({
      db: viaCopy.db,
      bus: new LiveBus(),
      log: createLogger("error"),
      lastLitWindowMs: 60_000,
    });
    const run = () =>
      pipeline.ingest(parsePrintBatches(Readable.from([Buffer.from(text)]), { sourceName: "file.csv" }), {
        source: "test",
        sourceRef: "file.csv",
      });
    const first = await run();
    expect([first.accepted, first.duplicates, first.rejected]).toEqual([12_000, 0, 0]);
    const second = await run();
    expect([second.accepted, second.duplicates, second.rejected]).toEqual([0, 12_000, 0]);
    const rows = await viaCopy.query<{ n: string; off: string }>(
      sql`select (select count(*) from prints where symbol like 'FILE%')::text as n,
        (select sum(off_prints) from print_day_rollups where symbol like 'FILE%')::text as off`,
    );
    expect(rows[0]).toEqual({ n: "12000", off: "4000" });
    await pipeline.close();
  });
});
