import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { secFixture, tsv, writeZip } from "../../../test/support/sec-fixtures";
import { EdgarClient, RateLimiter } from "./edgar.client";
import { datasetLabel, fetchSec, parseFetchSecArgs } from "./institutional.cli";
import { resolveUnmappedCusips } from "./institutional.ingest";
import { accessionFromPath, ingest13FPaths } from "./institutional.ingest-kinds";

const ACORN = "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt";

describe("data-set labels and arguments", () => {
  it("maps quarters to the SEC's file labels", () => {
    expect(datasetLabel("13f", "2023Q4")).toBe("2023q4");
    expect(datasetLabel("13f", "2024Q4")).toBe("01dec2024-28feb2025");
    expect(datasetLabel("13f", "2024Q1")).toBe("01mar2024-31may2024");
    expect(datasetLabel("13f", "2025Q3")).toBe("01sep2025-30nov2025");
    expect(datasetLabel("insider", "2025Q3")).toBe("2025q3");
    expect(() => datasetLabel("13f", "Q3-2025")).toThrow(/2025Q3/);
  });

  it("reads fetch sec options and the accession in an EDGAR folder name", () => {
    expect(parseFetchSecArgs(["--ticker", "TSLA", "--since", "2022-01-01"])).toMatchObject({
      ticker: "TSLA",
      forms: ["4"],
      since: "2022-01-01",
    });
    expect(parseFetchSecArgs(["--filer", "1994827", "--forms", "13F-HR"])).toMatchObject({
      filer: "1994827",
      forms: ["13F-HR"],
    });
    expect(accessionFromPath("/x/000195175725000093")).toBe("0001951757-25-000093");
  });
});

