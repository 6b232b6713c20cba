import { describe, expect, it } from "vitest";
import { collect, inChunks, readFixture } from "../../../test/support/sec-fixtures";
import {
  parse13F,
  type ThirteenFCover,
  type ThirteenFHolding,
  type ThirteenFRecord,
} from "./thirteenf.parse";

const ACORN = "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt";

async function parseFile(name: string, extra: Partial<Parameters<typeof parse13F>[1]> = {}) {
  const results = await collect(parse13F(readFixture(name), { sourceName: name, ...extra }));
  const records = results.flatMap((r) => (r.ok ? [r.record] : []));
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  const holdings = records.flatMap((r: ThirteenFRecord) => (r.kind === "holding" ? [r.holding] : []));
  const covers = records.flatMap((r: ThirteenFRecord) => (r.kind === "cover" ? [r.cover] : []));
  const headers = records.flatMap((r: ThirteenFRecord) => (r.kind === "submission" ? [r.header] : []));
  return { holdings, covers, headers, errors };
}

describe("13F-HR submission in the feed (.nc) wrapper (Acorn Creek, 2024 Q4)", () => {
  it("yields the cover page and all 77 positions whose values sum to the cover page total", async () => {
    const { holdings, covers, headers, errors } = await parseFile(ACORN);
    expect(errors).toEqual([]);
    expect(headers).toEqual([
      {
        accession: "0001951757-25-000093",
        submissionType: "13F-HR",
        filedDate: "2025-01-22",
        acceptedAt: null,
        periodOfReport: "2024-12-31",
      },
    ]);
    expect(covers).toHaveLength(1);
    const cover = covers[0] as ThirteenFCover;
    expect(cover).toEqual({
      submissionType: "13F-HR",
      filerCik: "0001994827",
      filerName: "ACORN CREEK CAPITAL LLC",
      periodOfReport: "2024-12-31",
      reportCalendarOrQuarter: "2024-12-31",
      reportType: "13F HOLDINGS REPORT",
      isAmendment: false,
      amendmentNo: null,
      amendmentType: null,
      form13FFileNumber: "028-23689",
      crdNumber: null,
      secFileNumber: null,
      otherManagers: [],
      otherIncludedManagersCount: 0,
      tableEntryTotal: 77,
      tableValueTotal: 194611845,
      isConfidentialOmitted: false,
      signatureName: "Ben Loeffler",
      signatureDate: "2025-01-22",
    });
    expect(holdings).toHaveLength(cover.tableEntryTotal as number);
    expect(holdings.reduce((s, h) => s + h.valueUsd, 0)).toBe(194_611_845);
  });

  it("reads every field of a row despite the ns1: prefix, in dollars because it was filed after 2023-01-03", async () => {
    const { holdings } = await parseFile(ACORN);
    const apple = holdings.find((h) => h.cusip === "037833100");
    expect(apple).toEqual({
      rowIndex: 8,
      nameOfIssuer: "APPLE INC",
      titleOfClass: "COM",
      cusip: "037833100",
      figi: null,
      valueAsFiled: 4652092,
      valueUsd: 4652092,
      valueUnit: "usd",
      valueUnitBasis: "filing_date",
      valueUnitSuspect: false,
      impliedPriceUsd: 4652092 / 18577,
      sharesOrPrincipal: 18577,
      sharesOrPrincipalType: "SH",
      putCall: null,
      investmentDiscretion: "SOLE",
      otherManager: null,
      votingSole: 0,
      votingShared: 0,
      votingNone: 18577,
    } satisfies ThirteenFHolding);
    const last = holdings[holdings.length - 1];
    expect(last).toMatchObject({
      rowIndex: 77,
      nameOfIssuer: "WISDOMTREE TR",
      titleOfClass: "FLOATNG RAT TREA",
      cusip: "97717Y527",
      valueUsd: 10501759,
      sharesOrPrincipal: 208700,
    });
  });

  it("gives identical records when the file arrives in 7-byte chunks", async () => {
    const whole = await collect(parse13F(readFixture(ACORN), { sourceName: ACORN }));
    const chunked = await collect(parse13F(inChunks(readFixture(ACORN), 7), { sourceName: ACORN }));
    expect(chunked).toEqual(whole);
  });

  it("flags a row whose value/shares is 1000x off a known price, without rescaling it", async () => {
    // Apple closed 2024-12-31 at $250.42; a filer reporting thousands would show $0.25 per share.
    const { holdings } = await parseFile(ACORN, {
      knownPriceUsd: (cusip) =>
        cusip === "037833100" ? 250.42 / 1000 : cusip === "023135106" ? 219.39 : undefined,
    });
    const apple = holdings.find((h) => h.cusip === "037833100");
    const amazon = holdings.find((h) => h.cusip === "023135106");
    expect(apple?.valueUnitSuspect).toBe(true);
    expect(apple?.valueUsd).toBe(4652092);
    expect(amazon?.valueUnitSuspect).toBe(false);
  });
});

