/**
 * The `print_day_bins` rows of a batch of new prints, computed by the writer from the prints it holds, for
 * the bulk COPY path of file ingest (prints.copy.ts): the insert trigger `smt_prints_binned` did the same
 * by reading the statement's transition rows again and grouping them six ways (the largest part of a
 * market-day ingest's database time); here it is one pass over objects already in memory, and the
 * database receives ~20 grouped rows per symbol and day instead of re-reading thousands. This upsert and the
 * COPY run in one transaction (the upsert first: bins before rollups, the lock order the triggers keep; the
 * trigger is skipped for that transaction only, by the transaction-local `smt.bins_by_writer`), so a
 * batch's prints and their bins commit or roll back together, as before.
 *
 * Same groups and sums as migration 0024's `smt_print_bins_select`, in the same order (the batch's order,
 * which is the order the statement's rows were read in), so the float sums are the same:
 * - `size`: off-exchange, correction < 7, by width_bucket(size, {100, 2000, 10000, 100000});
 * - `ext`: correction < 7 outside the regular session (New York 09:30:00 to 16:00:01, not flagged
 *   extended hours): off-exchange prints, volume, value and lit volume;
 * - `level`: off-exchange, correction < 7, per band of `smt_level_bands(price)`, floor(price / band) * band,
 *   with the large (block-eligible, >= $1M) prints and value;
 * - `pd`: off-exchange, correction < 7 with a premium/discount, by its 0.25-point bin clamped to [-2, 1.99];
 * - `block`: off-exchange, correction < 7, block-eligible, >= $1M, by sentiment;
 * - `source`: every print, by source, with the source_ref of the latest print.
 * `binsOfBatch` answers null where it cannot match the SQL exactly (prints outside 1987-2099, whose New
 * York offsets et-time.ts does not model, or two prints of one source at the same instant whose source refs
 * are not `<same name>:<line>`, whose order is then the database collation's): the caller then leaves the
 * bins to the trigger.
 */
import { pgArrayLiteral } from "@smt/db";
import { etDateOf, etOffsetHoursAt } from "../lib/et-time";
import { copyTimestamp } from "../lib/pg-copy";
import { priceBandUsd } from "./darkpool.signals";
import type { EnrichedPrint } from "./print";

interface Acc {
  prints: number;
  volume: number;
  value: number;
  lit: number;
  largePrints: number;
  largeValue: number;
  minTs: number;
  maxTs: number;
  maxPublished: number;
  /** Source groups: the source_ref of the latest print (ties: the greatest ref). */
  latestRef: string | null;
}

const acc = (): Acc => ({
  prints: 0,
  volume: 0,
  value: 0,
  lit: 0,
  largePrints: 0,
  largeValue: 0,
  minTs: Number.POSITIVE_INFINITY,
  maxTs: Number.NEGATIVE_INFINITY,
  maxPublished: Number.NEGATIVE_INFINITY,
  latestRef: null,
});

/** `<name>:<line>`: refs of one file, whose order is the same in every collation (same prefix, digits). */
const LINE_REF = /^(.*:)(\d+)$/;

/**
 * Makes `ref` the group's latest ref if its print is later than the group's latest (before `span`), or as
 * late with a greater ref (the SQL's `order by ts desc, source_ref desc`); false if that order is the
 * collation's to decide.
 */
function takeLatest(a: Acc, ts: number, ref: string): boolean {
  if (ts > a.maxTs || a.latestRef === null) a.latestRef = ref;
  else if (ts === a.maxTs && ref !== a.latestRef) {
    const x = LINE_REF.exec(ref);
    const y = LINE_REF.exec(a.latestRef);
    if (!x || !y || x[1] !== y[1]) return false;
    if (ref > a.latestRef) a.latestRef = ref;
  }
  return true;
}

/** One (symbol, New York day)'s bins of the batch, per kind. */
interface DayBins {
  symbol: string;
  day: string;
  size: Map<number, Acc>;
  ext: Acc | null;
  level: Map<number, Map<number, Acc>>;
  pd: Map<number, Acc>;
  block: Map<string, Acc>;
  source: Map<string, Acc>;
}

const HOUR_MS = 3_600_000;
const OPEN_MS = 9.5 * HOUR_MS;
const CLOSE_MS = 16 * HOUR_MS + 1000;
const FIRST_MS = Date.UTC(1987, 0, 1);
const LAST_MS = Date.UTC(2100, 0, 1);
const SIZE_BOUNDS = [100, 2000, 10_000, 100_000];
const LARGE_USD = 1_000_000;

