import { describe, expect, it } from "vitest";
import { dixCoverage, loadConstituents, parseConstituents } from "./dix-basket";

describe("DIX constituents list", () => {
  it("ships the S&P 500 list: 503 distinct symbols in the canonical form, dated", () => {
    const list = loadConstituents();
    expect(list.symbols).toHaveLength(503);
    expect(new Set(list.symbols).size).toBe(503);
    expect(list.symbols).toEqual(expect.arrayContaining(["AAPL", "MSFT", "BRK.B", "BF.B"]));
    expect(list.symbols.filter((s) => s.includes("/"))).toEqual([]);
    expect(list.symbols).not.toContain("SPY");
    expect(list).toMatchObject({ asOf: "2024-06-24", file: "sp500-constituents.csv" });
  });

  it("names the file and line of a bad replacement row", () => {
    expect(() =>
      parseConstituents("symbol,as_of\nAAPL,2024-01-02\nbad$sym,2024-01-02\n", "mine.csv"),
    ).toThrow(/^mine\.csv:3: symbol "bad\$sym" holds a character/);
    expect(parseConstituents("symbol,as_of\nbrk-b,2024-01-02\n", "mine.csv").symbols).toEqual(["BRK.B"]);
    expect(() => parseConstituents("symbol,as_of\nAAPL,02/01/2024\n", "mine.csv")).toThrow(
      'mine.csv:2: as_of "02/01/2024" is not a YYYY-MM-DD date',
    );
    expect(() => parseConstituents("ticker,name\nAAPL,Apple\n", "mine.csv")).toThrow(
      "mine.csv:1: missing column(s) symbol, as_of",
    );
    expect(() => loadConstituents("/nonexistent/dir/list.csv")).toThrow(
      /^DIX_CONSTITUENTS_FILE list\.csv: cannot be read/,
    );
  });

  it("counts a member as covered only with short volume and a positive close", () => {
    const rows = [
      { totalVolume: 10, price: 5 },
      { totalVolume: 0, price: 5 },
      { totalVolume: 10, price: null },
      { totalVolume: 10, price: 0 },
    ];
    expect(dixCoverage(5, rows, 0.8)).toEqual({ members: 5, covered: 1, ratio: 0.2, floor: 0.8 });
  });
});
