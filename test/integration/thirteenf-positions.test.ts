/**
 * Issue 12 "Scale and speed": the quarter-on-quarter 13F changes are kept at ingest (migration 0022) and
 * the market endpoints read them. Here filings with every kind of change (new, added, reduced, sold out,
 * unchanged, unknown, not yet reported, options and principal rows, a 13F NOTICE, a RESTATEMENT, NEW
 * HOLDINGS before and after it, NEW HOLDINGS without a base, a prior report filed after the current one)
 * go in through the store in a scrambled order, and the endpoints' rows at as_of before, at and after
 * each publication are compared with a computation made here from the raw rows alone. The migration's
 * back-fill is checked the same way after wiping the kept tables.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insert13FFilings, insert13FHoldings } from "../../server/src/institutional/thirteenf.store";
import { buildTestApp, jsonGetter } from "../support/app";
import { engines } from "../support/db";
import { backfillOf, coverOf, type FilingKind, holdingOf } from "../support/thirteenf-rows";

const P = "2025-09-30";
const R = "2025-06-30";
const day = (d: number) => new Date(Date.UTC(2025, 7, 1, 21) + d * 86_400_000); // Aug 1 + d days, 21:00Z
type Kind = FilingKind;
interface Filing {
  acc: string;
  filer: string;
  period: string;
  kind: Kind;
  at: Date;
}
/** [cusip, shares, value, type, putCall] */
type Row = [string, number, number, "SH" | "PRN", "Put" | "Call" | null];
interface RawHolding {
  acc: string;
  row: number;
  cusip: string;
  name: string;
  shares: number;
  value: number;
  type: "SH" | "PRN";
  putCall: "Put" | "Call" | null;
}
const sh = (cusip: string, shares: number, price = 10): Row => [cusip, shares, shares * price, "SH", null];

// filer, period, kind, publication day, rows
const PLAN: [string, string, Kind, number, Row[]][] = [
  ["0000000001", R, "orig", 1, [sh("AAA000001", 100), sh("BBB000002", 50), sh("CCC000003", 10)]],
  ["0000000001", P, "orig", 50, [sh("AAA000001", 150, 12), sh("BBB000002", 20), sh("DDD000004", 30)]],
  ["0000000002", R, "orig", 2, [sh("AAA000001", 200)]],
  [
    "0000000002",
    P,
    "orig",
    40,
    [
      sh("AAA000001", 200),
      sh("EEE000005", 5),
      ["AAA000001", 70, 700, "SH", "Put"],
      ["FFF000006", 900, 880, "PRN", null],
    ],
  ],
  ["0000000003", P, "orig", 30, [sh("AAA000001", 10)]],
  ["0000000004", R, "orig", 2, [sh("BBB000002", 70)]],
  ["0000000005", R, "orig", 1, [sh("AAA000001", 40)]],
  ["0000000005", P, "orig", 30, [sh("AAA000001", 60), sh("BBB000002", 10)]],
  ["0000000005", P, "NEW HOLDINGS", 40, [sh("EEE000005", 8)]],
  ["0000000005", P, "RESTATEMENT", 60, [sh("AAA000001", 30), sh("CCC000003", 5)]],
  ["0000000005", P, "NEW HOLDINGS", 70, [sh("DDD000004", 15)]],
  ["0000000006", R, "NEW HOLDINGS", 1, [sh("AAA000001", 999)]],
  ["0000000006", P, "orig", 30, [sh("AAA000001", 5)]],
  ["0000000007", P, "NOTICE", 30, []],
  ["0000000008", P, "orig", 50, [sh("BBB000002", 25)]],
  ["0000000008", R, "orig", 80, [sh("BBB000002", 10), sh("CCC000003", 3)]],
  // A second filing of the filer on the same UTC day (22:55Z): one day's checkpoint, two versions.
  ["0000000002", P, "NEW HOLDINGS", 40.08, [sh("GGG000007", 12)]],
  // A prior report filed just after midnight (00:36Z): the day's first change, read forward from midnight.
  ["0000000009", P, "orig", 45, [sh("HHH000008", 4)]],
  ["0000000009", R, "orig", 49.15, [sh("HHH000008", 5)]],
];
const filings: Filing[] = PLAN.map(([filer, period, kind, d], i) => ({
  acc: `0000000000-25-${String(i).padStart(6, "0")}`,
  filer,
  period,
  kind,
  at: day(d),
}));
const holdings: RawHolding[] = PLAN.flatMap(([, , , , rows], i) =>
  rows.map(([cusip, shares, value, type, putCall], j) => ({
    acc: filings[i]?.acc as string,
    row: j + 1,
    cusip,
    // Filers spell issuers differently: the name shown is the greatest of the holders' spellings.
    name: `ISSUER ${cusip.slice(0, 3)}${i % 3 === 0 ? " INC" : ""}`,
    shares,
    value,
    type,
    putCall,
  })),
);

