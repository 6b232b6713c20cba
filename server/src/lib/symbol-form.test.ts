import { describe, expect, it } from "vitest";
import { canonicalSymbol, filedSymbol } from "./symbol-form";

const canonical = (raw: string) => {
  const r = canonicalSymbol(raw);
  return r.ok ? r.symbol : `error: ${r.message}`;
};

describe("one canonical symbol for every spelling of a security", () => {
  it.each([
    // FINRA Reg SHO daily files (samples/finra_regsho): `/` separators and CQS lower-case suffixes.
    ["BRK/B", "BRK.B"],
    ["AAICpB", "AAIC.PRB"],
    ["AAICp", "AAIC.PR"],
    ["ACIC/WS", "ACIC.WS"],
    ["ACIC/WS/A", "ACIC.WS.A"],
    ["ACIC/U", "ACIC.U"],
    ["CELGr", "CELG.RT"],
    ["IFFw", "IFF.WI"],
    ["MKC/V", "MKC.V"],
    // Tape (Polygon, Alpaca): dots.
    ["BRK.B", "BRK.B"],
    // SEC company_tickers.json: dashes and word suffixes.
    ["BRK-B", "BRK.B"],
    ["CTA-PA", "CTA.PRA"],
    ["GRP-UN", "GRP.U"],
    ["XYZ-WT", "XYZ.WS"],
    // What users type.
    ["brk.b", "BRK.B"],
    [" aapl ", "AAPL"],
    ["BRK B", "BRK.B"],
    ["AAIC.PRB", "AAIC.PRB"],
    ["AAIC-PB", "AAIC.PRB"],
    // Separator-less spellings stay as written (META is not MET.A).
    ["BRKB", "BRKB"],
    ["META", "META"],
  ])("%s -> %s", (raw, expected) => {
    expect(canonical(raw)).toBe(expected);
  });

  it.each([
    ["A\tB", "character"],
    ['A"B', "character"],
    ["A".repeat(300), "longer than"],
    ["ÄPFEL", "character"],
    ["AB\u0000", "character"],
    ["", "empty"],
    ["1ABC", "start with a letter"],
    ["BRK..B", "empty part"],
    ["AbCd", "mixes upper and lower case"],
    ["ABCDEFGHIJKLMNO", "longer than 14"],
  ])("rejects %j naming why", (raw, why) => {
    expect(canonical(raw)).toContain(why);
  });

  it("shows at most 40 characters of a long spelling in the message", () => {
    const r = canonicalSymbol("X".repeat(300));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.length).toBeLessThan(120);
  });

  it("reads a filer-typed issuer symbol: none, a list, or one ticker", () => {
    expect(filedSymbol(undefined)).toBeNull();
    expect(filedSymbol("NONE")).toBeNull();
    expect(filedSymbol("n/a")).toBeNull();
    expect(filedSymbol("BRK.A, BRK.B")).toEqual({ ok: true, symbol: "BRK.A" });
    expect(filedSymbol("brk-b")).toEqual({ ok: true, symbol: "BRK.B" });
    expect(filedSymbol("A\tB")?.ok).toBe(false);
  });
});
