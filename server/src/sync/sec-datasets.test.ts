import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { engines } from "../../../test/support/db";
import { acornDataset, snowInsiderDataset } from "../../../test/support/sec-datasets";
import { writeZip } from "../../../test/support/sec-fixtures";
import { secSyncFixture } from "../../../test/support/sec-sync-fixture";
import { createLogger } from "../lib/log";
import { SyncRunner } from "./runner";
import {
  datasetWindowOf,
  SEC_DATASETS_SOURCE,
  type SecDatasetsOptions,
  secDatasetsJob,
  windowsEndingBetween,
} from "./sec-datasets.job";
import { itemsBetween } from "./sync.store";

const log = createLogger("silent");
const UA = "Smart Money Tracker tests admin@example.com";
const dir = mkdtempSync(join(tmpdir(), "smt-sec-datasets-"));
/** Monday 2025-03-10, 08:00 New York: the 13F window Dec-Feb and the insider 2024Q4 set have ended. */
const NOW = Date.parse("2025-03-10T12:00:00Z");
const F13 = "/files/structureddata/data/form-13f-data-sets/01dec2024-28feb2025_form13f.zip";
const F345 = "/files/structureddata/data/insider-transactions-data-sets/2024q4_form345.zip";

const zipBytes = (name: string, files: Record<string, string | Buffer>): Buffer => {
  const path = join(dir, name);
  writeZip(path, files);
  return readFileSync(path);
};
const smtTemps = () => readdirSync(tmpdir()).filter((f) => f.startsWith("smt-sec-dataset-")).length;

describe("SEC data-set windows (the SEC's file labels)", () => {
  it("names quarters through 2023, Jan-Feb 2024, then windows starting Mar/Jun/Sep/Dec; insider sets stay quarterly", () => {
    expect(datasetWindowOf("form13f", "2023-11-15")).toEqual({
      kind: "form13f",
      label: "2023q4",
      start: "2023-10-01",
      end: "2023-12-31",
    });
    expect(datasetWindowOf("form13f", "2024-02-10").label).toBe("01jan2024-29feb2024");
    expect(datasetWindowOf("form13f", "2024-03-01").label).toBe("01mar2024-31may2024");
    expect(datasetWindowOf("form13f", "2025-01-22")).toMatchObject({
      label: "01dec2024-28feb2025",
      start: "2024-12-01",
      end: "2025-02-28",
    });
    expect(datasetWindowOf("form13f", "2025-11-30").label).toBe("01sep2025-30nov2025");
    expect(datasetWindowOf("form345", "2025-02-01").label).toBe("2025q1");
    expect(windowsEndingBetween("form13f", "2023-12-01", "2024-09-01").map((w) => w.label)).toEqual([
      "2023q4",
      "01jan2024-29feb2024",
      "01mar2024-31may2024",
      "01jun2024-31aug2024",
    ]);
  });
});

describe.each(engines())("sec-datasets (SEC quarterly data sets) on %s", (engine) => {
  const fx = secSyncFixture(engine);
  const run = async (o: Partial<SecDatasetsOptions> = {}) => {
    const job = secDatasetsJob({
      userAgent: UA,
      wwwBaseUrl: fx.edgar.url,
      dataBaseUrl: fx.edgar.url,
      maxBytes: 1024 * 1024,
      timeoutMs: 5000,
      backoffBaseMs: 5,
      backfill: 1,
      datasetMaxBytes: 8 * 1024 * 1024,
      datasetTimeoutMs: 10_000,
      ...o,
    });
    const runner = new SyncRunner({ db: fx.handle.db, jobs: [job], log, clock: () => NOW, owner: "n" });
    return (await runner.runNow(SEC_DATASETS_SOURCE, {})).outcome;
  };
  const items = async () =>
    Object.fromEntries(
      (await itemsBetween(fx.handle.db, SEC_DATASETS_SOURCE, "1900-01-01", "2999-12-31")).map((i) => [
        i.itemKey,
        i.status,
      ]),
    );
  const datasetRequests = () =>
    fx.edgar.upstream.requests.filter((r) => r.path.startsWith("/files/structureddata"));

  it("loads a released 13F set, counts the unreleased insider set (404) as not published, then loads it when it appears; a re-run fetches nothing", async () => {
    const acorn = await acornDataset();
    fx.edgar.upstream.files.set(F13, zipBytes("13f.zip", acorn.files));
    fx.edgar.upstream.faults.set(F345, { kind: "status", status: 404, times: 1 });
    const first = await run();
    expect(first).toMatchObject({ status: "succeeded" });
    expect(first.stats).toMatchObject({
      data_sets: 2,
      stored: 1,
      not_published: 1,
      accepted: 78,
      rejected: 0,
    });
    expect(await items()).toEqual({
      "form13f:01dec2024-28feb2025": "stored",
      "form345:2024q4": "not_published",
    });
    expect(await fx.count("thirteenf_holdings")).toBe(77);
    expect(datasetRequests().every((r) => r.userAgent === UA)).toBe(true);

    const snow = await snowInsiderDataset();
    fx.edgar.upstream.files.set(F345, zipBytes("345.zip", snow.files));
    const before = datasetRequests().length;
    const second = await run();
    expect(second.stats).toMatchObject({ data_sets: 2, already: 1, stored: 1, not_published: 0 });
    expect(
      datasetRequests()
        .slice(before)
        .map((r) => r.path),
    ).toEqual([F345]);
    const rows = await fx.count("insider_transactions");
    expect(rows).toBeGreaterThan(0);
    expect(second.stats).toMatchObject({ accepted: rows + 1, rejected: 0 });
    expect(await items()).toMatchObject({ "form345:2024q4": "stored" });

    const third = await run();
    expect(third.stats).toMatchObject({ already: 2, stored: 0 });
    expect(datasetRequests()).toHaveLength(before + 1);
    expect(smtTemps()).toBe(0);
  });

  it("refuses an oversized, a truncated and a zip-bomb data set: the run fails, nothing is stored, no file is left", async () => {
    const acorn = await acornDataset();
    const good = zipBytes("13f.zip", acorn.files);
    fx.edgar.upstream.files.set(F345, zipBytes("345.zip", (await snowInsiderDataset()).files));

    fx.edgar.upstream.files.set(F13, good);
    const oversized = await run({ datasetMaxBytes: good.length - 1 });
    expect(oversized.status).toBe("dead");
    expect(oversized.error).toMatch(/01dec2024-28feb2025_form13f\.zip: .* bytes is over the \d+-byte limit/);

    fx.edgar.upstream.faults.set(F13, { kind: "truncate", keepBytes: Math.floor(good.length / 2), times: 1 });
    const truncated = await run();
    expect(truncated.error).toMatch(/01dec2024-28feb2025_form13f\.zip: .*not a readable zip file/);

    // 20 MiB of one byte deflates about 1,000:1.
    const bomb = { ...acorn.files, "INFOTABLE.tsv": Buffer.alloc(20 * 1024 * 1024, 0x41) };
    fx.edgar.upstream.files.set(F13, zipBytes("bomb.zip", bomb));
    const bombed = await run();
    expect(bombed.error).toMatch(/INFOTABLE\.tsv: 20971520 bytes from \d+ compressed, over the 100:1 ratio/);

    expect(await fx.count("thirteenf_holdings")).toBe(0);
    expect(await fx.count("thirteenf_filings")).toBe(0);
    expect((await items())["form13f:01dec2024-28feb2025"]).toBe("failed");
    expect(smtTemps()).toBe(0);
  });
});
