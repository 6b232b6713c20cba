/**
 * The market bench's data set (issue 12 "Scale and speed"), generated inside Postgres from the shape of real
 * files in /work/shared/samples (SAMPLES): every FINRA CNMS symbol of a real day with its real short and
 * total volume, scaled per trading day; prints over the most active of those symbols with a 1/rank skew
 * (a few symbols hold most prints); a 13F data set whose holdings sample the rows of a real information
 * table, over real CUSIP/ticker pairs and issuer names, held by real filer names of an EDGAR daily index;
 * Form 4 open-market trades and option prints beside them. The real rows are COPYed into `bench_*` shape
 * tables; everything else is `insert ... select` with the target's secondary indexes rebuilt afterwards.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Sql } from "postgres";
import { fmt } from "./support";

export const SAMPLES = process.env.SAMPLES ?? "/work/shared/samples";

export interface Sizes {
  days: number;
  prints: number;
  printSymbols: number;
  thirteenfRows: number;
  quarters: number;
  filers: number;
  insiderRows: number;
  optionPrints: number;
}

/** Full size is the issue's; `scale` shrinks the row counts (trading days at least 5). */
export function sizesFor(scale: number): Sizes {
  return {
    days: Math.max(5, Math.round(60 * Math.min(1, scale))),
    prints: Math.round(10_000_000 * scale),
    printSymbols: 2000,
    thirteenfRows: Math.round(3_000_000 * scale),
    quarters: 3,
    filers: Math.max(200, Math.round(6000 * Math.min(1, scale * 2))),
    insiderRows: Math.round(300_000 * scale),
    optionPrints: Math.round(1_000_000 * scale),
  };
}

/** COPY text format cell. */
const cell = (v: string | number | null) =>
  v === null ? "\\N" : String(v).replace(/[\\\t\n\r]/g, (c) => `\\${c === "\t" ? "t" : c}`);

async function copyRows(s: Sql, table: string, columns: string[], rows: (string | number | null)[][]) {
  await s.unsafe(`create table ${table} (${columns.join(", ")})`);
  const names = columns.map((c) => c.split(" ")[0]).join(", ");
  const text = rows.map((r) => `${r.map(cell).join("\t")}\n`);
  await pipeline(Readable.from(text), await s.unsafe(`copy ${table} (${names}) from stdin`).writable());
}

/** The real files' rows, into shape tables. Returns what was read. */
export async function loadShapes(s: Sql) {
  const finraFile = "CNMSshvol20210104.txt";
  const finra = readFileSync(join(SAMPLES, "finra_regsho", finraFile), "utf8")
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split("|"))
    .filter((c) => c.length === 6 && /^\d{8}$/.test(c[0] as string))
    .map((c) => [c[1] as string, Number(c[2]), Number(c[3]), Number(c[4]), c[5] as string]);
  await copyRows(
    s,
    "bench_finra",
    ["symbol text", "short_volume float8", "exempt float8", "total_volume float8", "market text"],
    finra,
  );
  await s.unsafe(
    "alter table bench_finra add column rank int; update bench_finra b set rank = r.rank from (select symbol, row_number() over (order by total_volume desc, symbol) as rank from bench_finra) r where r.symbol = b.symbol",
  );
  const tickers = Object.values(
    JSON.parse(readFileSync(join(SAMPLES, "sec_edgar", "company_tickers.json"), "utf8")) as Record<
      string,
      { cik_str: number; ticker: string; title: string }
    >,
  ).map((t) => [t.ticker.replace(/-/g, "."), String(t.cik_str).padStart(10, "0"), t.title]);
  await copyRows(s, "bench_tickers", ["symbol text", "cik text", "title text"], tickers);
  const cusips = readFileSync(join(SAMPLES, "sec_edgar", "edgartools_cusip_ticker_map.csv"), "utf8")
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.replaceAll('"', "").split(","))
    .filter((c) => /^[0-9A-Z]{9}$/.test(c[0] ?? "") && c[1])
    .map((c) => [c[0] as string, c[1] as string]);
  await copyRows(s, "bench_cusip_map", ["cusip text", "ticker text"], cusips);
  const idx = readFileSync(join(SAMPLES, "sec_edgar", "daily-index_form.20200318.idx"), "utf8");
  const names = [
    ...new Set(
      idx
        .split(/\r?\n/)
        .map((l) => l.slice(12, 74).trim())
        .filter((n) => n.length > 3 && /[A-Z]/i.test(n) && !n.includes("---")),
    ),
  ].map((n) => [n]);
  await copyRows(s, "bench_filer_names", ["name text"], names);
  const info = readFileSync(join(SAMPLES, "sec_13f", "edgartools_13F-HR.infotable.xml"), "utf8");
  const shape = [...info.matchAll(/<infoTable>([\s\S]*?)<\/infoTable>/g)].map((m) => {
    const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(m[1] as string)?.[1] ?? null;
    return [Number(tag("value")), Number(tag("sshPrnamt")), tag("sshPrnamtType"), tag("putCall")];
  });
  await copyRows(
    s,
    "bench_13f_shape",
    ["value float8", "shares float8", "type text", "put_call text"],
    shape,
  );
  await s.unsafe(
    "alter table bench_13f_shape add column idx serial; create table bench_filer_names_n as select row_number() over (order by name) as k, name from bench_filer_names",
  );
  return {
    finraFile,
    finraSymbols: finra.length,
    tickers: tickers.length,
    cusips: cusips.length,
    filerNames: names.length,
    thirteenfShapeRows: shape.length,
  };
}

/** Runs `text` with the secondary indexes (and primary key) of `table` dropped, rebuilding them after. */
export async function withoutIndexes(s: Sql, table: string, text: string) {
  const indexes = await s<{ name: string; def: string }[]>`
    select indexname as name, indexdef as def from pg_indexes
    where tablename = ${table} and indexname not in (select conname from pg_constraint where conrelid = ${table}::regclass)`;
  const pk = await s<{ name: string; def: string }[]>`
    select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid = ${table}::regclass and contype = 'p'`;
  for (const i of indexes) await s.unsafe(`drop index ${i.name}`);
  for (const c of pk) await s.unsafe(`alter table ${table} drop constraint ${c.name}`);
  await s.unsafe(text);
  for (const c of pk) await s.unsafe(`alter table ${table} add constraint ${c.name} ${c.def}`);
  // A partitioned table's index reads `ON ONLY <parent>`: rebuilt on the parent, it must cover the partitions.
  for (const i of indexes) await s.unsafe(i.def.replace(" ON ONLY ", " ON "));
}

export async function step(label: string, fn: () => Promise<unknown>) {
  const t = performance.now();
  await fn();
  process.stdout.write(`  ${label}: ${fmt((performance.now() - t) / 1000, 1)} s\n`);
}

/** A deterministic 0..1 from integers (SQL), so reruns and scales draw the same shapes. */
export const H = (a: string, b: string) =>
  `((((${a})::bigint * 2654435761 + (${b})::bigint * 40503 + 12345) % 1000003)::float8 / 1000003)`;