/** Per UTC hour (offsets change and New York days start on whole UTC hours): its New York day and hour. */
class NewYorkHours {
  private hour = Number.NaN;
  private day = "";
  private localHourMs = 0;

  /** The New York calendar day and time of day (ms) of an instant. */
  at(ms: number): { day: string; timeOfDay: number } {
    const hour = Math.floor(ms / HOUR_MS);
    if (hour !== this.hour) {
      const start = hour * HOUR_MS;
      const local = start + etOffsetHoursAt(start) * HOUR_MS;
      this.hour = hour;
      this.day = etDateOf(start);
      this.localHourMs = ((local % 86_400_000) + 86_400_000) % 86_400_000;
    }
    return { day: this.day, timeOfDay: this.localHourMs + (ms - this.hour * HOUR_MS) };
  }
}

/** Widens a group's time span (min and max ts, max published_at) to a print's. */
function span(a: Acc, ts: number, published: number) {
  if (ts < a.minTs) a.minTs = ts;
  if (ts > a.maxTs) a.maxTs = ts;
  if (published > a.maxPublished) a.maxPublished = published;
}

function add(a: Acc, p: EnrichedPrint, ts: number, published: number, volume: boolean, value: boolean) {
  a.prints++;
  if (volume) a.volume += p.sizeShares;
  if (value) a.value += p.valueUsd;
  span(a, ts, published);
}

function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

const sizeBin = (size: number) => {
  let i = 0;
  while (i < SIZE_BOUNDS.length && size >= (SIZE_BOUNDS[i] as number)) i++;
  return i;
};

/** The batch's bins per (symbol, day), or null when the SQL must compute them (see the header). */
function groupBatch(prints: readonly EnrichedPrint[]): DayBins[] | null {
  const days = new Map<string, DayBins>();
  const hours = new NewYorkHours();
  let last: DayBins | undefined;
  for (const p of prints) {
    const ts = p.ts.getTime();
    if (!(ts >= FIRST_MS && ts < LAST_MS)) return null;
    const published = p.publishedAt ? p.publishedAt.getTime() : ts;
    const { day, timeOfDay } = hours.at(ts);
    if (last === undefined || last.symbol !== p.symbol || last.day !== day) {
      const symbol = p.symbol;
      last = entry(days, `${symbol}\u0000${day}`, () => ({
        symbol,
        day,
        size: new Map(),
        ext: null,
        level: new Map(),
        pd: new Map(),
        block: new Map(),
        source: new Map(),
      }));
    }
    const b = last;
    const source = entry(b.source, p.source, acc);
    if (!takeLatest(source, ts, p.sourceRef)) return null;
    add(source, p, ts, published, false, false);
    if (p.correction >= 7) continue;
    const off = p.isOffExchange;
    if (!(timeOfDay >= OPEN_MS && timeOfDay < CLOSE_MS && !p.extendedHours)) {
      b.ext ??= acc();
      if (off) add(b.ext, p, ts, published, true, true);
      else {
        // Lit prints add their volume and widen the span; the counts are of off-exchange prints.
        b.ext.lit += p.sizeShares;
        span(b.ext, ts, published);
      }
    }
    if (!off) continue;
    const large = p.blockEligible && p.valueUsd >= LARGE_USD;
    add(entry(b.size, sizeBin(p.sizeShares), acc), p, ts, published, true, true);
    const low = priceBandUsd(p.price * 0.8);
    const high = priceBandUsd(p.price * 1.25);
    for (const band of low === high ? [low] : [low, high]) {
      const level = entry(
        entry(b.level, band, () => new Map<number, Acc>()),
        Math.floor(p.price / band) * band,
        acc,
      );
      add(level, p, ts, published, true, true);
      if (large) {
        level.largePrints++;
        level.largeValue += p.valueUsd;
      }
    }
    const pd = p.premiumDiscountPct;
    if (pd !== null && pd !== undefined && Number.isFinite(pd)) {
      const bin = Math.floor(Math.min(Math.max(pd, -2), 1.99) / 0.25) * 0.25;
      add(entry(b.pd, bin, acc), p, ts, published, true, false);
    }
    if (large) add(entry(b.block, p.sentiment, acc), p, ts, published, true, true);
  }
  return [...days.values()];
}

