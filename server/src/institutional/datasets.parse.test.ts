import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  collect,
  INFOTABLE_COLUMNS,
  readFixture,
  secDate,
  tsv,
  writeZip,
} from "../../../test/support/sec-fixtures";
import { type Form4Filing, parseForm4 } from "./form4.parse";
import { parseInsiderDataset } from "./insider-dataset.parse";
import { parse13F, type ThirteenFCover, type ThirteenFHolding } from "./thirteenf.parse";
import { parse13FDataset } from "./thirteenf-dataset.parse";

const dir = mkdtempSync(join(tmpdir(), "smt-datasets-"));
const ACORN = "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt";
const ACCESSION = "0001951757-25-000093";

/** The real Acorn Creek filing, parsed from its XML, then written in the 13F data-set layout. */
async function acornAsDataset(): Promise<{
  zip: string;
  holdings: ThirteenFHolding[];
  cover: ThirteenFCover;
}> {
  const parsed = await collect(parse13F(readFixture(ACORN), { sourceName: ACORN }));
  const holdings = parsed.flatMap((r) => (r.ok && r.record.kind === "holding" ? [r.record.holding] : []));
  const cover = parsed.flatMap((r) =>
    r.ok && r.record.kind === "cover" ? [r.record.cover] : [],
  )[0] as ThirteenFCover;
  const zip = join(dir, "2025q1_form13f.zip");
  writeZip(zip, {
    "SUBMISSION.tsv": tsv(
      ["ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "CIK", "PERIODOFREPORT"],
      [[ACCESSION, "22-JAN-2025", "13F-HR", "0001994827", "31-DEC-2024"]],
    ),
    "COVERPAGE.tsv": tsv(
      [
        "ACCESSION_NUMBER",
        "ISAMENDMENT",
        "AMENDMENTNO",
        "AMENDMENTTYPE",
        "CONFDENIEDEXPIRED",
        "DATEDENIEDEXPIRED",
        "DATEREPORTED",
        "REASONFORNONCONFIDENTIALITY",
        "FILINGMANAGER_NAME",
        "FILINGMANAGER_STREET1",
        "FILINGMANAGER_STREET2",
        "FILINGMANAGER_CITY",
        "FILINGMANAGER_STATEORCOUNTRY",
        "FILINGMANAGER_ZIPCODE",
        "REPORTTYPE",
        "FORM13FFILENUMBER",
        "CRDNUMBER",
        "SECFILENUMBER",
        "PROVIDEINFOFORINSTRUCTION5",
        "ADDITIONALINFORMATION",
        "REPORTCALENDARORQUARTER",
      ],
      [
        [
          ACCESSION,
          "N",
          "",
          "",
          "",
          "",
          "",
          "",
          "ACORN CREEK CAPITAL LLC",
          "215 WEST OAK STREET",
          "10TH FLOOR, STE 1000",
          "FORT COLLINS",
          "CO",
          "80521",
          "13F HOLDINGS REPORT",
          "028-23689",
          "",
          "",
          "N",
          "",
          "31-DEC-2024",
        ],
      ],
    ),
    "SUMMARYPAGE.tsv": tsv(
      [
        "ACCESSION_NUMBER",
        "OTHERINCLUDEDMANAGERSCOUNT",
        "TABLEENTRYTOTAL",
        "TABLEVALUETOTAL",
        "ISCONFIDENTIALOMITTED",
      ],
      [[ACCESSION, 0, 77, 194611845, "N"]],
    ),
    "INFOTABLE.tsv": tsv(
      INFOTABLE_COLUMNS,
      holdings.map((h, i) => [
        ACCESSION,
        90000 + i,
        h.nameOfIssuer,
        h.titleOfClass,
        h.cusip,
        h.figi,
        h.valueAsFiled,
        h.sharesOrPrincipal,
        h.sharesOrPrincipalType,
        h.putCall,
        h.investmentDiscretion,
        h.otherManager,
        h.votingSole,
        h.votingShared,
        h.votingNone,
      ]),
    ),
    "FORM13F_metadata.json": "{}",
  });
  return { zip, holdings, cover };
}

describe("SEC Form 13F data sets (quarterly TSV zip)", () => {
  it("give the same holdings and cover as the filing's XML", async () => {
    const { zip, holdings, cover } = await acornAsDataset();
    const records = await collect(parse13FDataset({ path: zip, name: zip }));
    expect(records.filter((r) => !r.ok)).toEqual([]);
    const filings = records.flatMap((r) => (r.ok && r.record.kind === "filing" ? [r.record] : []));
    expect(filings).toHaveLength(1);
    expect(filings[0]?.header).toEqual({
      accession: ACCESSION,
      submissionType: "13F-HR",
      filedDate: "2025-01-22",
      acceptedAt: null,
      periodOfReport: "2024-12-31",
    });
    expect(filings[0]?.cover).toEqual({ ...cover, signatureName: null, signatureDate: null });
    const rows = records.flatMap((r) => (r.ok && r.record.kind === "holding" ? [r.record] : []));
    expect(rows.every((r) => r.accession === ACCESSION)).toBe(true);
    expect(rows.map((r) => r.holding)).toEqual(holdings);
    expect(rows.reduce((s, r) => s + r.holding.valueUsd, 0)).toBe(194_611_845);
  });

  it("read columns by header name and scale pre-2023 filings from thousands", async () => {
    const zip = join(dir, "2022q3_form13f.zip");
    writeZip(zip, {
      "SUBMISSION.tsv": tsv(
        ["CIK", "ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "PERIODOFREPORT"],
        [["1067983", "0000950123-22-011051", "14-NOV-2022", "13F-HR", "30-SEP-2022"]],
      ),
      "COVERPAGE.tsv": tsv(
        ["ACCESSION_NUMBER", "FILINGMANAGER_NAME", "ISAMENDMENT", "AMENDMENTTYPE"],
        [["0000950123-22-011051", "Berkshire Hathaway Inc", "Y", "RESTATEMENT"]],
      ),
      "INFOTABLE.tsv": tsv(
        ["VALUE", "ACCESSION_NUMBER", "CUSIP", "NAMEOFISSUER", "SSHPRNAMT", "SSHPRNAMTTYPE", "PUTCALL"],
        [
          ["34924", "0000950123-22-011051", "037833100", "APPLE INC", "894802319", "SH", ""],
          ["12", "0000950123-22-011051", "bad", "BROKEN", "1", "SH", ""],
          ["500", "0000950123-22-011051", "037833100", "APPLE INC", "1000", "SH", "Call"],
        ],
      ),
    });
    const records = await collect(parse13FDataset({ path: zip, name: zip }));
    const filing = records.flatMap((r) => (r.ok && r.record.kind === "filing" ? [r.record] : []))[0];
    expect(filing?.cover).toMatchObject({
      filerCik: "0001067983",
      isAmendment: true,
      amendmentType: "RESTATEMENT",
    });
    const holdings = records.flatMap((r) => (r.ok && r.record.kind === "holding" ? [r.record.holding] : []));
    expect(holdings[0]).toMatchObject({
      rowIndex: 1,
      valueAsFiled: 34924,
      valueUsd: 34_924_000,
      valueUnit: "thousands_usd",
    });
    expect(holdings[1]).toMatchObject({ rowIndex: 3, putCall: "Call" });
    const errors = records.flatMap((r) => (r.ok ? [] : [r.error]));
    expect(errors).toEqual([
      { source: `${zip}!INFOTABLE.TSV`, line: 3, message: 'CUSIP "BAD" is not 9 letters/digits' },
    ]);
  });

  it("name a missing member or column instead of loading nothing", async () => {
    const zip = join(dir, "broken_form13f.zip");
    writeZip(zip, { "SUBMISSION.tsv": tsv(["ACCESSION_NUMBER"], [["x"]]) });
    await expect(collect(parse13FDataset({ path: zip, name: zip }))).rejects.toThrow(
      /missing column\(s\) FILING_DATE/,
    );
  });
});

describe("SEC Insider Transactions data sets (Form 3/4/5 TSV zip)", () => {
  it("give the same filing, owners, rows and footnote links as the Form 4 XML", async () => {
    const name = "form4_SNOW_Scarpelli_2022-12-13.xml";
    const parsed = await collect(parseForm4(readFixture(name), { sourceName: name }));
    const xml = (parsed[0] as { ok: true; record: Form4Filing }).record;
    const acc = "0001209191-22-063158";
    const owner = xml.reportingOwners[0];
    const fn = (ids: string[] | undefined) => (ids ?? []).join(",");
    const rowCols = (table: "nonDerivative" | "derivative", kind: "transaction" | "holding") =>
      xml.rows
        .filter((r) => r.table === table && r.kind === kind)
        .map((r, i) => [
          acc,
          500 + i,
          r.securityTitle,
          fn(r.footnoteIds.securityTitle),
          secDate(r.transactionDate),
          r.formType,
          r.code,
          r.equitySwapInvolved === null ? "" : r.equitySwapInvolved ? "1" : "0",
          fn(r.footnoteIds.transactionCoding),
          r.shares,
          r.pricePerShareUsd,
          fn(r.footnoteIds.transactionPricePerShare),
          r.acquiredDisposed,
          r.sharesOwnedAfter,
          fn(r.footnoteIds.sharesOwnedFollowingTransaction),
          r.directIndirect,
          r.natureOfOwnership,
          fn(r.footnoteIds.natureOfOwnership),
          r.conversionOrExercisePriceUsd,
          secDate(r.expirationDate),
          r.underlyingSecurityTitle,
          r.underlyingSecurityShares,
          fn(r.footnoteIds.exerciseDate),
        ]);
    const rowHeader = [
      "ACCESSION_NUMBER",
      "NONDERIV_TRANS_SK",
      "SECURITY_TITLE",
      "SECURITY_TITLE_FN",
      "TRANS_DATE",
      "TRANS_FORM_TYPE",
      "TRANS_CODE",
      "EQUITY_SWAP_INVOLVED",
      "EQUITY_SWAP_TRANS_CD_FN",
      "TRANS_SHARES",
      "TRANS_PRICEPERSHARE",
      "TRANS_PRICEPERSHARE_FN",
      "TRANS_ACQUIRED_DISP_CD",
      "SHRS_OWND_FOLWNG_TRANS",
      "SHRS_OWND_FOLWNG_TRANS_FN",
      "DIRECT_INDIRECT_OWNERSHIP",
      "NATURE_OF_OWNERSHIP",
      "NATURE_OF_OWNERSHIP_FN",
      "CONV_EXERCISE_PRICE",
      "EXPIRATION_DATE",
      "UNDLYNG_SEC_TITLE",
      "UNDLYNG_SEC_SHARES",
      "EXCERCISE_DATE_FN",
    ];
    const zip = join(dir, "2022q4_form345.zip");
    writeZip(zip, {
      "SUBMISSION.tsv": tsv(
        [
          "ACCESSION_NUMBER",
          "FILING_DATE",
          "PERIOD_OF_REPORT",
          "DATE_OF_ORIG_SUB",
          "NO_SECURITIES_OWNED",
          "NOT_SUBJECT_SEC16",
          "FORM3_HOLDINGS_REPORTED",
          "FORM4_TRANS_REPORTED",
          "DOCUMENT_TYPE",
          "ISSUERCIK",
          "ISSUERNAME",
          "ISSUERTRADINGSYMBOL",
          "REMARKS",
        ],
        [
          [
            acc,
            "15-DEC-2022",
            "13-DEC-2022",
            "",
            "",
            "0",
            "",
            "",
            "4",
            "1640147",
            "Snowflake Inc.",
            "SNOW",
            "",
          ],
        ],
      ),
      "REPORTINGOWNER.tsv": tsv(
        [
          "ACCESSION_NUMBER",
          "RPTOWNERCIK",
          "RPTOWNERNAME",
          "RPTOWNER_RELATIONSHIP",
          "RPTOWNER_TITLE",
          "RPTOWNER_TXT",
          "RPTOWNER_STREET1",
          "RPTOWNER_STREET2",
          "RPTOWNER_CITY",
          "RPTOWNER_STATE",
          "RPTOWNER_ZIPCODE",
          "RPTOWNER_STATE_DESC",
          "FILE_NUMBER",
        ],
        [
          [
            acc,
            "1402349",
            owner?.name,
            "Officer",
            owner?.officerTitle,
            "",
            "",
            "",
            owner?.city,
            owner?.state,
            "",
            "",
            "",
          ],
        ],
      ),
      "NONDERIV_TRANS.tsv": tsv(rowHeader, rowCols("nonDerivative", "transaction")),
      "NONDERIV_HOLDING.tsv": tsv(rowHeader, rowCols("nonDerivative", "holding")),
      "DERIV_TRANS.tsv": tsv(rowHeader, rowCols("derivative", "transaction")),
      "FOOTNOTES.tsv": tsv(
        ["ACCESSION_NUMBER", "FOOTNOTE_ID", "FOOTNOTE_TXT"],
        Object.entries(xml.footnotes).map(([id, text]) => [acc, id, text]),
      ),
    });
    const records = await collect(parseInsiderDataset({ path: zip, name: zip }));
    expect(records.filter((r) => !r.ok)).toEqual([]);
    const filing = records.flatMap((r) => (r.ok && r.record.kind === "filing" ? [r.record.filing] : []))[0];
    expect(filing).toMatchObject({
      accession: acc,
      filedDate: "2022-12-15",
      issuerCik: "0001640147",
      issuerTradingSymbol: "SNOW",
      periodOfReport: "2022-12-13",
      reportingOwners: xml.reportingOwners,
      footnotes: xml.footnotes,
    });
    const rows = records.flatMap((r) => (r.ok && r.record.kind === "row" ? [r.record] : []));
    expect(rows.every((r) => r.issuerCik === "0001640147" && r.accession === acc)).toBe(true);
    const pick = (r: (typeof xml.rows)[number]) => ({
      table: r.table,
      kind: r.kind,
      rowIndex: r.rowIndex,
      code: r.code,
      shares: r.shares,
      price: r.pricePerShareUsd,
      ad: r.acquiredDisposed,
      after: r.sharesOwnedAfter,
      di: r.directIndirect,
      footnotes: r.footnoteIds,
    });
    expect(rows.map((r) => pick(r.row))).toEqual(xml.rows.map(pick));
  });
});
