/**
 * The real CLI against the real server process on the same embedded data folder: every ingest kind is
 * forwarded over HTTP (content type per kind, SEC hints as query parameters, API key, .gz sent
 * compressed), one failing file does not stop the others, and commands that would open the folder
 * beside the server refuse.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { START_TIMEOUT_MS, spawnNode } from "../support/processes";
import { INFOTABLE_COLUMNS, tsv, writeZip } from "../support/sec-fixtures";

const root = join(import.meta.dirname, "..", "..");
const fixture = (p: string) => join(root, "test", "fixtures", p);
const KEY = "cli-forward-key";

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("pnpm cli while a server owns the data folder", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "smt-cli-server-"));
  const files = mkdtempSync(join(tmpdir(), "smt-cli-files-"));
  let node: Awaited<ReturnType<typeof spawnNode>>;

  /** The CLI as a user runs it (`pnpm cli ...` is `tsx server/src/cli.ts ...`). */
  const cli = (args: string[], env: Record<string, string> = {}) =>
    new Promise<CliRun>((resolve, reject) => {
      const proc = spawn(process.execPath, ["--import", "tsx", join(root, "server/src/cli.ts"), ...args], {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "", API_KEY: KEY, LOG_LEVEL: "warn", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      proc.stdout.on("data", (c: Buffer) => {
        stdout += c.toString();
      });
      proc.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
      });
      proc.once("error", reject);
      proc.once("exit", (code) => resolve({ code, stdout, stderr }));
    });
  const get = async (path: string) =>
    (await fetch(`${node.url}${path}`)).json() as Promise<Record<string, unknown>>;

  beforeAll(async () => {
    node = await spawnNode({
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      DEMO: "off",
      API_KEYS: KEY,
      MAX_UPLOAD_DECOMPRESSED_BYTES: "200000",
    });
  }, START_TIMEOUT_MS + 30_000);
  afterAll(async () => {
    await node?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  it("forwards prints (a .gz sent compressed), short volume, ATS, bars, options and open interest", async () => {
    const trades = readFileSync(
      fixture("trades/polygon_flatfile_us_stocks_sip_trades_v1_sample_MSFT_2023-03-28.tsv"),
    );
    const gz = join(files, "msft_trades.tsv.gz");
    writeFileSync(gz, gzipSync(trades));
    const prints = await cli(["ingest", "prints", gz]);
    expect(prints.stderr).toContain("sending files to it");
    expect(prints.stdout).toContain(`${gz}: 10 accepted`);
    expect(prints.code).toBe(0);

    const short = await cli(["ingest", "short-volume", fixture("finra/CNMSshvol20210104.txt")]);
    expect(short.stdout).toMatch(/CNMSshvol20210104\.txt: 9\d{3} accepted/);
    const ats = await cli(["ingest", "ats", fixture("finra/finra_otc_weekly_otc_20251229.psv")]);
    expect(ats.stdout).toMatch(/finra_otc_weekly_otc_20251229\.psv: \d+ accepted/);
    expect(ats.stdout).not.toMatch(/: 0 accepted/);

    const bars = join(files, "bars.csv");
    writeFileSync(
      bars,
      "date,symbol,open,high,low,close,volume\n2023-03-27,MSFT,280,281,275,276.38,25000000\n",
    );
    expect((await cli(["ingest", "bars", bars])).stdout).toContain(`${bars}: 1 accepted`);
    const options = await cli([
      "ingest",
      "options",
      fixture("options/polygon_flatfile_us_options_opra_trades_v1_sample_SPY230327P00390000.tsv"),
    ]);
    expect(options.stdout).toMatch(/SPY230327P00390000\.tsv: \d+ accepted/);
    const oi = join(files, "oi.csv");
    writeFileSync(oi, "date,contract,open_interest\n2023-03-27,O:SPY230327P00390000,1234\n");
    expect((await cli(["ingest", "open-interest", oi])).stdout).toContain(`${oi}: 1 accepted`);

    const summary = await get("/smart-money/dark-pool/MSFT/summary?date=2023-03-28");
    expect(JSON.stringify(summary)).not.toContain('"error"');
  }, 120_000);

  it("forwards 13F and Form 4 submissions, and bare XML with --accession/--filed-date as query parameters", async () => {
    const acorn = fixture("sec/0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt");
    const thirteenF = await cli(["ingest", "13f", acorn]);
    expect(thirteenF.stdout).toContain(`${acorn}: 77 accepted`);
    expect(thirteenF.code).toBe(0);

    // EDGAR's layout: cover page and information table as two documents in one folder, paired by folder.
    const bare = join(files, "official-13f");
    mkdirSync(bare);
    copyFileSync(fixture("sec/SEC_official_Sample_13F-HR_primary_doc.xml"), join(bare, "primary_doc.xml"));
    copyFileSync(fixture("sec/SEC_official_sample_information_table.xml"), join(bare, "infotable.xml"));
    const bare13F = await cli([
      "ingest",
      "13f",
      bare,
      "--accession",
      "0000950123-24-000001",
      "--filed-date",
      "2024-02-14",
    ]);
    expect(bare13F.code, bare13F.stdout + bare13F.stderr).toBe(0);
    expect(bare13F.stdout).toMatch(new RegExp(`${bare}: [1-9]\\d* accepted`));

    const form4 = await cli([
      "ingest",
      "form4",
      fixture("sec/0001127602-25-001055_AIR_form4_full_submission.txt"),
    ]);
    expect(form4.code, form4.stdout + form4.stderr).toBe(0);
    expect(form4.stdout).toMatch(/AIR_form4_full_submission\.txt: [1-9]\d* accepted/);
    const bareForm4 = await cli([
      "ingest",
      "form4",
      fixture("sec/form4_SNOW_Scarpelli_2022-12-13.xml"),
      "--accession",
      "0001640147-22-000123",
      "--filed-date",
      "2022-12-15",
    ]);
    expect(bareForm4.code, bareForm4.stdout + bareForm4.stderr).toBe(0);
    const insiders = await get("/smart-money/institutional/SNOW/insiders?since=2022-12-01");
    expect(JSON.stringify(insiders)).toContain("0001640147-22-000123");
  }, 120_000);

  it("forwards 13F and insider data-set zips and a Cusip,Ticker securities map", async () => {
    const acc = "0009000000-25-000001";
    const zip13F = join(files, "2025q3_form13f.zip");
    writeZip(zip13F, {
      "SUBMISSION.tsv": tsv(
        ["ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "CIK", "PERIODOFREPORT"],
        [[acc, "14-NOV-2025", "13F-HR", "9000000", "30-SEP-2025"]],
      ),
      "COVERPAGE.tsv": tsv(
        ["ACCESSION_NUMBER", "ISAMENDMENT", "FILINGMANAGER_NAME", "REPORTTYPE"],
        [[acc, "N", "MANAGER LLC", "13F HOLDINGS REPORT"]],
      ),
      "INFOTABLE.tsv": tsv(INFOTABLE_COLUMNS, [
        [
          acc,
          "1",
          "APPLE INC",
          "COM",
          "037833100",
          "",
          "230000",
          "1000",
          "SH",
          "",
          "SOLE",
          "",
          "1000",
          "0",
          "0",
        ],
      ]),
    });
    const ds = await cli(["ingest", "13f-dataset", zip13F]);
    expect(ds.code, ds.stdout + ds.stderr).toBe(0);
    expect(ds.stdout).toMatch(/2025q3_form13f\.zip: [1-9]\d* accepted/);

    const insiderAcc = "0009000001-25-000001";
    const zipInsider = join(files, "2025q3_form345.zip");
    writeZip(zipInsider, {
      "SUBMISSION.tsv": tsv(
        [
          "ACCESSION_NUMBER",
          "FILING_DATE",
          "PERIOD_OF_REPORT",
          "DOCUMENT_TYPE",
          "ISSUERCIK",
          "ISSUERNAME",
          "ISSUERTRADINGSYMBOL",
        ],
        [[insiderAcc, "15-SEP-2025", "12-SEP-2025", "4", "320193", "Apple Inc.", "AAPL"]],
      ),
      "REPORTINGOWNER.tsv": tsv(
        ["ACCESSION_NUMBER", "RPTOWNERCIK", "RPTOWNERNAME", "RPTOWNER_RELATIONSHIP", "RPTOWNER_TITLE"],
        [[insiderAcc, "1214156", "COOK TIMOTHY D", "Officer", "CEO"]],
      ),
      "NONDERIV_TRANS.tsv": tsv(
        [
          "ACCESSION_NUMBER",
          "NONDERIV_TRANS_SK",
          "SECURITY_TITLE",
          "TRANS_DATE",
          "TRANS_FORM_TYPE",
          "TRANS_CODE",
          "TRANS_SHARES",
          "TRANS_PRICEPERSHARE",
          "TRANS_ACQUIRED_DISP_CD",
          "SHRS_OWND_FOLWNG_TRANS",
          "DIRECT_INDIRECT_OWNERSHIP",
        ],
        [[insiderAcc, "1", "Common Stock", "12-SEP-2025", "4", "S", "1000", "230", "D", "3000000", "D"]],
      ),
    });
    const ins = await cli(["ingest", "insider-dataset", zipInsider]);
    expect(ins.code, ins.stdout + ins.stderr).toBe(0);
    expect(ins.stdout).toMatch(/2025q3_form345\.zip: [1-9]\d* accepted/);

    const map = join(files, "cusip_map.csv");
    writeFileSync(map, '"Cusip","Ticker"\n"037833100","AAPL"\n');
    const sec = await cli(["ingest", "securities", map]);
    expect(sec.stdout).toContain(
      `${map}: 1 accepted, 0 duplicates, 0 rejected (columns: symbol=Ticker, cusip=Cusip)`,
    );
  }, 120_000);

  it("a folder with a failing file stores the others, reports the failure and exits non-zero", async () => {
    const folder = join(files, "form4-mixed");
    mkdirSync(folder);
    writeFileSync(join(folder, "a_broken.xml"), "<ownershipDocument><issuer>");
    copyFileSync(
      fixture("sec/0001127602-25-004598_ARW_form4_full_submission.nc.txt"),
      join(folder, "b_arw.nc.txt"),
    );
    const run = await cli(["ingest", "form4", folder]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${join(folder, "a_broken.xml")}: FAILED`);
    expect(run.stdout).toMatch(/b_arw\.nc\.txt: [1-9]\d* accepted/);
    expect(run.stderr).toContain("a_broken.xml");
  }, 60_000);

  it("without the API key the server's 401 is reported per file; a gzip expanding past its cap is refused", async () => {
    const noKey = await cli(["ingest", "short-volume", fixture("finra/CNMSshvol20210125.txt")], {
      API_KEY: "",
    });
    expect(noKey.code).toBe(1);
    expect(noKey.stdout).toContain("UNAUTHORIZED");

    // 310 KB of text, ~60 KB compressed: under MAX_UPLOAD_BYTES as sent, over the server's 200,000-byte cap.
    const gz = join(files, "CNMSshvol20210125.txt.gz");
    writeFileSync(gz, gzipSync(readFileSync(fixture("finra/CNMSshvol20210125.txt"))));
    const bomb = await cli(["ingest", "short-volume", gz]);
    expect(bomb.code).toBe(1);
    expect(bomb.stdout).toContain("MAX_UPLOAD_DECOMPRESSED_BYTES");
  }, 60_000);

  it("migrate and backtest refuse to open the folder beside the server, naming it", async () => {
    for (const args of [
      ["migrate"],
      ["backtest", "--symbol", "MSFT", "--from", "2023-03-01", "--to", "2023-03-31"],
    ]) {
      const run = await cli(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(node.url);
      expect(run.stderr).toContain("owns the data folder");
    }
    // The server is still serving the folder afterwards.
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
  }, 60_000);
});
