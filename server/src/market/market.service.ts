/**
 * Market-wide views composed from the areas' market services (darkpool, blocks, institutional): the
 * screener, the market tape and cluster buys (the leaderboards: leaders.service.ts). Plain functions
 * `(db, query) => payload`.
 */
import type { Db } from "@smt/db";
import { optionsDay } from "../blocks/market.service";
import { finraDay, printDay } from "../darkpool/market.service";
import {
  TAPE_COLUMNS,
  type TapeCursor,
  tapeCopy,
  tapePrints,
  tapeRowBatches,
} from "../darkpool/tape.service";
import { AppError } from "../errors";
import { insiderClusters } from "../institutional/insider-clusters";
import { addDays, etDateOf } from "../lib/et-time";
import { freshness } from "../lib/openapi";
import { type CsvCellKind, type CsvRows, copyColumns } from "./csv-copy";
import { type ScreenQuery as DaysQuery, screenDays } from "./daily.board";
import { settledDays } from "./market.days";
import { MARKET_PARAMS_VERSION } from "./metrics";
import {
  type Filter,
  parseSort,
  passes,
  SCREENER_FIELDS,
  type ScreenerField,
  type SortKey,
} from "./screener.grammar";

export const DELAYS = {
  finra: "FINRA Reg SHO daily files: the trade date after 18:00 ET",
  prints: "as the print feed or file delivers (real time for a live feed)",
  options: "as the option print feed or file delivers",
  insider: "Form 4: within two business days of the trade",
  thirteenf: "13F: up to 45 days after the quarter end",
} as const;

export interface Window {
  from: string | null;
  to: string | null;
  days: number;
  basis: string;
}

export const pageOf = (total: number, limit: number, offset: number) => ({
  total,
  limit,
  offset,
  next_offset: offset + limit < total ? offset + limit : null,
});

export const page = <T>(rows: T[], limit: number, offset: number) => pageOf(rows.length, limit, offset);

/** The screener's per-symbol daily row, every field of SCREENER_FIELDS (null when unknown). */
export type ScreenerRow = { symbol: string } & Record<ScreenerField, number | null>;

type ScreenQuery = Omit<DaysQuery, "days">;

interface ScreenQueryIn {
  asOf: Date;
  filters: Filter[];
  sort?: string | undefined;
  minVolume?: number | undefined;
  limit: number;
  offset: number;
}
type DayOf<T> = { finra: T; prints: T; options: T };
interface Screened {
  days: DayOf<string | null>;
  latest: DayOf<Date | null>;
  sources: { source: string; rows: number; latest_ref: string | null }[];
  rows: Record<string, unknown>[];
  total: number;
}

/** The three settled days screened in SQL (daily.board.ts); null when one is not wholly known at as_of. */
async function settledScreen(db: Db, asOf: Date, q: ScreenQuery): Promise<Screened | null> {
  const { finra: f, prints: p, options: o } = await settledDays(db, asOf, ["finra", "prints", "options"]);
  if (!f || !p || !o) return null;
  const got = await screenDays(db, { ...q, days: { finra: f.day, prints: p.day, options: o.day } });
  return {
    days: { finra: f.day, prints: p.day, options: o.day },
    latest: { finra: f.latestPublished, prints: p.latestPublished, options: o.latestPublished },
    sources: [
      ...f.sources,
      ...(p.day ? [{ source: "prints", rows: p.symbols, latest_ref: p.day }] : []),
      ...o.sources,
    ],
    ...got,
  };
}

/** The three days read from the source rows and screened here. */
async function scannedScreen(db: Db, asOf: Date, q: ScreenQuery): Promise<Screened> {
  const [f, p, o] = await Promise.all([finraDay(db, asOf), printDay(db, asOf), optionsDay(db, asOf)]);
  const matched = screenerRows(f, p, o).filter((r) => q.filters.every((flt) => passes(r[flt.field], flt)));
  matched.sort(bySortKeys(q.sort));
  return {
    days: { finra: f.day, prints: p.day, options: o.day },
    latest: { finra: f.latestPublished, prints: p.latestPublished, options: o.latestPublished },
    sources: [
      ...f.sources,
      ...(p.day ? [{ source: "prints", rows: p.rows.length, latest_ref: p.day }] : []),
      ...o.sources,
    ],
    rows: matched.slice(q.offset, q.offset + q.limit),
    total: matched.length,
  };
}

