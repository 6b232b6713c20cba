/**
 * One 13F filer across the market: filer search by name or CIK and a filer's portfolio for a period with
 * quarter-on-quarter changes. Point in time: only filings published by `asOf`. Formulas: docs/methodology.md
 * "Market".
 */
import { type Db, preparedRows } from "@smt/db";
import { sql } from "drizzle-orm";
import { num, numOrNull } from "../lib/row-values";
import { startsWith } from "../lib/symbol-search";
import { effectiveFilings } from "./holdings.store";
import { previousQuarterEnd } from "./institutional.signals";
import { filerChangeRows } from "./positions.store";

export interface FilerMatch {
  cik: string;
  name: string | null;
  latest_period: string;
  periods: number;
  latest_value_usd: number | null;
}

/** 13F filers by CIK (digits, zero padded) or name prefix / word, published by `asOf`; biggest first. */
export async function searchFilers(db: Db, q: string, asOf: Date, limit: number): Promise<FilerMatch[]> {
  const digits = /^\d{1,10}$/.test(q) ? q.padStart(10, "0") : null;
  // The filings whose lower-cased filer name starts with the text or has a word that does: a range of
  // filer_name_words (names cut at 100 characters there, the routes' longest query); an empty text, any name.
  const text = q.toLowerCase().slice(0, 100);
  const words = sql`accession in (select w.accession from filer_name_words w where ${startsWith(sql`w.word`, text)})`;
  const match = digits ? sql`filer_cik = ${digits}` : text === "" ? sql`filer_name is not null` : words;
  const rows = await preparedRows<Record<string, unknown>>(
    db,
    sql`
      select filer_cik, max(filer_name) as name, max(period_of_report)::text as latest_period,
        count(distinct period_of_report) as periods,
        (array_agg(table_value_total order by period_of_report desc, published_at desc))[1] as latest_value
      from thirteenf_filings
      where published_at <= ${asOf.toISOString()}::timestamptz and ${match}
      group by filer_cik
      order by max(period_of_report) desc, 5 desc nulls last, filer_cik
      limit ${limit}`,
  );
  return rows.map((r) => ({
    cik: String(r.filer_cik),
    name: (r.name as string | null) ?? null,
    latest_period: String(r.latest_period),
    periods: num(r.periods),
    latest_value_usd: numOrNull(r.latest_value),
  }));
}

export interface FilerHolding {
  symbol: string | null;
  cusip: string;
  name: string | null;
  shares: number;
  value_usd: number;
  weight: number;
  prior_shares: number | null;
  change_shares: number | null;
  change_type: "new" | "increased" | "decreased" | "unchanged" | "sold_out" | "unknown";
}

export interface FilerPortfolio {
  cik: string;
  name: string | null;
  period: string;
  prior_period: string;
  prior_reported: boolean;
  accessions: string[];
  published_at: string | null;
  holdings: FilerHolding[];
}

/** One filer's share positions for a period (default: its newest published by `asOf`) against the prior. */
export async function filerPortfolio(
  db: Db,
  cik: string,
  asOf: Date,
  requested?: string,
): Promise<FilerPortfolio | null> {
  const at = asOf.toISOString();
  const head = (
    await preparedRows<{ name: string | null; period: string | null }>(
      db,
      sql`
      select max(filer_name) as name, max(period_of_report)::text as period from thirteenf_filings
      where filer_cik = ${cik} and published_at <= ${at}::timestamptz and coalesce(report_type, '') <> '13F NOTICE'`,
    )
  )[0];
  if (!head?.period) return null;
  const period = requested ?? head.period;
  const prior = previousQuarterEnd(period);
  const rows = await filerChangeRows(db, cik, period, asOf);
  const meta = await preparedRows<{ period: string; accession: string; published_at: string }>(
    db,
    sql`
      with eff as (${effectiveFilings([period, prior], asOf, cik)})
      select e.period_of_report::text as period, e.accession, f.published_at
      from eff e join thirteenf_filings f on f.accession = e.accession order by 1, 2`,
  );
  const current = meta.filter((m) => m.period === period);
  const priorReported = meta.some((m) => m.period === prior);
  const total = rows.reduce((s, r) => s + r.now_value_usd, 0);
  const holdings = rows.map((r): FilerHolding => {
    const now = r.now_shares;
    const prev = r.prev_shares;
    const value = r.now_value_usd;
    let change: FilerHolding["change_type"];
    if (!priorReported) change = now === null ? "sold_out" : "unknown";
    else if (now === null || now === 0) change = prev ? "sold_out" : "unknown";
    else if (prev === null) change = "new";
    else change = now > prev ? "increased" : now < prev ? "decreased" : "unchanged";
    return {
      symbol: r.symbol,
      cusip: r.cusip,
      name: r.name,
      shares: now ?? 0,
      value_usd: value,
      weight: total > 0 ? value / total : 0,
      prior_shares: priorReported ? (prev ?? 0) : null,
      change_shares: priorReported ? (now ?? 0) - (prev ?? 0) : null,
      change_type: change,
    };
  });
  holdings.sort((a, b) => b.value_usd - a.value_usd || a.cusip.localeCompare(b.cusip));
  const published = current.map((m) => new Date(m.published_at).getTime());
  return {
    cik,
    name: head.name,
    period,
    prior_period: prior,
    prior_reported: priorReported,
    accessions: current.map((m) => m.accession),
    published_at: published.length ? new Date(Math.max(...published)).toISOString() : null,
    holdings: current.length ? holdings : [],
  };
}
