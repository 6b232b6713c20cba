import { createReadStream, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crc32, deflateRawSync } from "node:zlib";

/** Absolute path of a file under `test/fixtures/sec` (copied byte-for-byte from the shared samples). */
export const secFixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/sec/${name}`, import.meta.url));

export const readFixture = (name: string) => createReadStream(secFixture(name));

/** Re-chunks a stream into pieces of `size` bytes, to prove parsers do not depend on chunk boundaries. */
export async function* inChunks(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, i + size);
  }
}

export { collect } from "./collect";

/**
 * Writes a zip (deflate, no zip64) holding `files`: enough to build SEC data-set zips in tests
 * (PKWARE APPNOTE 4.3: local headers, central directory, end record).
 */
export function writeZip(path: string, files: Record<string, string | Buffer>): void {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(files)) {
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    const deflated = deflateRawSync(data);
    const crc = crc32(data);
    const nameBytes = Buffer.from(name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(deflated.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(deflated.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, deflated);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + deflated.length;
  }
  const centralSize = centrals.reduce((s, b) => s + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(path, Buffer.concat([...locals, ...centrals, end]));
}

/** A TSV document: header row then rows, LF-terminated, as in the SEC data sets. */
/** INFOTABLE.tsv's columns in the SEC's "Form 13F data sets" layout (../shared/data-formats.md). */
export const INFOTABLE_COLUMNS = [
  "ACCESSION_NUMBER",
  "INFOTABLE_SK",
  "NAMEOFISSUER",
  "TITLEOFCLASS",
  "CUSIP",
  "FIGI",
  "VALUE",
  "SSHPRNAMT",
  "SSHPRNAMTTYPE",
  "PUTCALL",
  "INVESTMENTDISCRETION",
  "OTHERMANAGER",
  "VOTING_AUTH_SOLE",
  "VOTING_AUTH_SHARED",
  "VOTING_AUTH_NONE",
];

export const tsv = (header: string[], rows: (string | number | null | undefined)[][]): string =>
  [
    header.join("\t"),
    ...rows.map((r) => r.map((v) => (v === null || v === undefined ? "" : String(v))).join("\t")),
  ]
    .join("\n")
    .concat("\n");

/** `2025-01-22` -> `22-JAN-2025`, the data sets' date format. */
export const secDate = (iso: string | null): string => {
  if (!iso) return "";
  const [y, m, d] = iso.split("-");
  const months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
  return `${d}-${months[Number(m) - 1]}-${y}`;
};
