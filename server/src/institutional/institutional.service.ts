/**
 * The institutional area's answers as plain functions of the database and a point in time: 13F
 * holders, position changes and flow of a stock for a quarter, and its Form 4 transactions and insider
 * sentiment. Every transport calls these (REST handlers, the analytics indices, the CLI), so a number
 * means the same wherever it is shown. Only filings published by `asOf` count.
 */
import type { Db } from "@smt/db";
import { addDays, etDateOf } from "../lib/et-time";
import { freshness, isoOrNull } from "../lib/openapi";
import { roundMoneyFields } from "../lib/round";
import { normalizeSymbol } from "../lib/symbols";
import { type FilerPosition, institutionalSources, portfolioValues } from "./holdings.store";
import { insiderSignal, insiderTally } from "./insider.signal";
import { type InsiderTransactionRow, insiderTransactions } from "./insider.store";
import { type QuarterView, quarterView } from "./institutional.quarter";
import type {
  ChangesPayload,
  FlowPayload,
  HoldersPayload,
  InsiderSentimentPayload,
  InsiderTransactionsPayload,
  UnmappedCusipsPayload,
} from "./institutional.schemas";
import {
  classifyChanges,
  clusterBuys,
  computeFlow,
  INSIDER_PARAMS,
  INSTITUTIONAL_PARAMS,
  type InsiderTrade,
  insiderWindows,
  summarizeChanges,
} from "./institutional.signals";
import { unmappedCusips } from "./securities.store";
import { type ValueUnitCheck, valueUnitChecks } from "./thirteenf-unit.store";

/** Options of the quarter answers: `period` (a quarter end) overrides the default quarter choice. */
export interface QuarterOptions {
  period?: string | undefined;
  /** The clock the freshness ages are measured against (default: now). */
  now?: Date | undefined;
}

const round = (x: number | null, d = 4) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

/** What every quarter answer starts with: which quarter and why, and the flagged filings among those counted. */
function quarterHead(v: QuarterView) {
  return {
    symbol: v.symbol,
    period: v.period,
    prior_period: v.priorPeriod,
    period_selection: v.selection,
    value_unit_flags: [...v.unitChecks.values()]
      .filter((c) => c.suspect)
      .map((c) => ({
        accession: c.accession,
        filer_cik: c.filerCik,
        value_unit: c.valueUnit,
        flags: c.flags ?? [],
        evidence: c.evidence ?? {},
      })),
  };
}

/** What every quarter answer ends with: the point in time, the parameters and the 13F sources. */
async function quarterTail(db: Db, v: QuarterView, now: Date) {
  const sources = await institutionalSources(db, "thirteenf_filings", v.asOf);
  const latest =
    sources
      .map((s) => (s.latest ? new Date(s.latest) : null))
      .filter((d): d is Date => d !== null)
      .sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  return {
    as_of: v.asOf.toISOString(),
    params_version: INSTITUTIONAL_PARAMS.version,
    freshness: [freshness("sec_13f", latest, "up to 45 days after quarter end (13F-HR due date)", now)],
    sources: sources.map((s) => ({ source: s.source, rows: Number(s.rows), latest_ref: s.latest_ref })),
  };
}

/** A holder's unit: its filings' unit, `mixed` when they differ; flags of any of its filings. */
function holderUnit(p: FilerPosition, checks: Map<string, ValueUnitCheck>) {
  const mine = p.accessions.flatMap((a) => checks.get(a) ?? []);
  const units = [...new Set(mine.map((c) => c.valueUnit))];
  return {
    value_unit: units.length === 1 ? (units[0] as string) : units.length === 0 ? "unknown" : "mixed",
    value_unit_suspect: p.valueUnitSuspect || mine.some((c) => c.suspect),
    value_unit_flags: [...new Set(mine.flatMap((c) => c.flags ?? []))],
  };
}

/** One holder's line: its position, its weight in the stock and in its portfolio (value), its change. */
function holderLine(
  v: QuarterView,
  p: FilerPosition,
  before: FilerPosition | undefined,
  portfolio: number,
  checks: Map<string, ValueUnitCheck>,
) {
  const change = before ? p.shares - before.shares : null;
  return {
    holder_cik: p.filerCik,
    holder_name: p.filerName,
    shares: p.shares,
    value: round(p.valueUsd, 2) ?? 0,
    percent_of_shares_outstanding: v.sharesOutstanding ? round((p.shares / v.sharesOutstanding) * 100) : null,
    percent_of_portfolio: portfolio > 0 ? round((p.valueUsd / portfolio) * 100) : null,
    change_shares: change,
    change_percentage:
      before && before.shares > 0 && change !== null ? round((change / before.shares) * 100) : null,
    put_value: p.putValueUsd,
    call_value: p.callValueUsd,
    ...holderUnit(p, checks),
    filed_at: p.publishedAt.toISOString(),
    accessions: p.accessions,
  };
}

