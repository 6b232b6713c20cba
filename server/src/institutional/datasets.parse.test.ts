import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ACORN_ACCESSION, acornDataset, snowInsiderDataset } from "../../../test/support/sec-datasets";
import { collect, tsv, writeZip } from "../../../test/support/sec-fixtures";
import { parseInsiderDataset } from "./insider-dataset.parse";
import { parse13FDataset } from "./thirteenf-dataset.parse";

const dir = mkdtempSync(join(tmpdir(), "smt-datasets-"));
const ACCESSION = ACORN_ACCESSION;

/** The real Acorn Creek filing, parsed from its XML, then written as a 13F data-set zip. */
async function acornAsDataset() {
  const { files, holdings, cover } = await acornDataset();
  const zip = join(dir, "2025q1_form13f.zip");
  writeZip(zip, files);
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
    const { files, xml, acc } = await snowInsiderDataset();
    const zip = join(dir, "2022q4_form345.zip");
    writeZip(zip, files);
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
