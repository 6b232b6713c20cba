/**
 * After file ingests through the pipeline (`prints` kind: on Postgres the COPY path, whose batches keep
 * print_day_bins themselves in the COPY's transaction; on PGlite the INSERT path and the triggers), every
 * derived table the insert path keeps equals an independent computation from the stored raw prints, done
 * here in TypeScript: print_day_bins (all six kinds), print_day_rollups, print_day_market's day columns,
 * symbol_activity and data_versions. Small COPY batches, so several statements add to the same (symbol,
 * day); a second file adds to days already stored; a re-ingest of a file (every print a duplicate) and a
 * partly new file take the staged COPY path and must not count anything twice.
 */
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DbHandle, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceBandUsd } from "../../server/src/darkpool/darkpool.signals";
import { PrintPipeline } from "../../server/src/darkpool/pipeline";
import { ingestKind } from "../../server/src/ingest/registry";
import { etDateOf, etDayBounds, etOffsetHoursAt } from "../../server/src/lib/et-time";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import { writeMarketDay } from "../bench/market-day-tape";
import { engines, openTestDb } from "../support/db";

interface Raw {
  symbol: string;
  ts: number;
  published: number;
  size: number;
  value: number;
  price: number;
  off: boolean;
  correction: number;
  pd: number | null;
  block: boolean;
  sentiment: string;
  source: string;
  ref: string;
  ext_flag: boolean;
}

/** Bin values: counts, sums and time span; the key is symbol|day|kind|band|bin|label. */
type Sums = Record<string, number | string | null>;

function add(map: Map<string, Sums>, key: string, r: Raw, v: Sums) {
  const cur = map.get(key) ?? { minTs: r.ts, maxTs: r.ts, maxPub: r.published };
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === "number") cur[k] = ((cur[k] as number | undefined) ?? 0) + x;
    // latest_ref: the ref of the latest print, of the greatest ref among prints at that instant.
    else if (
      cur[k] === undefined ||
      r.ts > (cur.maxTs as number) ||
      (r.ts === cur.maxTs && (x as string) > (cur[k] as string))
    )
      cur[k] = x;
  }
  cur.minTs = Math.min(cur.minTs as number, r.ts);
  cur.maxTs = Math.max(cur.maxTs as number, r.ts);
  cur.maxPub = Math.max(cur.maxPub as number, r.published);
  map.set(key, cur);
}

const HOUR = 3_600_000;
/** New York day and time of day (ms) of an instant. */
function newYork(ms: number): { day: string; tod: number } {
  const local = ms + etOffsetHoursAt(ms) * HOUR;
  return { day: etDateOf(ms), tod: ((local % 86_400_000) + 86_400_000) % 86_400_000 };
}

/** The bins of raw prints, as the readers define them (print-window.store.ts, sessions.store.ts). */
function expectedBins(raw: Raw[]): Map<string, Sums> {
  const bins = new Map<string, Sums>();
  for (const r of raw) {
    const { day, tod } = newYork(r.ts);
    const k = (kind: string, band: number, bin: number, label: string) =>
      `${r.symbol}|${day}|${kind}|${band}|${bin}|${label}`;
    add(bins, k("source", 0, 0, r.source), r, { prints: 1, latest: r.ref });
    if (r.correction >= 7) continue;
    const regular = tod >= 9.5 * HOUR && tod < 16 * HOUR + 1000 && !r.ext_flag;
    if (!regular)
      add(bins, k("ext", 0, 0, ""), r, {
        prints: r.off ? 1 : 0,
        volume: r.off ? r.size : 0,
        value: r.off ? r.value : 0,
        lit: r.off ? 0 : r.size,
      });
    if (!r.off) continue;
    const sizeBin = [100, 2000, 10_000, 100_000].filter((b) => r.size >= b).length;
    add(bins, k("size", 0, sizeBin, ""), r, { prints: 1, volume: r.size, value: r.value });
    const large = r.block && r.value >= 1_000_000;
    for (const band of new Set([priceBandUsd(r.price * 0.8), priceBandUsd(r.price * 1.25)]))
      add(bins, k("level", band, Math.floor(r.price / band) * band, ""), r, {
        prints: 1,
        volume: r.size,
        value: r.value,
        large: large ? 1 : 0,
        largeValue: large ? r.value : 0,
      });
    if (r.pd !== null) {
      const bin = Math.floor(Math.min(Math.max(r.pd, -2), 1.99) / 0.25) * 0.25;
      add(bins, k("pd", 0, bin, ""), r, { prints: 1, volume: r.size });
    }
    if (large) add(bins, k("block", 0, 0, r.sentiment), r, { prints: 1, volume: r.size, value: r.value });
  }
  return bins;
}

