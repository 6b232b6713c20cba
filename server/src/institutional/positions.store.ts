/**
 * Reads of the quarter-on-quarter 13F changes kept at ingest (migration 0022: `thirteenf_position_changes`
 * per filer, CUSIP, period and version; `thirteenf_security_changes` / `thirteenf_security_names`, the sums
 * of the open versions per CUSIP and period). Point in time for every `asOf`: the per-security sums as of
 * now, minus the open versions published after `asOf`, plus the closed versions still holding at `asOf`;
 * a request touches the rows of its period only, and once the period and its prior quarter have no filing
 * published after `asOf` (the usual case: the 45-day filing window has closed) only the sums.
 * Definitions: docs/methodology.md "13F positions and changes".
 */
import { type Db, rowsOf } from "@smt/db";
import { type SQL, sql } from "drizzle-orm";
import { num, numOrNull } from "../lib/row-values";
import { previousQuarterEnd } from "./institutional.signals";

/** Which CUSIP source wins for a symbol mapping (the same ranking as the per-symbol views). */
const SOURCE_RANK = sql.raw(
  `case source when 'user_csv' then 0 when 'openfigi' then 1 when 'demo' then 3 else 2 end`,
);

/** The best-ranked symbol of the CUSIP in column `cusip` (a lateral subquery: one index probe per row). */
export const bestSymbolOf = (cusip: SQL) => sql`(select s.symbol from securities s where s.cusip = ${cusip}
  order by ${SOURCE_RANK}, s.published_at desc limit 1)`;

/** The newest quarter with a 13F report published by `asOf` (null when none). */
export async function latestThirteenFPeriod(db: Db, asOf: Date): Promise<string | null> {
  const r = rowsOf<{ period: string | null }>(
    await db.execute(sql`
      select max(period_of_report)::text as period from thirteenf_filings
      where published_at <= ${asOf.toISOString()}::timestamptz and coalesce(report_type, '') <> '13F NOTICE'`),
  )[0];
  return r?.period ?? null;
}

export interface QuarterChangeRow {
  symbol: string | null;
  cusip: string;
  name: string | null;
  holders: number;
  new_positions: number;
  sold_out: number;
  increased: number;
  decreased: number;
  /** Current holders whose prior-quarter report is not loaded (not counted as new). */
  unknown: number;
  /** Prior holders with no report for this quarter yet (not counted as sold out). */
  not_reported: number;
  shares: number;
  value_usd: number;
  /** Over filers whose both quarters are known. */
  change_shares: number;
  net_change_percentage: number | null;
  /** change_shares x (value_usd / shares): the change at this quarter's reported price. */
  net_change_value_usd: number | null;
}

export interface QuarterChanges {
  period: string | null;
  prior_period: string | null;
  filers: number;
  latestPublished: Date | null;
  rows: QuarterChangeRow[];
}

const COUNTS = [
  "rows",
  "holders",
  "new_positions",
  "sold_out",
  "increased",
  "decreased",
  "unknown",
  "not_reported",
  "shares",
  "value_usd",
  "known_now",
  "known_prev",
] as const;

/** Whether a version of `period` was published after `asOf` (two probes of the partial indexes). */
async function hasLateVersions(db: Db, period: string, asOf: Date): Promise<boolean> {
  const at = asOf.toISOString();
  const r = rowsOf<{ late: boolean }>(
    await db.execute(sql`
      select exists (select 1 from thirteenf_position_changes where period = ${period}::date
          and valid_to = 'infinity' and valid_from > ${at}::timestamptz)
        or exists (select 1 from thirteenf_position_changes where period = ${period}::date
          and valid_to <> 'infinity' and valid_to > ${at}::timestamptz) as late`),
  )[0];
  return r?.late === true;
}

/**
 * Per CUSIP, the sums (`sums`) and issuer names (`names`) of the change rows of `period` holding at `asOf`
 * (see the module comment); without `late` versions, the kept sums as they are.
 */