describe("13F information table with a default namespace (edgartools sample)", () => {
  it("reads all 255 rows, keeps PRN principal rows typed as PRN", async () => {
    const { holdings, errors } = await parseFile("edgartools_13F-HR.infotable.xml", {
      filedDate: "2024-02-14",
    });
    expect(errors).toEqual([]);
    expect(holdings).toHaveLength(255);
    expect(holdings[0]).toMatchObject({
      rowIndex: 1,
      nameOfIssuer: "3M CO",
      titleOfClass: "COM",
      cusip: "88579Y101",
      valueUsd: 409469,
      sharesOrPrincipal: 2334,
      sharesOrPrincipalType: "SH",
      investmentDiscretion: "SOLE",
      votingSole: 0,
      votingShared: 0,
      votingNone: 2334,
    });
    const prn = holdings.filter((h) => h.sharesOrPrincipalType === "PRN");
    expect(prn.length).toBeGreaterThanOrEqual(3);
    expect(prn[0]).toMatchObject({
      cusip: "46435UAA9",
      titleOfClass: "IBONDS 27 ETF",
      sharesOrPrincipal: 16480,
    });
    expect(prn[0]?.impliedPriceUsd).toBeNull();
    expect(holdings.reduce((s, h) => s + h.valueAsFiled, 0)).toBe(350_153_407);
  });

  it("scales values by 1000 when the filing date is before 2023-01-03, and says so", async () => {
    const { holdings } = await parseFile("edgartools_13F-HR.infotable.xml", { filedDate: "2022-11-14" });
    expect(holdings[0]).toMatchObject({
      valueAsFiled: 409469,
      valueUsd: 409_469_000,
      valueUnit: "thousands_usd",
    });
  });

  it("marks the unit as assumed when no filing date is known", async () => {
    const { holdings } = await parseFile("edgartools_13F-HR.infotable.xml");
    expect(holdings[0]?.valueUnitBasis).toBe("assumed");
  });
});

describe("13F cover pages", () => {
  it("reads a 2020 cover page whose table total is in thousands (Abacus)", async () => {
    const { covers } = await parseFile("abacus_13F-HR_2020Q4_primary_doc.xml");
    expect(covers[0]).toMatchObject({
      filerCik: "0001978011",
      filerName: "Abacus Wealth Partners, LLC",
      periodOfReport: "2020-12-31",
      tableEntryTotal: 92,
      tableValueTotal: 114663960,
      crdNumber: "000128590",
      secFileNumber: "801-62557",
    });
  });

  it("lists the other managers of a combination report (MetLife)", async () => {
    const { covers } = await parseFile("metlife_13F-HR_2021Q4_primary_doc.xml");
    expect(covers[0]?.reportType).toBe("13F COMBINATION REPORT");
    expect(covers[0]?.otherManagers).toEqual([
      {
        sequenceNumber: null,
        cik: "0000931588",
        form13FFileNumber: "028-16107",
        name: "PROVIDA PENSION FUND ADMINISTRATOR",
      },
      {
        sequenceNumber: null,
        cik: "0000728618",
        form13FFileNumber: "028-00491",
        name: "METROPOLITAN LIFE INSURANCE CO/NY",
      },
      {
        sequenceNumber: null,
        cik: "0001529735",
        form13FFileNumber: "028-18628",
        name: "MetLife Investment Management, LLC",
      },
    ]);
  });
});

describe("13F rows that need care", () => {
  const table = (rows: string) =>
    `<?xml version="1.0"?><informationTable xmlns="http://www.sec.gov/edgar/document/thirteenf/informationtable">${rows}</informationTable>`;
  const row = (cusip: string, extra = "", value = "1000") =>
    `<infoTable><nameOfIssuer>TESLA INC</nameOfIssuer><titleOfClass>COM</titleOfClass><cusip>${cusip}</cusip><value>${value}</value><shrsOrPrnAmt><sshPrnamt>10</sshPrnamt><sshPrnamtType>SH</sshPrnamtType></shrsOrPrnAmt>${extra}<investmentDiscretion>DFND</investmentDiscretion><otherManager>1,3</otherManager><votingAuthority><Sole>1</Sole><Shared>2</Shared><None>7</None></votingAuthority></infoTable>`;
  const run = async (xml: string) =>
    collect(
      parse13F(
        (async function* () {
          yield xml;
        })(),
        { sourceName: "inline.xml", filedDate: "2025-02-14" },
      ),
    );

  it("keeps put/call rows marked as options", async () => {
    const out = await run(table(row("88160R101", "<putCall>Put</putCall>") + row("88160R101")));
    const holdings = out.flatMap((r) => (r.ok && r.record.kind === "holding" ? [r.record.holding] : []));
    expect(holdings.map((h) => h.putCall)).toEqual(["Put", null]);
    expect(holdings[0]).toMatchObject({
      investmentDiscretion: "DFND",
      otherManager: "1,3",
      votingSole: 1,
      votingShared: 2,
      votingNone: 7,
    });
  });

  it("reports a bad row with its element path and keeps the good ones", async () => {
    const out = await run(table(row("88160R101") + row("BAD") + row("88160R101", "", "abc")));
    expect(out.filter((r) => r.ok)).toHaveLength(1);
    const errors = out.flatMap((r) => (r.ok ? [] : [r.error]));
    expect(errors.map((e) => e.element)).toEqual([
      "informationTable/infoTable[2]",
      "informationTable/infoTable[3]",
    ]);
    expect(errors[0]?.message).toContain("cusip");
  });
});
