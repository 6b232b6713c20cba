import { createReadStream } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of a file under `test/fixtures/sec` (copied byte-for-byte from the shared samples). */
export const secFixture = (name: string): string =>
  fileURLToPath(new URL(`../../../test/fixtures/sec/${name}`, import.meta.url));

export const readFixture = (name: string) => createReadStream(secFixture(name));

/** Re-chunks a stream into pieces of `size` bytes, to prove parsers do not depend on chunk boundaries. */
export async function* inChunks(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += size) yield chunk.subarray(i, i + size);
  }
}

export async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}
