import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";

/** Records held in memory before a deferred list spills to a temporary file. */
export const DEFERRED_MEMORY_RECORDS = 50_000;

/**
 * Records kept back until a transaction commits, however many there are: the first `memoryRecords` in
 * memory, the rest appended to a temporary file (V8 serialization, so dates survive) and read back in
 * the same order. `drain` hands them out in the batches they were added in, then removes the file.
 */
export class DeferredRecords<S> {
  private readonly memory: S[][] = [];
  private inMemory = 0;
  private dir: string | null = null;
  private fd: number | null = null;
  private spilled = 0;
  private count = 0;

  constructor(private readonly memoryRecords = DEFERRED_MEMORY_RECORDS) {}

  get size(): number {
    return this.count;
  }

  push(batch: S[]): void {
    if (batch.length === 0) return;
    this.count += batch.length;
    if (this.fd === null && this.inMemory + batch.length <= this.memoryRecords) {
      this.memory.push(batch);
      this.inMemory += batch.length;
      return;
    }
    if (this.fd === null) {
      this.dir = mkdtempSync(join(tmpdir(), "smt-deferred-"));
      this.fd = openSync(join(this.dir, "records.bin"), "w+");
    }
    const body = serialize(batch);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    writeSync(this.fd, head);
    writeSync(this.fd, body);
    this.spilled++;
  }

  /** Every record pushed, in order, batch by batch; the temporary file is removed afterwards. */
  *drain(): Generator<S[]> {
    try {
      for (const batch of this.memory) yield batch;
      if (this.fd === null) return;
      let position = 0;
      const head = Buffer.alloc(4);
      for (let i = 0; i < this.spilled; i++) {
        readSync(this.fd, head, 0, 4, position);
        const length = head.readUInt32LE(0);
        const body = Buffer.alloc(length);
        readSync(this.fd, body, 0, length, position + 4);
        position += 4 + length;
        yield deserialize(body) as S[];
      }
    } finally {
      this.discard();
    }
  }

  /** Forgets everything (a rolled-back transaction announces nothing) and removes the file. */
  discard(): void {
    this.memory.length = 0;
    this.inMemory = 0;
    if (this.fd !== null) closeSync(this.fd);
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.fd = null;
    this.dir = null;
    this.spilled = 0;
    this.count = 0;
  }
}
