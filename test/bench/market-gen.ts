/**
 * The market bench's generated rows (see market-data.ts for the shapes): set-based `insert ... select` in
 * Postgres, deterministic (H) except the print times and sizes. Dates: the `days` weekdays before today
 * (New York), so `as_of = now` sees the whole set; 13F: the `quarters` latest quarter ends published by now.
 */
import type { Sql } from "postgres";
import { H, type Sizes, step, withoutIndexes } from "./market-data";
import { printsInsertSql } from "./support";

const SHAPE_NOTE = "generated from the shape of";

/** The last `n` quarter ends whose 13F deadline (45 days) is past, newest first. */
export function publishedQuarterEnds(today: Date, n: number): string[] {
  const out: string[] = [];
  let y = today.getUTCFullYear();
  let q = Math.floor(today.getUTCMonth() / 3); // quarter index of today, 0..3: the previous end is q*3
  while (out.length < n) {
    if (q === 0) {
      y--;
      q = 4;
    }
    const end = new Date(Date.UTC(y, q * 3, 0));
    if (end.getTime() + 45 * 86_400_000 < today.getTime()) out.push(end.toISOString().slice(0, 10));
    q--;
  }
  return out;
}

export async function generate(s: Sql, z: Sizes, finraFile: string) {
  await s.unsafe("set synchronous_commit = off; set maintenance_work_mem = '512MB'");
  await step("trading days and symbols", () =>
    s.unsafe(`
      create table bench_days as
        select row_number() over (order by d) as n, d::date as day
        from generate_series((now() at time zone 'America/New_York')::date - ${Math.ceil(z.days * 1.5) + 10},
          (now() at time zone 'America/New_York')::date - 1, interval '1 day') as d
        where extract(isodow from d) < 6 order by d desc limit ${z.days};
      create table bench_psym as
        select symbol, rank, 5 + 495 * power(${H("rank", "1")}, 2) as base_usd,
          greatest(1, round(${z.prints / z.days} * (1.0 / rank)
            / (select sum(1.0 / r) from generate_series(1, ${z.printSymbols}) r)))::int as per_day
        from bench_finra where rank <= ${z.printSymbols};
      insert into symbols (symbol, kinds)
        select f.symbol, case when p.symbol is null then array['short_volume']
          else array['prints', 'short_volume', 'bars'] end
        from bench_finra f left join bench_psym p using (symbol);`),
  );
  await step(`FINRA short volume (${z.days} days x CNMS symbols)`, () =>
    withoutIndexes(
      s,
      "short_volume",
      `insert into short_volume (day, symbol, facility, market, short_volume, short_exempt_volume, total_volume,
         source, source_ref, published_at)
       select d.day, f.symbol, 'CNMS', f.market,
         round(least(t, t * f.short_volume / greatest(f.total_volume, 1) * (0.85 + 0.3 * ${H("f.rank", "d.n * 7919")}))),
         round(f.exempt * t / greatest(f.total_volume, 1)), t, 'finra_regsho',
         'CNMSshvol' || to_char(d.day, 'YYYYMMDD') || '.txt (${SHAPE_NOTE} ${finraFile})',
         (d.day + time '18:00') at time zone 'America/New_York'
       from bench_days d cross join bench_finra f,
         lateral (select round(f.total_volume * (0.6 + 0.8 * ${H("f.rank + 17", "d.n")})) as t) as x`,
    ),
  );
  await step(`prints (${z.printSymbols} symbols, 1/rank skew)`, () => prints(s));
  await step("daily bars", () =>
    s.unsafe(`
      insert into daily_bars (symbol, day, open, high, low, close, volume, transactions, source, source_ref, published_at)
      select p.symbol, d.day, c * 0.995, c * 1.01, c * 0.99, c,
        round(f.total_volume * 2.2 * (0.6 + 0.8 * ${H("p.rank + 17", "d.n")})), null, 'bench', 'bench:' || d.day,
        (d.day + time '16:30') at time zone 'America/New_York'
      from bench_days d cross join bench_psym p join bench_finra f using (symbol),
        lateral (select round((p.base_usd * (1 + 0.1 * sin(d.n / 7.0 + p.rank)))::numeric, 2)::float8 as c) as x`),
  );
  await step("13F filers, filings and holdings", () => thirteenF(s, z));
  await step("Form 4 open-market trades", () => insiders(s, z));
  await step("option prints", () => options(s, z));
  await step("vacuum analyze", () => s.unsafe("vacuum analyze"));
}

