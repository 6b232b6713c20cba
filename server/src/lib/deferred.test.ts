import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { DeferredRecords } from "./deferred";

const spillDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith("smt-deferred-"));

describe("records deferred until a commit", () => {
  it("hands back every record in order past the memory limit (dates intact) and removes its file", () => {
    const before = new Set(spillDirs());
    const deferred = new DeferredRecords<{ n: number; ts: Date }>(3);
    for (let b = 0; b < 4; b++)
      deferred.push(
        [0, 1].map((i) => ({ n: b * 2 + i, ts: new Date(Date.UTC(2025, 0, 1, 0, 0, b * 2 + i)) })),
      );
    expect(deferred.size).toBe(8);
    const created = spillDirs().filter((n) => !before.has(n));
    expect(created).toHaveLength(1);
    const out = [...deferred.drain()].flat();
    expect(out.map((r) => r.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(out[7]?.ts).toEqual(new Date(Date.UTC(2025, 0, 1, 0, 0, 7)));
    expect(existsSync(`${tmpdir()}/${created[0]}`)).toBe(false);
  });

  it("a discarded list (rolled back) removes its file and hands back nothing", () => {
    const deferred = new DeferredRecords<number>(1);
    deferred.push([1, 2]);
    deferred.discard();
    expect([...deferred.drain()]).toEqual([]);
  });
});
