import type { Writable } from "node:stream";
import type { Db } from "@smt/db";

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