/** print_day_rollups' and print_day_market's day columns per symbol|day (correction < 7). */
function expectedDays(raw: Raw[]): Map<string, Sums> {
  const days = new Map<string, Sums>();
  for (const r of raw) {
    if (r.correction >= 7) continue;
    const large = r.off && r.block && r.value >= 1_000_000;
    add(days, `${r.symbol}|${newYork(r.ts).day}`, r, {
      offPrints: r.off ? 1 : 0,
      offVolume: r.off ? r.size : 0,
      offValue: r.off ? r.value : 0,
      litVolume: r.off ? 0 : r.size,
      largeCount: large ? 1 : 0,
      largeValue: large ? r.value : 0,
      bullVolume: r.off && r.sentiment === "bullish" ? r.size : 0,
    });
  }
  return days;
}

/** Same keys; numbers equal to 1e-9 relative (sums taken in another grouping), the rest exactly. */
function expectSame(got: Map<string, Sums>, want: Map<string, Sums>, label: string) {
  expect([...got.keys()].sort(), `${label} keys`).toEqual([...want.keys()].sort());
  for (const [key, w] of want) {
    const g = got.get(key) as Sums;
    for (const [k, x] of Object.entries(w)) {
      const y = g[k];
      if (typeof x === "number" && typeof y === "number")
        expect(Math.abs(y - x), `${label} ${key} ${k}: ${y} vs ${x}`).toBeLessThanOrEqual(
          1e-9 * Math.max(1, Math.abs(x)),
        );
      else expect(y, `${label} ${key} ${k}`).toEqual(x);
    }
  }
}

const ms = (col: string) => sql.raw(`(extract(epoch from ${col}) * 1000)::float8`);

async function storedBins(h: DbHandle): Promise<Map<string, Sums>> {
  const rows = rowsOf<Record<string, unknown>>(
    await h.db.execute(sql`select symbol, day::text as day, kind, band, bin, label, prints::float8 as prints,
      volume, value_usd, lit_volume, large_prints::float8 as large, large_value_usd, ${ms("min_ts")} as min_ts,
      ${ms("max_ts")} as max_ts, ${ms("max_published_at")} as max_pub, latest_ref from print_day_bins`),
  );
  const out = new Map<string, Sums>();
  for (const r of rows) {
    const kind = String(r.kind);
    const sums: Sums = { prints: Number(r.prints), minTs: Number(r.min_ts), maxTs: Number(r.max_ts) };
    sums.maxPub = Number(r.max_pub);
    if (kind !== "source") Object.assign(sums, { volume: Number(r.volume) });
    if (["size", "ext", "level", "block"].includes(kind)) sums.value = Number(r.value_usd);
    if (kind === "ext") sums.lit = Number(r.lit_volume);
    if (kind === "level")
      Object.assign(sums, { large: Number(r.large), largeValue: Number(r.large_value_usd) });
    if (kind === "source") sums.latest = r.latest_ref as string;
    out.set(`${r.symbol}|${r.day}|${kind}|${Number(r.band)}|${Number(r.bin)}|${r.label}`, sums);
  }
  return out;
}

async function storedDays(h: DbHandle, table: "print_day_rollups" | "print_day_market") {
  const rollups = table === "print_day_rollups";
  const rows = rowsOf<Record<string, unknown>>(
    await h.db.execute(sql`select symbol, day::text as day, off_prints::float8 as off_prints, off_volume,
      off_value_usd, lit_volume, large_count::float8 as large_count, large_value_usd,
      ${sql.raw(rollups ? "bull_volume" : "0::float8")} as bull,
      ${sql.raw(rollups ? "(extract(epoch from min_ts) * 1000)::float8" : "0::float8")} as min_ts,
      ${ms("max_ts")} as max_ts, ${ms("max_published_at")} as max_pub from ${sql.raw(table)}`),
  );
  const out = new Map<string, Sums>();
  for (const r of rows) {
    const sums: Sums = {
      offPrints: Number(r.off_prints),
      offVolume: Number(r.off_volume),
      offValue: Number(r.off_value_usd),
      litVolume: Number(r.lit_volume),
      largeCount: Number(r.large_count),
      largeValue: Number(r.large_value_usd),
      maxTs: Number(r.max_ts),
      maxPub: Number(r.max_pub),
    };
    if (rollups) Object.assign(sums, { bullVolume: Number(r.bull), minTs: Number(r.min_ts) });
    out.set(`${r.symbol}|${r.day}`, sums);
  }
  return out;
}

