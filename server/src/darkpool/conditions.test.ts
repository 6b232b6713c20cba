import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classifyConditions, STOCK_TRADE_CONDITIONS } from "./conditions";

const reference = JSON.parse(
  readFileSync(
    new URL(
      "../../../test/fixtures/trades/polygon_v3_reference_conditions_stocks_first10.json",
      import.meta.url,
    ),
    "utf8",
  ),
) as { results: { id: number; name: string; sip_mapping: { CTA?: string; UTP?: string } }[] };

describe("sale-condition table", () => {
  it("agrees with the vendor's reference response on ids 1-10 and their CTA/UTP letters", () => {
    for (const c of reference.results) {
      const row = STOCK_TRADE_CONDITIONS.find((r) => r.polygonId === c.id);
      expect(row, `id ${c.id}`).toBeDefined();
      // Id 6 (CAP Election) is legacy: CTA reuses "I" for odd lots today, so the table leaves it unmapped.
      if (c.id === 6) continue;
      expect([c.id, row?.cta ?? undefined, row?.utp ?? undefined]).toEqual([
        c.id,
        c.sip_mapping.CTA,
        c.sip_mapping.UTP,
      ]);
    }
  });

  it("excludes the documented non-block conditions and names the reason", () => {
    const reason = (codes: string[]) => classifyConditions(codes, "polygon").exclusionReason;
    expect(reason(["37"])).toBe("odd_lot");
    expect(reason(["2"])).toBe("average_price");
    expect(reason(["10"])).toBe("derivatively_priced");
    expect(reason(["22"])).toBe("prior_reference_price");
    expect(reason(["52"])).toBe("contingent");
    expect(reason(["53"])).toBe("qualified_contingent");
    expect(reason(["7"])).toBe("special_settlement");
    expect(reason(["20"])).toBe("special_settlement");
    expect(reason(["29"])).toBe("special_settlement");
    expect(reason(["15"])).toBe("not_a_trade");
    expect(reason(["16"])).toBe("not_a_trade");
    expect(reason([])).toBeNull();
    expect(reason(["0", "14", "41"])).toBeNull();
  });

  it("drops cancelled, erroneous and correction-record prints (Polygon correction >= 7) but keeps corrected originals", () => {
    for (const correction of [7, 8, 10, 11, 12]) {
      expect(classifyConditions([], "polygon", { correction }).exclusionReason).toBe("correction_or_cancel");
    }
    expect(classifyConditions([], "polygon", { correction: 1 }).blockEligible).toBe(true);
  });

  it("flags sweeps, late reports and Form T extended-hours prints without excluding them", () => {
    const iso = classifyConditions(["14"], "polygon");
    expect(iso).toMatchObject({ blockEligible: true, isIso: true, isLate: false, extendedHours: false });
    expect(classifyConditions(["30"], "polygon")).toMatchObject({ blockEligible: true, isLate: true });
    expect(classifyConditions(["33"], "polygon").isLate).toBe(true);
    expect(classifyConditions(["12"], "polygon")).toMatchObject({ blockEligible: true, extendedHours: true });
    expect(classifyConditions(["13"], "polygon")).toMatchObject({ extendedHours: true, isLate: true });
  });

  it("reads CTA and UTP letters by tape: B is an average-price trade on CTA but a bunched trade on UTP", () => {
    expect(classifyConditions(["B"], "sip_letter", { tape: "A" }).exclusionReason).toBe("average_price");
    expect(classifyConditions(["B"], "sip_letter", { tape: "C" }).blockEligible).toBe(true);
    expect(classifyConditions(["W"], "sip_letter", { tape: "C" }).exclusionReason).toBe("average_price");
    // Unknown tape: an exclusion in either plan wins.
    expect(classifyConditions(["B"], "sip_letter").exclusionReason).toBe("average_price");
    // Alpaca's documented trade: regular sale + odd lot.
    expect(classifyConditions(["@", "I"], "sip_letter", { tape: "C" }).exclusionReason).toBe("odd_lot");
    expect(classifyConditions(["@", "F"], "sip_letter", { tape: "B" })).toMatchObject({
      blockEligible: true,
      isIso: true,
    });
    expect(classifyConditions(["T"], "sip_letter", { tape: "A" }).extendedHours).toBe(true);
    expect(classifyConditions(["Z"], "sip_letter", { tape: "C" }).isLate).toBe(true);
  });

  it("reports the strongest reason when several apply and ignores codes it does not know", () => {
    expect(classifyConditions(["37", "53"], "polygon").exclusionReason).toBe("odd_lot");
    expect(classifyConditions(["37"], "polygon", { correction: 8 }).exclusionReason).toBe(
      "correction_or_cancel",
    );
    expect(classifyConditions(["999"], "polygon").blockEligible).toBe(true);
  });

  it("returns the same shared result for the same conditions (no allocation per print)", () => {
    expect(classifyConditions(["12", "37"], "polygon")).toBe(classifyConditions(["37", "12"], "polygon"));
  });
});
