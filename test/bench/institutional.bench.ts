/**
 * Issue 3 figures:
 * 1. 13F information-table parse speed (MB/s, rows/s) on the largest real sample and on a generated
 *    100k-row table (goal >= 50 MB/s);
 * 2. 100k information-table rows stored on real Postgres (goal < 3 s);
 * 3. a generated quarterly 13F data set (ROWS information-table rows, default 3M, in the SEC zip layout)
 *    streamed into real Postgres: rows/s, peak RSS, and the ratio to `psql \copy` of the same rows into
 *    the same table (goal: at least half of COPY's speed, flat memory).
 *
 * Run: `pnpm bench institutional`. Env: ROWS (3,000,000), BENCH_DATABASE_URL
 * (postgres://postgres@127.0.0.1:5432/test).
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, createDeflateRaw } from "node:zlib";
import { openDb } from "@smt/db";
import { sql } from "drizzle-orm";
import { ingest13FDataset } from "../../server/src/institutional/datasets.ingest";
import { parse13F, type ThirteenFHolding } from "../../server/src/institutional/thirteenf.parse";
import { insert13FHoldings, type ThirteenFHoldingRow } from "../../server/src/institutional/thirteenf.store";
import { benchDatabase } from "./support";

const ROWS = Number(process.env.ROWS ?? 3_000_000);
const fixtures = join(import.meta.dirname, "..", "fixtures", "sec");
const dir = mkdtempSync(join(tmpdir(), "smt-bench-13f-"));

const mb = (bytes: number) => bytes / 1e6;
const fmt = (n: number, d = 1) => n.toLocaleString("en-US", { maximumFractionDigits: d });

async function parseSpeed(label: string, bytes: Buffer, repeat: number) {
  let rows = 0;
  const started = performance.now();
  for (let r = 0; r < repeat; r++) {
    const source = (async function* () {
      for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
    })();
    for await (const rec of parse13F(source, { sourceName: label }))
      if (rec.ok && rec.record.kind === "holding") rows++;
  }
  const s = (performance.now() - started) / 1000;
  console.log(
    `parse ${label}: ${fmt(mb(bytes.length * repeat) / s)} MB/s, ${fmt(rows / s, 0)} rows/s (${fmt(mb(bytes.length), 2)} MB x ${repeat}, ${rows} rows)`,
  );
}

function generatedInfoTable(rows: number): Buffer {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<ns1:informationTable xmlns:ns1="http://www.sec.gov/edgar/document/thirteenf/informationtable">\n',
  ];
  for (let i = 1; i <= rows; i++) {
    parts.push(
      `<ns1:infoTable><ns1:nameOfIssuer>ISSUER NUMBER ${i % 5000} INC</ns1:nameOfIssuer><ns1:titleOfClass>COM</ns1:titleOfClass><ns1:cusip>037833100</ns1:cusip><ns1:value>${i * 137}</ns1:value><ns1:shrsOrPrnAmt><ns1:sshPrnamt>${i}</ns1:sshPrnamt><ns1:sshPrnamtType>SH</ns1:sshPrnamtType></ns1:shrsOrPrnAmt><ns1:investmentDiscretion>SOLE</ns1:investmentDiscretion><ns1:votingAuthority><ns1:Sole>${i}</ns1:Sole><ns1:Shared>0</ns1:Shared><ns1:None>0</ns1:None></ns1:votingAuthority></ns1:infoTable>\n`,
    );
  }
  parts.push("</ns1:informationTable>\n");
  return Buffer.from(parts.join(""));
}

/** A zip written as a stream (deflate, data descriptors), so a multi-GB member never sits in memory. */
class StreamingZip {
  private readonly out;
  private offset = 0;
  private readonly central: Buffer[] = [];
  private count = 0;
  constructor(path: string) {
    this.out = createWriteStream(path);
  }
  private async raw(buf: Buffer) {
    this.offset += buf.length;
    if (!this.out.write(buf)) await once(this.out, "drain");
  }
  async add(name: string, lines: AsyncIterable<string> | Iterable<string>) {
    const nameBytes = Buffer.from(name);
    const start = this.offset;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0808, 6); // data descriptor + UTF-8
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(nameBytes.length, 26);
    await this.raw(Buffer.concat([local, nameBytes]));
    const deflate = createDeflateRaw({ level: 1 });
    let crc = 0;
    let size = 0;
    let compressed = 0;
    const pump = (async () => {
      for await (const chunk of deflate) {
        compressed += (chunk as Buffer).length;
        await this.raw(chunk as Buffer);
      }
    })();
    let pending = "";
    for await (const line of lines) {
      pending += line;
      if (pending.length > 1 << 20) {
        const b = Buffer.from(pending);
        crc = crc32(b, crc);
        size += b.length;
        if (!deflate.write(b)) await once(deflate, "drain");
        pending = "";
      }
    }
    const b = Buffer.from(pending);
    crc = crc32(b, crc);
    size += b.length;
    deflate.end(b);
    await pump;
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc, 4);
    desc.writeUInt32LE(compressed, 8);
    desc.writeUInt32LE(size, 12);
    await this.raw(desc);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0808, 8);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(compressed, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(nameBytes.length, 28);
    c.writeUInt32LE(start, 42);
    this.central.push(c, nameBytes);
    this.count++;
  }
  async close() {
    const cd = Buffer.concat(this.central);
    const cdOffset = this.offset;
    await this.raw(cd);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.count, 8);
    end.writeUInt16LE(this.count, 10);
    end.writeUInt32LE(cd.length, 12);
    end.writeUInt32LE(cdOffset, 16);
    await this.raw(end);
    this.out.end();
    await once(this.out, "finish");
  }
}

