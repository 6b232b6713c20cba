/**
 * Issue 9 item 2 figures: what a hostile long line costs the line readers. Before the fix a CSV whose second
 * line is 32 MB took 13 s and a 33 KB 13F data-set zip holding one 32 MB line took 102 s of CPU (each chunk
 * rescanned the whole pending line). Now each byte is scanned once and the line is refused at 1 MiB.
 * Also: plain line-splitting throughput on ordinary lines. No database.
 *
 * Run: `pnpm bench lines` (or `npx tsx test/bench/lines.bench.ts`).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseShortVolume } from "../../server/src/darkpool/short-volume.parse";
import { parse13FDataset } from "../../server/src/institutional/thirteenf-dataset.parse";
import { readLines } from "../../server/src/lib/lines";
import { INFOTABLE_COLUMNS, tsv, writeZip } from "../support/sec-fixtures";
import { fmt, report } from "./support";

const MB32 = 32 * 1024 * 1024;

async function* chunks(head: string, total: number, tail: string): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  yield enc.encode(head);
  const piece = enc.encode("7".repeat(64 * 1024));
  for (let left = total; left > 0; left -= piece.length)
    yield left >= piece.length ? piece : piece.slice(0, left);
  yield enc.encode(tail);
}

async function timeRefusal(run: () => Promise<unknown>): Promise<{ ms: number; message: string }> {
  const t0 = performance.now();
  let message = "(accepted!)";
  try {
    await run();
  } catch (err) {
    message = (err as Error).message;
  }
  return { ms: performance.now() - t0, message };
}

// (1) A CSV whose second line is 32 MB.
const csv = await timeRefusal(async () => {
  const source = chunks("Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market\n", MB32, "\n");
  for await (const _ of parseShortVolume(source, {
    sourceName: "CNMSshvol20250102.txt",
  })) {
    // drain
  }
});

// (2) A 13F data-set zip holding one 32 MB line.
const dir = mkdtempSync(join(tmpdir(), "smt-bench-lines-"));
const zip = join(dir, "hostile_form13f.zip");
writeZip(zip, {
  "SUBMISSION.tsv": tsv(
    ["ACCESSION_NUMBER", "FILING_DATE", "CIK"],
    [["0009000000-25-000001", "14-NOV-2025", "1"]],
  ),
  "COVERPAGE.tsv": tsv(["ACCESSION_NUMBER"], [["0009000000-25-000001"]]),
  "INFOTABLE.tsv": `${INFOTABLE_COLUMNS.join("\t")}\n${"A".repeat(MB32)}\n`,
});
const zipBytes = statSync(zip).size;
const dataset = await timeRefusal(async () => {
  for await (const _ of parse13FDataset({ path: zip, name: "hostile_form13f.zip" })) {
    // drain
  }
});
rmSync(dir, { recursive: true, force: true });

// (3) Ordinary lines: 2M lines of 40 bytes in 64 KB chunks.
const line = "20250102|AAPL|1234567|0|2345678|B,Q,N\n";
const perChunk = Math.floor((64 * 1024) / line.length);
const chunk = new TextEncoder().encode(line.repeat(perChunk));
const rounds = Math.ceil(2_000_000 / perChunk);
let lines = 0;
const t0 = performance.now();
for await (const _ of readLines(
  (async function* () {
    for (let i = 0; i < rounds; i++) yield chunk;
  })(),
  "plain.txt",
)) {
  lines++;
}
const plainSecs = (performance.now() - t0) / 1000;

report("line readers against a hostile long line (issue 9 item 2)", [
  ["CSV, 32 MB second line: refused in", `${fmt(csv.ms)} ms (was 13 s): ${csv.message.slice(0, 80)}`],
  [
    `13F data set, ${fmt(zipBytes / 1024)} KB zip with a 32 MB line: refused in`,
    `${fmt(dataset.ms)} ms (was 102 s): ${dataset.message.slice(0, 80)}`,
  ],
  [
    "readLines, ordinary 40-byte lines",
    `${fmt(lines / plainSecs)} lines/s, ${fmt((lines * line.length) / 1e6 / plainSecs, 1)} MB/s`,
  ],
]);