/** Top 13F holders of `symbol` for a quarter (largest share position first), as known at `asOf`. */
export async function getHolders(
  db: Db,
  symbol: string,
  asOf: Date,
  opts: QuarterOptions & { limit?: number | undefined } = {},
): Promise<HoldersPayload> {
  const v = await quarterView(db, symbol, asOf, opts.period);
  const prior = new Map(v.prior.map((p) => [p.filerCik, p]));
  const top = [...v.current]
    .sort((a, b) => b.shares - a.shares || b.valueUsd - a.valueUsd)
    .slice(0, opts.limit ?? 25);
  // Portfolios and unit checks only of the filers shown.
  const [portfolios, checks] = await Promise.all([
    portfolioValues(db, top),
    valueUnitChecks(
      db,
      top.flatMap((p) => p.accessions),
    ),
  ]);
  const holders = top.map((p) =>
    holderLine(v, p, prior.get(p.filerCik), portfolios.get(p.filerCik) ?? 0, checks),
  );
  return {
    ...quarterHead(v),
    total_holders: v.current.length,
    shares_outstanding: v.sharesOutstanding,
    shares_outstanding_as_of: v.sharesAsOf,
    cusips: v.cusips,
    holders,
    ...(await quarterTail(db, v, opts.now ?? new Date())),
  };
}

/** Increased, decreased, new and sold-out positions vs the prior quarter, largest change first. */
export async function getHolderChanges(
  db: Db,
  symbol: string,
  asOf: Date,
  opts: QuarterOptions = {},
): Promise<ChangesPayload> {
  const v = await quarterView(db, symbol, asOf, opts.period);
  const changes = classifyChanges(v.current, v.prior, v.reportingNow, v.reportedBefore);
  const s = summarizeChanges(changes);
  return {
    ...quarterHead(v),
    increased: s.increased,
    decreased: s.decreased,
    new_positions: s.new,
    sold_out: s.sold_out,
    unchanged: s.unchanged,
    not_reported: s.not_reported,
    unknown: s.unknown,
    changes: changes
      .sort((a, b) => Math.abs(b.changeShares) - Math.abs(a.changeShares))
      .map((ch) => ({
        holder_cik: ch.filerCik,
        holder_name: ch.filerName,
        change_type: ch.kind,
        shares: ch.sharesNow,
        prior_shares: ch.sharesBefore,
        change_shares: ch.changeShares,
        change_percentage: round(ch.changePct),
      })),
    ...(await quarterTail(db, v, opts.now ?? new Date())),
  };
}

/** Institutional ownership of `symbol`, its net flow vs the prior quarter, direction and conviction. */
export async function getInstitutionalFlow(
  db: Db,
  symbol: string,
  asOf: Date,
  opts: QuarterOptions = {},
): Promise<FlowPayload> {
  const v = await quarterView(db, symbol, asOf, opts.period);
  const flow = computeFlow(
    classifyChanges(v.current, v.prior, v.reportingNow, v.reportedBefore),
    v.sharesOutstanding,
  );
  const filedThrough =
    v.current.map((p) => p.publishedAt).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  return {
    ...quarterHead(v),
    ...flow,
    conviction_components: {
      ...flow.conviction_components,
      weights: { ...flow.conviction_components.weights },
    },
    filed_through: isoOrNull(filedThrough),
    ...(await quarterTail(db, v, opts.now ?? new Date())),
  };
}

/** 13F CUSIPs no source maps to a symbol, largest reported value first. */
export async function getUnmappedCusips(db: Db, limit: number): Promise<UnmappedCusipsPayload> {
  const rows = await unmappedCusips(db, limit);
  return {
    cusips: rows.map((r) => ({
      cusip: r.cusip,
      name_of_issuer: r.name_of_issuer ?? null,
      rows: Number(r.rows),
      value_usd: r.value_usd === null ? null : Number(r.value_usd),
    })),
  };
}

/** The point in time, the parameters and the Form 4 sources of an insider answer. */
async function insiderTail(db: Db, rows: { publishedAt: Date }[], asOf: Date, now: Date) {
  const sources = await institutionalSources(db, "insider_filings", asOf);
  const latest = rows.map((r) => r.publishedAt).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  return {
    as_of: asOf.toISOString(),
    params_version: INSIDER_PARAMS.version,
    freshness: [
      freshness("sec_form4", latest, "within 2 business days of the transaction (Form 4 deadline)", now),
    ],
    sources: sources.map((s) => ({ source: s.source, rows: Number(s.rows), latest_ref: s.latest_ref })),
  };
}