async function prints(s: Sql) {
  // prints is partitioned by New York day (migration 0017): create the days first, or all rows land in DEFAULT.
  await s`select smt_ensure_day_partitions('prints', array(select day from bench_days))`;
  await withoutIndexes(
    s,
    "prints",
    printsInsertSql(`       select symbol, trade_key, ts, mkt, off,
         round((mkt * (1 + (rp - 0.5) * 0.004))::numeric, 4)::float8 as price,
         case when r3 < 0.03 then 20000 + floor(rs * 180000) when r3 < 0.15 then 2000 + floor(rs * 18000)
              when r3 < 0.4 then 1 + floor(rs * 99) else 100 * (1 + floor(rs * 20)) end as size
       from (
         select p.symbol, d.n || ':' || i as trade_key,
           ((d.day + time '09:30') at time zone 'America/New_York') + random() * interval '23400 seconds' as ts,
           m.mkt, random() < 0.45 as off, random() as r3, random() as rp, random() as rs
         from bench_days d cross join bench_psym p cross join lateral generate_series(1, p.per_day) as i,
           lateral (select round((p.base_usd * (1 + 0.1 * sin(d.n / 7.0 + p.rank)))::numeric, 2)::float8 as mkt) as m
       ) as x`),
  );
}

async function thirteenF(s: Sql, z: Sizes) {
  const quarters = publishedQuarterEnds(new Date(), z.quarters);
  const perQuarter = z.thirteenfRows / z.quarters;
  await s.unsafe(`
    create table bench_quarters as
      select (q - 1) as q, p::date as period from unnest(array['${quarters.join("','")}']) with ordinality as t(p, q);
    create table bench_cusips as
      select row_number() over (order by rank, cusip) - 1 as idx, cusip, symbol, name,
        5 + 495 * power(${H("rank", "3")}, 2) as price
      from (select distinct on (m.cusip) m.cusip, f.symbol, coalesce(t.title, f.symbol) as name, f.rank
            from bench_cusip_map m join bench_finra f on f.symbol = m.ticker
            left join bench_tickers t on t.symbol = f.symbol order by m.cusip, f.rank) as c;
    create table bench_filers as
      select f.k, lpad((1000000 + f.k)::text, 10, '0') as filer_cik,
        coalesce(nm.name, 'BENCH FILER ' || f.k) as name,
        least(20000, greatest(5, ceil(${perQuarter} * power(f.k, -0.7)
          / (select sum(power(r, -0.7)) from generate_series(1, ${z.filers}) r))))::int as n
      from generate_series(1, ${z.filers}) as f(k) left join bench_filer_names_n nm on nm.k = f.k;
    create table bench_filings as
      select f.k, f.filer_cik, f.name, f.n, q.q, q.period, ceil(f.n / 10.0)::int * (${z.quarters} - q.q) as shift,
        'B' || lpad(f.k::text, 9, '0') || '-' || to_char(q.period, 'YY') || '-' || lpad(q.q::text, 6, '0') as accession,
        (q.period + 30 + (f.k % 15)) + time '21:00' at time zone 'UTC' as published_at
      from bench_filers f cross join bench_quarters q where ${H("f.k", "q.q + 100")} > 0.05;
    insert into securities (cusip, symbol, name, cik, source, source_ref, published_at)
      select c.cusip, c.symbol, c.name, t.cik, 'user_csv', 'edgartools_cusip_ticker_map.csv', now() - interval '400 days'
      from bench_cusips c left join bench_tickers t on t.symbol = c.symbol;`);
  const [{ nc, shape } = { nc: 1, shape: 1 }] = await s<{ nc: number; shape: number }[]>`
    select (select count(*)::int from bench_cusips) as nc, (select count(*)::int from bench_13f_shape) as shape`;
  await withoutIndexes(
    s,
    "thirteenf_holdings",
    `insert into thirteenf_holdings (accession, row_index, filer_cik, period_of_report, cusip, name_of_issuer,
       title_of_class, value_as_filed, value_usd, value_unit, shares_or_principal, shares_type, put_call,
       investment_discretion, voting_sole, voting_shared, voting_none, source, source_ref, published_at)
     select fi.accession, j, fi.filer_cik, fi.period, c.cusip, upper(c.name), 'COM', x.sh * c.price,
       x.sh * c.price, 'usd', x.sh, coalesce(sh.type, 'SH'), sh.put_call, 'SOLE', x.sh, 0, 0, 'bench_13f',
       fi.accession || ':' || j || ' (${SHAPE_NOTE} edgartools_13F-HR.infotable.xml)', fi.published_at
     from bench_filings fi cross join lateral generate_series(1, fi.n) as j
       join bench_cusips c on c.idx = floor(${nc} * power(${H("fi.k", "j + fi.shift")}, 2.5))::int
       join bench_13f_shape sh on sh.idx = 1 + ((fi.k * 31 + j) % ${shape}),
       lateral (select round(sh.shares * (1 + 30 / sqrt(fi.k)) * (0.75 + 0.5 * ${H("fi.k * 7 + fi.q", "j")})) as sh) as x`,
  );
  await s.unsafe(`
    insert into thirteenf_filings (accession, filer_cik, filer_name, submission_type, period_of_report, report_type,
      filed_date, table_entry_total, table_value_total, value_unit, source, source_ref, published_at)
    select f.accession, f.filer_cik, f.name, '13F-HR', f.period, '13F HOLDINGS REPORT', f.published_at::date, f.n,
      (select sum(value_usd) from thirteenf_holdings h where h.accession = f.accession), 'usd', 'bench_13f',
      f.accession, f.published_at
    from bench_filings f`);
}

