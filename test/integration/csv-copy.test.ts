/**
 * Issue 12, CSV exports written by Postgres (COPY, binary format) on a real server: the CSV writer must
 * give the bytes the row path gives (to_char for times, the driver's numbers, csvCell's guard and quotes),
 * checked against Postgres' own to_char and float output over wide value ranges; and a connection that
 * ran a COPY whose reader fell behind must answer its next statement (postgres.js left its socket paused).
 */
import { copyRows, type DbHandle, openDb } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvCell } from "../../server/src/market/csv";
import { type CsvCellKind, copyColumns, copyCsvChunks } from "../../server/src/market/csv-copy";
import { engines, openTestDb } from "../support/db";

const csvOfCopy = async (db: DbHandle, select: SQL, cols: string[], kinds: CsvCellKind[]) => {
  const copy = await copyRows(db.db, select, copyColumns(cols, kinds));
  if (!copy) throw new Error("no COPY on this engine");
  const parts: Buffer[] = [];
  for await (const chunk of copyCsvChunks(cols, kinds, copy)) parts.push(chunk);
  return Buffer.concat(parts).toString("utf8");
};

describe.runIf(engines().includes("postgres"))("CSV written by COPY on postgres", () => {
  let handle: DbHandle & { url?: string };
  beforeAll(async () => {
    handle = await openTestDb("postgres");
  }, 60_000);
  afterAll(async () => handle?.close());

  it("writes timestamps as to_char does, BC, past 9999 and infinite ones included", async () => {
    const times = sql`select t, to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as us,
        to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ms
      from (select i, timestamptz '2000-01-01 00:00:00+00' + hashtext('t' || i) * interval '93 seconds'
          + abs(hashtext('u' || i)) % 1000000 * interval '1 microsecond' as t
        from generate_series(1, 3000) i
        union all select 3000 + k, t from unnest(array[timestamptz '-infinity', 'infinity',
          '0044-03-15 12:00:00.999999+00 BC', '0001-01-01 00:00:00+00 BC', '0001-01-01 00:00:00+00',
          '1969-12-31 23:59:59.999999+00', '1970-01-01 00:00:00+00', '2000-02-29 23:59:59.0005+00',
          '9999-12-31 23:59:59.999999+00', '10000-01-01 00:00:00+00', '294276-12-31 23:59:59.999999+00',
          '4713-01-01 00:00:00+00 BC']) with ordinality as u(t, k)) s order by i`;
    const rows = await handle.query<{ us: string | null; ms: string | null }>(times);
    const text = await csvOfCopy(handle, times, ["t", "t", "us"], ["utc-us", "utc-ms", "text"]);
    const lines = text.split("\r\n").slice(1, -1);
    expect(lines.length).toBe(rows.length);
    lines.forEach((line, i) => {
      const [us, ms, fromSelect] = line.split(",");
      expect(us).toBe(rows[i]?.us ?? "");
      expect(ms).toBe(rows[i]?.ms ?? "");
      expect(fromSelect).toBe(rows[i]?.us ?? "");
    });
  });

  it("writes numbers as JavaScript spells the driver's values, and text as csvCell writes it", async () => {
    const values = sql.raw(VALUES);
    const driver = postgres(handle.url as string, { max: 1, onnotice: () => {} });
    try {
      const rows = await driver.unsafe<{ x: number | null; n: number | null; s: string | null }[]>(VALUES);
      const text = await csvOfCopy(handle, values, ["x", "n", "s"], ["number", "number", "text"]);
      const expected = rows.map((r) => `${csvCell(r.x)},${csvCell(r.n)},${csvCell(r.s)}\r\n`).join("");
      expect(text).toBe(`x,n,s\r\n${expected}`);
    } finally {
      await driver.end();
    }
  });

  it("leaves the connection usable after a COPY its reader fell behind on", async () => {
    // One pooled connection; the COPY's rows arrive while nobody reads, so the stream fills and pauses the
    // socket, and its end comes in the same chunk as the last rows.
    const pool = await openDb({ url: handle.url, maxConnections: 1, migrate: false });
    try {
      for (let round = 0; round < 3; round++) {
        const copy = await copyRows(
          pool.db,
          sql`select repeat('x', 200) as s from generate_series(1, 2000)`,
          [{ name: "s", text: true }],
        );
        await new Promise((r) => setTimeout(r, 300));
        let bytes = 0;
        for (let b = await copy?.read(); b; b = await copy?.read()) bytes += b.length;
        expect(bytes).toBeGreaterThan(2000 * 200);
        const answered = await Promise.race([
          pool.query<{ one: number }>(sql`select 1 as one`),
          new Promise((r) => setTimeout(() => r("no answer in 5 s"), 5000)),
        ]);
        expect(answered).toEqual([{ one: 1 }]);
      }
    } finally {
      await pool.close();
    }
  }, 60_000);
});

/** Random and awkward numbers and texts (the rows the driver parses and the COPY writes are the same). */
const VALUES = `select x, n, s from (
    select i, (hashtext('x' || i)::float8 / 2147483648) * power(10, abs(hashtext('e' || i)) % 50 - 25) as x,
      hashtext('n' || i) as n,
      chr(32 + abs(hashtext('a' || i)) % 95) || md5(i::text) || chr(32 + abs(hashtext('b' || i)) % 95) as s
    from generate_series(1, 3000) i
    union all select 3000 + k, x, null, s from unnest(array['NaN', 'Infinity', '-Infinity', '-0', '0', '1e21',
      '1e-7', '1.5e15', '123456789012345680000', '4e-5', '-0.25']::float8[], array['', ' x', 'x ', E'\\u00a0x',
      E'x\\u3000', '-1', '=SUM(A1)', '@a', '+1', 'a,b', 'say "hi"', E'line\\r\\nbreak', E'\\ttab', 'plain',
      'Straße', 'ok']) with ordinality as u(x, s, k)
  ) v order by i`;
