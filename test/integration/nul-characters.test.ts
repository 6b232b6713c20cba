import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestKind } from "../../server/src/ingest/registry";
import { ingest13FDataset } from "../../server/src/institutional/datasets.ingest";
import { describeError, ERROR_TEXT_MAX_CHARS } from "../../server/src/lib/log";
import { buildTestApp, ok, upload } from "../support/app";
import { engines } from "../support/db";
import { INFOTABLE_COLUMNS, tsv, writeZip } from "../support/sec-fixtures";

/**
 * Issue 9.12: Postgres text cannot hold U+0000, and one such value failed a whole statement (HTTP 500, a
 * CLI run losing 9,000 of 24,000 rows with a 1 MB parameter dump, a 13F data set storing 0 of 3,000).
 * Such a record is now a located error at parse time and the rest is stored.
 */
const NUL = "\u0000";

const specPrint = (i: number, over: Record<string, unknown> = {}) =>
  JSON.stringify({
    symbol: "NULX",
    timestamp: new Date(Date.UTC(2025, 10, 18, 15, 0, 0, i)).toISOString(),
    price: 10,
    size: 100 + i,
    id: `t${i}`,
    ...over,
  });

/** `count` prints, the one at `bad` carrying a NUL in its trade id. */
const printsWithOneNul = (count: number, bad: number) =>
  Array.from({ length: count }, (_, i) => specPrint(i, i === bad ? { id: `t${i}${NUL}x` } : {})).join("\n");

describe.each(engines())("a NUL character in one record on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const count = async (where: ReturnType<typeof sql>) =>
    Number(
      (await t.handle.query<{ n: number }>(sql`select count(*)::int as n from prints where ${where}`))[0]?.n,
    );

  beforeAll(async () => {
    t = await buildTestApp(engine);
  });
  afterAll(async () => t.close());

  it("over HTTP: 200, the record rejected with its line, every other record stored", async () => {
    const body = await ok(
      upload(t.app, "prints", printsWithOneNul(50, 17), "application/x-ndjson", { name: "nul.ndjson" }),
    );
    expect(body).toMatchObject({ accepted: 49, rejected: 1 });
    expect(body.errors[0]).toMatchObject({ line: 18 });
    expect(body.errors[0]?.message).toContain("NUL");
    expect(await count(sql`source_ref like 'nul.ndjson%'`)).toBe(49);
  });

  it("on the CLI's path (non-transactional, batches): only the bad record is lost", async () => {
    const kind = ingestKind("prints");
    if (!kind) throw new Error("no prints kind");
    const lines = printsWithOneNul(24_000, 12_345).replaceAll('"NULX"', '"NULC"');
    const summary = await kind.run(Readable.from([lines]), {
      db: t.handle.db,
      pipeline: t.deps.pipeline,
      bus: t.deps.bus,
      name: "cli-nul.ndjson",
      origin: "cli",
      transactional: false,
    });
    expect(summary).toMatchObject({ accepted: 23_999, rejected: 1 });
    expect(summary.errors[0]).toMatchObject({ line: 12_346 });
    expect(await count(sql`symbol = 'NULC'`)).toBe(23_999);
  });

  it("a 13F data set stores every row but the one holding a NUL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smt-nul-"));
    const zip = join(dir, "2025q3_form13f.zip");
    const accession = "0009100000-25-000001";
    const rows = Array.from({ length: 3000 }, (_, i) => [
      accession,
      String(i + 1),
      i === 1234 ? `BAD${NUL}NAME INC` : `ISSUER ${i} INC`,
      "COM",
      "037833100",
      "",
      String((i + 1) * 100),
      String(i + 1),
      "SH",
      "",
      "SOLE",
      "",
      String(i + 1),
      "0",
      "0",
    ]);
    writeZip(zip, {
      "SUBMISSION.tsv": tsv(
        ["ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "CIK", "PERIODOFREPORT"],
        [[accession, "14-NOV-2025", "13F-HR", "9100000", "30-SEP-2025"]],
      ),
      "COVERPAGE.tsv": tsv(
        ["ACCESSION_NUMBER", "ISAMENDMENT", "FILINGMANAGER_NAME", "REPORTTYPE"],
        [[accession, "N", "NUL TEST LLC", "13F HOLDINGS REPORT"]],
      ),
      "INFOTABLE.tsv": tsv(INFOTABLE_COLUMNS, rows),
    });
    const summary = await ingest13FDataset(t.handle.db, zip, { batchSize: 1000 });
    expect(summary).toMatchObject({ accepted: 1 + 2999, rejected: 1 });
    expect(JSON.stringify(summary.errors)).toContain("INFOTABLE");
    const stored = await t.handle.query<{ n: number }>(
      sql`select count(*)::int as n from thirteenf_holdings where accession = ${accession}`,
    );
    expect(stored[0]?.n).toBe(2999);
  });

  it("a failed statement is described without its parameters and cut to a bounded length", async () => {
    const big = "p".repeat(1_000_000);
    let failure: unknown;
    try {
      await t.handle.db.execute(sql`select ${big}::int`);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeDefined();
    const text = describeError(failure);
    expect(text).toContain("Failed query: select $1::int (parameters omitted)");
    expect(text).not.toContain("params:");
    expect(text).not.toContain("p".repeat(ERROR_TEXT_MAX_CHARS));
    expect(text.length).toBeLessThan(ERROR_TEXT_MAX_CHARS + 100);
  });
});

describe("a NUL character in a Polygon trades file", () => {
  it("is a located error for its line only (the reader checks lines, not records)", async () => {
    const { parsePrints } = await import("../../server/src/darkpool/prints.parse");
    const header =
      "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp";
    const line = (id: string) =>
      `NULP,"12,37",0,4,${id},1742220000000000000,100.5,1,1742220000000000000,100,3,202,1742220000000000000`;
    const file = [header, line("1"), line(`2${NUL}`), line("3")].join("\n");
    const out = [];
    for await (const p of parsePrints(Readable.from([file]), { sourceName: "day.csv" })) out.push(p);
    expect(out.map((p) => (p.ok ? p.record.tradeId : `${p.error.line}: ${p.error.message}`))).toEqual([
      "1",
      expect.stringMatching(/^3: .*NUL/),
      "3",
    ]);
  });
});