/** The bins as rows in print_day_bins' column order (band, bin: 0 where the kind has none; label ''). */
type BinRow = [string, string, string, number, number, string, Acc, string | null];

function binRows(days: DayBins[]): BinRow[] {
  const rows: BinRow[] = [];
  for (const d of days) {
    const row = (
      kind: string,
      band: number,
      bin: number,
      label: string,
      a: Acc,
      latest: string | null = null,
    ) => rows.push([d.symbol, d.day, kind, band, bin, label, a, latest]);
    for (const [bin, a] of d.size) row("size", 0, bin, "", a);
    if (d.ext) row("ext", 0, 0, "", d.ext);
    for (const [band, bins] of d.level) for (const [bin, a] of bins) row("level", band, bin, "", a);
    for (const [bin, a] of d.pd) row("pd", 0, bin, "", a);
    for (const [label, a] of d.block) row("block", 0, 0, label, a);
    for (const [label, a] of d.source) row("source", 0, 0, label, a, a.latestRef);
  }
  return rows;
}

const KIND_ORDER = ["block", "ext", "level", "pd", "size", "source"];
const byKey = (x: BinRow, y: BinRow) =>
  (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0) ||
  (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) ||
  KIND_ORDER.indexOf(x[2]) - KIND_ORDER.indexOf(y[2]) ||
  x[3] - y[3] ||
  x[4] - y[4] ||
  (x[5] < y[5] ? -1 : x[5] > y[5] ? 1 : 0);

/**
 * The upsert of the writer's bins: the merge of the trigger's statement (`smt_prints_binned`, migration
 * `*_cheap_print_triggers`: sums added, spans widened, the later ref kept), repeated here because the
 * trigger's is static SQL inside its function; a change to one is a change to both
 * (file-ingest-derived.test.ts and print-bins.test.ts compare the results with raw prints).
 */
export const BINS_UPSERT = `insert into print_day_bins as r (symbol, day, kind, band, bin, label, prints, volume,
    value_usd, lit_volume, large_prints, large_value_usd, min_ts, max_ts, max_published_at, latest_ref)
  select * from unnest($1::text::text[], $2::text::date[], $3::text::text[], $4::text::float8[],
    $5::text::float8[], $6::text::text[], $7::text::int8[], $8::text::float8[], $9::text::float8[],
    $10::text::float8[], $11::text::int8[], $12::text::float8[], $13::text::timestamptz[],
    $14::text::timestamptz[], $15::text::timestamptz[], $16::text::text[])
  on conflict (symbol, day, kind, band, bin, label) do update set
    prints = r.prints + excluded.prints, volume = r.volume + excluded.volume, value_usd = r.value_usd + excluded.value_usd,
    lit_volume = r.lit_volume + excluded.lit_volume, large_prints = r.large_prints + excluded.large_prints,
    large_value_usd = r.large_value_usd + excluded.large_value_usd, min_ts = least(r.min_ts, excluded.min_ts),
    max_ts = greatest(r.max_ts, excluded.max_ts), max_published_at = greatest(r.max_published_at, excluded.max_published_at),
    latest_ref = case when (excluded.max_ts, excluded.latest_ref) > (r.max_ts, r.latest_ref)
      then excluded.latest_ref else r.latest_ref end`;

/** The parameters of `BINS_UPSERT` for a batch of new prints, or null (the trigger's SQL must do it). */
export function binsOfBatch(prints: readonly EnrichedPrint[]): string[] | null {
  const days = groupBatch(prints);
  if (days === null) return null;
  // Sorted (kinds in the trigger's order), so writers of the same bins lock them in one order.
  const rows = binRows(days).sort(byKey);
  const column = (f: (r: BinRow) => unknown) => pgArrayLiteral(rows.map(f));
  return [
    column((r) => r[0]),
    column((r) => r[1]),
    column((r) => r[2]),
    column((r) => r[3]),
    column((r) => r[4]),
    column((r) => r[5]),
    column((r) => r[6].prints),
    column((r) => r[6].volume),
    column((r) => r[6].value),
    column((r) => r[6].lit),
    column((r) => r[6].largePrints),
    column((r) => r[6].largeValue),
    column((r) => copyTimestamp(r[6].minTs)),
    column((r) => copyTimestamp(r[6].maxTs)),
    column((r) => copyTimestamp(r[6].maxPublished)),
    column((r) => r[7]),
  ];
}
