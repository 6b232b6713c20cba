/**
 * Issue 12, cluster buys across the market (`/market/insider-clusters`): checked against an independent
 * computation from the raw trades as inserted (docs/methodology.md "Cluster buys"): the per-issuer chain of
 * clusters, their insiders, names, transactions, shares and value, symbol and issuer name from the issuer's
 * last purchase, order, paging, and point in time (a late filing, the day's later filings, a back-dated one).
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MarketCluster } from "../../server/src/institutional/insider-clusters";
import { buildTestApp, jsonGetter } from "../support/app";
import { engines } from "../support/db";

interface Buy {
  issuer: string;
  symbol: string | null;
  owner: string;
  name: string | null;
  day: string;
  code: string;
  shares: number;
  value: number | null;
  published: string;
  accession: string;
  issuerName: string;
}

let seq = 0;
const buy = (
  issuer: string,
  symbol: string | null,
  owner: string,
  day: string,
  more: Partial<Buy> = {},
): Buy => {
  seq += 1;
  return {
    issuer,
    symbol,
    owner,
    name: `Owner ${owner}`,
    day,
    code: "P",
    shares: 100 * seq,
    value: 1000 * seq + 0.25,
    published: `${new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10)}T22:00:00Z`,
    accession: `C4-${String(seq).padStart(3, "0")}`,
    issuerName: `Issuer ${issuer}`,
    ...more,
  };
};

/** The payload row type: the expected rows below are built independently of the server code. */
type Cluster = MarketCluster;

const DAY = 86_400_000;
const plus = (d: string, n: number) => new Date(Date.parse(d) + n * DAY).toISOString().slice(0, 10);

/** The clusters from the raw trades alone, as docs/methodology.md defines them. */
function expected(all: Buy[], asOf: string, since: string | null, m: number, w: number): Cluster[] {
  const to = new Date(Date.parse(asOf) - 5 * 3_600_000).toISOString().slice(0, 10);
  const from = since ?? plus(to, -90);
  const rows = all.filter(
    (b) =>
      b.code === "P" &&
      b.day >= plus(from, -(w - 1)) &&
      b.day <= to &&
      Date.parse(b.published) <= Date.parse(asOf),
  );
  const out: Cluster[] = [];
  for (const issuer of [...new Set(rows.map((b) => b.issuer))].sort()) {
    const mine = rows.filter((b) => b.issuer === issuer);
    const last = [...mine].sort(
      (a, b) =>
        a.day.localeCompare(b.day) ||
        Date.parse(a.published) - Date.parse(b.published) ||
        (a.accession < b.accession ? -1 : 1),
    )[mine.length - 1] as Buy;
    let lastEnd = "";
    for (const start of [...new Set(mine.map((b) => b.day))].sort()) {
      if (start <= lastEnd) continue;
      const inside = mine.filter((b) => b.day >= start && b.day <= plus(start, w - 1));
      const owners = new Set(inside.map((b) => b.owner));
      if (owners.size < m) continue;
      const end = inside.map((b) => b.day).sort()[inside.length - 1] as string;
      lastEnd = end;
      if (end < from) continue;
      out.push({
        symbol: last.symbol,
        issuer_cik: issuer,
        issuer_name: last.issuerName,
        start,
        end,
        insiders: owners.size,
        insider_names: [...new Set(inside.map((b) => b.name ?? b.owner))].sort(),
        transactions: inside.length,
        shares: inside.reduce((s, b) => s + b.shares, 0),
        value_usd: inside.reduce((s, b) => s + (b.value ?? 0), 0),
      });
    }
  }
  return out.sort((a, b) => b.end.localeCompare(a.end) || b.value_usd - a.value_usd);
}