/** `fromSourceRows`: screen the source rows even when the days are settled (the tests compare both paths). */
export async function getScreener(
  db: Db,
  q: ScreenQueryIn,
  now: Date,
  opts: { fromSourceRows?: boolean } = {},
) {
  const sort = parseSort(q.sort, { field: "dark_pool_value", desc: true });
  const filters =
    q.minVolume === undefined
      ? q.filters
      : [...q.filters, { field: "volume" as const, op: ">=" as const, value: q.minVolume }];
  const sq = { filters, sort, limit: q.limit, offset: q.offset };
  const got =
    (opts.fromSourceRows ? null : await settledScreen(db, q.asOf, sq)) ??
    (await scannedScreen(db, q.asOf, sq));
  return {
    filters,
    sort: sort.map((k) => `${k.desc ? "-" : ""}${k.field}`),
    fields: [...SCREENER_FIELDS],
    days: got.days,
    rows: got.rows,
    ...pageOf(got.total, q.limit, q.offset),
    as_of: q.asOf.toISOString(),
    freshness: [
      freshness("finra", got.latest.finra, DELAYS.finra, now),
      freshness("prints", got.latest.prints, DELAYS.prints, now),
      freshness("options", got.latest.options, DELAYS.options, now),
    ],
    sources: got.sources,
    params_version: MARKET_PARAMS_VERSION,
  };
}

/** One screener row per symbol seen in any of the day's three sources, its fields filled from each. */
function screenerRows(
  f: Awaited<ReturnType<typeof finraDay>>,
  p: Awaited<ReturnType<typeof printDay>>,
  o: Awaited<ReturnType<typeof optionsDay>>,
): ScreenerRow[] {
  const bySymbol = new Map<string, ScreenerRow>();
  const row = (symbol: string) => {
    let r = bySymbol.get(symbol);
    if (!r) {
      r = {
        symbol,
        ...(Object.fromEntries(SCREENER_FIELDS.map((k) => [k, null])) as Record<ScreenerField, null>),
      };
      bySymbol.set(symbol, r);
    }
    return r;
  };
  for (const x of f.rows) {
    const r = row(x.symbol);
    r.short_volume = x.short_volume;
    r.finra_total_volume = x.total_volume;
    r.short_ratio = x.total_volume > 0 ? x.short_volume / x.total_volume : null;
  }
  for (const x of p.rows) {
    const r = row(x.symbol);
    r.dark_pool_volume = x.off_volume;
    r.dark_pool_value = x.off_value_usd;
    r.dark_pool_prints = x.off_prints;
    r.dark_pool_ratio = x.dark_pool_ratio;
    r.consolidated_volume = x.consolidated_volume;
    r.block_value = x.block_value_usd;
    r.block_count = x.block_count;
    r.unusual_volume = x.unusual_volume;
  }
  for (const x of o.rows) {
    const r = row(x.symbol);
    r.options_premium = x.options_premium_usd;
    r.call_put_skew = x.call_put_skew;
  }
  for (const r of bySymbol.values()) r.volume = r.consolidated_volume ?? r.finra_total_volume;
  return [...bySymbol.values()];
}

/** Orders rows by the sort keys in turn (nulls last), then by symbol. */
function bySortKeys(sort: SortKey[]) {
  return (a: ScreenerRow, b: ScreenerRow): number => {
    for (const k of sort) {
      const x = a[k.field];
      const y = b[k.field];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      return k.desc ? y - x : x - y;
    }
    return a.symbol.localeCompare(b.symbol);
  };
}

export function encodeTapeCursor(c: TapeCursor): string {
  return Buffer.from(JSON.stringify([c.ts, c.symbol, c.tradeKey]), "utf8").toString("base64url");
}

/** No issued cursor holds one: NUL would fail the statement (Postgres text cannot hold it), the rest are noise. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the class matches control characters on purpose.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function decodeTapeCursor(cursor: string): TapeCursor {
  const invalid = () =>
    new AppError("INVALID_INPUT", "cursor is not one this API issued", { field: "cursor" });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((x) => typeof x === "string"))
    throw invalid();
  const [ts, symbol, tradeKey] = parsed as [string, string, string];
  if (
    Number.isNaN(Date.parse(ts)) ||
    !/^\d{4}-\d{2}-\d{2}T/.test(ts) ||
    symbol.length > 20 ||
    tradeKey.length > 200 ||
    CONTROL_CHARS.test(symbol) ||
    CONTROL_CHARS.test(tradeKey)
  )
    throw invalid();
  return { ts, symbol, tradeKey };
}

export interface TapeQuery {
  asOf: Date;
  minValue: number;
  since?: Date | undefined;
  until?: Date | undefined;
  limit: number;
  cursor?: string | undefined;
}

/**
 * The tape's rows for the CSV export, `limit` in all from the position `cursor` names (if any), in
 * batches of column values in TAPE_COLUMNS order.
 */