function securitiesAt(period: string, asOf: Date, late: boolean): SQL {
  if (!late)
    return sql`
    sums as (select cusip, ${sql.raw(COUNTS.join(", "))} from thirteenf_security_changes
      where period = ${period}::date and rows > 0),
    names as (select cusip, max(name) as name from thirteenf_security_names where period = ${period}::date
      and rows > 0 group by cusip)`;
  const at = asOf.toISOString();
  const signed = (sgn: string) => sql.raw(COUNTS.map((c) => `${sgn} * sum(${c}) as ${c}`).join(", "));
  const contribs = sql.raw(COUNTS.filter((c) => c !== "rows").join(", "));
  const total = sql.raw(COUNTS.map((c) => `sum(${c}) as ${c}`).join(", "));
  return sql`
    late as (
      select cusip, name, -1 as sgn, 1 as rows, ${contribs} from thirteenf_position_contribs
      where period = ${period}::date and valid_to = 'infinity' and valid_from > ${at}::timestamptz
      union all
      select cusip, name, 1, 1, ${contribs} from thirteenf_position_contribs
      where period = ${period}::date and valid_to <> 'infinity' and valid_from <= ${at}::timestamptz
        and valid_to > ${at}::timestamptz
    ),
    sums as (
      select cusip, ${total} from (
        select cusip, ${sql.raw(COUNTS.join(", "))} from thirteenf_security_changes where period = ${period}::date
        union all
        select cusip, ${signed("sgn")} from late group by cusip, sgn
      ) x group by cusip having sum(rows) > 0
    ),
    names as (
      select cusip, max(name) as name from (
        select cusip, name from (
          select cusip, name, rows from thirteenf_security_names where period = ${period}::date
          union all
          select cusip, name, sgn from late where name is not null
        ) y group by cusip, name having sum(rows) > 0
      ) z group by cusip
    )`;
}

function changeRow(r: Record<string, unknown>): QuarterChangeRow {
  const shares = num(r.shares);
  const value = num(r.value_usd);
  const change = num(r.known_now) - num(r.known_prev);
  const prev = num(r.known_prev);
  return {
    symbol: (r.symbol as string | null) ?? null,
    cusip: String(r.cusip),
    name: (r.name as string | null) ?? null,
    holders: num(r.holders),
    new_positions: num(r.new_positions),
    sold_out: num(r.sold_out),
    increased: num(r.increased),
    decreased: num(r.decreased),
    unknown: num(r.unknown),
    not_reported: num(r.not_reported),
    shares,
    value_usd: value,
    change_shares: change,
    net_change_percentage: prev > 0 ? (change / prev) * 100 : null,
    net_change_value_usd: shares > 0 ? change * (value / shares) : null,
  };
}

/**
 * A ranking the caller makes of the rows: only the rows it can show are read (with their names and
 * symbols). `filter` and `key` are SQL over the per-security sums (`shares`, `value_usd`, `known_now`, ...)
 * and must compute what the caller ranks by, in the same float8 steps; the rows ranked within `keep` by
 * `key` (ties at the edge included, so the caller's own tie-break still decides) come back, and `total`
 * counts the rows passing `filter`.
 */
export interface ChangeRanking {
  filter: SQL;
  key: SQL;
  desc: boolean;
  keep: number;
}

const f8 = (c: string) => sql.raw(`${c}::float8`);
/** `net_change_value_usd` of `changeRow` in SQL: (known_now - known_prev) x (value_usd / shares), null without shares. */
export const NET_CHANGE_VALUE = sql`case when shares > 0 then (${f8("known_now")} - ${f8("known_prev")}) * (${f8("value_usd")} / ${f8("shares")}) end`;

function rankedRows(rankings: ChangeRanking[]): { ranks: SQL; keepRow: SQL; totals: SQL } {
  const ranks = sql.join(
    rankings.map(
      (r, i) =>
        sql`case when ${r.filter} then rank() over (partition by ${r.filter} order by ${r.key} ${sql.raw(r.desc ? "desc" : "asc")}) end as ${sql.raw(`r${i}`)}`,
    ),
    sql`, `,
  );
  const keepRow = sql.join(
    rankings.map((r, i) => sql`${sql.raw(`r${i}`)} <= ${r.keep}`),
    sql` or `,
  );
  const totals = sql.join(
    rankings.map((r, i) => sql`count(*) filter (where ${r.filter}) over () as ${sql.raw(`n${i}`)}`),
    sql`, `,
  );
  return { ranks, keepRow, totals };
}

