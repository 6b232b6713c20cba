/**
 * Reads of the quarter-on-quarter 13F changes kept at ingest (migration 0022: `thirteenf_position_changes`
 * per filer, CUSIP, period and version; migration 0029: `thirteenf_security_days`, per period the sums of
 * the versions holding at each checkpoint, the UTC midnight after each day on which versions begin or end).
 * Point in time for every `asOf`: the checkpoint at or before `asOf` plus the versions beginning and minus
 * those ending after it and by `asOf`, or the checkpoint after `asOf` less the changes in between, whichever
 * side has fewer (the filings of `asOf`'s own day only; none for an as_of after that day's filings, or once
 * the period and its prior quarter have no filing published after `asOf`).
 * Definitions: docs/methodology.md "13F positions and changes".
 */
import { type Db, rowsOf, schema } from "@smt/db";
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

/** The version changes (beginnings and endings) of `period` in (`lo`, `hi`]: SQL over the partial indexes. */
function changesIn(
  p: SQL,
  lo: SQL,
  hi: SQL,
  what: (end: "from" | "to") => SQL,
  from = sql`thirteenf_position_contribs`,
): SQL {
  return sql`
    select ${what("from")} from ${from}
    where valid_to = 'infinity' and period = ${p} and valid_from > ${lo} and valid_from <= ${hi}
    union all
    select ${what("from")} from ${from}
    where valid_to <> 'infinity' and period = ${p} and valid_from > ${lo} and valid_from <= ${hi}
    union all
    select ${what("to")} from ${from}
    where valid_to <> 'infinity' and period = ${p} and valid_to > ${lo} and valid_to <= ${hi}`;
}

/** Beyond this many version changes a side's count stops (it only decides which side to read from). */
const COUNT_CAP = 5000;

/** A read's checkpoint (`cp`) and the version changes in (`lo`, `hi`] that correct it, signed `sgn`. */
interface Start {
  cp: string | null;
  lo: string;
  hi: string;
  sgn: 1 | -1;
  changes: number;
}

/**
 * The checkpoint a read of `period` at `asOf` starts from: the one after `asOf` (corrected back by the
 * version changes after `asOf` and by it) when there are none or fewer of those, else the one before
 * (corrected by the changes after it and by `asOf`). An as_of at the end of a filing day, or with the
 * filing window closed, needs no correction.
 */
async function startOf(db: Db, period: string, asOf: Date): Promise<Start> {
  const p = sql`${period}::date`;
  const at = sql`${asOf.toISOString()}::timestamptz`;
  // Counted on the change rows' indexes alone (rows without shares in either quarter count too).
  const count = (lo: SQL, hi: SQL) =>
    sql`(select count(*) from (${changesIn(p, lo, hi, () => sql`1`, sql`thirteenf_position_changes`)} limit ${COUNT_CAP}) x)`;
  const r = rowsOf<{ before: string | null; after: string | null; na: unknown; nb: unknown }>(
    await db.execute(sql`
      with b as (select max(at) as at from thirteenf_change_days where period = ${p} and at <= ${at}),
      a as (select min(at) as at from thirteenf_change_days where period = ${p} and at > ${at}),
      n as (select b.at as before, a.at as after,
        case when a.at is null then null else ${count(at, sql`a.at`)} end as na from b, a)
      select before::text, after::text, na,
        case when na = 0 then null else ${count(sql`coalesce(before, '-infinity')`, at)} end as nb
      from n`),
  )[0];
  const iso = asOf.toISOString();
  if (r?.after && (num(r.na) === 0 || num(r.na) < num(r.nb)))
    return { cp: r.after, lo: iso, hi: r.after, sgn: -1, changes: num(r.na) };
  return { cp: r?.before ?? null, lo: r?.before ?? "-infinity", hi: iso, sgn: 1, changes: num(r?.nb) };
}

const COLUMNS = sql.raw(COUNTS.join(", "));
/** The numeric sums among COUNTS (the rest are integer counts). */
const SUMMED = { shares: 1, value_usd: 1, known_now: 1, known_prev: 1 };
/** The ranking keys stored with every checkpoint row (generated columns), computed alike for corrected rows. */
const KEYS = sql.raw(`${schema.NET_CHANGE_VALUE_SQL} as net_value, ${schema.NEW_HELD_KEY_SQL} as new_key`);

/**
 * The checkpoint of `period` the read starts from (`cp`), the version changes between it and `asOf`
 * (`moved`: a beginning adds the row's contribution going forward in time, an ending removes it), the
 * securities they touch and those securities' corrected sums (`fixed`).
 */