describe.each(engines())("derived tables after file ingest on %s", (engine) => {
  let h: DbHandle;
  let pipeline: PrintPipeline;
  const bus = new LiveBus();
  const dir = mkdtempSync(join(tmpdir(), "smt-file-derived-"));
  const days = ["2026-03-05", "2026-03-06"];
  const open = (day: string) => etDayBounds(day).start.getTime() + 4 * HOUR;

  const ingest = async (path: string) => {
    const kind = ingestKind("prints");
    if (!kind) throw new Error("no prints kind");
    return kind.run(createReadStream(path), { db: h.db, pipeline, bus, name: path, path, origin: "cli" });
  };

  beforeAll(async () => {
    h = await openTestDb(engine);
    // Batches of 2,500 (the COPY path's smallest is 2,000): several statements per symbol and day.
    pipeline = new PrintPipeline({
      db: h.db,
      bus,
      log: createLogger("error"),
      lastLitWindowMs: 60_000,
      fileCopyBatch: 2500,
    });
  }, 60_000);

  afterAll(async () => {
    await pipeline.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("equal an independent computation from the stored prints", async () => {
    const a = join(dir, "a.csv");
    const b = join(dir, "b.csv");
    const c = join(dir, "c.csv");
    await writeMarketDay(a, 9000, open(days[0] as string), 4, 14);
    await writeMarketDay(b, 6000, open(days[0] as string), 4, 15);
    await writeMarketDay(c, 7000, open(days[1] as string), 3, 16);
    expect((await ingest(a)).accepted).toBe(9000);
    const second = await ingest(b); // same day, same ids, other times: adds to stored (symbol, day) rows
    expect(second.accepted + second.duplicates).toBe(6000);
    expect((await ingest(a)).duplicates).toBe(9000); // all stored: the staged path stores nothing
    expect((await ingest(c)).accepted).toBe(7000);

    const raw = rowsOf<Raw>(
      await h.db.execute(sql`select symbol, ${ms("ts")} as ts, ${ms("published_at")} as published, size,
        value_usd as value, price, is_off_exchange as off, correction, premium_discount_pct as pd,
        block_eligible as block, sentiment, source, source_ref as ref, extended_hours as ext_flag from prints`),
    ).map((r) => ({
      ...r,
      ts: Number(r.ts),
      published: Number(r.published),
      pd: r.pd === null ? null : Number(r.pd),
    }));
    expect(raw.length).toBe(9000 + second.accepted + 7000);
    expect(raw.some((r) => r.block && r.off && r.value >= 1_000_000)).toBe(true);

    expectSame(await storedBins(h), expectedBins(raw), "print_day_bins");
    const want = expectedDays(raw);
    expectSame(await storedDays(h, "print_day_rollups"), want, "print_day_rollups");
    const offDays = new Map([...want].filter(([, s]) => (s.offPrints as number) > 0));
    for (const s of offDays.values()) {
      delete s.bullVolume;
      delete s.minTs;
    }
    expectSame(await storedDays(h, "print_day_market"), offDays, "print_day_market");

    // Activity: the latest print day's off-exchange volume of each symbol with prints that day.
    const latest = days[1] as string;
    const activity = rowsOf<{ symbol: string; activity: number }>(
      await h.db.execute(sql`select symbol, activity from symbol_activity`),
    );
    expectSame(
      new Map(activity.map((r) => [r.symbol, { activity: Number(r.activity) }])),
      new Map(
        [...want]
          .filter(([k]) => k.endsWith(`|${latest}`))
          .map(([k, s]) => [k.split("|")[0] as string, { activity: s.offVolume as number }]),
      ),
      "symbol_activity",
    );
    // Versions: each symbol's latest time (trade or publication), bumped at least once per file it was in.
    const versions = rowsOf<{ symbol: string; version: number; max_time: number }>(
      await h.db.execute(
        sql`select symbol, version, ${ms("max_time")} as max_time from data_versions order by symbol`,
      ),
    );
    const latestTime = new Map<string, number>();
    for (const r of raw) latestTime.set(r.symbol, Math.max(latestTime.get(r.symbol) ?? 0, r.ts, r.published));
    expect(versions.map((v) => [v.symbol, Number(v.max_time)])).toEqual([...latestTime].sort());
    for (const v of versions) expect(Number(v.version)).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