// ---- the independent computation from the raw rows --------------------------------------------------
/** The filer's report for a period at `asOf`: latest original/restatement plus later NEW HOLDINGS. */
function effective(filer: string, period: string, asOf: Date): string[] {
  const known = filings.filter(
    (f) => f.filer === filer && f.period === period && f.kind !== "NOTICE" && f.at <= asOf,
  );
  const bases = known
    .filter((f) => f.kind !== "NEW HOLDINGS")
    .sort((a, b) => b.at.getTime() - a.at.getTime() || b.acc.localeCompare(a.acc));
  const base = bases[0];
  if (!base) return [];
  return [base.acc, ...known.filter((f) => f.kind === "NEW HOLDINGS" && f.at > base.at).map((f) => f.acc)];
}
interface Pos {
  shares: number;
  value: number;
  name: string;
}
function positionsOf(accs: string[]): Map<string, Pos> {
  const out = new Map<string, Pos>();
  for (const h of holdings.filter((x) => accs.includes(x.acc))) {
    const p = out.get(h.cusip) ?? { shares: 0, value: 0, name: h.name };
    if (h.type === "SH" && !h.putCall) p.shares += h.shares;
    if (!h.putCall) p.value += h.value;
    if (h.name > p.name) p.name = h.name;
    out.set(h.cusip, p);
  }
  return out;
}
interface Expected {
  name: string;
  holders: number;
  new_positions: number;
  sold_out: number;
  increased: number;
  decreased: number;
  unknown: number;
  not_reported: number;
  shares: number;
  value_usd: number;
  known_now: number;
  known_prev: number;
}
function expectedChanges(asOf: Date): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const filer of [...new Set(filings.map((f) => f.filer))]) {
    const nowAccs = effective(filer, P, asOf);
    const prevAccs = effective(filer, R, asOf);
    const inNow = nowAccs.length > 0;
    const inPrev = prevAccs.length > 0;
    const n = new Map([...positionsOf(nowAccs)].filter(([, p]) => p.shares > 0));
    const p = new Map([...positionsOf(prevAccs)].filter(([, x]) => x.shares > 0));
    for (const cusip of new Set([...n.keys(), ...p.keys()])) {
      const a = n.get(cusip);
      const b = p.get(cusip);
      const e = out.get(cusip) ?? {
        name: "",
        holders: 0,
        new_positions: 0,
        sold_out: 0,
        increased: 0,
        decreased: 0,
        unknown: 0,
        not_reported: 0,
        shares: 0,
        value_usd: 0,
        known_now: 0,
        known_prev: 0,
      };
      const name = (a ?? b)?.name as string;
      if (name > e.name) e.name = name;
      if (a) e.holders++;
      if (a && !b && inPrev) e.new_positions++;
      if (!a && b && inNow) e.sold_out++;
      if (a && b && a.shares > b.shares) e.increased++;
      if (a && b && a.shares < b.shares) e.decreased++;
      if (a && !inPrev) e.unknown++;
      if (b && !inNow) e.not_reported++;
      e.shares += a?.shares ?? 0;
      e.value_usd += a?.value ?? 0;
      if (inNow && inPrev) {
        e.known_now += a?.shares ?? 0;
        e.known_prev += b?.shares ?? 0;
      }
      out.set(cusip, e);
    }
  }
  return out;
}

/** A filer's page rows: the period's positions (every row) against the prior quarter's share positions. */
function expectedFiler(filer: string, asOf: Date) {
  const nowAccs = effective(filer, P, asOf);
  const priorReported = effective(filer, R, asOf).length > 0;
  const n = positionsOf(nowAccs);
  const p = new Map([...positionsOf(effective(filer, R, asOf))].filter(([, x]) => x.shares > 0));
  if (nowAccs.length === 0) return [];
  return [...new Set([...n.keys(), ...p.keys()])].sort().map((cusip) => {
    const now = n.get(cusip)?.shares ?? null;
    const prev = p.get(cusip)?.shares ?? null;
    let change: string;
    if (!priorReported) change = now === null ? "sold_out" : "unknown";
    else if (now === null || now === 0) change = prev ? "sold_out" : "unknown";
    else if (prev === null) change = "new";
    else change = now > prev ? "increased" : now < prev ? "decreased" : "unchanged";
    return {
      cusip,
      shares: now ?? 0,
      value_usd: n.get(cusip)?.value ?? 0,
      prior_shares: priorReported ? (prev ?? 0) : null,
      change_type: change,
    };
  });
}

