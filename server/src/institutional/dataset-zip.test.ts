import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Db } from "@smt/db";
import { describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { collect, INFOTABLE_COLUMNS, tsv, writeZip } from "../../../test/support/sec-fixtures";
import type { PrintPipeline } from "../darkpool/pipeline";
import { INGEST_KINDS } from "../ingest/registry";
import { LiveBus } from "../realtime/bus";
import { parseInsiderDataset } from "./insider-dataset.parse";
import { parse13FDataset } from "./thirteenf-dataset.parse";

const dir = mkdtempSync(join(tmpdir(), "smt-dataset-limits-"));
const ACC = "0009000000-25-000001";

const submission = (n: number) =>
  tsv(
    ["ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "CIK", "PERIODOFREPORT"],
    Array.from({ length: n }, (_, i) => [
      `0009000000-25-${String(i + 1).padStart(6, "0")}`,
      "14-NOV-2025",
      "13F-HR",
      String(9_000_000 + i),
      "30-SEP-2025",
    ]),
  );
const cover = tsv(["ACCESSION_NUMBER", "ISAMENDMENT", "FILINGMANAGER_NAME"], [[ACC, "N", "MANAGER LLC"]]);
const holding = [
  ACC,
  "1",
  "APPLE INC",
  "COM",
  "037833100",
  "",
  "100",
  "10",
  "SH",
  "",
  "SOLE",
  "",
  "10",
  "0",
  "0",
];

function zipOf(name: string, files: Record<string, string | Buffer>): string {
  const path = join(dir, name);
  writeZip(path, files);
  return path;
}

describe("13F data-set zip limits (DATASET_LIMITS)", () => {
  it("refuses a member whose uncompressed size is over the per-member cap, naming the member", async () => {
    const path = zipOf("member.zip", {
      "SUBMISSION.tsv": submission(1),
      "COVERPAGE.tsv": cover,
      "INFOTABLE.tsv": tsv(
        INFOTABLE_COLUMNS,
        Array.from({ length: 50 }, () => holding),
      ),
    });
    const run = collect(parse13FDataset({ path, name: "q3_form13f.zip", limits: { maxMemberBytes: 1000 } }));
    await expect(run).rejects.toThrow(
      /^q3_form13f\.zip!INFOTABLE\.tsv: \d+ bytes uncompressed, over the 1000-byte limit/,
    );
  });

  it("refuses a zip whose members together are over the per-zip cap", async () => {
    const path = zipOf("total.zip", {
      "SUBMISSION.tsv": submission(20),
      "COVERPAGE.tsv": cover,
      "INFOTABLE.tsv": tsv(
        INFOTABLE_COLUMNS,
        Array.from({ length: 20 }, () => holding),
      ),
    });
    const limits = { maxMemberBytes: 10_000, maxZipBytes: 2500 };
    await expect(collect(parse13FDataset({ path, name: "t.zip", limits }))).rejects.toThrow(
      /^t\.zip: over 2500 bytes uncompressed by member INFOTABLE\.tsv/,
    );
  });

  it("refuses a 32 MB line in a member with a located error (file!member:line)", async () => {
    const long = "A".repeat(32 * 1024 * 1024);
    const path = zipOf("longline.zip", {
      "SUBMISSION.tsv": submission(1),
      "COVERPAGE.tsv": cover,
      "INFOTABLE.tsv": `${INFOTABLE_COLUMNS.join("\t")}\n${long}\n${holding.join("\t")}\n`,
    });
    // One repeated byte compresses ~1,000:1; the ratio cap (its own test: sync/sec-datasets.test.ts) is
    // lifted so the line limit is what answers.
    const limits = { maxRatio: Number.POSITIVE_INFINITY };
    await expect(collect(parse13FDataset({ path, name: "big.zip", limits }))).rejects.toThrow(
      /^big\.zip!INFOTABLE\.TSV:2: line longer than 1048576 characters/,
    );
  });

  it("bounds SUBMISSION.TSV held in memory by rows and by characters, with the row located", async () => {
    const path = zipOf("subs.zip", {
      "SUBMISSION.tsv": submission(30),
      "COVERPAGE.tsv": cover,
      "INFOTABLE.tsv": tsv(INFOTABLE_COLUMNS, [holding]),
    });
    await expect(
      collect(parse13FDataset({ path, name: "s.zip", limits: { maxHeldRows: 25 } })),
    ).rejects.toThrow(/^s\.zip!SUBMISSION\.TSV:27: SUBMISSION\.TSV holds more than 25 rows/);
    await expect(
      collect(parse13FDataset({ path, name: "s.zip", limits: { maxHeldChars: 500 } })),
    ).rejects.toThrow(/^s\.zip!SUBMISSION\.TSV:\d+: SUBMISSION\.TSV holds more than .* 500 characters/);
    // Under the limits the same zip loads.
    const ok = await collect(parse13FDataset({ path, name: "s.zip", limits: { maxHeldRows: 30 } }));
    expect(ok.filter((r) => r.ok)).toHaveLength(2);
  });

  it("bounds the insider set's FOOTNOTES table the same way", async () => {
    const path = zipOf("insider.zip", {
      "FOOTNOTES.tsv": tsv(
        ["ACCESSION_NUMBER", "FOOTNOTE_ID", "FOOTNOTE_TXT"],
        Array.from({ length: 12 }, (_, i) => [ACC, `F${i}`, "text"]),
      ),
      "REPORTINGOWNER.tsv": tsv(["ACCESSION_NUMBER", "RPTOWNERCIK"], [[ACC, "1"]]),
      "SUBMISSION.tsv": tsv(["ACCESSION_NUMBER", "FILING_DATE", "ISSUERCIK"], [[ACC, "14-NOV-2025", "2"]]),
    });
    await expect(
      collect(parseInsiderDataset({ path, name: "2025q4_form345.zip", limits: { maxHeldRows: 10 } })),
    ).rejects.toThrow(/^2025q4_form345\.zip!FOOTNOTES\.TSV:12: FOOTNOTES\.TSV holds more than 10 rows/);
  });
});

describe("data-set uploads and local files (no temporary paths)", () => {
  const kind = INGEST_KINDS["13f-dataset"];
  if (!kind) throw new Error("13f-dataset kind missing");
  const noDb = {} as Db;
  const ctx = (name: string, db = noDb, path?: string) => ({
    db,
    pipeline: {} as PrintPipeline,
    bus: new LiveBus(),
    name,
    origin: "upload",
    ...(path ? { path } : {}),
  });
  const bytes = (text: string | Buffer) =>
    (async function* () {
      yield typeof text === "string" ? new TextEncoder().encode(text) : new Uint8Array(text);
    })();

  it("an upload that is not a zip is named by its upload name, not a temporary path", async () => {
    const err = await kind.run(bytes("not a zip at all"), ctx("quarter.zip")).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^quarter\.zip: not a readable zip file/);
    expect((err as Error).message).not.toContain(tmpdir());
    expect((err as Error).message).not.toContain("smt-zip");
  });

  it("an upload missing a member says so under its upload name", async () => {
    const path = zipOf("nomember.zip", { "COVERPAGE.tsv": cover });
    const { readFileSync } = await import("node:fs");
    const err = await kind.run(bytes(readFileSync(path)), ctx("my upload.zip")).catch((e: Error) => e);
    expect((err as Error).message).toBe("my upload.zip: member SUBMISSION.TSV is missing");
  });

  it.each(engines())(
    "a local zip (ctx.path) is read in place on %s: the stream is never copied",
    async (engine) => {
      const path = zipOf("local_form13f.zip", {
        "SUBMISSION.tsv": submission(1),
        "COVERPAGE.tsv": cover,
        "INFOTABLE.tsv": tsv(INFOTABLE_COLUMNS, [holding]),
      });
      let read = false;
      const untouched = (async function* () {
        read = true;
        yield new Uint8Array(0);
      })();
      const handle = await openTestDb(engine);
      try {
        const summary = await kind.run(untouched, ctx(path, handle.db, path));
        expect(summary).toMatchObject({ accepted: 2, rejected: 0 });
        expect(read).toBe(false);
      } finally {
        await handle.close();
      }
    },
  );
});
