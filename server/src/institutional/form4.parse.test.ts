import { describe, expect, it } from "vitest";
import { collect, inChunks, readFixture } from "../../../test/support/sec-fixtures";
import { type Form4Filing, parseForm4 } from "./form4.parse";

async function parseFile(name: string, chunkSize?: number): Promise<Form4Filing[]> {
  const source = chunkSize ? inChunks(readFixture(name), chunkSize) : readFixture(name);
  const results = await collect(parseForm4(source, { sourceName: name }));
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  expect(errors).toEqual([]);
  return results.flatMap((r) => (r.ok ? [r.record] : []));
}

describe("Form 4 of Snowflake's CFO (2022-12-13): exercises, sales, holdings, derivatives", () => {
  it("reads the issuer and the reporting owner with 0/1 flags", async () => {
    const [filing] = await parseFile("form4_SNOW_Scarpelli_2022-12-13.xml");
    expect(filing).toMatchObject({
      schemaVersion: "X0306",
      documentType: "4",
      periodOfReport: "2022-12-13",
      notSubjectToSection16: false,
      aff10b5One: null,
      issuerCik: "0001640147",
      issuerName: "Snowflake Inc.",
      issuerTradingSymbol: "SNOW",
      accession: null,
      filedDate: null,
      signatureName: "/s/ Travis Shrout, Attorney-in-Fact",
      signatureDate: "2022-12-14",
    });
    expect(filing?.reportingOwners).toEqual([
      {
        cik: "0001402349",
        name: "Scarpelli Michael",
        isDirector: false,
        isOfficer: true,
        isTenPercentOwner: false,
        isOther: false,
        officerTitle: "Chief Financial Officer",
        otherText: null,
        city: "BOZEMAN",
        state: "MT",
      },
    ]);
  });

  it("gives two M exercises, five S sales, the holdings and the option row with their footnotes", async () => {
    const [filing] = await parseFile("form4_SNOW_Scarpelli_2022-12-13.xml");
    const rows = filing?.rows ?? [];
    const nonDerivTx = rows.filter((r) => r.table === "nonDerivative" && r.kind === "transaction");
    expect(nonDerivTx.map((r) => r.code)).toEqual(["M", "S", "S", "S", "S", "S"]);
    const sale = nonDerivTx[1];
    expect(sale).toEqual({
      table: "nonDerivative",
      kind: "transaction",
      rowIndex: 2,
      securityTitle: "Class A Common Stock",
      transactionDate: "2022-12-13",
      deemedExecutionDate: null,
      formType: "4",
      code: "S",
      equitySwapInvolved: false,
      timeliness: null,
      shares: 73170,
      pricePerShareUsd: 150.841,
      acquiredDisposed: "D",
      sharesOwnedAfter: 227927,
      valueOwnedAfterUsd: null,
      directIndirect: "D",
      natureOfOwnership: null,
      conversionOrExercisePriceUsd: null,
      exerciseDate: null,
      expirationDate: null,
      underlyingSecurityTitle: null,
      underlyingSecurityShares: null,
      footnoteIds: { transactionCoding: ["F2"], transactionPricePerShare: ["F3"] },
    });
    expect(nonDerivTx[0]).toMatchObject({
      code: "M",
      shares: 200000,
      pricePerShareUsd: 8.88,
      acquiredDisposed: "A",
    });
    expect(nonDerivTx[0]?.footnoteIds).toEqual({ sharesOwnedFollowingTransaction: ["F1"] });

    const deriv = rows.filter((r) => r.table === "derivative");
    expect(deriv).toHaveLength(1);
    expect(deriv[0]).toMatchObject({
      kind: "transaction",
      securityTitle: "Stock Option (Right to Buy)",
      code: "M",
      shares: 200000,
      conversionOrExercisePriceUsd: 8.88,
      exerciseDate: null,
      expirationDate: "2029-08-26",
      underlyingSecurityTitle: "Class A Common Stock",
      underlyingSecurityShares: 200000,
      sharesOwnedAfter: 2219299,
      footnoteIds: { exerciseDate: ["F16"] },
    });

    const holdings = rows.filter((r) => r.kind === "holding");
    expect(holdings).toHaveLength(8);
    expect(holdings.every((h) => h.code === null && h.directIndirect === "I")).toBe(true);
    expect(holdings[holdings.length - 1]).toMatchObject({
      sharesOwnedAfter: 2755,
      natureOfOwnership: "Trust",
      footnoteIds: { natureOfOwnership: ["F15"] },
    });
    expect(Object.keys(filing?.footnotes ?? {})).toHaveLength(16);
    expect(filing?.footnotes.F2).toBe(
      "The sales reported in this Form 4 were effected for financial and tax planning purposes.",
    );
  });
});