const AS_OFS = [
  new Date(day(1).getTime() - 1),
  day(1),
  day(2),
  day(20),
  day(30),
  day(40),
  day(40.04), // between the filer's two filings of that day
  new Date(day(40).getTime() + 3 * 3_600_000), // the next UTC midnight: a checkpoint exactly
  day(49.2),
  new Date(day(50).getTime() - 1),
  day(50),
  day(60),
  day(70),
  day(80),
  day(200),
];

interface LeaderRow {
  cusip: string;
  name: string | null;
  value: number;
  change_shares: number;
  holders: number;
  increased: number;
  decreased: number;
  new_positions: number;
  sold_out: number;
}

describe.each(engines())("13F quarter-on-quarter changes kept at ingest (%s)", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const json = jsonGetter(() => t.app);

  beforeAll(async () => {
    t = await buildTestApp(engine, { RATE_LIMIT_PER_MINUTE: "0" });
    const db = t.deps.db.db;
    // Scrambled: the late prior report and the restatement first; one filer's holdings before its filing.
    const order = [18, 15, 9, 16, 3, 17, 0, 1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14];
    for (const i of order) {
      const f = filings[i] as Filing;
      const rows = holdings
        .filter((h) => h.acc === f.acc)
        .map((h) => ({
          accession: h.acc,
          filerCik: f.filer,
          periodOfReport: f.period,
          source: "sec_13f_xml",
          publishedAt: f.at,
          holding: holdingOf(h),
        }));
      const filing = {
        source: "sec_13f_xml",
        accession: f.acc,
        publishedAt: f.at,
        cover: coverOf(f, `FILER ${f.filer.slice(-1)}`, f.period),
      };
      await db.transaction(async (tx) => {
        if (i === 1) await insert13FHoldings(tx, rows);
        await insert13FFilings(tx, [
          { ...filing, filedDate: f.at.toISOString().slice(0, 10), valueUnit: "usd" },
        ]);
        if (i !== 1) await insert13FHoldings(tx, rows);
      });
    }
  }, 300_000);
  afterAll(async () => t?.close());

  const checkAll = async () => {
    for (const asOf of AS_OFS) {
      const at = encodeURIComponent(asOf.toISOString());
      const expected = expectedChanges(asOf);
      const net = await json<{ rows: LeaderRow[] }>(
        `/smart-money/market/leaders?metric=institutional_net_change&period=${P}&as_of=${at}&limit=1000`,
      );
      const priced = [...expected].filter(([, e]) => e.shares > 0);
      expect(net.rows.map((r) => r.cusip).sort(), `net change at ${asOf.toISOString()}`).toEqual(
        priced.map(([c]) => c).sort(),
      );
      for (const r of net.rows) {
        const e = expected.get(r.cusip) as Expected;
        const change = e.known_now - e.known_prev;
        expect(r, `${r.cusip} at ${asOf.toISOString()}`).toMatchObject({
          name: e.name,
          holders: e.holders,
          increased: e.increased,
          decreased: e.decreased,
          new_positions: e.new_positions,
          sold_out: e.sold_out,
          change_shares: change,
          value: change * (e.value_usd / e.shares),
        });
      }
      // A page reads only the rows up to it: the same rows as that slice of the whole ranking, same total.
      for (const [metric, order] of [
        ["institutional_net_change", "asc"],
        ["new_positions", "desc"],
      ]) {
        const base = `/smart-money/market/leaders?metric=${metric}&order=${order}&period=${P}&as_of=${at}`;
        const all = await json<{ rows: LeaderRow[]; total: number }>(`${base}&limit=1000`);
        const part = await json<{ rows: LeaderRow[]; total: number; next_offset: number | null }>(
          `${base}&limit=2&offset=1`,
        );
        expect(part.rows, `${metric} page`).toEqual(all.rows.slice(1, 3));
        expect([part.total, part.next_offset]).toEqual([all.total, all.total > 3 ? 3 : null]);
      }
      const fresh = await json<{ rows: (LeaderRow & { unknown: number; value_usd: number })[] }>(
        `/smart-money/market/leaders?metric=new_positions&period=${P}&as_of=${at}&limit=1000`,
      );
      // Ranked: the securities with at least one new position (a count of 0 is no value).
      expect(fresh.rows.map((r) => r.cusip).sort()).toEqual(
        [...expected]
          .filter(([, e]) => e.new_positions > 0)
          .map(([c]) => c)
          .sort(),
      );
      for (const r of fresh.rows) {
        const e = expected.get(r.cusip) as Expected;
        expect([r.value, r.holders, r.sold_out, r.unknown, r.value_usd], `${r.cusip}`).toEqual([
          e.new_positions,
          e.holders,
          e.sold_out,
          e.unknown,
          e.value_usd,
        ]);
      }
      type Lists = Record<"bought" | "sold" | "exited" | "newly_held", LeaderRow[]>;
      const top1 = await json<Lists>(`/smart-money/institutional/leaders?period=${P}&as_of=${at}&limit=1`);
      const leaders = await json<Lists>(
        `/smart-money/institutional/leaders?period=${P}&as_of=${at}&limit=50`,
      );
      expect(leaders.exited.map((r) => [r.cusip, r.sold_out]).sort()).toEqual(
        [...expected]
          .filter(([, e]) => e.sold_out > 0)
          .map(([c, e]) => [c, e.sold_out])
          .sort(),
      );
      expect(leaders.newly_held.map((r) => [r.cusip, r.new_positions]).sort()).toEqual(
        [...expected]
          .filter(([, e]) => e.new_positions > 0)
          .map(([c, e]) => [c, e.new_positions])
          .sort(),
      );
      for (const list of ["bought", "sold", "exited", "newly_held"] as const)
        expect(top1[list], list).toEqual(leaders[list].slice(0, 1));
      for (const filer of ["0000000001", "0000000002", "0000000005", "0000000008"]) {
        const want = expectedFiler(filer, asOf);
        const res = await t.app.request(`/smart-money/institutional/filers/${filer}?period=${P}&as_of=${at}`);
        if (res.status === 404) {
          expect(want, `${filer} at ${asOf.toISOString()}`).toEqual([]);
          continue;
        }
        const page = (await res.json()) as { holdings: Record<string, unknown>[] };
        const got = page.holdings
          .map((h) => ({
            cusip: h.cusip,
            shares: h.shares,
            value_usd: h.value_usd,
            prior_shares: h.prior_shares,
            change_type: h.change_type,
          }))
          .sort((a, b) => String(a.cusip).localeCompare(String(b.cusip)));
        expect(got, `${filer} at ${asOf.toISOString()}`).toEqual(want);
      }
    }
  };

  it("answers every as_of as the raw rows do: new, added, reduced, sold out, amendments", async () => {
    // The scenario reaches every kind of row it is meant to.
    const late = expectedChanges(day(200));
    expect(late.get("AAA000001")).toMatchObject({ increased: 1, decreased: 1, unknown: 2, holders: 5 });
    expect(late.get("CCC000003")).toMatchObject({ sold_out: 2, new_positions: 1 });
    expect(late.get("DDD000004")).toMatchObject({ new_positions: 2 });
    expect(late.get("BBB000002")).toMatchObject({ not_reported: 1, increased: 1, decreased: 1, sold_out: 0 });
    expect(expectedChanges(day(45)).get("EEE000005")).toMatchObject({ holders: 2, new_positions: 2 });
    await checkAll();
  });

  it("back-fills the kept tables from the stored holdings as the migration does", async () => {
    const db = t.deps.db.db;
    const wipe = async (tables: string[]) => {
      for (const table of tables) await db.execute(sql.raw(`delete from ${table}`));
    };
    const days = ["thirteenf_security_days", "thirteenf_security_day_names", "thirteenf_change_days"];
    // The change rows and their checkpoints, as the triggers compute them (0022's back-fill)...
    await wipe(["thirteenf_position_changes", ...days]);
    const refresh = backfillOf("_positions_changes.sql");
    expect(refresh).toMatch(/smt_13f_refresh/);
    await db.execute(sql.raw(refresh));
    await checkAll();
    // ...and the checkpoints from the stored change rows (the back-fill of the migration adding them).
    await wipe(days);
    const rebuild = backfillOf("_thirteenf_security_days.sql");
    expect(rebuild).toMatch(/smt_13f_days_rebuild/);
    await db.execute(sql.raw(rebuild));
    await checkAll();
  });
});