async function insiders(s: Sql, z: Sizes) {
  await s.unsafe(`
    create table bench_issuers as
      select row_number() over (order by rank) - 1 as idx, cik, symbol, title from (
        select distinct on (t.cik) t.cik, t.symbol, t.title, f.rank
        from bench_tickers t join bench_finra f using (symbol) order by t.cik, f.rank) as x
      order by rank limit 4000;`);
  const [{ ni } = { ni: 1 }] = await s<{ ni: number }[]>`select count(*)::int as ni from bench_issuers`;
  await s.unsafe(`
    insert into insider_transactions (issuer_cik, accession, table_name, row_index, issuer_symbol, owner_cik,
      owner_name, owner_roles, security_title, transaction_date, code, acquired_disposed, shares, price_usd,
      value_usd, is_derivative, aff10b5_one, footnote_ids, source, source_ref, published_at)
    select i.cik, 'F4-' || g, 'nonDerivativeTransaction', 0, i.symbol, i.cik || '-' || o, 'OWNER ' || o || ' OF ' || i.symbol,
      'officer', 'Common Stock', dt, code, case when code in ('P', 'A', 'M') then 'A' else 'D' end, sh, px, sh * px,
      false, code = 'S' and ${H("g", "5")} < 0.3, '[]'::jsonb, 'bench_form4', 'F4-' || g,
      (dt + 2) + time '21:00' at time zone 'UTC'
    from generate_series(1, ${z.insiderRows}) as g,
      lateral (select floor(${ni} * power(${H("g", "1")}, 2))::int as idx, floor(${H("g", "2")} * 8)::int as o,
        (now() at time zone 'America/New_York')::date - floor(${H("g", "3")} * 150)::int as dt,
        case when ${H("g", "4")} < 0.2 then 'P' when ${H("g", "4")} < 0.75 then 'S'
             when ${H("g", "4")} < 0.85 then 'A' else 'M' end as code,
        round(100 + ${H("g", "6")} * 50000) as sh, round((10 + ${H("g", "7")} * 190)::numeric, 2)::float8 as px) as x
      join bench_issuers i on i.idx = x.idx;
    insert into insider_filings (accession, issuer_cik, issuer_name, issuer_symbol, document_type, period_of_report,
      filed_date, reporting_owners, footnotes, source, source_ref, published_at)
    select t.accession, t.issuer_cik, i.title, t.issuer_symbol, '4', t.transaction_date, t.published_at::date,
      '[]'::jsonb, '[]'::jsonb, t.source, t.source_ref, t.published_at
    from insider_transactions t join bench_issuers i on i.cik = t.issuer_cik;`);
}

async function options(s: Sql, z: Sizes) {
  await withoutIndexes(
    s,
    "option_prints",
    `insert into option_prints (contract, ts, trade_key, underlying, root, expiry, "right", strike_usd, price,
       size_contracts, premium_usd, exchange_id, conditions, is_multi_leg, side, sentiment, source, source_ref,
       published_at)
     select p.symbol || to_char(x.expiry, 'YYMMDD') || upper(left(x.rt, 1)) || lpad((x.strike * 1000)::bigint::text, 8, '0'),
       ts, d.n || ':' || i, p.symbol, p.symbol, x.expiry, x.rt, x.strike, x.px, x.sz, x.px * x.sz * 100, 300 + (i % 20),
       array['209'], random() < 0.1, 'mid', 'neutral', 'bench', 'bench:' || d.n || ':' || i, ts
     from bench_days d cross join (select * from bench_psym where rank <= 500) as p
       cross join lateral generate_series(1, greatest(1, round(${z.optionPrints / z.days} * (1.0 / p.rank)
         / (select sum(1.0 / r) from generate_series(1, 500) r)))::int) as i,
       lateral (select ((d.day + time '09:30') at time zone 'America/New_York') + random() * interval '23400 seconds' as ts) as t,
       lateral (select d.day + 7 * (1 + (i % 8)) as expiry, case when random() < 0.55 then 'call' else 'put' end as rt,
         round((p.base_usd * (0.8 + 0.05 * (i % 9)))::numeric, 0)::float8 as strike,
         round((p.base_usd * 0.03 * (0.5 + random()))::numeric, 2)::float8 as px,
         1 + floor(random() * random() * 500)::int as sz) as x`,
  );
}
