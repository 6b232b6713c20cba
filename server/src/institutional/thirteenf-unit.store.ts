import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { lastClosesNear } from "../darkpool/darkpool.service";
import { pgArrayLiteral } from "../lib/pg-array";
import { CLOSE_WINDOW_DAYS } from "./securities.store";
import { assessValueUnit, type ValueUnitAssessment, type ValueUnitFacts } from "./thirteenf.unit";

const textArray = (values: unknown[]) => sql`${pgArrayLiteral(values)}::text::text[]`;

/** The share rows (not options, positive share count) of the unit check, as a SQL condition. */
const SHARE_ROW = sql.raw(`shares_type = 'SH' and put_call is null and shares_or_principal > 0`);

/**
 * The (CUSIP, period end) pairs of the filings' share rows with a stored close within the week up to the
 * period end, through the securities mapping and darkpool's daily bars (`lastClosesNear`).
 */
async function pricedCusipPeriods(
  db: Db,
  accessions: string[],
): Promise<{ cusips: string[]; periods: string[] }> {
  const rows = rowsOf<{ cusip: string; symbol: string; period: string }>(
    await db.execute(sql`
      select distinct h.cusip, s.symbol, h.period_of_report::text as period
      from thirteenf_holdings h join securities s on s.cusip = h.cusip
      where h.accession = any(${textArray(accessions)}) and ${SHARE_ROW}`),
  );
  const byPeriod = new Map<string, { cusip: string; symbol: string }[]>();
  for (const r of rows) {
    const period = String(r.period).slice(0, 10);
    byPeriod.set(period, [...(byPeriod.get(period) ?? []), r]);
  }
  const priced = new Set<string>();
  for (const [period, pairs] of byPeriod) {
    const closes = await lastClosesNear(
      db,
      pairs.map((p) => p.symbol),
      period,
      CLOSE_WINDOW_DAYS,
    );
    for (const p of pairs) if (closes.has(p.symbol)) priced.add(`${p.cusip}|${period}`);
  }
  const keys = [...priced].map((k) => k.split("|") as [string, string]);
  return { cusips: keys.map((k) => k[0]), periods: keys.map((k) => k[1]) };
}

/** Facts for the unit check of stored filings, from their cover page and rows (thirteenf.unit.ts). */
async function valueUnitFacts(db: Db, accessions: string[]): Promise<Map<string, ValueUnitFacts>> {
  const priced = await pricedCusipPeriods(db, accessions);
  const rows = rowsOf<{
    accession: string;
    value_unit: string;
    filed_date: string | null;
    table_entry_total: number | null;
    table_value_total: number | null;
    rows: number;
    value_sum: number;
    median_price: number | null;
    priced: number;
    off: number;
  }>(
    await db.execute(sql`
      with h as (
        select accession, cusip, period_of_report, value_as_filed, value_usd, shares_or_principal, shares_type,
          put_call, value_unit_suspect
        from thirteenf_holdings where accession = any(${textArray(accessions)})
      ), sh as (
        select * from h where ${SHARE_ROW}
      ), priced as (
        select sh.accession, sh.value_unit_suspect
        from sh join unnest(${textArray(priced.cusips)}, ${pgArrayLiteral(priced.periods)}::text::date[])
          as p(cusip, period) on p.cusip = sh.cusip and p.period = sh.period_of_report
      )
      select f.accession, f.value_unit, f.filed_date::text as filed_date, f.table_entry_total, f.table_value_total,
        (select count(*) from h where h.accession = f.accession)::int as rows,
        (select coalesce(sum(h.value_as_filed), 0) from h where h.accession = f.accession)::float8 as value_sum,
        (select percentile_cont(0.5) within group (order by sh.value_usd / sh.shares_or_principal)
          from sh where sh.accession = f.accession)::float8 as median_price,
        (select count(*) from priced p where p.accession = f.accession)::int as priced,
        (select count(*) from priced p where p.accession = f.accession and p.value_unit_suspect)::int as off
      from thirteenf_filings f where f.accession = any(${textArray(accessions)})`),
  );
  return new Map(
    rows.map((r) => [
      r.accession,
      {
        valueUnit: r.value_unit === "thousands_usd" ? "thousands_usd" : "usd",
        filedDate: r.filed_date,
        tableEntryTotal: r.table_entry_total === null ? null : Number(r.table_entry_total),
        tableValueTotal: r.table_value_total === null ? null : Number(r.table_value_total),
        rows: Number(r.rows),
        rowsValueAsFiled: Number(r.value_sum),
        medianImpliedPriceUsd: r.median_price === null ? null : Number(r.median_price),
        rowsWithStoredClose: Number(r.priced),
        rowsOffStoredClose: Number(r.off),
      },
    ]),
  );
}

/** Assesses the value unit of stored filings and records the verdict and its evidence on each filing. */
export async function assessStoredValueUnits(db: Db, accessions: string[]): Promise<ValueUnitAssessment[]> {
  const out: ValueUnitAssessment[] = [];
  const chunk = 1_000;
  for (let i = 0; i < accessions.length; i += chunk) {
    const facts = await valueUnitFacts(db, accessions.slice(i, i + chunk));
    if (facts.size === 0) continue;
    const keys = [...facts.keys()];
    const verdicts = keys.map((a) => assessValueUnit(facts.get(a) as ValueUnitFacts));
    await db.execute(sql`
      update thirteenf_filings f set value_unit_suspect = v.suspect, value_unit_evidence = v.evidence::jsonb
      from unnest(${textArray(keys)}, ${pgArrayLiteral(verdicts.map((v) => v.suspect))}::text::bool[],
        ${textArray(verdicts.map((v) => JSON.stringify({ flags: v.flags, ...v.evidence })))})
        as v(accession, suspect, evidence)
      where f.accession = v.accession`);
    out.push(...verdicts);
  }
  return out;
}

export interface ValueUnitCheck {
  accession: string;
  filerCik: string;
  valueUnit: string;
  suspect: boolean;
  /** Null for filings stored before the check existed. */
  flags: string[] | null;
  evidence: Record<string, unknown> | null;
}

/** The stored unit verdicts of filings, by accession (in the order asked); `suspectOnly`: of the flagged ones only. */
export async function valueUnitChecks(
  db: Db,
  accessions: string[],
  suspectOnly = false,
): Promise<Map<string, ValueUnitCheck>> {
  if (accessions.length === 0) return new Map();
  const rows = rowsOf<{
    accession: string;
    filer_cik: string;
    value_unit: string;
    value_unit_suspect: boolean;
    value_unit_evidence: unknown;
  }>(
    await db.execute(sql`
      select f.accession, f.filer_cik, f.value_unit, f.value_unit_suspect, f.value_unit_evidence
      from unnest(${textArray([...new Set(accessions)])}) with ordinality as a(accession, i)
      join thirteenf_filings f on f.accession = a.accession ${suspectOnly ? sql`and f.value_unit_suspect` : sql``}
      order by a.i`),
  );
  return new Map(
    rows.map((r) => {
      const raw =
        typeof r.value_unit_evidence === "string" ? JSON.parse(r.value_unit_evidence) : r.value_unit_evidence;
      const evidence = (raw ?? null) as (Record<string, unknown> & { flags?: string[] }) | null;
      const { flags = null, ...rest } = evidence ?? {};
      return [
        r.accession,
        {
          accession: r.accession,
          filerCik: r.filer_cik,
          valueUnit: r.value_unit,
          suspect: Boolean(r.value_unit_suspect),
          flags: evidence ? (flags ?? []) : null,
          evidence: evidence ? rest : null,
        },
      ];
    }),
  );
}
