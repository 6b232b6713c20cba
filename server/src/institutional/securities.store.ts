/** The CUSIP-to-symbol mapping (`securities`): its writes and the lookups by symbol and by CUSIP. */
import { bulkInserter, type Db, rowsOf, schema } from "@smt/db";
import { sql } from "drizzle-orm";
import { lastClosesNear } from "../darkpool/darkpool.service";
import { pgArrayLiteral } from "../lib/pg-array";
import type { SecurityRecord } from "./securities";

/** CUSIP mappings: a source's newer answer replaces its older one; a missing detail keeps the stored one. */
const securitiesUpsert = bulkInserter(schema.securities, {
  key: ["cusip", "source"],
  onConflict: sql`(cusip, source) do update set symbol = excluded.symbol,
    name = coalesce(excluded.name, securities.name), cik = coalesce(excluded.cik, securities.cik),
    shares_outstanding = coalesce(excluded.shares_outstanding, securities.shares_outstanding),
    shares_as_of = coalesce(excluded.shares_as_of, securities.shares_as_of),
    source_ref = excluded.source_ref, published_at = excluded.published_at, ingested_at = now()`,
});

/** Upserts CUSIP mappings; a source's newer answer replaces its older one. Returns how many were written. */
export async function upsertSecurities(
  db: Db,
  records: SecurityRecord[],
  sourceRef: string,
  publishedAt: Date,
): Promise<number> {
  const rows = records.map((r) => ({ ...r, sourceRef, publishedAt }));
  return (await securitiesUpsert.insert(db, rows)).length;
}

/** Preference when sources disagree about a CUSIP: the user's own file first. */
const SOURCE_RANK = sql.raw(
  `case source when 'user_csv' then 0 when 'openfigi' then 1 when 'demo' then 3 else 2 end`,
);

export interface SymbolSecurities {
  cusips: string[];
  sharesOutstanding: number | null;
  sharesAsOf: string | null;
  name: string | null;
}

/** The CUSIPs that mean `symbol` (each CUSIP's best-ranked source decides) and its shares outstanding. */
export async function securitiesForSymbol(db: Db, symbol: string): Promise<SymbolSecurities> {
  const rows = rowsOf<{
    cusip: string;
    name: string | null;
    shares_outstanding: number | null;
    shares_as_of: string | null;
  }>(
    await db.execute(sql`
      select cusip, name, shares_outstanding, shares_as_of::text as shares_as_of from (
        select distinct on (cusip) cusip, symbol, name, shares_outstanding, shares_as_of
        from securities where cusip in (select cusip from securities where symbol = ${symbol})
        order by cusip, ${SOURCE_RANK}, published_at desc
      ) best where symbol = ${symbol}
      order by shares_as_of desc nulls last`),
  );
  const withShares = rows.find((r) => r.shares_outstanding !== null);
  return {
    cusips: rows.map((r) => r.cusip),
    sharesOutstanding: withShares ? Number(withShares.shares_outstanding) : null,
    sharesAsOf: withShares?.shares_as_of ?? null,
    name: rows[0]?.name ?? null,
  };
}

/**
 * CUSIPs held in 13F filings that no source maps to a symbol, largest total value first. Demo rows are
 * left out: their CUSIPs are made up and must never reach a mapping service or top a real list.
 */
export async function unmappedCusips(db: Db, limit = 100) {
  return rowsOf<{ cusip: string; name_of_issuer: string; rows: number; value_usd: number }>(
    await db.execute(sql`
      select h.cusip, max(h.name_of_issuer) as name_of_issuer, count(*)::int as rows, sum(h.value_usd) as value_usd
      from thirteenf_holdings h
      where not exists (select 1 from securities s where s.cusip = h.cusip) and h.source <> 'demo'
      group by h.cusip order by sum(h.value_usd) desc limit ${limit}`),
  );
}

/** Days before a period end whose close still counts as the period's price (a week: holidays, halts). */
export const CLOSE_WINDOW_DAYS = 7;

/** The (CUSIP, symbol) pairs of the CUSIPs given, by any source. */
export async function symbolsByCusip(db: Db, cusips: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (cusips.length === 0) return out;
  const rows = rowsOf<{ cusip: string; symbol: string }>(
    await db.execute(sql`
      select distinct cusip, symbol from securities
      where cusip = any(${pgArrayLiteral([...new Set(cusips)])}::text::text[])`),
  );
  for (const r of rows) out.set(r.cusip, [...(out.get(r.cusip) ?? []), r.symbol]);
  return out;
}

/**
 * Closing prices near a period end for the CUSIPs given, through the securities mapping and darkpool's
 * stored daily bars (the last close within the 7 days up to the period end; of a CUSIP mapped to several
 * symbols, the newest such close), for the 13F unit check.
 */
export async function closesNearPeriodEnd(
  db: Db,
  cusips: string[],
  period: string,
): Promise<Map<string, number>> {
  const symbols = await symbolsByCusip(db, cusips);
  const closes = await lastClosesNear(db, [...symbols.values()].flat(), period, CLOSE_WINDOW_DAYS);
  const out = new Map<string, number>();
  for (const [cusip, mapped] of symbols) {
    let newest: { day: string; close: number } | undefined;
    for (const symbol of mapped) {
      const c = closes.get(symbol);
      if (c !== undefined && (newest === undefined || c.day > newest.day)) newest = c;
    }
    if (newest !== undefined) out.set(cusip, newest.close);
  }
  return out;
}

/** The symbols the given CUSIPs are mapped to (by any source). */
export async function symbolsOfCusips(db: Db, cusips: string[]): Promise<string[]> {
  const rows = rowsOf<{ symbol: string }>(
    await db.execute(
      sql`select distinct symbol from securities where cusip = any(${sql.param([...new Set(cusips)])}::text[])`,
    ),
  );
  return rows.map((r) => r.symbol);
}