describe.each(engines())("SEC ingest and fetch commands on %s", (engine) => {
  let handle: DbHandle;
  let server: Server;
  let base: string;
  const dir = mkdtempSync(join(tmpdir(), "smt-cli-"));
  const zip = join(dir, "dataset.zip");

  beforeAll(async () => {
    handle = await openTestDb(engine);
    // The Acorn Creek filing in the 13F data-set layout (its rows copied from the real document).
    const text = readFileSync(secFixture(ACORN), "utf8");
    const rows = [...text.matchAll(/<ns1:infoTable>([\s\S]*?)<\/ns1:infoTable>/g)].map((m, i) => {
      const f = (n: string) => new RegExp(`<ns1:${n}>([^<]*)</ns1:${n}>`).exec(m[1] as string)?.[1] ?? "";
      return [
        "0001951757-25-000093",
        i + 1,
        f("nameOfIssuer"),
        f("titleOfClass"),
        f("cusip"),
        f("value"),
        f("sshPrnamt"),
        f("sshPrnamtType"),
        f("investmentDiscretion"),
        f("Sole"),
        f("Shared"),
        f("None"),
      ];
    });
    writeZip(zip, {
      "SUBMISSION.tsv": tsv(
        ["ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "CIK", "PERIODOFREPORT"],
        [["0001951757-25-000093", "22-JAN-2025", "13F-HR", "0001994827", "31-DEC-2024"]],
      ),
      "COVERPAGE.tsv": tsv(
        ["ACCESSION_NUMBER", "FILINGMANAGER_NAME", "ISAMENDMENT", "REPORTTYPE"],
        [["0001951757-25-000093", "ACORN CREEK CAPITAL LLC", "N", "13F HOLDINGS REPORT"]],
      ),
      "INFOTABLE.tsv": tsv(
        [
          "ACCESSION_NUMBER",
          "INFOTABLE_SK",
          "NAMEOFISSUER",
          "TITLEOFCLASS",
          "CUSIP",
          "VALUE",
          "SSHPRNAMT",
          "SSHPRNAMTTYPE",
          "INVESTMENTDISCRETION",
          "VOTING_AUTH_SOLE",
          "VOTING_AUTH_SHARED",
          "VOTING_AUTH_NONE",
        ],
        rows,
      ),
    });
    const routes: Record<string, Buffer> = {
      "/files/company_tickers.json": readFileSync(secFixture("company_tickers.json")),
      "/submissions/CIK0001318605.json": readFileSync(
        secFixture("submissions_CIK0001318605_TSLA_reserialized.json"),
      ),
      "/files/structureddata/data/form-13f-data-sets/01dec2024-28feb2025_form13f.zip": readFileSync(zip),
    };
    server = createServer((req, res) => {
      if (req.url === "/v3/mapping") {
        let raw = "";
        req.on("data", (c) => {
          raw += c;
        });
        req.on("end", () => {
          const jobs = JSON.parse(raw) as { idValue: string }[];
          res
            .writeHead(200, { "content-type": "application/json" })
            .end(
              JSON.stringify(
                jobs.map((j) =>
                  j.idValue === "037833100"
                    ? { data: [{ ticker: "AAPL", name: "APPLE INC" }] }
                    : { warning: "No identifier found." },
                ),
              ),
            );
        });
        return;
      }
      const body = routes[req.url ?? ""];
      if (body) res.writeHead(200).end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await handle?.close();
  });

  const client = () =>
    new EdgarClient({
      userAgent: "Smart Money Tracker tests admin@example.com",
      cacheDir: mkdtempSync(join(tmpdir(), "smt-cli-cache-")),
      wwwBaseUrl: base,
      dataBaseUrl: base,
      limiter: new RateLimiter(1000),
      backoffBaseMs: 1,
      maxRetries: 0,
    });

  it("fetch sec --dataset 13f --quarter 2024Q4 downloads the quarter's zip and loads every row; a re-run fetches nothing", async () => {
    const c = client();
    const result = await fetchSec(handle.db, c, { dataset: "13f", quarter: "2024Q4", forms: [] });
    expect(result.summaries[0]).toMatchObject({ accepted: 78, rejected: 0 });
    const [t] = await handle.query<{ n: number; v: number }>(
      sql`select count(*)::int as n, sum(value_usd)::float8 as v from thirteenf_holdings`,
    );
    expect(t).toEqual({ n: 77, v: 194_611_845 });
    const again = await fetchSec(handle.db, c, { dataset: "13f", quarter: "2024Q4", forms: [] });
    expect(again.summaries[0]).toMatchObject({ accepted: 0, duplicates: 78 });
    expect(again.networkRequests).toBe(1);
  });

  it("the XML documents of the same filing, in its EDGAR folder, store nothing new after the data set", async () => {
    const text = readFileSync(secFixture(ACORN), "latin1");
    const docs = [...text.matchAll(/<FILENAME>([^\r\n<]+)[\s\S]*?<XML>\s*([\s\S]*?)<\/XML>/g)];
    const folder = join(dir, "000195175725000093");
    mkdirSync(folder, { recursive: true });
    for (const d of docs) writeFileSync(join(folder, (d[1] as string).trim()), d[2] as string, "latin1");
    await expect(ingest13FPaths(handle.db, [folder])).rejects.toThrow(/--filed-date/);
    const results = await ingest13FPaths(handle.db, [folder], { filedDate: "2025-01-22" });
    expect([...results.values()][0]).toMatchObject({ accepted: 0, duplicates: 77, rejected: 0 });
  });

  it("maps held CUSIPs through OpenFIGI once and lists the ones it does not know, never guessing", async () => {
    const result = await resolveUnmappedCusips(handle.db, {
      baseUrl: base,
      apiKey: "k",
      limiter: new RateLimiter(1000),
    });
    expect(result.mapped).toBe(1);
    expect(result.unmapped).toHaveLength(76);
    expect(result.unmapped).not.toContain("037833100");
    const again = await resolveUnmappedCusips(handle.db, {
      baseUrl: base,
      apiKey: "k",
      limiter: new RateLimiter(1000),
    });
    expect(again.mapped).toBe(0);
  });

  it("fetch sec --ticker lists the issuer's Form 4 filings and reports each one it could not get", async () => {
    const result = await fetchSec(handle.db, client(), { ticker: "TSLA", forms: ["4"], since: "2022-11-01" });
    expect(result.filings).toBeGreaterThan(0);
    expect(result.failures).toHaveLength(result.filings);
    expect(result.failures[0]?.message).toContain("404");
  });

  it("refuses to fetch without SEC_USER_AGENT", async () => {
    const c = new EdgarClient({ userAgent: "", cacheDir: dir, wwwBaseUrl: base, dataBaseUrl: base });
    await expect(fetchSec(handle.db, c, { ticker: "TSLA", forms: ["4"] })).rejects.toMatchObject({
      code: "NOT_CONFIGURED",
    });
  });
});