const transactionLine = (r: InsiderTransactionRow) => ({
  insider_cik: r.ownerCik,
  insider_name: r.ownerName,
  role: r.ownerRoles,
  officer_title: r.officerTitle,
  transaction_date: r.transactionDate,
  transaction_code: r.code,
  acquired_disposed: r.acquiredDisposed,
  security_title: r.securityTitle,
  is_derivative: r.isDerivative,
  shares: r.shares,
  price: r.priceUsd,
  value: r.valueUsd === null ? null : round(r.valueUsd, 2),
  shares_owned_after: r.sharesOwnedAfter,
  direct_indirect: r.directIndirect,
  is_10b5_1: r.aff10b5One,
  footnote_ids: r.footnoteIds,
  accession: r.accession,
  filed_at: r.publishedAt.toISOString(),
  source: r.source,
});

/** Form 4 transactions of `symbol` published by `asOf`, newest first. */
export async function getInsiderTransactions(
  db: Db,
  rawSymbol: string,
  asOf: Date,
  opts: { since?: string | undefined; limit?: number | undefined; now?: Date | undefined } = {},
): Promise<InsiderTransactionsPayload> {
  const symbol = normalizeSymbol(rawSymbol);
  const rows = await insiderTransactions(db, { symbol, asOf, since: opts.since, limit: opts.limit ?? 100 });
  return {
    symbol,
    transactions: rows.map(transactionLine),
    ...(await insiderTail(db, rows, asOf, opts.now ?? new Date())),
  };
}

export interface SentimentOptions {
  /** Transaction codes left out (default INSIDER_PARAMS.excludedCodes), upper case. */
  excludeCodes?: string[] | undefined;
  clusterMinInsiders?: number | undefined;
  clusterWindowDays?: number | undefined;
  now?: Date | undefined;
}

/**
 * Insider buying vs selling of `symbol` over New York calendar-day windows ending at `asOf` (Form 4
 * transaction dates are US dates), cluster buys, and the score over the score window with its parts.
 */
export async function getInsiderSentiment(
  db: Db,
  rawSymbol: string,
  asOf: Date,
  opts: SentimentOptions = {},
): Promise<InsiderSentimentPayload> {
  const symbol = normalizeSymbol(rawSymbol);
  const excluded = opts.excludeCodes ?? [...INSIDER_PARAMS.excludedCodes];
  const minInsiders = opts.clusterMinInsiders ?? INSIDER_PARAMS.clusterMinInsiders;
  const windowDays = opts.clusterWindowDays ?? INSIDER_PARAMS.clusterWindowDays;
  const asOfDay = etDateOf(asOf.getTime());
  const since = addDays(asOfDay, -Math.max(...INSIDER_PARAMS.windowsDays));
  const rows = await insiderTransactions(db, { symbol, asOf, since, limit: 100_000 });
  const trades: InsiderTrade[] = rows; // the rows carry every field the signals read
  const windows = insiderWindows(trades, asOfDay, excluded, INSIDER_PARAMS.windowsDays);
  const clusters = clusterBuys(trades, minInsiders, windowDays);
  const scoreDays = INSIDER_PARAMS.scoreWindowDays;
  const scoreFrom = addDays(asOfDay, -(scoreDays - 1));
  const tally = insiderTally(
    trades.filter((t) => !(t.code && excluded.includes(t.code))),
    scoreFrom,
    asOfDay,
    clusters.filter((cl) => cl.end >= scoreFrom && cl.end <= asOfDay).length,
  );
  const score = round(100 * insiderSignal(tally), 2) ?? 0;
  const edge = INSIDER_PARAMS.sentimentEdge;
  return {
    symbol,
    windows: windows.map((w) => ({
      ...w,
      buys: { ...w.buys, value: round(w.buys.value, 2) ?? 0 },
      sells: { ...w.sells, value: round(w.sells.value, 2) ?? 0 },
    })),
    cluster_buys: clusters.map((cl) => ({
      start: cl.start,
      end: cl.end,
      insiders: cl.insiders,
      value: round(cl.valueUsd, 2) ?? 0,
    })),
    sentiment: score > edge ? "bullish" : score < -edge ? "bearish" : "neutral",
    score: score === 0 ? 0 : score,
    score_window: { from: scoreFrom, to: asOfDay, days: scoreDays },
    score_components: roundMoneyFields(tally),
    parameters: {
      exclude_codes: excluded,
      cluster_min_insiders: minInsiders,
      cluster_window_days: windowDays,
    },
    ...(await insiderTail(db, rows, asOf, opts.now ?? new Date())),
  };
}