function correctionAt(period: string, start: Start): SQL {
  const p = sql`${period}::date`;
  const others = COUNTS.filter((c) => c !== "rows");
  const signed = (sgn: number) =>
    sql.raw(`cusip, name, ${sgn} as rows, ${others.map((c) => `${sgn} * ${c} as ${c}`).join(", ")}`);
  const moved =
    start.changes > 0
      ? changesIn(p, sql`${start.lo}::timestamptz`, sql`${start.hi}::timestamptz`, (end) =>
          signed(end === "from" ? start.sgn : -start.sgn),
        )
      : sql.raw(
          `select null::text as cusip, null::text as name, ${COUNTS.map((c) => `0${c in SUMMED ? "::numeric" : ""} as ${c}`).join(", ")} where false`,
        );
  const total = sql.raw(COUNTS.map((c) => `sum(${c}) as ${c}`).join(", "));
  return sql`
    cp as (select ${start.cp}::timestamptz as at),
    moved as (${moved}),
    touched as (select distinct cusip from moved),
    fixed as (
      select *, ${KEYS} from (
        select cusip, ${total} from (
          select cusip, ${COLUMNS} from thirteenf_security_days
          where period = ${p} and at = (table cp) and cusip in (select cusip from touched)
          union all
          select cusip, ${COLUMNS} from moved
        ) x group by cusip having sum(rows) > 0
      ) y
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
 * symbols). `filter` and `key` are SQL over the columns of `thirteenf_security_days` (the sums and the
 * stored keys `net_value`, `new_key`; each ranking has an index per checkpoint) and must compute what the
 * caller ranks by, in the same float8 steps; the rows ranked within `keep` by `key` (ties at the edge
 * included, so the caller's own tie-break still decides) come back; with `count`, `total` counts the rows
 * passing `filter`.
 */
export interface ChangeRanking {
  filter: SQL;
  key: SQL;
  desc: boolean;
  keep: number;
  count?: boolean;
}

/**
 * Per ranking, the top `keep` rows (with ties) of the checkpoint, read by index, without the touched
 * securities, whose corrected rows join them: every row ranked within `keep` over all securities is among
 * these, and ranks counted over them are its true ranks.
 */
function candidates(period: string, rankings: ChangeRanking[]): SQL {
  const p = sql`${period}::date`;
  const tops = rankings.map(
    (r) => sql`(select cusip, ${COLUMNS}, net_value, new_key from thirteenf_security_days
      where period = ${p} and at = (table cp) and ${r.filter} and cusip not in (select cusip from touched)
      order by ${r.key} ${sql.raw(r.desc ? "desc" : "asc")} fetch first ${r.keep} rows with ties)`,
  );
  return sql.join([...tops, sql`(select cusip, ${COLUMNS}, net_value, new_key from fixed)`], sql` union `);
}

function rankedRows(period: string, rankings: ChangeRanking[]): { ranks: SQL; keepRow: SQL; totals: SQL } {
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
  // Passing the filter: the checkpoint's rows (an index range), less the touched ones, plus the corrected.
  const at = sql`period = ${period}::date and at = (table cp)`;
  const totals = sql.join(
    rankings.map((r, i) =>
      r.count
        ? sql`(select count(*) from thirteenf_security_days where ${at} and ${r.filter})
        - (select count(*) from thirteenf_security_days where ${at} and ${r.filter}
            and cusip in (select cusip from touched))
        + (select count(*) from fixed where ${r.filter}) as ${sql.raw(`n${i}`)}`
        : sql`null as ${sql.raw(`n${i}`)}`,
    ),
    sql`, `,
  );
  return { ranks, keepRow, totals };
}

/**
 * Quarter-on-quarter 13F changes per security across all filers (docs/methodology.md "13F positions and
 * changes"): the rows `rankings` keep, and `totals` (per ranking, the rows passing its filter).
 */
export async function quarterChanges(
  db: Db,
  asOf: Date,
  requested: string | undefined,
  rankings: ChangeRanking[],
): Promise<QuarterChanges & { totals: (number | null)[] | null }> {
  const period = requested ?? (await latestThirteenFPeriod(db, asOf));
  if (period === null)
    return { period: null, prior_period: null, filers: 0, latestPublished: null, rows: [], totals: null };
  const ranked = rankedRows(period, rankings);
  const start = await startOf(db, period, asOf);
  const p = sql`${period}::date`;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(sql`
      with ${correctionAt(period, start)},
      cand as (${candidates(period, rankings)}),
      k as (select * from (select c.*, ${ranked.ranks} from cand c) r where ${ranked.keepRow}),
      -- The kept rows' names: the checkpoint's counts per name, corrected.
      nm as (
        select cusip, max(name) filter (where rows > 0) as name from (
          select cusip, name, sum(rows) as rows from (
            select cusip, name, rows from thirteenf_security_day_names
            where period = ${p} and at = (table cp) and cusip in (select cusip from k)
            union all
            select cusip, name, rows from moved where cusip in (select cusip from k)
          ) x group by cusip, name
        ) y group by cusip
      )
      select k.*, nm.name, ${ranked.totals}, ${bestSymbolOf(sql`k.cusip`)} as symbol
      from k left join nm on nm.cusip = k.cusip`),
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
    totals: rankings.map((r, i) => (r.count ? (first ? num(first[`n${i}`]) : 0) : null)),
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
