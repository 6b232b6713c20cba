import { describe, expect, it } from "vitest";
import { PrintBatcher, type SymbolBatch } from "./print-batcher";

/** A batcher whose sends are recorded with the time they happened. */
function recorder(windowMs: number) {
  const sent: { atMs: number; batch: SymbolBatch<number> }[] = [];
  const batcher = new PrintBatcher<number>(windowMs, (batches) => {
    const atMs = Date.now();
    for (const batch of batches) sent.push({ atMs, batch });
  });
  return { batcher, sent };
}

describe("per-symbol print batches", () => {
  it("a print of a quiet symbol goes out at once, in the same turn", () => {
    const { batcher, sent } = recorder(50);
    batcher.add("AAA", 1, Date.now());
    batcher.add("AAA", 2, Date.now());
    batcher.release(Date.now());
    expect(sent.map((s) => s.batch)).toEqual([{ symbol: "AAA", items: [1, 2] }]);
    batcher.stop();
  });

  it("under load each symbol sends at most one batch per window, every item once and in order", async () => {
    const windowMs = 20;
    const { batcher, sent } = recorder(windowMs);
    let n = 0;
    const started = Date.now();
    while (Date.now() - started < 300) {
      const now = Date.now();
      for (const symbol of ["AAA", "BBB"]) batcher.add(symbol, n++, now);
      batcher.release(now);
      await new Promise((r) => setTimeout(r, 2));
    }
    await new Promise((r) => setTimeout(r, windowMs * 2));
    for (const symbol of ["AAA", "BBB"]) {
      const mine = sent.filter((s) => s.batch.symbol === symbol);
      const items = mine.flatMap((s) => s.batch.items);
      expect(items).toEqual([...items].sort((a, b) => a - b));
      expect(items).toHaveLength(n / 2);
      // Timers may fire up to a tenth of the window early (one timer serves every symbol).
      for (let i = 1; i < mine.length; i++)
        expect((mine[i]?.atMs ?? 0) - (mine[i - 1]?.atMs ?? 0)).toBeGreaterThanOrEqual(windowMs * 0.9 - 1);
      expect(mine.length).toBeLessThanOrEqual(Math.ceil(300 / (windowMs * 0.9)) + 2);
    }
    batcher.stop();
  });

  it("windows are per symbol: a busy symbol does not hold back another symbol's first print", async () => {
    const { batcher, sent } = recorder(1_000);
    batcher.add("BUSY", 1, Date.now());
    batcher.release(Date.now());
    batcher.add("BUSY", 2, Date.now()); // waits for BUSY's window
    await new Promise((r) => setTimeout(r, 5));
    batcher.add("QUIET", 3, Date.now());
    batcher.release(Date.now());
    expect(sent.map((s) => s.batch.symbol)).toEqual(["BUSY", "QUIET"]);
    batcher.flushAll();
    expect(sent.map((s) => s.batch)).toEqual([
      { symbol: "BUSY", items: [1] },
      { symbol: "QUIET", items: [3] },
      { symbol: "BUSY", items: [2] },
    ]);
  });
});
