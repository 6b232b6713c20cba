import { createRoute, z } from "@hono/zod-openapi";
import type { Db } from "@smt/db";
import type { AppDeps } from "../core/deps";
import { AppError } from "../errors";
import { addDays, etDateOf } from "../lib/et-time";
import {
  errorResponses,
  Freshness,
  freshness,
  isoOrNull,
  newRouter,
  Source,
  SymbolParams,
} from "../lib/openapi";
import { normalizeSymbol } from "../lib/symbols";
import { IsoDay, IsoQuarterEnd, IsoTimestamp } from "../lib/time-params";
import { insiderSignal, insiderTally } from "./insider.signal";
import { choosePeriod, type PeriodSelection } from "./institutional.period";
import {
  classifyChanges,
  clusterBuys,
  computeFlow,
  INSIDER_PARAMS,
  INSTITUTIONAL_PARAMS,
  insiderWindows,
  previousQuarterEnd,
  summarizeChanges,
} from "./institutional.signals";
import {
  type FilerPosition,
  filersReporting,
  insiderTransactions,
  institutionalSources,
  positionsByFiler,
  securitiesForSymbol,
  unmappedCusips,
} from "./institutional.store";
import { type ValueUnitCheck, valueUnitChecks } from "./thirteenf-unit.store";

const AsOf = IsoTimestamp.optional().openapi({
  description: "Point in time (ISO 8601): only filings published by then count",
});
const Quarter = IsoQuarterEnd.optional().openapi({
  description:
    "Period of report (quarter end); default: the newest quarter with a filing holding the stock public at as_of (see period_selection)",
});

const Common = {
  as_of: z.string(),
  params_version: z.string(),
  freshness: z.array(Freshness),
  sources: z.array(Source),
};

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  200: { description, content: { "application/json": { schema } } },
  ...errorResponses,
});

const Holder = z.object({
  holder_cik: z.string(),
  holder_name: z.string().nullable(),
  shares: z.number().openapi({ description: "Shares in share positions (puts/calls and PRN excluded)" }),
  value: z.number().openapi({ description: "USD" }),
  percent_of_shares_outstanding: z.number().nullable(),
  percent_of_portfolio: z.number().nullable(),
  change_shares: z
    .number()
    .nullable()
    .openapi({ description: "vs prior quarter; null when the holder has no prior report" }),
  change_percentage: z.number().nullable(),
  put_value: z.number(),
  call_value: z.number(),
  value_unit: z
    .string()
    .openapi({ description: "Unit of `value` as filed: usd or thousands_usd (by filing date)" }),
  value_unit_suspect: z.boolean().openapi({
    description: "The filing as a whole, or a row, looks filed in another unit; see value_unit_flags",
  }),
  value_unit_flags: z.array(z.string()),
  filed_at: z.string(),
  accessions: z.array(z.string()),
});

const PeriodSelectionSchema = z.object({
  rule: z.enum(["requested", "latest_with_data", "latest_complete_quarter"]),
  reason: z.string(),
  latest_complete_quarter: z.string(),
  filing_window_open: z.boolean(),
});

const ValueUnitFlag = z.object({
  accession: z.string(),
  filer_cik: z.string(),
  value_unit: z.string(),
  flags: z.array(z.string()),
  evidence: z.record(z.string(), z.unknown()),
});

/** Fields every quarter answer carries: which quarter and why, and the filings whose unit is in doubt. */
const QuarterCommon = {
  period_selection: PeriodSelectionSchema,
  value_unit_flags: z.array(ValueUnitFlag).openapi({
    description: "Filings counted here whose values look filed in another unit, with the evidence",
  }),
};

const unmappedRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/unmapped-cusips",
  tags: ["Institutional"],
  summary: "13F CUSIPs with no symbol mapping, largest reported value first (never guessed)",
  description:
    "Holdings under these CUSIPs are stored but cannot be answered by symbol until a mapping arrives: " +
    "`pnpm cli ingest securities <csv>` (symbol,cusip,...) or the OpenFIGI lookup.",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: {
    200: {
      description: "Unmapped CUSIPs",
      content: {
        "application/json": {
          schema: z.object({
            cusips: z.array(
              z.object({
                cusip: z.string(),
                name_of_issuer: z.string().nullable(),
                rows: z.number(),
                value_usd: z.number().nullable(),
              }),
            ),
          }),
        },
      },
    },
  },
});

const holdersRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/{symbol}/holders",
  tags: ["Institutional"],
  summary: "Top 13F holders of a stock for a quarter",
  request: {
    params: SymbolParams,
    query: z.object({
      as_of: AsOf,
      period: Quarter,
      limit: z.coerce.number().int().min(1).max(500).default(25),
    }),
  },
  responses: json(
    z
      .object({
        symbol: z.string(),
        period: z.string(),
        prior_period: z.string(),
        ...QuarterCommon,
        total_holders: z.number(),
        shares_outstanding: z.number().nullable(),
        shares_outstanding_as_of: z.string().nullable(),
        cusips: z.array(z.string()),
        holders: z.array(Holder),
        ...Common,
      })
      .openapi("InstitutionalHolders"),
    "Holders",
  ),
});

const Change = z.object({
  holder_cik: z.string(),
  holder_name: z.string().nullable(),
  change_type: z.enum(["new", "increased", "decreased", "sold_out", "unchanged", "not_reported", "unknown"]),
  shares: z.number(),
  prior_shares: z.number(),
  change_shares: z.number(),
  change_percentage: z.number().nullable(),
});
const Bucket = z.object({ count: z.number(), shares: z.number() });

const changesRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/{symbol}/changes",
  tags: ["Institutional"],
  summary: "Increased, decreased, new and sold-out positions vs the prior quarter",
  request: { params: SymbolParams, query: z.object({ as_of: AsOf, period: Quarter }) },
  responses: json(
    z
      .object({
        symbol: z.string(),
        period: z.string(),
        prior_period: z.string(),
        ...QuarterCommon,
        increased: Bucket,
        decreased: Bucket,
        new_positions: Bucket,
        sold_out: Bucket,
        unchanged: z.number(),
        not_reported: z
          .number()
          .openapi({ description: "Prior holders with no report for this quarter yet" }),
        unknown: z.number().openapi({
          description: "Current holders whose prior-quarter report is not loaded (not counted as new)",
        }),
        changes: z.array(Change),
        ...Common,
      })
      .openapi("InstitutionalChanges"),
    "Changes",
  ),
});

const flowRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/{symbol}/flow",
  tags: ["Institutional"],
  summary: "Institutional ownership, net flow, direction and conviction",
  request: { params: SymbolParams, query: z.object({ as_of: AsOf, period: Quarter }) },
  responses: json(
    z
      .object({
        symbol: z.string(),
        period: z.string(),
        prior_period: z.string(),
        ...QuarterCommon,
        institutional_ownership: z.number().nullable().openapi({ description: "% of shares outstanding" }),
        institutional_shares: z.number(),
        prior_institutional_shares: z.number(),
        net_change_percentage: z.number().nullable(),
        flow_direction: z.enum(["strong_inflow", "inflow", "neutral", "outflow", "strong_outflow"]),
        new_positions: z.number(),
        sold_out_positions: z.number(),
        unknown_prior_positions: z
          .number()
          .openapi({ description: "Holders left out of the comparison: prior-quarter report not loaded" }),
        conviction_score: z.number().openapi({ description: "0-100, see docs/institutional.md" }),
        conviction_components: z.object({
          breadth: z.number(),
          magnitude: z.number(),
          entries: z.number(),
          weights: z.object({ breadth: z.number(), magnitude: z.number(), entries: z.number() }),
        }),
        filed_through: z
          .string()
          .nullable()
          .openapi({ description: "Newest filing date counted (points in time are filing dates)" }),
        ...Common,
      })
      .openapi("InstitutionalFlow"),
    "Flow",
  ),
});

const InsiderTx = z.object({
  insider_cik: z.string(),
  insider_name: z.string().nullable(),
  role: z.string().openapi({ description: "director, officer, ten_percent_owner, other (comma list)" }),
  officer_title: z.string().nullable(),
  transaction_date: z.string().nullable(),
  transaction_code: z.string().nullable(),
  acquired_disposed: z.string().nullable(),
  security_title: z.string().nullable(),
  is_derivative: z.boolean(),
  shares: z.number().nullable(),
  price: z.number().nullable(),
  value: z.number().nullable(),
  shares_owned_after: z.number().nullable(),
  direct_indirect: z.string().nullable(),
  is_10b5_1: z.boolean().nullable(),
  footnote_ids: z.record(z.string(), z.array(z.string())),
  accession: z.string(),
  filed_at: z.string(),
  source: z.string(),
});

const insidersRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/{symbol}/insiders",
  tags: ["Institutional"],
  summary: "Form 4 insider transactions, newest first",
  request: {
    params: SymbolParams,
    query: z.object({
      as_of: AsOf,
      since: IsoDay.optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: json(
    z
      .object({ symbol: z.string(), transactions: z.array(InsiderTx), ...Common })
      .openapi("InsiderTransactions"),
    "Insider transactions",
  ),
});

const Window = z.object({
  days: z.number(),
  buys: z.object({ count: z.number(), value: z.number() }),
  sells: z.object({ count: z.number(), value: z.number(), planned_10b5_1: z.number() }),
  other: z.object({ count: z.number() }),
  excluded: z.object({ count: z.number() }),
});

const sentimentRoute = createRoute({
  method: "get",
  path: "/smart-money/institutional/{symbol}/insider-sentiment",
  tags: ["Institutional"],
  summary: "Insider buying vs selling over windows, cluster buys and a score with its parts",
  request: {
    params: SymbolParams,
    query: z.object({
      as_of: AsOf,
      exclude_codes: z
        .string()
        .default(INSIDER_PARAMS.excludedCodes.join(","))
        .openapi({ description: "Transaction codes left out (default A,M,F)" }),
      cluster_min_insiders: z.coerce.number().int().min(2).max(50).default(INSIDER_PARAMS.clusterMinInsiders),
      cluster_window_days: z.coerce.number().int().min(1).max(365).default(INSIDER_PARAMS.clusterWindowDays),
    }),
  },
  responses: json(
    z
      .object({
        symbol: z.string(),
        windows: z.array(Window),
        cluster_buys: z.array(
          z.object({ start: z.string(), end: z.string(), insiders: z.number(), value: z.number() }),
        ),
        sentiment: z.enum(["bullish", "bearish", "neutral"]),
        score: z.number().openapi({
          description:
            "100 x the insider signal over the 90-day window, -100..100 (docs/methodology.md, Insider signal)",
        }),
        score_window: z.object({ from: z.string(), to: z.string(), days: z.number() }),
        score_components: z
          .object({
            transactions: z.number(),
            buy_count: z.number(),
            sell_count: z.number(),
            planned_sell_count: z.number(),
            buy_value_usd: z.number(),
            sell_value_usd: z.number(),
            buy_holding_share: z.number(),
            sell_holding_share: z.number(),
            weighted_sell_holding_share: z.number(),
            unsized_transactions: z.number(),
            cluster_buys: z.number(),
          })
          .openapi({ description: "The parts of the signal, unrounded" }),
        parameters: z.object({
          exclude_codes: z.array(z.string()),
          cluster_min_insiders: z.number(),
          cluster_window_days: z.number(),
        }),
        ...Common,
      })
      .openapi("InsiderSentiment"),
    "Insider sentiment",
  ),
});

const round = (x: number | null, d = 4) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

interface QuarterView {
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
  unitChecks: Map<string, ValueUnitCheck>;
}

/** Both quarters' per-filer positions in the stock, as known at `asOf`. */
async function quarterView(
  db: Db,
  rawSymbol: string,
  asOfRaw: string | undefined,
  periodRaw: string | undefined,
  now: Date,
): Promise<QuarterView> {
  const symbol = normalizeSymbol(rawSymbol);
  const asOf = asOfRaw ? new Date(asOfRaw) : now;
  const sec = await securitiesForSymbol(db, symbol);
  if (sec.cusips.length === 0) {
    throw new AppError(
      "NOT_FOUND",
      `No CUSIP is mapped to ${symbol}: load a mapping with \`pnpm cli ingest securities <csv>\` or OpenFIGI`,
      { symbol },
    );
  }
  const { period, selection } = await choosePeriod(db, sec.cusips, asOf, periodRaw);
  const priorPeriod = previousQuarterEnd(period);
  const [current, prior] = await Promise.all([
    positionsByFiler(db, sec.cusips, period, asOf),
    positionsByFiler(db, sec.cusips, priorPeriod, asOf),
  ]);
  const [reportingNow, reportedBefore, unitChecks] = await Promise.all([
    filersReporting(
      db,
      prior.map((p) => p.filerCik),
      period,
      asOf,
    ),
    filersReporting(
      db,
      current.map((p) => p.filerCik),
      priorPeriod,
      asOf,
    ),
    valueUnitChecks(
      db,
      [...current, ...prior].flatMap((p) => p.accessions),
    ),
  ]);
  return {
    symbol,
    asOf,
    period,
    selection,
    reportedBefore,
    unitChecks,
    priorPeriod,
    cusips: sec.cusips,
    sharesOutstanding: sec.sharesOutstanding,
    sharesAsOf: sec.sharesAsOf,
    current,
    prior,
    reportingNow,
  };
}

/** `period_selection` and the flagged filings among those counted. */
function quarterCommon(v: QuarterView) {
  return {
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

async function thirteenFMeta(db: Db, asOf: Date, now: Date) {
  const sources = await institutionalSources(db, "thirteenf_filings", asOf);
  const latest =
    sources
      .map((s) => (s.latest ? new Date(s.latest) : null))
      .filter((d): d is Date => d !== null)
      .sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
  return {
    freshness: [freshness("sec_13f", latest, "up to 45 days after quarter end (13F-HR due date)", now)],
    sources: sources.map((s) => ({ source: s.source, rows: Number(s.rows), latest_ref: s.latest_ref })),
  };
}

export function institutionalRoutes(deps: AppDeps) {
  const { db } = deps.db;
  const now = () => deps.now?.() ?? new Date();

  return newRouter()
    .openapi(unmappedRoute, async (c) => {
      const rows = await unmappedCusips(db, c.req.valid("query").limit);
      return c.json(
        {
          cusips: rows.map((r) => ({
            cusip: r.cusip,
            name_of_issuer: r.name_of_issuer ?? null,
            rows: Number(r.rows),
            value_usd: r.value_usd === null ? null : Number(r.value_usd),
          })),
        },
        200,
      );
    })
    .openapi(holdersRoute, async (c) => {
      const q = c.req.valid("query");
      const v = await quarterView(db, c.req.valid("param").symbol, q.as_of, q.period, now());
      const prior = new Map(v.prior.map((p) => [p.filerCik, p]));
      const holders = [...v.current]
        .sort((a, b) => b.shares - a.shares || b.valueUsd - a.valueUsd)
        .slice(0, q.limit)
        .map((p) => {
          const before = prior.get(p.filerCik);
          const change = before ? p.shares - before.shares : null;
          return {
            holder_cik: p.filerCik,
            holder_name: p.filerName,
            shares: p.shares,
            value: round(p.valueUsd, 2) ?? 0,
            percent_of_shares_outstanding: v.sharesOutstanding
              ? round((p.shares / v.sharesOutstanding) * 100)
              : null,
            percent_of_portfolio:
              p.portfolioValueUsd > 0 ? round((p.valueUsd / p.portfolioValueUsd) * 100) : null,
            change_shares: change,
            change_percentage:
              before && before.shares > 0 && change !== null ? round((change / before.shares) * 100) : null,
            put_value: p.putValueUsd,
            call_value: p.callValueUsd,
            ...holderUnit(p, v.unitChecks),
            filed_at: p.publishedAt.toISOString(),
            accessions: p.accessions,
          };
        });
      return c.json(
        {
          symbol: v.symbol,
          period: v.period,
          prior_period: v.priorPeriod,
          ...quarterCommon(v),
          total_holders: v.current.length,
          shares_outstanding: v.sharesOutstanding,
          shares_outstanding_as_of: v.sharesAsOf,
          cusips: v.cusips,
          holders,
          as_of: v.asOf.toISOString(),
          params_version: INSTITUTIONAL_PARAMS.version,
          ...(await thirteenFMeta(db, v.asOf, now())),
        },
        200,
      );
    })
    .openapi(changesRoute, async (c) => {
      const q = c.req.valid("query");
      const v = await quarterView(db, c.req.valid("param").symbol, q.as_of, q.period, now());
      const changes = classifyChanges(v.current, v.prior, v.reportingNow, v.reportedBefore);
      const s = summarizeChanges(changes);
      return c.json(
        {
          symbol: v.symbol,
          period: v.period,
          prior_period: v.priorPeriod,
          ...quarterCommon(v),
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
          as_of: v.asOf.toISOString(),
          params_version: INSTITUTIONAL_PARAMS.version,
          ...(await thirteenFMeta(db, v.asOf, now())),
        },
        200,
      );
    })
    .openapi(flowRoute, async (c) => {
      const q = c.req.valid("query");
      const v = await quarterView(db, c.req.valid("param").symbol, q.as_of, q.period, now());
      const flow = computeFlow(
        classifyChanges(v.current, v.prior, v.reportingNow, v.reportedBefore),
        v.sharesOutstanding,
      );
      const filedThrough =
        v.current.map((p) => p.publishedAt).sort((a, b) => b.getTime() - a.getTime())[0] ?? null;
      return c.json(
        {
          symbol: v.symbol,
          period: v.period,
          prior_period: v.priorPeriod,
          ...quarterCommon(v),
          ...flow,
          conviction_components: {
            ...flow.conviction_components,
            weights: { ...flow.conviction_components.weights },
          },
          filed_through: isoOrNull(filedThrough),
          as_of: v.asOf.toISOString(),
          params_version: INSTITUTIONAL_PARAMS.version,
          ...(await thirteenFMeta(db, v.asOf, now())),
        },
        200,
      );
    })
    .openapi(insidersRoute, async (c) => {
      const q = c.req.valid("query");
      const symbol = normalizeSymbol(c.req.valid("param").symbol);
      const asOf = q.as_of ? new Date(q.as_of) : now();
      const rows = await insiderTransactions(db, { symbol, asOf, since: q.since, limit: q.limit });
      return c.json(
        {
          symbol,
          transactions: rows.map((r) => ({
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
          })),
          ...(await insiderMeta(db, rows, asOf, now())),
        },
        200,
      );
    })
    .openapi(sentimentRoute, async (c) => {
      const q = c.req.valid("query");
      const symbol = normalizeSymbol(c.req.valid("param").symbol);
      const asOf = q.as_of ? new Date(q.as_of) : now();
      const maxDays = Math.max(...INSIDER_PARAMS.windowsDays);
      // Windows are New York calendar days (Form 4 transaction dates are US dates).
      const asOfDay = etDateOf(asOf.getTime());
      const since = addDays(asOfDay, -maxDays);
      const rows = await insiderTransactions(db, { symbol, asOf, since, limit: 100_000 });
      const excluded = q.exclude_codes
        .split(",")
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean);
      const trades = rows.map((r) => ({
        ownerCik: r.ownerCik,
        transactionDate: r.transactionDate,
        code: r.code,
        shares: r.shares,
        sharesOwnedAfter: r.sharesOwnedAfter,
        valueUsd: r.valueUsd,
        aff10b5One: r.aff10b5One,
        isDerivative: r.isDerivative,
      }));
      const windows = insiderWindows(trades, asOfDay, excluded, INSIDER_PARAMS.windowsDays);
      const clusters = clusterBuys(trades, q.cluster_min_insiders, q.cluster_window_days);
      const scoreDays = INSIDER_PARAMS.scoreWindowDays;
      const scoreFrom = addDays(asOfDay, -(scoreDays - 1));
      const tally = insiderTally(
        trades.filter((t) => !(t.code && excluded.includes(t.code))),
        scoreFrom,
        asOfDay,
        clusters.filter((cl) => cl.end >= scoreFrom && cl.end <= asOfDay).length,
      );
      const score = round(100 * insiderSignal(tally), 2) ?? 0;
      return c.json(
        {
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
          sentiment:
            score > INSIDER_PARAMS.sentimentEdge
              ? ("bullish" as const)
              : score < -INSIDER_PARAMS.sentimentEdge
                ? ("bearish" as const)
                : ("neutral" as const),
          score: score === 0 ? 0 : score,
          score_window: { from: scoreFrom, to: asOfDay, days: scoreDays },
          score_components: tally,
          parameters: {
            exclude_codes: excluded,
            cluster_min_insiders: q.cluster_min_insiders,
            cluster_window_days: q.cluster_window_days,
          },
          ...(await insiderMeta(db, rows, asOf, now())),
        },
        200,
      );
    });
}

async function insiderMeta(db: Db, rows: { publishedAt: Date }[], asOf: Date, now: Date) {
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
