import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { optionSymbolProblem, parseOptionSymbol, toOcc21, toPolygonTicker } from "./occ";

const fixture = (name: string) => new URL(`../../../test/fixtures/options/${name}`, import.meta.url);

interface ReferenceContract {
  ticker: string;
  underlying_ticker: string;
  expiration_date: string;
  contract_type: "call" | "put";
  strike_price: number;
}

describe("OCC option symbols", () => {
  it("reads every contract of Polygon's contracts reference the way the vendor describes it", () => {
    const ref = JSON.parse(
      readFileSync(fixture("polygon_v3_reference_options_contracts_sdkfixture.json"), "utf8"),
    ) as {
      results: ReferenceContract[];
    };
    expect(ref.results).toHaveLength(10);
    for (const r of ref.results) {
      const c = parseOptionSymbol(r.ticker);
      expect(c, r.ticker).not.toBeNull();
      expect(c?.underlying).toBe(r.underlying_ticker);
      expect(c?.expiry).toBe(r.expiration_date);
      expect(c?.right).toBe(r.contract_type);
      expect(c?.strikeUsd).toBe(r.strike_price);
      expect(c?.adjusted).toBe(false);
    }
  });

  it("reads the same contract written in Polygon, OCC 21-character and Alpaca notation as one contract", () => {
    const forms = ["O:SPY230327P00390000", "SPY   230327P00390000", "SPY230327P00390000"];
    const parsed = forms.map(parseOptionSymbol);
    for (const c of parsed) {
      expect(c).toMatchObject({
        contract: "SPY230327P00390000",
        root: "SPY",
        underlying: "SPY",
        expiry: "2023-03-27",
        right: "put",
        strikeUsd: 390,
        isIndex: false,
      });
    }
    const c = parsed[0]!;
    expect(toOcc21(c)).toBe("SPY   230327P00390000");
    expect(toOcc21(c)).toHaveLength(21);
    expect(toPolygonTicker(c)).toBe("O:SPY230327P00390000");
  });

  it("maps the snapshot's contract to its details", () => {
    const snap = JSON.parse(
      readFileSync(fixture("polygon_v3_snapshot_option_O_AAPL230616C00150000_sdkfixture.json"), "utf8"),
    );
    const c = parseOptionSymbol(snap.results.details.ticker);
    expect(c).toMatchObject({
      underlying: snap.results.underlying_asset.ticker,
      strikeUsd: 150,
      right: "call",
      expiry: "2023-06-16",
    });
  });

  it("maps index weeklies to their index: SPXW 4700 put of 2024-01-19 is on SPX", () => {
    expect(parseOptionSymbol("SPXW  240119P04700000")).toMatchObject({
      root: "SPXW",
      underlying: "SPX",
      isIndex: true,
      strikeUsd: 4700,
      right: "put",
      expiry: "2024-01-19",
      adjusted: false,
    });
    expect(parseOptionSymbol("O:NDXP240119C17000000")).toMatchObject({ underlying: "NDX", isIndex: true });
    expect(parseOptionSymbol("O:SPX240119C04700000")).toMatchObject({ underlying: "SPX", isIndex: true });
  });

  it("keeps an adjusted root (AMCR1) and marks the contract adjusted", () => {
    for (const s of ["AMCR1 250117C00010000", "O:AMCR1250117C00010000", "AMCR1250117C00010000"]) {
      expect(parseOptionSymbol(s)).toMatchObject({
        root: "AMCR1",
        underlying: "AMCR",
        adjusted: true,
        strikeUsd: 10,
        contract: "AMCR1250117C00010000",
      });
    }
  });

  it("keeps fractional strikes exact to the tenth of a cent (strike field / 1000)", () => {
    expect(parseOptionSymbol("O:F250117C00012500")?.strikeUsd).toBe(12.5);
    expect(parseOptionSymbol("O:GME210129C00000500")?.strikeUsd).toBe(0.5);
  });

  it("rejects expiries that are not calendar dates (2025-02-31, 2023-02-29) and keeps leap days", () => {
    expect(parseOptionSymbol("O:AAPL250231C00200000")).toBeNull();
    expect(parseOptionSymbol("O:AAPL230229C00200000")).toBeNull();
    expect(parseOptionSymbol("O:AAPL250431P00200000")).toBeNull();
    expect(parseOptionSymbol("O:AAPL240229C00200000")?.expiry).toBe("2024-02-29");
    expect(parseOptionSymbol("O:AAPL250131C00200000")?.expiry).toBe("2025-01-31");
    expect(optionSymbolProblem("O:AAPL250231C00200000")).toBe(
      '"O:AAPL250231C00200000" has expiry 2025-02-31, which is not a calendar date',
    );
  });

  it("rejects what is not an option symbol", () => {
    for (const s of [
      "AAPL",
      "O:AAPL251319C00200000",
      "O:AAPL251219X00200000",
      "O:AAPL251219C0020000",
      "TOOLONGROOT251219C00200000",
      "",
    ]) {
      expect(parseOptionSymbol(s), s).toBeNull();
    }
  });
});
