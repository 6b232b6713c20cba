import { once } from "node:events";
import { finished, type Writable } from "node:stream";
import { promisify } from "node:util";
import type { Db } from "@smt/db";

const streamFinished = promisify(finished);

/** The part of a postgres.js client the COPY path uses (the server package does not depend on postgres.js). */
interface CopyConnection {
  unsafe(query: string): Promise<unknown> & { writable(): Promise<Writable> };
  release(): void;
}
export interface CopyClient {
  reserve(): Promise<CopyConnection>;
}

/** Batches at least this large go through COPY when the handle allows it. */
export const COPY_THRESHOLD_ROWS = 2000;

/**
 * The postgres.js client behind a Drizzle handle, for COPY. Absent on PGlite and inside a transaction,
 * where callers use their bind-parameter path instead.
 */
export function copyClient(db: Db, rows: number): CopyClient | null {
  if (rows < COPY_THRESHOLD_ROWS) return null;
  const client = (db as unknown as { $client?: unknown }).$client;
  return typeof client === "function" && typeof (client as { reserve?: unknown }).reserve === "function"
    ? (client as unknown as CopyClient)
    : null;
}

/** A value in COPY text format (`\N` for null; backslash, tab, newline and CR escaped). */
export function copyField(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  if (typeof v === "boolean") return v ? "t" : "f";
  const s = typeof v === "string" ? v : String(v);
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r")
    : s;
}

/**
 * Bulk path for real Postgres: COPY rows into a session temp table shaped like `table`, then one
 * `insert ... select ... on conflict do nothing` (COPY itself cannot skip duplicates). Returns the
 * `returning` columns of the rows that were new (none when `returning` is omitted) and their count.
 */
export async function copyThenInsert<K>(
  client: CopyClient,
  o: { table: string; columns: readonly string[]; rows: Iterable<readonly unknown[]>; returning?: string },
): Promise<{ keys: K[]; count: number }> {
  const stage = `${o.table}_stage`;
  const cols = o.columns.join(", ");
  const conn = await client.reserve();
  try {
    await conn.unsafe(
      `create temp table if not exists ${stage} (like ${o.table} including defaults) on commit preserve rows`,
    );
    await conn.unsafe(`truncate ${stage}`);
    const sink = await conn.unsafe(`copy ${stage} (${cols}) from stdin`).writable();
    let chunk = "";
    for (const row of o.rows) {
      chunk += `${row.map(copyField).join("\t")}\n`;
      if (chunk.length > 1 << 16) {
        if (!sink.write(chunk)) await once(sink, "drain");
        chunk = "";
      }
    }
    sink.end(chunk);
    await streamFinished(sink);
    const result = (await conn.unsafe(
      `insert into ${o.table} (${cols}) select ${cols} from ${stage} on conflict do nothing${o.returning ? ` returning ${o.returning}` : ""}`,
    )) as unknown as K[] & { count: number };
    return { keys: o.returning ? [...result] : [], count: result.count };
  } finally {
    conn.release();
  }
}