export function tapeCsvBatches(db: Db, q: TapeQuery) {
  const after = q.cursor ? decodeTapeCursor(q.cursor) : undefined;
  return tapeRowBatches(db, { ...q, minValueUsd: q.minValue, after });
}

const TAPE_NUMBERS: ReadonlySet<string> = new Set([
  "price",
  "size",
  "value_usd",
  "trf_id",
  "premium_discount_pct",
]);

/**
 * How the tape's JSON path returns each column (csvCell writes numbers and strings differently; the two
 * times are to_char text there, formatted alike by the CSV writer).
 */
const TAPE_KINDS: readonly CsvCellKind[] = TAPE_COLUMNS.map((c) =>
  c === "ts" ? "utc-us" : c === "published_at" ? "utc-ms" : TAPE_NUMBERS.has(c) ? "number" : "text",
);

/**
 * The tape's rows for the CSV export: on a real server Postgres writes them (COPY), started here so a
 * failing statement is an error answer; PGlite reads them in batches (tapeCsvBatches).
 */
export async function tapeCsvRows(db: Db, q: TapeQuery): Promise<CsvRows> {
  const after = q.cursor ? decodeTapeCursor(q.cursor) : undefined;
  const copy = await tapeCopy(
    db,
    { ...q, minValueUsd: q.minValue, after },
    copyColumns(TAPE_COLUMNS, TAPE_KINDS),
  );
  return copy === null ? { batches: tapeCsvBatches(db, q) } : { copy, kinds: TAPE_KINDS };
}

export async function getTape(db: Db, q: TapeQuery, now: Date) {
  const after = q.cursor ? decodeTapeCursor(q.cursor) : undefined;
  const rows = await tapePrints(db, { ...q, minValueUsd: q.minValue, limit: q.limit + 1, after });
  const more = rows.length > q.limit;
  const prints = rows.slice(0, q.limit);
  const last = prints[prints.length - 1];
  const latest = prints.reduce<Date | null>(
    (m, r) => (m === null || new Date(r.published_at) > m ? new Date(r.published_at) : m),
    null,
  );
  const counts = new Map<string, number>();
  for (const r of prints) counts.set(r.source, (counts.get(r.source) ?? 0) + 1);
  return {
    min_value: Math.max(q.minValue, 100_000),
    window: {
      from: q.since?.toISOString() ?? null,
      to: (q.until && q.until < q.asOf ? q.until : q.asOf).toISOString(),
      days: 0,
      basis: "since_until_as_of",
    },
    prints,
    limit: q.limit,
    next_cursor:
      more && last ? encodeTapeCursor({ ts: last.ts, symbol: last.symbol, tradeKey: last.trade_key }) : null,
    as_of: q.asOf.toISOString(),
    freshness: [freshness("prints", latest, DELAYS.prints, now)],
    sources: [...counts].map(([source, n]) => ({ source, rows: n, latest_ref: null })),
    params_version: MARKET_PARAMS_VERSION,
  };
}

export const CLUSTER_DEFINITION =
  "Open-market purchases (Form 4 code P, non-derivative) of one issuer by at least min_insiders distinct reporting owners whose dates fall inside window_days days; a cluster starts at a purchase date and the next cannot start before it ends (the per-symbol insider-sentiment rule)";

export async function getClusters(
  db: Db,
  q: {
    asOf: Date;
    since?: string | undefined;
    minInsiders: number;
    windowDays: number;
    limit: number;
    offset: number;
  },
  now: Date,
) {
  const to = etDateOf(q.asOf.getTime());
  const since = q.since ?? addDays(to, -90);
  const got = await insiderClusters(db, {
    asOf: q.asOf,
    since,
    minInsiders: q.minInsiders,
    windowDays: q.windowDays,
    page: { offset: q.offset, limit: q.limit },
  });
  return {
    definition: CLUSTER_DEFINITION,
    min_insiders: q.minInsiders,
    window_days: q.windowDays,
    window: { from: since, to, days: 0, basis: "clusters_ending_since_to_as_of" },
    clusters: got.clusters.slice(q.offset, q.offset + q.limit),
    ...page(got.clusters, q.limit, q.offset),
    as_of: q.asOf.toISOString(),
    freshness: [freshness("insider", got.latestPublished, DELAYS.insider, now)],
    sources: got.sources,
    params_version: MARKET_PARAMS_VERSION,
  };
}
