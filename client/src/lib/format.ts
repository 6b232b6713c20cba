/**
 * Number and time formatting with units. Intl formatters are built once: constructing one per table
 * cell would dominate the cost of rendering a busy live table.
 */

const usdCompact = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  notation: "compact",
  maximumFractionDigits: 2,
});
const usdPrice = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});
const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 2 });
/** Market times are Eastern (the US equity session), whatever the viewer's zone. */
const etTime = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
const etDateTime = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

export const DASH = "–";

export const fmtUsd = (v: number | null | undefined) => (v == null ? DASH : usdCompact.format(v));
export const fmtPrice = (v: number | null | undefined) => (v == null ? DASH : usdPrice.format(v));
export const fmtShares = (v: number | null | undefined) => (v == null ? DASH : `${integer.format(v)} sh`);
export const fmtSharesCompact = (v: number | null | undefined) =>
  v == null ? DASH : `${compact.format(v)} sh`;
export const fmtCount = (v: number | null | undefined) => (v == null ? DASH : integer.format(v));

/** A fraction (0.345) as a percentage ("34.5%"). */
export const fmtFraction = (v: number | null | undefined, digits = 1) =>
  v == null ? DASH : `${(v * 100).toFixed(digits)}%`;
/** A value already in percent (2.5 = 2.5%). */
export const fmtPct = (v: number | null | undefined, digits = 2) =>
  v == null ? DASH : `${v.toFixed(digits)}%`;
/** A signed value already in percent, with its sign ("+0.25%"). */
export const fmtSignedPct = (v: number | null | undefined, digits = 2) =>
  v == null ? DASH : `${v > 0 ? "+" : ""}${v.toFixed(digits)}%`;
export const fmtScore = (v: number | null | undefined, digits = 1) => (v == null ? DASH : v.toFixed(digits));

/** Prints within one second share their label; the cache is dropped when it grows past a few thousand. */
const etTimeBySecond = new Map<string, string>();
export function fmtEtTime(iso: string): string {
  const second = iso.slice(0, 19);
  let text = etTimeBySecond.get(second);
  if (text === undefined) {
    if (etTimeBySecond.size > 5000) etTimeBySecond.clear();
    text = etTime.format(new Date(iso));
    etTimeBySecond.set(second, text);
  }
  return text;
}
const etDay = new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", dateStyle: "short" });
/** The New York calendar day of an instant, as a key to compare days ("11/27/26"). */
export const etDayKey = (ms: number): string => etDay.format(new Date(ms));
/** "15:35:30 ET" for an instant of `today` (an etDayKey) in New York, else "Nov 27, 15:35 ET". */
export const fmtEtWhen = (iso: string, today: string): string =>
  etDayKey(Date.parse(iso)) === today ? `${fmtEtTime(iso)} ET` : fmtEtDateTime(iso);
export const fmtEtDateTime = (iso: string | null | undefined) =>
  iso == null ? DASH : `${etDateTime.format(new Date(iso))} ET`;

/** A plain number rounded to `digits` decimals (no float noise such as 190.85000000000002), grouped. */
export function fmtNumber(v: number | null | undefined, digits = 2): string {
  if (v == null || !Number.isFinite(v)) return DASH;
  return v.toLocaleString("en-US", { maximumFractionDigits: digits });
}
/** A signed number ("+0.89", "-0.82"). */
export const fmtSigned = (v: number | null | undefined, digits = 2) =>
  v == null || !Number.isFinite(v) ? DASH : `${v > 0 ? "+" : ""}${fmtNumber(v, digits)}`;

/**
 * A score component's raw value in its unit (units as the API names them: usd, pct, ratio, count, ...):
 * "$17.04M", "-0.44%", "1.8× average", never "17037027.15 usd".
 */
export function fmtValueWithUnit(v: number | null | undefined, unit: string): string {
  if (v == null) return DASH;
  switch (unit) {
    case "usd":
      return fmtUsd(v);
    case "pct":
      return fmtSignedPct(v, 2);
    case "ratio":
      return fmtFraction(v, 1);
    case "ratio_to_average":
      return `${fmtNumber(v, 2)}× average`;
    case "count":
      return fmtCount(v);
    case "shares":
      return fmtSharesCompact(v);
    case "net_sentiment":
    case "net_holding_share":
      return fmtSigned(v, 3);
    default:
      return `${fmtNumber(v, 3)} ${humanize(unit)}`;
  }
}

/** A value of unknown meaning for a detail line: numbers rounded, the rest as text. */
export function fmtAny(v: unknown): string {
  if (typeof v === "number") return fmtNumber(v, Math.abs(v) >= 100 ? 2 : 4);
  if (v === null || v === undefined) return DASH;
  if (typeof v === "string" || typeof v === "boolean") return String(v);
  return JSON.stringify(v, (_k, x) => (typeof x === "number" ? Number(x.toFixed(4)) : x));
}

/** "12 s", "4 min", "3 h", "2 d": how old something is. */
export function fmtAge(ageMs: number | null | undefined): string {
  if (ageMs == null || !Number.isFinite(ageMs)) return DASH;
  const s = Math.max(0, Math.round(ageMs / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** `strong_buying` -> `strong buying`. */
export const humanize = (v: string | null | undefined) => (v == null ? DASH : v.replaceAll("_", " "));
