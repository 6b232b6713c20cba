import { once } from "node:events";
import { createWriteStream } from "node:fs";
import postgres from "postgres";
import { loadEnv } from "../../server/src/env";

export const BENCH_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A fresh database for one benchmark; `drop()` removes it. */
export async function benchDatabase(name: string) {
  const db = `smt_bench_${name}_${process.pid}`;
  const admin = postgres(BENCH_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${db} with (force)`);
  await admin.unsafe(`create database ${db}`);
  const u = new URL(BENCH_URL);
  u.pathname = `/${db}`;
  return {
    url: u.toString(),
    name: db,
    async drop() {
      await admin.unsafe(`drop database if exists ${db} with (force)`);
      await admin.end();
    },
  };
}

/**
 * Writes `count` prints in the Polygon/Massive trades flat-file layout (comma CSV, quoted condition lists),
 * 40% of them off-exchange (exchange 4 with a TRF id), across `symbols` symbols, one trading day.
 */
export async function writePolygonTrades(path: string, count: number, symbols = 200): Promise<number> {
  const out = createWriteStream(path);
  out.write(
    "ticker,conditions,correction,exchange,id,participant_timestamp,price,sequence_number,sip_timestamp,size,tape,trf_id,trf_timestamp\n",
  );
  let seed = 7;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const names = Array.from(
    { length: symbols },
    (_, i) => `S${i.toString(36).toUpperCase().padStart(3, "A")}`,
  );
  let ns = BigInt(Date.UTC(2025, 2, 12, 13, 30)) * 1_000_000n;
  let bytes = 0;
  let chunk = "";
  for (let i = 0; i < count; i++) {
    ns += BigInt(Math.floor(rand() * 20_000));
    const off = rand() < 0.4;
    const symbol = names[i % symbols] as string;
    const price = (50 + (i % 97) + rand()).toFixed(4);
    const size = rand() < 0.3 ? Math.ceil(rand() * 99) : Math.ceil(rand() * 20) * 100;
    const cond = size < 100 ? '"12,37"' : "12";
    const ex = off ? 4 : 1 + Math.floor(rand() * 3) + 8;
    const trf = off ? 201 + Math.floor(rand() * 3) : "";
    const line = `${symbol},${cond},0,${ex},${i + 1},${ns},${price},${i},${ns + 1000n},${size}.000000,3,${trf},${off ? ns + 500n : ""}\n`;
    chunk += line;
    if (chunk.length > 1 << 16) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, "drain");
      chunk = "";
    }
  }
  bytes += chunk.length;
  out.end(chunk);
  await once(out, "finish");
  return bytes;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

export function report(title: string, rows: [string, string][]) {
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n== ${title}\n`);
  for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
}

/**
 * The environment of a server a benchmark starts in-process on `url`: quiet, no rate limit, no client, no
 * sync jobs (they would reach FINRA and the SEC during the measurement).
 */
export const benchServerEnv = (url: string, overrides: Record<string, string | undefined> = {}) =>
  loadEnv({
    DATABASE_URL: url,
    PORT: "0",
    HOST: "127.0.0.1",
    DEMO: "off",
    LOG_LEVEL: "error",
    SERVE_CLIENT: "false",
    RATE_LIMIT_PER_MINUTE: "0",
    SYNC: "off",
    ...overrides,
  });

/**
 * `insert into prints ... select` over `inner`, a query with columns symbol, trade_key, ts, mkt (the market
 * price), off (off-exchange), price and size: derives value, venue, conditions, side and sentiment from them.
 * `correction`: the SQL of the correction code (a column of `inner` may be used).
 */
export const printsInsertSql = (inner: string, correction = "0") => `
  insert into prints (symbol, ts, trade_key, price, size, value_usd, exchange, trf_id, is_off_exchange, tape,
    conditions, block_eligible, exclusion_reason, is_iso, is_late, extended_hours, correction, market_price,
    market_price_source, bid, ask, premium_discount_pct, side, sentiment, source, source_ref, published_at)
  select symbol, ts, trade_key, price, size, price * size, case when off then 'D' else 'Q' end,
    case when off then 201 end, off, 'C', case when size < 100 then array['37'] else array['@'] end,
    size >= 100, case when size < 100 then 'odd_lot' end, false, false, false, ${correction}, mkt, 'nbbo_mid',
    mkt - 0.01, mkt + 0.01, (price / mkt - 1) * 100,
    case when price > mkt + 0.01 then 'above_ask' when price >= mkt + 0.01 then 'at_ask'
         when price < mkt - 0.01 then 'below_bid' when price <= mkt - 0.01 then 'at_bid' else 'mid' end,
    case when price >= mkt + 0.01 then 'bullish' when price <= mkt - 0.01 then 'bearish' else 'neutral' end,
    'bench', 'bench:' || trade_key, ts
  from (${inner}) as g`;

/**
 * The database `smt_bench_<prefix>_<keep or pid>`: created fresh, or with `keep` kept as it is when it
 * exists (a loaded data set reused across runs). `drop()` removes it unless kept.
 */
export async function keptDatabase(prefix: string, keep: string | undefined) {
  const name = `smt_bench_${prefix}_${keep ?? process.pid}`;
  const admin = postgres(BENCH_URL, { max: 1, onnotice: () => {} });
  const exists = (await admin`select 1 from pg_database where datname = ${name}`).length > 0;
  if (exists && !keep) await admin.unsafe(`drop database ${name} with (force)`);
  if (!exists || !keep) await admin.unsafe(`create database ${name}`);
  const u = new URL(BENCH_URL);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      if (!keep) await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