/**
 * Quarter-on-quarter 13F changes per security across all filers (docs/methodology.md "13F positions and
 * changes"); with `rankings`, only the rows they keep, and `totals` (per ranking, the rows passing its filter).
 */
export async function quarterChanges(
  db: Db,
  asOf: Date,
  requested?: string,
  rankings?: ChangeRanking[],
): Promise<QuarterChanges & { totals: number[] | null }> {
  const period = requested ?? (await latestThirteenFPeriod(db, asOf));
  if (period === null)
    return { period: null, prior_period: null, filers: 0, latestPublished: null, rows: [], totals: null };
  const ranked = rankings?.length ? rankedRows(rankings) : null;
  const late = await hasLateVersions(db, period, asOf);
  const at = securitiesAt(period, asOf, late);
  // The kept rows' names: by a probe each from the kept names, or from the names corrected once for all.
  const name = late
    ? sql`n.name`
    : sql`(select max(n.name) from thirteenf_security_names n where n.period = ${period}::date and n.cusip = k.cusip and n.rows > 0)`;
  const names = late ? sql`left join names n on n.cusip = k.cusip` : sql``;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(
      ranked
        ? sql`
      with ${at},
      r as (select s.*, ${ranked.ranks}, ${ranked.totals} from sums s),
      k as (select * from r where ${ranked.keepRow})
      select k.*, ${name} as name,
        ${bestSymbolOf(sql`k.cusip`)} as symbol
      from k ${names}`
        : sql`
      with ${at}
      select s.*, n.name, ${bestSymbolOf(sql`s.cusip`)} as symbol
      from sums s left join names n on n.cusip = s.cusip`,
    ),
  );
  const meta = rowsOf<{ filers: unknown; published_at: string | null }>(
    await db.execute(sql`
      select count(distinct filer_cik) as filers, max(published_at) as published_at from thirteenf_filings
      where period_of_report = ${period}::date and published_at <= ${asOf.toISOString()}::timestamptz`),
  )[0];
  const first = rows[0];
  return {
    period,
    prior_period: previousQuarterEnd(period),
    filers: num(meta?.filers),
    latestPublished: meta?.published_at ? new Date(meta.published_at) : null,
    rows: rows.map(changeRow),
    totals: rankings?.length ? rankings.map((_, i) => (first ? num(first[`n${i}`]) : 0)) : null,
  };
}

export interface FilerChangeRow {
  cusip: string;
  name: string | null;
  symbol: string | null;
  /** Shares of the period's position; null when the filer's effective report has no row of the CUSIP. */
  now_shares: number | null;
  now_value_usd: number;
  /** The prior quarter's shares when > 0, else null. */
  prev_shares: number | null;
}

/** One filer's change rows for `period` as known at `asOf` (the period's positions against the prior's). */
export async function filerChangeRows(
  db: Db,
  cik: string,
  period: string,
  asOf: Date,
): Promise<FilerChangeRow[]> {
  const at = asOf.toISOString();
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with b as (
        select b.cusip, coalesce(b.now_name, b.prev_name) as name, b.now_shares, b.now_value_usd, b.prev_shares
        from thirteenf_position_changes b
        where b.filer_cik = ${cik} and b.period = ${period}::date and b.valid_from <= ${at}::timestamptz
          and b.valid_to > ${at}::timestamptz
      )
      -- One pass over the securities of the portfolio (a large filer holds thousands: no probe per row).
      select b.*, s.symbol from b left join (
        select distinct on (cusip) cusip, symbol from securities where cusip in (select cusip from b)
        order by cusip, ${SOURCE_RANK}, published_at desc
      ) s on s.cusip = b.cusip`),
  );
  return rows.map((r) => ({
    cusip: String(r.cusip),
    name: (r.name as string | null) ?? null,
    symbol: (r.symbol as string | null) ?? null,
    now_shares: numOrNull(r.now_shares),
    now_value_usd: num(r.now_value_usd),
    prev_shares: numOrNull(r.prev_shares),
  }));
}