const ROWS_PER_FILING = 300;
const accessionOf = (f: number) => `0009${String(f).padStart(6, "0")}-25-${String(f).padStart(6, "0")}`;

function* infotableLines(rows: number): Generator<string> {
  yield "ACCESSION_NUMBER\tINFOTABLE_SK\tNAMEOFISSUER\tTITLEOFCLASS\tCUSIP\tFIGI\tVALUE\tSSHPRNAMT\tSSHPRNAMTTYPE\tPUTCALL\tINVESTMENTDISCRETION\tOTHERMANAGER\tVOTING_AUTH_SOLE\tVOTING_AUTH_SHARED\tVOTING_AUTH_NONE\n";
  for (let i = 0; i < rows; i++) {
    const f = Math.floor(i / ROWS_PER_FILING);
    yield `${accessionOf(f)}\t${i + 1}\tISSUER ${i % 7000} INC\tCOM\t037833100\t\t${(i % 100000) * 173}\t${i % 100000}\tSH\t\tSOLE\t\t${i % 100000}\t0\t0\n`;
  }
}

async function main() {
  const bench = await benchDatabase("institutional");
  const handle = await openDb({ url: bench.url, maxConnections: 2 });
  try {
    // Steps 1 and 2 in their own function so their buffers are garbage before the data-set load
    // (ONLY_DATASET=1 skips them, e.g. to run the load under a small --max-old-space-size).
    if (!process.env.ONLY_DATASET) await parseAndStore(handle);
    await datasetLoad(handle, bench.url);
    writeFileSync(join(dir, "done"), "");
  } finally {
    await handle.close();
    await bench.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function parseAndStore(handle: Awaited<ReturnType<typeof openDb>>) {
  // 1. Parse speed.
  const largest = readFileSync(join(fixtures, "edgartools_13F-HR.infotable.xml"));
  await parseSpeed("edgartools_13F-HR.infotable.xml (largest real sample)", largest, 200);
  const generated = generatedInfoTable(100_000);
  await parseSpeed("generated 100k-row information table", generated, 3);

  // 2. 100k rows stored on real Postgres.
  {
    const holdings: ThirteenFHoldingRow[] = [];
    for await (const r of parse13F([generated] as unknown as AsyncIterable<Uint8Array>, {
      sourceName: "gen",
    })) {
      if (r.ok && r.record.kind === "holding") {
        holdings.push({
          accession: "0009000000-25-000001",
          filerCik: "0009000000",
          periodOfReport: "2025-09-30",
          source: "bench",
          publishedAt: new Date("2025-11-14T21:00:00Z"),
          holding: r.record.holding as ThirteenFHolding,
        });
      }
    }
    const started = performance.now();
    for (let i = 0; i < holdings.length; i += 10_000)
      await insert13FHoldings(handle.db, holdings.slice(i, i + 10_000));
    console.log(
      `store 100k information-table rows on Postgres: ${fmt((performance.now() - started) / 1000, 2)} s (batches of 10,000 through insert13FHoldings: COPY into the table when the keys are free, else staging table + insert on conflict)`,
    );
    await handle.db.execute(sql`truncate thirteenf_holdings, thirteenf_filings`);
  }
}

async function datasetLoad(handle: Awaited<ReturnType<typeof openDb>>, url: string) {
  {
    // 3. Quarterly data set.
    const zipPath = join(dir, "bench_form13f.zip");
    const filings = Math.ceil(ROWS / ROWS_PER_FILING);
    let started = performance.now();
    const zip = new StreamingZip(zipPath);
    await zip.add(
      "SUBMISSION.tsv",
      (function* () {
        yield "ACCESSION_NUMBER\tFILING_DATE\tSUBMISSIONTYPE\tCIK\tPERIODOFREPORT\n";
        for (let f = 0; f < filings; f++)
          yield `${accessionOf(f)}\t14-NOV-2025\t13F-HR\t${9_000_000 + f}\t30-SEP-2025\n`;
      })(),
    );
    await zip.add(
      "COVERPAGE.tsv",
      (function* () {
        yield "ACCESSION_NUMBER\tISAMENDMENT\tFILINGMANAGER_NAME\tREPORTTYPE\n";
        for (let f = 0; f < filings; f++)
          yield `${accessionOf(f)}\tN\tBENCH MANAGER ${f} LLC\t13F HOLDINGS REPORT\n`;
      })(),
    );
    await zip.add("INFOTABLE.tsv", infotableLines(ROWS));
    await zip.close();
    console.log(
      `generated ${fmt(ROWS, 0)}-row data set zip: ${fmt(mb(statSync(zipPath).size))} MB in ${fmt((performance.now() - started) / 1000)} s`,
    );

    let peakRss = 0;
    const rssTimer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 200);
    const rssBefore = process.memoryUsage().rss;
    started = performance.now();
    const summary = await ingest13FDataset(handle.db, zipPath);
    const loadS = (performance.now() - started) / 1000;
    clearInterval(rssTimer);
    const holdingRows = summary.accepted - filings;
    console.log(
      `data set load: ${fmt(holdingRows, 0)} rows in ${fmt(loadS)} s = ${fmt(holdingRows / loadS, 0)} rows/s; ` +
        `RSS ${fmt(mb(rssBefore), 0)} MB before, peak ${fmt(mb(peakRss), 0)} MB; rejected ${summary.rejected}`,
    );

    // psql \copy of the same rows into the same (emptied) table, from a CSV holding exactly the stored columns.
    const csvPath = join(dir, "holdings.csv");
    const dump = spawnSync(
      "psql",
      [url, "-q", "-c", `\\copy (select * from thirteenf_holdings) to '${csvPath}' with (format csv)`],
      { encoding: "utf8" },
    );
    if (dump.status !== 0) throw new Error(dump.stderr);
    await handle.db.execute(sql`truncate thirteenf_holdings`);
    started = performance.now();
    const copy = spawnSync(
      "psql",
      [url, "-q", "-c", `\\copy thirteenf_holdings from '${csvPath}' with (format csv)`],
      { encoding: "utf8" },
    );
    const copyS = (performance.now() - started) / 1000;
    if (copy.status !== 0) throw new Error(copy.stderr);
    console.log(
      `psql \\copy of the same ${fmt(holdingRows, 0)} rows: ${fmt(copyS)} s = ${fmt(holdingRows / copyS, 0)} rows/s; ` +
        `data set load speed / COPY speed = ${fmt(copyS / loadS, 2)}`,
    );
  }
}

await main();
