/**
 * The screener's filter grammar, parsed from the raw query string so `short_ratio>0.6` and
 * `dark_pool_ratio>=0.45` (which a plain query parser reads as odd keys) mean what they say:
 *   term   := field op number        op := > | >= | < | <= | = | !=
 *   number := -?digits[.digits][e[+-]digits]   (finite)
 * Terms come as query parameters or comma-separated in `filter=`. Anything else is a 400 naming the term.
 */
import { AppError } from "../errors";

export const SCREENER_FIELDS = [
  "short_volume",
  "finra_total_volume",
  "short_ratio",
  "dark_pool_volume",
  "dark_pool_value",
  "dark_pool_prints",
  "dark_pool_ratio",
  "consolidated_volume",
  "volume",
  "block_value",
  "block_count",
  "unusual_volume",
  "options_premium",
  "call_put_skew",
] as const;
export type ScreenerField = (typeof SCREENER_FIELDS)[number];

export type Op = ">" | ">=" | "<" | "<=" | "=" | "!=";
export interface Filter {
  field: ScreenerField;
  op: Op;
  value: number;
}

export const MAX_FILTERS = 20;
export const MAX_TERM_LENGTH = 100;
export const MAX_QUERY_LENGTH = 4000;
export const MAX_SORT_KEYS = 3;

/** Query parameters that are not filter terms. */
const PARAMS = new Set(["filter", "sort", "min_volume", "as_of", "limit", "offset", "format"]);
const TERM = /^([a-z_]+)\s*(>=|<=|!=|>|<|=)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)$/;
const FIELD_SET = new Set<string>(SCREENER_FIELDS);

const bad = (message: string, term: string) =>
  new AppError("INVALID_INPUT", message, { field: "filter", term: term.slice(0, MAX_TERM_LENGTH) });

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw bad(`filter term ${JSON.stringify(part.slice(0, 40))} is not valid percent-encoding`, part);
  }
}

export function parseTerm(term: string): Filter {
  if (term.length > MAX_TERM_LENGTH) throw bad(`filter term longer than ${MAX_TERM_LENGTH} characters`, term);
  const m = TERM.exec(term.trim());
  if (!m) {
    throw bad(
      `filter term ${JSON.stringify(term)} is not 'field op number' (ops > >= < <= = !=; fields ${SCREENER_FIELDS.join(", ")})`,
      term,
    );
  }
  const [, field, op, num] = m as unknown as [string, string, Op, string];
  if (!FIELD_SET.has(field))
    throw bad(`unknown screener field ${JSON.stringify(field)} in ${JSON.stringify(term)}`, term);
  const value = Number(num);
  if (!Number.isFinite(value))
    throw bad(`filter term ${JSON.stringify(term)}: the number is not finite`, term);
  return { field: field as ScreenerField, op, value };
}

/** The filter terms of a raw query string (`url.search` without `?`). */
export function parseFilters(rawQuery: string): Filter[] {
  if (rawQuery.length > MAX_QUERY_LENGTH) throw bad(`query longer than ${MAX_QUERY_LENGTH} characters`, "");
  const terms: string[] = [];
  for (const part of rawQuery.split("&")) {
    if (part === "") continue;
    const text = decode(part);
    const eq = text.indexOf("=");
    const key = eq < 0 ? text : text.slice(0, eq);
    if (PARAMS.has(key)) {
      if (key === "filter")
        terms.push(
          ...text
            .slice(eq + 1)
            .split(",")
            .filter((t) => t.trim() !== ""),
        );
      continue;
    }
    if (/^[a-z_]+$/.test(key) && !FIELD_SET.has(key) && eq >= 0) {
      throw bad(`unknown parameter ${JSON.stringify(key)}: not a screener field or option`, text);
    }
    terms.push(text);
  }
  if (terms.length > MAX_FILTERS) throw bad(`at most ${MAX_FILTERS} filter terms (got ${terms.length})`, "");
  return terms.map(parseTerm);
}

export interface SortKey {
  field: ScreenerField;
  desc: boolean;
}

export function parseSort(sort: string | undefined, fallback: SortKey): SortKey[] {
  if (sort === undefined || sort.trim() === "") return [fallback];
  const keys = sort.split(",").map((s) => s.trim());
  if (keys.length > MAX_SORT_KEYS)
    throw new AppError("INVALID_INPUT", `sort: at most ${MAX_SORT_KEYS} fields`, { field: "sort" });
  return keys.map((k) => {
    const desc = k.startsWith("-");
    const field = desc || k.startsWith("+") ? k.slice(1) : k;
    if (!FIELD_SET.has(field)) {
      throw new AppError("INVALID_INPUT", `sort: unknown field ${JSON.stringify(field.slice(0, 40))}`, {
        field: "sort",
      });
    }
    return { field: field as ScreenerField, desc };
  });
}

export function passes(value: number | null, f: Filter): boolean {
  if (value === null) return false;
  switch (f.op) {
    case ">":
      return value > f.value;
    case ">=":
      return value >= f.value;
    case "<":
      return value < f.value;
    case "<=":
      return value <= f.value;
    case "=":
      return value === f.value;
    case "!=":
      return value !== f.value;
  }
}
