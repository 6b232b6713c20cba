import { describe, expect, it } from "vitest";
import { assessValueUnit, totalCheck, type ValueUnitFacts } from "./thirteenf.unit";

const facts = (over: Partial<ValueUnitFacts>): ValueUnitFacts => ({
  valueUnit: "thousands_usd",
  filedDate: "2022-02-14",
  tableEntryTotal: 2,
  tableValueTotal: 1_000,
  rows: 2,
  rowsValueAsFiled: 1_000,
  medianImpliedPriceUsd: 150,
  rowsWithStoredClose: 0,
  rowsOffStoredClose: 0,
  ...over,
});

describe("13F value unit per filing", () => {
  it("compares the rows with the cover total: match, 1000x either way, other gaps", () => {
    expect(totalCheck(1_005, 1_000).check).toBe("match");
    expect(totalCheck(1_000_000, 1_000).check).toBe("rows_1000x_total");
    expect(totalCheck(1_000, 1_000_000).check).toBe("total_1000x_rows");
    expect(totalCheck(1_300, 1_000).check).toBe("mismatch");
    expect(totalCheck(1_000, null).check).toBe("no_total");
  });

  it("leaves a consistent filing alone and flags each disagreement with the era unit", () => {
    expect(assessValueUnit(facts({}))).toMatchObject({ suspect: false, flags: [] });
    expect(assessValueUnit(facts({ rowsValueAsFiled: 1_000_000 })).flags).toEqual(["rows_1000x_cover_total"]);
    expect(assessValueUnit(facts({ medianImpliedPriceUsd: 141_500 })).flags).toEqual([
      "median_implied_price_above_5000_usd",
    ]);
    expect(assessValueUnit(facts({ valueUnit: "usd", medianImpliedPriceUsd: 0.15 })).flags).toEqual([
      "median_implied_price_below_0.50_usd",
    ]);
    // One priced row off among ten is a row problem (flagged on the row), not the filing's unit.
    expect(assessValueUnit(facts({ rowsWithStoredClose: 10, rowsOffStoredClose: 1 })).suspect).toBe(false);
    expect(assessValueUnit(facts({ rowsWithStoredClose: 2, rowsOffStoredClose: 2 })).flags).toEqual([
      "implied_prices_off_stored_closes",
    ]);
  });
});