describe("Form 4 of 374Water (2025-04-30): newer schema with true/false flags", () => {
  it("reads aff10b5One, an omitted director flag as false and the award rows", async () => {
    const [filing] = await parseFile("form4_SCWO_374Water_2025-04-30.xml");
    expect(filing?.aff10b5One).toBe(false);
    expect(filing?.reportingOwners[0]).toMatchObject({
      cik: "0002064133",
      isOfficer: true,
      isDirector: false,
      officerTitle: "Chief Technology Officer",
    });
    expect(filing?.rows.map((r) => [r.table, r.code, r.shares])).toEqual([
      ["nonDerivative", "A", 757756],
      ["derivative", "A", 757576],
    ]);
    expect(filing?.rows[1]).toMatchObject({ equitySwapInvolved: false, conversionOrExercisePriceUsd: 0.33 });
  });
});

describe("Form 4 inside EDGAR submission wrappers", () => {
  it("archive .txt (AAR CORP): accession, acceptance time and the officer's sale; the EX-24 exhibit is skipped", async () => {
    const filings = await parseFile("0001127602-25-001055_AIR_form4_full_submission.txt");
    expect(filings).toHaveLength(1);
    const f = filings[0] as Form4Filing;
    expect(f.accession).toBe("0001127602-25-001055");
    expect(f.filedDate).toBe("2025-01-10");
    // ACCEPTANCE-DATETIME 20250110160730 is New York time (EST, UTC-5).
    expect(f.acceptedAt?.toISOString()).toBe("2025-01-10T21:07:30.000Z");
    expect(f.issuerTradingSymbol).toBe("AIR");
    expect(f.aff10b5One).toBe(false);
    expect(f.reportingOwners[0]).toMatchObject({
      cik: "0001806647",
      name: "Garascia Jessica A.",
      officerTitle: "Senior VP, GC, CAO & Secretary",
    });
    expect(f.rows).toHaveLength(1);
    expect(f.rows[0]).toMatchObject({
      code: "S",
      shares: 1500,
      pricePerShareUsd: 66.903,
      acquiredDisposed: "D",
      sharesOwnedAfter: 37565,
      directIndirect: "D",
      footnoteIds: { transactionPricePerShare: ["F1"] },
    });
  });

  it("feed .nc (Arrow Electronics): an award then tax withholding, same records in 5-byte chunks", async () => {
    const name = "0001127602-25-004598_ARW_form4_full_submission.nc.txt";
    const filings = await parseFile(name);
    const f = filings[0] as Form4Filing;
    expect(f).toMatchObject({ accession: "0001127602-25-004598", filedDate: "2025-02-13", acceptedAt: null });
    expect(f.issuerCik).toBe("0000007536");
    expect(
      f.rows.map((r) => [r.code, r.shares, r.pricePerShareUsd, r.acquiredDisposed, r.sharesOwnedAfter]),
    ).toEqual([
      ["A", 2193, 106.82, "A", 21878],
      ["F", 1009, 106.82, "D", 20869],
    ]);
    expect(f.rows[0]?.footnoteIds).toEqual({ securityTitle: ["F1"] });
    expect(await parseFile(name, 5)).toEqual(filings);
  });
});
