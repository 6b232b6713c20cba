/** Reads of stored 13F holdings: each filer's position in a stock for a quarter, as known at a moment. */
import { type Db, pgArrayLiteral, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";

/**
 * Accessions that make up each filer's report for each of `periods` as known at `asOf`: the latest
 * original or RESTATEMENT filing published by then (a restatement replaces everything before it), plus
 * the NEW HOLDINGS amendments published after that base (they add rows). 13F NOTICE filings hold no
 * positions. Columns: `period_of_report`, `filer_cik`, `accession`; `filerCik` narrows to one filer.
 */
export function effectiveFilings(periods: readonly string[], asOf: Date, filerCik?: string): SQL {
  const period =
    // The array goes as a text literal: postgres.js cannot serialize a `date[]` parameter (@smt/db pg-array).
    periods.length === 1
      ? sql`= ${periods[0]}::date`
      : sql`= any(${pgArrayLiteral([...periods])}::text::date[])`;
  return sql`
    with f as (
      select accession, filer_cik, filer_name, period_of_report, amendment_type, published_at from thirteenf_filings
      where period_of_report ${period} and published_at <= ${asOf.toISOString()}::timestamptz
        and coalesce(report_type, '') <> '13F NOTICE' ${filerCik ? sql`and filer_cik = ${filerCik}` : sql``}
    ), base as (
      select distinct on (period_of_report, filer_cik) period_of_report, filer_cik, accession, published_at from f
      where amendment_type is distinct from 'NEW HOLDINGS'
      order by period_of_report, filer_cik, published_at desc, accession desc
    )
    select b.period_of_report, b.filer_cik, b.accession from base b
    union all
    select f.period_of_report, f.filer_cik, f.accession from f
    join base b on b.filer_cik = f.filer_cik and b.period_of_report = f.period_of_report
    where f.amendment_type = 'NEW HOLDINGS' and f.published_at > b.published_at`;
}

export interface FilerPosition {
  filerCik: string;
  filerName: string | null;
  /** Shares in share positions (SH rows without put/call). */
  shares: number;
  valueUsd: number;
  /** Option rows kept apart: underlying value of puts and calls. */
  putValueUsd: number;
  callValueUsd: number;
  valueUnitSuspect: boolean;
  publishedAt: Date;
  /** The filer's effective reports for the period (`effectiveFilings`). */
  accessions: string[];
}

/**
 * Per-filer positions in the given CUSIPs for one period, as known at `asOf`, and every filer with a report
 * for the period then (`reporting`: the other quarter's holders among them reported, a missing report is not a
 * sale). Reads only the rows of these CUSIPs (index on `cusip, period_of_report`) and the period's filings; a
 * filer's whole portfolio is `portfolioValues`, asked only for the lines that show it.
 */
export async function positionsByFiler(
  db: Db,
  cusips: string[],
  period: string,
  asOf: Date,
): Promise<{ positions: FilerPosition[]; reporting: Set<string> }> {
  if (cusips.length === 0) return { positions: [], reporting: new Set() };
  const rows = rowsOf<{
    filer_cik: string;
    filer_name: string | null;
    shares: number | null;
    value_usd: number;
    put_value: number;
    call_value: number;
    suspect: boolean;
    published_at: Date | string;
    accessions: string[];
  }>(
    await db.execute(sql`
      with eff as (${effectiveFilings([period], asOf)}),
      pos as (
        select e.filer_cik,
          sum(case when h.shares_type = 'SH' and h.put_call is null then h.shares_or_principal else 0 end) as shares,
          sum(case when h.put_call is null then h.value_usd else 0 end) as value_usd,
          sum(case when h.put_call = 'Put' then h.value_usd else 0 end) as put_value,
          sum(case when h.put_call = 'Call' then h.value_usd else 0 end) as call_value,
          bool_or(h.value_unit_suspect) as suspect
        from eff e join thirteenf_holdings h on h.accession = e.accession
        where h.cusip = any(${sql.param(cusips)}::text[]) and h.period_of_report = ${period}::date
        group by e.filer_cik
      ), meta as (
        select e.filer_cik, max(f.filer_name) as filer_name, max(f.published_at) as published_at,
          array_agg(e.accession order by e.accession) as accessions
        from eff e join thirteenf_filings f on f.accession = e.accession
        where e.filer_cik in (select filer_cik from pos)
        group by e.filer_cik
      )
      select p.*, m.filer_name, m.published_at, m.accessions from pos p join meta m using (filer_cik)
      union all
      -- Every filer reporting the period (holders too), with no position: the reporting set.
      select filer_cik, null::float8, null::float8, null::float8, null::float8, null::bool, null::text, null::timestamptz,
        null::text[]
      from (select distinct filer_cik from eff) r`),
  );
  const positions: FilerPosition[] = [];
  const reporting = new Set<string>();
  for (const r of rows) {
    if (r.shares === null) {
      reporting.add(r.filer_cik);
      continue;
    }
    positions.push({
      filerCik: r.filer_cik,
      filerName: r.filer_name,
      shares: Number(r.shares),
      valueUsd: Number(r.value_usd),
      putValueUsd: Number(r.put_value),
      callValueUsd: Number(r.call_value),
      valueUnitSuspect: Boolean(r.suspect),
      publishedAt: new Date(r.published_at),
      accessions: r.accessions,
    });
  }
  return { positions, reporting };
}

/**
 * Value of every row of each filer's reports (`accessions` of its positions): the filer's portfolio, from
 * the per-filing totals kept at ingest (`thirteenf_filing_totals`, migration 0031): one key probe per report.
 */
export async function portfolioValues(db: Db, positions: FilerPosition[]): Promise<Map<string, number>> {
  const keys = positions.flatMap((p) => p.accessions.map((a) => [p.filerCik, a] as const));
  if (keys.length === 0) return new Map();
  const rows = rowsOf<{ filer_cik: string; portfolio: number }>(
    await db.execute(sql`
      select k.filer_cik, sum(t.value_usd) as portfolio
      from unnest(${sql.param(keys.map((k) => k[0]))}::text[], ${sql.param(keys.map((k) => k[1]))}::text[])
        as k(filer_cik, accession)
      join thirteenf_filing_totals t on t.accession = k.accession
      group by k.filer_cik`),
  );
  return new Map(rows.map((r) => [r.filer_cik, Number(r.portfolio)]));
}

/**
 * Periods (quarter ends) with filings holding these CUSIPs published by `asOf`, newest first. The stock's
 * periods are walked newest first on the `(cusip, period_of_report)` index (one probe per CUSIP and step),
 * and each is kept when one of its rows was published by `asOf`: no read of every row of a widely held stock.
 */
export async function periodsWithHoldings(db: Db, cusips: string[], asOf: Date): Promise<string[]> {
  if (cusips.length === 0) return [];
  const c = sql`${sql.param(cusips)}::text[]`;
  const rows = rowsOf<{ period: string }>(
    await db.execute(sql`
      with recursive p(period) as (
        select (select max(x.m) from unnest(${c}) as k(cusip), lateral (
          select max(h.period_of_report) as m from thirteenf_holdings h where h.cusip = k.cusip) as x)
        union all
        select (select max(x.m) from unnest(${c}) as k(cusip), lateral (
          select max(h.period_of_report) as m from thirteenf_holdings h
          where h.cusip = k.cusip and h.period_of_report < p.period) as x)
        from p where p.period is not null
      )
      select p.period::text as period from p
      where p.period is not null and exists (
        select 1 from thirteenf_holdings h where h.cusip = any(${c}) and h.period_of_report = p.period
          and h.published_at <= ${asOf.toISOString()}::timestamptz)
      order by 1 desc limit 12`),
  );
  return rows.map((r) => r.period);
}

type SourceRow = { source: string; rows: number; latest: Date | string | null; latest_ref: string | null };

const SOURCE_AREAS = { thirteenf_filings: "institutional", insider_filings: "insider" } as const;

interface SourcesEntry {
  version: number;
  /** Any `asOf` in [fromMs, untilMs) cuts the same filings: no publication time lies between. */
  fromMs: number;
  untilMs: number;
  rows: SourceRow[];
}
/** Per database handle and table: the last count, with the range of `asOf` it answers. */
const sourcesCache = new WeakMap<Db, Map<string, SourcesEntry>>();

/**
 * Newest `published_at` and row counts by source, for the `freshness` and `sources` of payloads. Counting
 * every filing is a scan, the same for every symbol: the count is kept per handle at the area's version
 * (`area_versions`, bumped by triggers in every writing transaction) with the range of `asOf` it holds for
 * (from its newest counted publication to the next one after `asOf`), so the symbols of one moment share it.
 */
export async function institutionalSources(db: Db, table: keyof typeof SOURCE_AREAS, asOf: Date) {
  const [v] = rowsOf<{ version: unknown }>(
    await db.execute(sql`select version from area_versions where area = ${SOURCE_AREAS[table]}`),
  );
  const version = Number(v?.version ?? 0);
  let byTable = sourcesCache.get(db);
  if (!byTable) {
    byTable = new Map();
    sourcesCache.set(db, byTable);
  }
  const at = asOf.getTime();
  const hit = byTable.get(table);
  if (hit && hit.version === version && at >= hit.fromMs && at < hit.untilMs) return hit.rows;
  const a = asOf.toISOString();
  // Per source (a loose scan of the `(source, published_at, source_ref)` index): the rows published by
  // `asOf` counted on the index alone, the newest of them and the next publication after `asOf` by one
  // probe each; no sort of every filing.
  const t = sql.raw(table);
  const counted = rowsOf<SourceRow & { next: Date | string | null }>(
    await db.execute(sql`
      with recursive src(source) as (
        (select source from ${t} order by source limit 1)
        union all
        select (select x.source from ${t} x where x.source > src.source order by x.source limit 1)
        from src where src.source is not null
      )
      select s.source,
        (select count(*) from ${t} c where c.source = s.source and c.published_at <= ${a}::timestamptz)::int as rows,
        l.published_at as latest, l.source_ref as latest_ref,
        (select min(n.published_at) from ${t} n where n.source = s.source and n.published_at > ${a}::timestamptz)
          as next
      from src s left join lateral (
        select published_at, source_ref from ${t} l where l.source = s.source and l.published_at <= ${a}::timestamptz
        order by l.published_at desc, l.source_ref desc limit 1
      ) l on true
      where s.source is not null`),
  );
  const ms = (d: Date | string | null) => (d === null ? null : new Date(d).getTime());
  const latest = Math.max(-Infinity, ...counted.map((r) => ms(r.latest) ?? -Infinity));
  const next = Math.min(Infinity, ...counted.map((r) => ms(r.next) ?? Infinity));
  const rows = counted.filter((r) => r.rows > 0).map(({ next: _, ...r }) => r);
  // Times are read to the millisecond, publications may carry microseconds: the range stays inside.
  // A write between the version read and the count leaves newer rows under the older version: the next
  // call reads the newer version and counts again.
  byTable.set(table, { version, fromMs: Math.min(at, latest + 1), untilMs: next, rows });
  return rows;
}
