import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "../errors";
import { indexColumns, splitCsvLine } from "../lib/lines";
import { canonicalSymbol } from "../lib/symbol-form";

/**
 * The DIX basket: S&P 500 constituents shipped as a dated CSV (`server/data/sp500-constituents.csv`,
 * columns `symbol,name,as_of`; source and date in docs/methodology.md), replaceable with
 * `DIX_CONSTITUENTS_FILE` pointing at a file of the same shape. Symbols are read in the canonical form the
 * stores use (lib/symbol-form.ts): the file's `BRK/B` (FINRA's spelling) or `BRK-B` is `BRK.B`.
 */
export const DEFAULT_CONSTITUENTS_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "data",
  "sp500-constituents.csv",
);

export interface Constituents {
  symbols: string[];
  /** Newest `as_of` in the file: the date the list is known to be right. */
  asOf: string;
  /** The file's base name, for the payload (never a full path). */
  file: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a constituents CSV; every bad row is a located error (`file:line`). */
export function parseConstituents(text: string, name: string): Constituents {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? "").map((h) => h.toLowerCase());
  const { index, missing } = indexColumns(header, ["symbol", "as_of"] as const);
  if (missing.length > 0)
    throw new AppError("NOT_CONFIGURED", `${name}:1: missing column(s) ${missing.join(", ")}`);
  const symbols = new Set<string>();
  let asOf = "";
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim().length === 0) continue;
    const fields = splitCsvLine(line);
    const raw = (fields[index.symbol] ?? "").trim();
    const date = (fields[index.as_of] ?? "").trim();
    const canonical = canonicalSymbol(raw);
    if (!canonical.ok) throw new AppError("NOT_CONFIGURED", `${name}:${i + 1}: ${canonical.message}`);
    const symbol = canonical.symbol;
    if (!DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      throw new AppError("NOT_CONFIGURED", `${name}:${i + 1}: as_of "${date}" is not a YYYY-MM-DD date`);
    symbols.add(symbol);
    if (date > asOf) asOf = date;
  }
  if (symbols.size === 0) throw new AppError("NOT_CONFIGURED", `${name}: no constituents`);
  return { symbols: [...symbols], asOf, file: name };
}

const loaded = new Map<string, Constituents>();

/** The constituents in `path` (default: the shipped S&P 500 list), read once per path. */
export function loadConstituents(path = DEFAULT_CONSTITUENTS_FILE): Constituents {
  const cached = loaded.get(path);
  if (cached) return cached;
  const name = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new AppError(
      "NOT_CONFIGURED",
      `DIX_CONSTITUENTS_FILE ${name}: cannot be read (${(err as Error).message})`,
    );
  }
  const result = parseConstituents(text, name);
  loaded.set(path, result);
  return result;
}

export interface DixCoverage {
  /** Basket members. */
  members: number;
  /** Members with FINRA short volume (total volume > 0) and a close that day. */
  covered: number;
  /** covered / members. */
  ratio: number;
  /** The floor below which no DIX is reported (`DIX_MIN_COVERAGE`). */
  floor: number;
}

/** How much of the basket the day's data covers. */
export function dixCoverage(
  basketSize: number,
  rows: { totalVolume: number; price: number | null }[],
  floor: number,
): DixCoverage {
  const covered = rows.filter((r) => r.totalVolume > 0 && r.price !== null && r.price > 0).length;
  return { members: basketSize, covered, ratio: basketSize > 0 ? covered / basketSize : 0, floor };
}