describe.each(engines())("cluster buys across the market on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const json = jsonGetter(() => t.app);
  const buys: Buy[] = [];
  const add = async (rows: Buy[]) => {
    buys.push(...rows);
    await t.handle.db.execute(sql`
      insert into insider_transactions (issuer_cik, accession, table_name, row_index, issuer_symbol, owner_cik,
        owner_name, owner_roles, transaction_date, code, shares, price_usd, value_usd, is_derivative,
        aff10b5_one, footnote_ids, source, source_ref, published_at)
      values ${sql.join(
        rows.map(
          (r) => sql`(${r.issuer}, ${r.accession}, 'nonDerivativeTransaction', 0, ${r.symbol}, ${r.owner},
            ${r.name}, 'officer', ${r.day}::date, ${r.code}, ${r.shares}, null, ${r.value}, false, false,
            '{}'::jsonb, 'sec_form4', ${r.accession}, ${r.published}::timestamptz)`,
        ),
        sql`, `,
      )}`);
    await t.handle.db.execute(sql`
      insert into insider_filings (accession, issuer_cik, issuer_name, issuer_symbol, document_type,
        period_of_report, filed_date, reporting_owners, footnotes, source, source_ref, published_at)
      values ${sql.join(
        rows.map(
          (r) => sql`(${r.accession}, ${r.issuer}, ${r.issuerName}, ${r.symbol}, '4', ${r.day}::date,
            ${r.published}::timestamptz::date, '[]'::jsonb, '[]'::jsonb, 'sec_form4', ${r.accession},
            ${r.published}::timestamptz)`,
        ),
        sql`, `,
      )}`);
  };

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    await add([
      // AAA: three buyers in 5 days, then two more clusters' worth later (one owner twice on a day).
      buy("0000000001", "AAA", "a1", "2025-03-01"),
      buy("0000000001", "AAA", "a2", "2025-03-03", { name: null }),
      buy("0000000001", "AAA", "a3", "2025-03-05"),
      buy("0000000001", "AAA", "a1", "2025-03-20"),
      buy("0000000001", "AAA", "a1", "2025-03-20", { value: null }),
      buy("0000000001", "AAA", "a2", "2025-03-24"),
      buy("0000000001", "AAA", "a4", "2025-03-30", { symbol: "AAA.N", issuerName: "Issuer AAA renamed" }),
      // BBB: two buyers, and a sale and a grant that never count.
      buy("0000000002", "BBB", "b1", "2025-03-10"),
      buy("0000000002", "BBB", "b2", "2025-03-12"),
      buy("0000000002", "BBB", "b3", "2025-03-12", { code: "S" }),
      buy("0000000002", "BBB", "b4", "2025-03-13", { code: "A" }),
      // CCC: the third buyer filed 40 days late.
      buy("0000000003", "CCC", "c1", "2025-03-02"),
      buy("0000000003", "CCC", "c2", "2025-03-04"),
      buy("0000000003", "CCC", "c3", "2025-03-06", { published: "2025-04-15T14:00:00Z" }),
      // EEE: a second buyer on a filing without the issuer's symbol (not in the running totals), filed last.
      buy("0000000005", "EEE", "e1", "2025-03-15"),
      buy("0000000005", null, "e2", "2025-03-17"),
    ]);
    // Back-dated after later dates are known, and 2025-03-25 filings before and after 16:00 EDT.
    await add([
      buy("0000000002", "BBB", "b5", "2025-03-09", { published: "2025-03-25T15:00:00Z" }),
      buy("0000000004", "DDD", "d1", "2025-03-24", { published: "2025-03-25T15:30:00Z" }),
      buy("0000000004", "DDD", "d2", "2025-03-25", { published: "2025-03-25T21:00:00Z" }),
    ]);
  }, 120_000);
  afterAll(async () => t?.close());

  const cases: [string, string | null, number, number, number, number][] = [
    ["2025-04-20T23:00:00Z", null, 3, 14, 0, 50],
    ["2025-04-20T23:00:00Z", null, 2, 14, 0, 50],
    ["2025-04-20T23:00:00Z", null, 2, 30, 1, 2], // a page: names and symbol of its clusters only
    ["2025-04-20T23:00:00Z", "2025-03-10", 2, 7, 0, 50],
    ["2025-03-24T23:00:00Z", null, 2, 14, 0, 50], // the back-dated purchase not yet filed
    ["2025-03-25T20:00:00Z", null, 2, 14, 0, 50], // inside 03-25: its later filing not yet known
    ["2025-03-25T23:00:00Z", null, 2, 14, 0, 50],
    ["2025-04-10T23:00:00Z", null, 3, 14, 0, 50], // the late filing not yet known
  ];

  it.each(cases)(
    "as_of %s, since %s, %i insiders in %i days, offset %i",
    async (asOf, since, m, w, offset, limit) => {
      const got = await json<{ clusters: Cluster[]; total: number }>(
        `/smart-money/market/insider-clusters?as_of=${asOf}${since ? `&since=${since}` : ""}&min_insiders=${m}&window_days=${w}&offset=${offset}&limit=${limit}`,
      );
      const want = expected(buys, asOf, since, m, w);
      expect(got.total).toBe(want.length);
      const page = want.slice(offset, offset + limit);
      expect(got.clusters.map((c) => ({ ...c, value_usd: Math.round(c.value_usd * 100) }))).toEqual(
        page.map((c) => ({ ...c, value_usd: Math.round(c.value_usd * 100) })),
      );
    },
  );
});
