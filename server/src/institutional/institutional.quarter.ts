/**
 * One stock's two quarters of 13F positions as known at a moment: what the holders, changes and flow
 * answers (and the dashboard's institutional side and top holders) are computed from. Kept per database
 * handle for the last few (symbol, as_of, period) asked at the institutional area's version
 * (`area_versions`, bumped by triggers on 13F filings, holdings and securities in every writing
 * transaction): the dashboard asks flow and holders of one symbol at one as_of, and reads them once.
 */
import { type Db, rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { AppError } from "../errors";
import { normalizeSymbol } from "../lib/symbols";
import { type FilerPosition, positionsByFiler } from "./holdings.store";
import { choosePeriod, type PeriodSelection } from "./institutional.period";
import { previousQuarterEnd } from "./institutional.signals";
import { securitiesForSymbol } from "./securities.store";
import { type ValueUnitCheck, valueUnitChecks } from "./thirteenf-unit.store";

export interface QuarterView {
  symbol: string;
  asOf: Date;
  period: string;
  selection: PeriodSelection;
  priorPeriod: string;
  cusips: string[];
  sharesOutstanding: number | null;
  sharesAsOf: string | null;
  current: FilerPosition[];
  prior: FilerPosition[];
  reportingNow: Set<string>;
  reportedBefore: Set<string>;
  /** The unit checks of the flagged (`value_unit_suspect`) filings among those counted. */
  unitChecks: Map<string, ValueUnitCheck>;
}

/**
 * Both quarters' per-filer positions in the stock, as known at `asOf`. Throws NOT_FOUND when no CUSIP
 * is mapped to the symbol (holdings are stored by CUSIP; a symbol is never guessed).
 */
async function readQuarterView(db: Db, symbol: string, asOf: Date, period?: string): Promise<QuarterView> {
  const sec = await securitiesForSymbol(db, symbol);
  if (sec.cusips.length === 0) {
    throw new AppError(
      "NOT_FOUND",
      `No CUSIP is mapped to ${symbol}: load a mapping with \`pnpm cli ingest securities <csv>\` or OpenFIGI`,
      { symbol },
    );
  }
  const chosen = await choosePeriod(db, sec.cusips, asOf, period);
  const priorPeriod = previousQuarterEnd(chosen.period);
  const [now, before] = await Promise.all([
    positionsByFiler(db, sec.cusips, chosen.period, asOf),
    positionsByFiler(db, sec.cusips, priorPeriod, asOf),
  ]);
  const q = {
    current: now.positions,
    prior: before.positions,
    // A missing report is not a sale, nor a purchase.
    reportingNow: new Set(before.positions.map((p) => p.filerCik).filter((f) => now.reporting.has(f))),
    reportedBefore: new Set(now.positions.map((p) => p.filerCik).filter((f) => before.reporting.has(f))),
  };
  // The flagged filings among those counted (a holder line asks for its own filings' checks).
  const unitChecks = await valueUnitChecks(
    db,
    [...q.current, ...q.prior].flatMap((p) => p.accessions),
    true,
  );
  return {
    symbol,
    asOf,
    period: chosen.period,
    selection: chosen.selection,
    priorPeriod,
    cusips: sec.cusips,
    sharesOutstanding: sec.sharesOutstanding,
    sharesAsOf: sec.sharesAsOf,
    ...q,
    unitChecks,
  };
}

// A widely held stock's view holds ~11,000 positions (a few MB): only the last few are kept.
const KEPT = 4;
/** Per handle: the last KEPT views asked, with the area version they were read at (newest last). */
const kept = new WeakMap<Db, Map<string, { version: number; view: Promise<QuarterView> }>>();

/** The quarter view of `rawSymbol` at `asOf` (read once per area version; callers must not mutate it). */
export async function quarterView(
  db: Db,
  rawSymbol: string,
  asOf: Date,
  period?: string,
): Promise<QuarterView> {
  const symbol = normalizeSymbol(rawSymbol);
  const [v] = rowsOf<{ version: unknown }>(
    await db.execute(sql`select version from area_versions where area = 'institutional'`),
  );
  const version = Number(v?.version ?? 0);
  let views = kept.get(db);
  if (!views) {
    views = new Map();
    kept.set(db, views);
  }
  const key = `${symbol}|${asOf.getTime()}|${period ?? ""}`;
  const hit = views.get(key);
  if (hit && hit.version === version) return hit.view;
  const view = readQuarterView(db, symbol, asOf, period);
  views.delete(key);
  views.set(key, { version, view });
  if (views.size > KEPT) views.delete(views.keys().next().value as string);
  // A refusal or failure is not kept.
  view.catch(() => {
    if (views.get(key)?.view === view) views.delete(key);
  });
  return view;
}
