import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../../../test/support/db";
import { INFOTABLE_COLUMNS, tsv, writeZip } from "../../../test/support/sec-fixtures";
import { ingest13FDataset } from "./datasets.ingest";

const dir = mkdtempSync(join(tmpdir(), "smt-13f-ingest-"));
const FILINGS = 3;
const ROWS_PER_FILING = 2100;
const accessionOf = (f: number) => `0009000000-25-${String(f + 1).padStart(6, "0")}`;

/** A data set whose filings are larger than a batch, so a filing's rows span several batches. */
function datasetZip(): string {
  const zip = join(dir, "2025q3_form13f.zip");
  const filings = Array.from({ length: FILINGS }, (_, f) => f);
  const rows = filings.flatMap((f) =>
    Array.from({ length: ROWS_PER_FILING }, (_, i) => [
      accessionOf(f),
      String(f * ROWS_PER_FILING + i + 1),
      i % 11 === 0 ? "TAB\\LIKE BACKSLASH CO" : `ISSUER ${i % 500} INC`,
      "COM",
      "037833100",
      "",
      String((i + 1) * 100),
      String(i + 1),
      "SH",
      i % 7 === 0 ? "Put" : "",
      "SOLE",
      "",
      String(i + 1),
      "0",
      "0",
    ]),
  );
  writeZip(zip, {
    "SUBMISSION.tsv": tsv(
      ["ACCESSION_NUMBER", "FILING_DATE", "SUBMISSIONTYPE", "CIK", "PERIODOFREPORT"],
      filings.map((f) => [accessionOf(f), "14-NOV-2025", "13F-HR", String(9_000_000 + f), "30-SEP-2025"]),
    ),
    "COVERPAGE.tsv": tsv(
      ["ACCESSION_NUMBER", "ISAMENDMENT", "FILINGMANAGER_NAME", "REPORTTYPE"],
      filings.map((f) => [accessionOf(f), "N", `MANAGER ${f} LLC`, "13F HOLDINGS REPORT"]),
    ),
    "INFOTABLE.tsv": tsv(INFOTABLE_COLUMNS, rows),
  });
  return zip;
}

describe.each(engines())("13F data-set load on %s", (engine) => {
  let handle: DbHandle;
  let zip: string;
  const total = FILINGS * ROWS_PER_FILING;
  const stored = async () =>
    (
      await handle.query<{ n: number; names: number; puts: number }>(
        sql`select count(*)::int as n, count(*) filter (where name_of_issuer = 'TAB' || chr(92) || 'LIKE BACKSLASH CO')::int as names,
          count(*) filter (where put_call = 'Put')::int as puts from thirteenf_holdings`,
      )
    )[0];

  beforeAll(async () => {
    handle = await openTestDb(engine);
    zip = datasetZip();
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("stores every row of filings spanning several batches, exactly once", async () => {
    const first = await ingest13FDataset(handle.db, zip, { batchSize: 2500 });
    expect(first).toMatchObject({ accepted: FILINGS + total, rejected: 0, duplicates: 0 });
    expect(await stored()).toEqual({ n: total, names: FILINGS * 191, puts: FILINGS * 300 });
  });

  it("a second load of the same data set stores nothing new", async () => {
    const again = await ingest13FDataset(handle.db, zip, { batchSize: 2500 });
    expect(again).toMatchObject({ accepted: 0, duplicates: FILINGS + total });
    expect((await stored())?.n).toBe(total);
  });

  it("a load after an interrupted one stores only the missing rows", async () => {
    await handle.db.execute(sql`delete from thirteenf_holdings where row_index % 3 = 0 or row_index > 2000`);
    const before = (await stored())?.n as number;
    const resumed = await ingest13FDataset(handle.db, zip, { batchSize: 2500 });
    expect(resumed.accepted).toBe(total - before);
    expect(await stored()).toEqual({ n: total, names: FILINGS * 191, puts: FILINGS * 300 });
  });
});
