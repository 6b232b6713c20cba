/**
 * The SEC ticker list (`sec_company_tickers`): parsing `company_tickers.json` as untrusted input and
 * replacing the stored list with a new one as a snapshot (added, changed, removed), in one transaction.
 */
import { bulkInserter, type Db, pgArrayLiteral, rowsOf, schema } from "@smt/db";
import { sql } from "drizzle-orm";
import { canonicalSymbol } from "../lib/symbols";

/** Writes new and changed entries; a stored symbol takes the new values (ingested_at now). */
const tickersUpsert = bulkInserter(schema.secCompanyTickers, {
  key: ["symbol"],
  onConflict: sql`(symbol) do update set sec_ticker = excluded.sec_ticker, cik = excluded.cik,
    title = excluded.title, source = excluded.source, source_ref = excluded.source_ref,
    published_at = excluded.published_at, ingested_at = now()`,
});

export interface TickerRow {
  /** Tape form (`BRK.B`). */
  symbol: string;
  /** As the SEC writes it (`BRK-B`). */
  secTicker: string;
  /** 10 digits. */
  cik: string;
  title: string;
}

export interface ParsedTickers {
  rows: TickerRow[];
  /** Entries refused, with why (first few), and how many. */
  rejected: { key: string; reason: string }[];
  rejectedCount: number;
}

/** More entries than any real list (about 10,000 in 2025) by far: a larger document is refused. */
export const MAX_TICKER_ENTRIES = 200_000;

/**
 * `{"0":{"cik_str":789019,"ticker":"MSFT","title":"MICROSOFT CORP"},...}`: `cik_str` is a number despite
 * its name, class shares are written with `-`. An entry out of shape is counted and skipped; a document
 * that is not such an object throws. When two entries give the same ticker, the first (higher rank) wins.
 */
export function parseCompanyTickers(body: Buffer, name: string): ParsedTickers {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString("utf8"));
  } catch (err) {
    throw new Error(`${name}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new Error(`${name}: expected an object of ranked entries`);
  }
  const entries = Object.entries(doc as Record<string, unknown>);
  if (entries.length > MAX_TICKER_ENTRIES) {
    throw new Error(`${name}: ${entries.length} entries is over the ${MAX_TICKER_ENTRIES} limit`);
  }
  const out: ParsedTickers = { rows: [], rejected: [], rejectedCount: 0 };
  const seen = new Set<string>();
  const reject = (key: string, reason: string) => {
    out.rejectedCount++;
    if (out.rejected.length < 20) out.rejected.push({ key: key.slice(0, 20), reason });
  };
  for (const [key, value] of entries) {
    const e = value as { cik_str?: unknown; ticker?: unknown; title?: unknown } | null;
    const cik = e?.cik_str;
    if (typeof cik !== "number" || !Number.isInteger(cik) || cik < 1 || cik > 9_999_999_999) {
      reject(key, "cik_str is not a CIK number");
      continue;
    }
    if (typeof e?.ticker !== "string" || typeof e.title !== "string" || e.title.length > 300) {
      reject(key, "ticker or title missing or too long");
      continue;
    }
    const symbol = canonicalSymbol(e.ticker);
    if (!symbol.ok) {
      reject(key, symbol.message);
      continue;
    }
    if (seen.has(symbol.symbol)) continue;
    seen.add(symbol.symbol);
    out.rows.push({
      symbol: symbol.symbol,
      secTicker: e.ticker.trim().toUpperCase(),
      cik: String(cik).padStart(10, "0"),
      title: e.title.trim(),
    });
  }
  return out;
}

export interface SnapshotChange {
  stored_before: number;
  added: number;
  changed: number;
  removed: number;
}

/** Makes the stored list equal to `rows`, writing only what differs. */
export async function replaceTickerList(
  db: Db,
  rows: TickerRow[],
  provenance: { source: string; sourceRef: string; publishedAt: Date },
): Promise<SnapshotChange> {
  return db.transaction(async (tx) => {
    const before = rowsOf<{ symbol: string; sec_ticker: string; cik: string; title: string }>(
      await tx.execute(sql`select symbol, sec_ticker, cik, title from sec_company_tickers for update`),
    );
    const old = new Map(before.map((r) => [r.symbol, r]));
    const write = rows.filter((r) => {
      const had = old.get(r.symbol);
      return !had || had.cik !== r.cik || had.title !== r.title || had.sec_ticker !== r.secTicker;
    });
    const keep = new Set(rows.map((r) => r.symbol));
    const gone = before.filter((r) => !keep.has(r.symbol)).map((r) => r.symbol);
    if (write.length > 0) {
      await tickersUpsert.insert(
        tx,
        write.map((r) => ({
          symbol: r.symbol,
          secTicker: r.secTicker,
          cik: r.cik,
          title: r.title,
          source: provenance.source,
          sourceRef: provenance.sourceRef,
          publishedAt: provenance.publishedAt,
        })),
      );
    }
    if (gone.length > 0) {
      await tx.execute(
        sql`delete from sec_company_tickers where symbol in (select unnest(${pgArrayLiteral(gone)}::text::text[]))`,
      );
    }
    const added = write.filter((r) => !old.has(r.symbol)).length;
    return { stored_before: before.length, added, changed: write.length - added, removed: gone.length };
  });
}

/** The stored list's size. */
export async function storedTickerCount(db: Db): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await db.execute(sql`select count(*)::int as n from sec_company_tickers`),
  );
  return Number(row?.n ?? 0);
}

/** The CIK the SEC list gives a ticker (tape or SEC form), or null. */
export async function cikOfSymbol(db: Db, ticker: string): Promise<string | null> {
  const symbol = canonicalSymbol(ticker);
  if (!symbol.ok) return null;
  const [row] = rowsOf<{ cik: string }>(
    await db.execute(sql`select cik from sec_company_tickers where symbol = ${symbol.symbol}`),
  );
  return row?.cik ?? null;
}
