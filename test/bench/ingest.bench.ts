/**
 * Issue 2 figures: (1) pipeline prints/s on one core, parsing and enrichment included, no database;
 * (2) ingest prints/s for 1M prints from a file into real Postgres through the real pipeline; (3) the same
 * rows loaded by `psql \copy` into the same table in the same run, and the ratio (goal >= 0.5).
 *
 * Run: `pnpm bench ingest` (or `npx tsx test/bench/ingest.bench.ts [prints]`).
 */
import { execFileSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "@smt/db";
import { sql } from "drizzle-orm";
import { PrintEnricher } from "../../server/src/darkpool/enrich";
import { PrintPipeline } from "../../server/src/darkpool/pipeline";
import { parsePrintBatches } from "../../server/src/darkpool/prints.parse";
import { createLogger } from "../../server/src/lib/log";
import { LiveBus } from "../../server/src/realtime/bus";
import { benchDatabase, fmt, report, writePolygonTrades } from "./support";

const count = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "smt-bench-"));
const file = join(dir, "trades.csv");
const bytes = await writePolygonTrades(file, count);

// (1) Parse + enrich on one core.
let t0 = performance.now();
const enricher = new PrintEnricher({ lastLitWindowMs: 60_000 });
let parsed = 0;
// The pipeline's own consumption: records arrive in one array per file chunk.
for await (const batch of parsePrintBatches(createReadStream(file), { sourceName: "trades.csv" })) {
  for (const item of batch) {
    if (item.ok) {
      enricher.enrich(item.record);
      parsed++;
    }
  }
}
const pipelineSecs = (performance.now() - t0) / 1000;

// (2) Into real Postgres through the pipeline.
const bench = await benchDatabase("ingest");
const handle = await openDb({ url: bench.url });
const pipeline = new PrintPipeline({
  db: handle.db,
  bus: new LiveBus(),
  log: createLogger("error"),
  lastLitWindowMs: 60_000,
});
t0 = performance.now();
const summary = await pipeline.ingest(
  parsePrintBatches(createReadStream(file), { sourceName: "trades.csv" }),
  {
    source: "bench",
    sourceRef: "trades.csv",
  },
);
const ingestSecs = (performance.now() - t0) / 1000;

// (3) The same rows via psql \copy into the same (emptied) table.
const copyFile = join(dir, "prints.copy");
const psql = (cmd: string) =>
  execFileSync("psql", [bench.url, "-qc", cmd], { stdio: ["ignore", "pipe", "inherit"] });
// COPY TO does not read a partitioned table; COPY (SELECT ...) TO does.
psql(`\\copy (select * from prints) to '${copyFile}'`);
await handle.query(sql`truncate prints`);
t0 = performance.now();
psql(`\\copy prints from '${copyFile}'`);
const copySecs = (performance.now() - t0) / 1000;
await pipeline.close();
await handle.close();
await bench.drop();
rmSync(dir, { recursive: true, force: true });

const ingestRate = summary.accepted / ingestSecs;
const copyRate = summary.accepted / copySecs;
report(`prints ingest (${fmt(count)} prints, ${fmt(bytes / 1e6, 1)} MB Polygon CSV)`, [
  ["pipeline parse+enrich, one core", `${fmt(parsed / pipelineSecs)} prints/s (goal >= 300,000)`],
  [
    "pipeline -> Postgres (stored)",
    `${fmt(ingestRate)} prints/s, ${fmt(summary.accepted)} rows in ${fmt(ingestSecs, 2)} s`,
  ],
  ["psql \\copy same rows", `${fmt(copyRate)} rows/s in ${fmt(copySecs, 2)} s`],
  ["ratio ingest / COPY", `${fmt(ingestRate / copyRate, 2)} (goal >= 0.5)`],
]);
