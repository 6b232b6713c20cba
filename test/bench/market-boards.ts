/**
 * The market bench's composite leaderboards (`smart_money_index`, `accumulation`): the job's pass over the
 * loaded data (market/composite.refresh.ts, in this process, timed: the cost of keeping the boards), past
 * trading days closed as the job closes them, the URLs the stored boards answer (closed days by their
 * end, today's open board by "now"), and a few `as_of` moments no board answers, computed on request.
 */
import { openDb } from "@smt/db";
import type { Sql } from "postgres";
import { endOfDay, refreshComposite, refreshDay } from "../../server/src/market/composite.refresh";
import { fmt } from "./support";

export const COMPOSITE = ["smart_money_index", "accumulation"] as const;

export interface Boards {
  /** Past trading days with a closed board. */
  closed: string[];
  /** What each step cost, for the report. */
  rows: [string, string][];
}

const outcome = (o: { day: string; closed: boolean; scored: number | null; members: number }[]) =>
  o
    .map((x) =>
      x.scored === null
        ? `${x.day}: nothing written since, no work`
        : `${x.day}${x.closed ? " closed" : " open"}: ${x.scored} of ${x.members} scored`,
    )
    .join("; ");

/**
 * Empties the store, then times the job's pass (today's open board, every member scored), the closing of
 * `closeDays` past trading days (each scored at its end), and a pass with nothing written since.
 */
export async function keepBoards(s: Sql, dbUrl: string, closeDays: number): Promise<Boards> {
  await s`truncate composite_scores, composite_days`;
  const days = (
    await s`select distinct day::text as d from short_volume order by 1 desc limit ${closeDays}`
  ).map((r) => r.d as string);
  const handle = await openDb({ url: dbUrl, maxConnections: 6, migrate: false });
  const rows: [string, string][] = [];
  const timed = async <T>(label: string, fn: () => Promise<T>, what: (r: T) => string) => {
    const t = performance.now();
    const r = await fn();
    rows.push([label, `${fmt((performance.now() - t) / 1000, 1)} s  (${what(r)})`]);
  };
  try {
    await timed(
      "job pass, empty store (today's open board)",
      () => refreshComposite(handle.db, new Date()),
      outcome,
    );
    for (const day of days)
      await timed(
        `closing ${day} (scored at its end)`,
        () => refreshDay(handle.db, { day, asOf: endOfDay(day), closed: true }, new Date()),
        (o) => outcome([o]),
      );
    await timed("job pass, nothing written since", () => refreshComposite(handle.db, new Date()), outcome);
  } finally {
    await handle.close();
  }
  return { closed: days, rows };
}

/** Leaderboard URLs the stored boards answer: closed days at their end, the open board now. */
export function storedBoardUrls(metric: string, boards: Boards, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const day = boards.closed[i % Math.max(1, boards.closed.length)];
    const asOf =
      i % 3 === 2 || day === undefined
        ? i % 2 === 0
          ? ""
          : `&as_of=${new Date().toISOString()}`
        : `&as_of=${endOfDay(day).toISOString()}`;
    const universe = [100, 200, 500, 50][i % 4];
    return `/smart-money/market/leaders?metric=${metric}${asOf}&universe=${universe}&limit=${25 + (i % 4) * 25}&offset=${i % 40}${i % 5 === 4 ? "&order=asc" : ""}`;
  });
}

/** Which board answered each kind of `as_of` (payload `scores.source`), one request each. */
export async function boardSources(base: string, boards: Boards): Promise<[string, string][]> {
  const kinds: [string, string][] = [
    ["open board (no as_of)", ""],
    ...boards.closed.map((d): [string, string] => [`closed ${d}`, `&as_of=${endOfDay(d).toISOString()}`]),
  ];
  const out: [string, string][] = [];
  for (const [label, q] of kinds) {
    const res = await fetch(`${base}/smart-money/market/leaders?metric=smart_money_index${q}`);
    const body = (await res.json()) as { scores?: { source: string }; rows?: unknown[] };
    out.push([
      `answered from: ${label}`,
      `${res.status} ${body.scores?.source ?? "?"} (${body.rows?.length ?? 0} rows)`,
    ]);
  }
  return out;
}

/**
 * `as_of` moments inside past days (no stored board): each asked once, one at a time, default universe,
 * with a cap; the time of each (or that it gave no answer within the cap).
 */
export async function onRequest(
  base: string,
  days: string[],
  capSeconds: number,
): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const [i, day] of days.entries()) {
    const metric = COMPOSITE[i % 2] as string;
    const path = `/smart-money/market/leaders?metric=${metric}&as_of=${day}T19:00:00Z&limit=25`;
    const t = performance.now();
    try {
      const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(capSeconds * 1000) });
      const body = (await res.json()) as { scores?: { source: string }; universe?: { scored: number } };
      out.push([
        `${metric} as_of ${day}T19:00:00Z`,
        `${fmt(performance.now() - t, 0)} ms  ${res.status} ${body.scores?.source ?? "?"} (${body.universe?.scored ?? 0} scored)`,
      ]);
    } catch {
      out.push([`${metric} as_of ${day}T19:00:00Z`, `no answer within ${capSeconds} s`]);
    }
  }
  return out;
}
