/**
 * SEC data-set members built from the real samples: a filing parsed from its recorded XML, written back in
 * the quarterly data sets' TSV layout (../shared/data-formats.md 3.4 and 4.2). Tests zip them (`writeZip`)
 * to check the data-set parsers against the XML ones, and serve them from a fake SEC.
 */
import { type Form4Filing, parseForm4 } from "../../server/src/institutional/form4.parse";
import {
  parse13F,
  type ThirteenFCover,
  type ThirteenFHolding,
} from "../../server/src/institutional/thirteenf.parse";
import { collect, INFOTABLE_COLUMNS, readFixture, secDate, tsv } from "./sec-fixtures";

const ACORN = "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt";
export const ACORN_ACCESSION = "0001951757-25-000093";

/** The real Acorn Creek filing, parsed from its XML, then written in the 13F data-set layout. */
export async function acornDataset(): Promise<{
  files: Record<string, string>;
  holdings: ThirteenFHolding[];
  cover: ThirteenFCover;
}> {
  const parsed = await collect(parse13F(readFixture(ACORN), { sourceName: ACORN }));
  const holdings = parsed.flatMap((r) => (r.ok && r.record.kind === "holding" ? [r.record.holding] : []));
  const cover = parsed.flatMap((r) =>
    r.ok && r.record.kind === "cover" ? [r.record.cover] : [],
  )[0] as ThirteenFCover;
  const files = {
    "SUBMISSION.tsv": tsv(
      ["ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "CIK", "PERIODOFREPORT"],
      [[ACORN_ACCESSION, "22-JAN-2025", "13F-HR", "0001994827", "31-DEC-2024"]],
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
          ACORN_ACCESSION,
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
      [[ACORN_ACCESSION, 0, 77, 194611845, "N"]],
    ),
    "INFOTABLE.tsv": tsv(
      INFOTABLE_COLUMNS,
      holdings.map((h, i) => [
        ACORN_ACCESSION,
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
  };
  return { files, holdings, cover };
}

/**
 * The real Snowflake Form 4 (form4_SNOW_Scarpelli_2022-12-13.xml), parsed from its XML, then written in
 * the insider-transactions data-set layout (`2022q4_form345.zip` members).
 */
export async function snowInsiderDataset(): Promise<{
  files: Record<string, string>;
  xml: Form4Filing;
  acc: string;
}> {
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
  const files = {
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
  };
  return { files, xml, acc };
}
