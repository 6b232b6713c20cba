/**
 * One canonical ticker form for every source, so that a class share or a preferred joins across FINRA,
 * the tape, SEC filings and what users type. docs/data-sources.md ("Symbols") lists the mapping per source.
 *
 * Canonical form: upper-case root, then suffixes joined with `.`, the suffix words being those of Nasdaq's
 * CMS convention (Nasdaq Trader "Symbology" table: CQS suffix / CMS suffix / Nasdaq suffix):
 *   class B `BRK.B`; preferred `AAIC.PR`, preferred series B `AAIC.PRB`; warrants `ACIC.WS`, warrants
 *   class A `ACIC.WS.A`; units `ACIC.U`; rights `CELG.RT`; when issued `IFF.WI`.
 * Accepted spellings of the same security:
 *   - separators `/` (FINRA, OpenFIGI: `BRK/B`), `-` (SEC: `BRK-B`), a space (Bloomberg: `BRK B`), `.`;
 *   - CQS lower-case suffixes (FINRA daily files, the CTA/UTP tape): `p` preferred (`AAICpB`), `r` rights,
 *     `w` when issued; a lower-case letter means a CQS suffix only when the spelling also has upper case;
 *     an all lower-case spelling (`brk.b`) is upper-cased;
 *   - SEC / Yahoo word suffixes after a separator: `-PB` preferred B (a share class is one letter, so a
 *     two-letter `P?` suffix is unambiguous), `-UN` units, `-WT` warrants.
 * Separator-less spellings (`BRKB` in CUSIP maps and OCC roots) cannot be split safely (`META` is not
 * `MET.A`) and stay as written; routes resolve them only when exactly one stored symbol matches.
 */

/** What a stored or requested symbol must look like after canonicalisation. */
export const CANONICAL_SYMBOL = /^[A-Z][A-Z0-9]*(?:\.[A-Z0-9]+)*$/;
/** Longest canonical symbol accepted (`ACIC.WS.A` is 9; FINRA's layout allows 14). */
export const SYMBOL_MAX_CHARS = 14;
/** Longest raw spelling looked at before any rewriting. */
const RAW_MAX_CHARS = 24;

/** Characters a ticker spelling may hold at all: ASCII letters, digits and the separators. */
const RAW_ALLOWED = /^[A-Za-z0-9./\- ]+$/;

/** Word suffixes of SEC and Yahoo spellings, rewritten to the CMS word. */
const WORD_SUFFIX: Record<string, string> = { UN: "U", WT: "WS", PR: "PR" };

export type SymbolResult = { ok: true; symbol: string } | { ok: false; message: string };

const cache = new Map<string, SymbolResult>();
const CACHE_MAX = 50_000;

/**
 * The canonical form of a ticker spelling from any source, or why it is not a ticker. Pure and cached:
 * parsers call it once per record.
 */
export function canonicalSymbol(raw: string): SymbolResult {
  let hit = cache.get(raw);
  if (hit === undefined) {
    hit = canonicalize(raw);
    if (cache.size < CACHE_MAX) cache.set(raw, hit);
  }
  return hit;
}

function canonicalize(raw: string): SymbolResult {
  const shown =
    raw.length > 40
      ? `${JSON.stringify(raw.slice(0, 40))}... (${raw.length} characters)`
      : JSON.stringify(raw);
  const fail = (why: string): SymbolResult => ({ ok: false, message: `symbol ${shown} ${why}` });
  const text = raw.trim();
  if (text.length === 0) return fail("is empty");
  if (text.length > RAW_MAX_CHARS) return fail(`is longer than ${RAW_MAX_CHARS} characters`);
  if (!RAW_ALLOWED.test(text)) {
    return fail("holds a character a ticker cannot have (ASCII letters, digits and . / - or one space only)");
  }
  let s = text;
  const hasUpper = /[A-Z]/.test(s);
  if (hasUpper && /[a-z]/.test(s)) {
    // CQS suffixes: [p[X]][r][w] at the end, lower case (FINRA `AAICpB`, `CELGr`, `IFFw`, `ABCpAw`).
    const m = /^([A-Z0-9./\- ]*[A-Z0-9])(?:p([A-Z]?))?(r)?(w)?$/.exec(s);
    if (m === null || (m[2] === undefined && m[3] === undefined && m[4] === undefined)) {
      return fail("mixes upper and lower case outside a CQS suffix (p, r, w at the end)");
    }
    const parts = [m[1] as string];
    if (m[2] !== undefined) parts.push(`PR${m[2]}`);
    if (m[3] !== undefined) parts.push("RT");
    if (m[4] !== undefined) parts.push("WI");
    s = parts.join(".");
  }
  const segments = s.toUpperCase().split(/[./\- ]/);
  if (segments.some((seg) => seg.length === 0)) return fail("has an empty part between separators");
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i] as string;
    const word = WORD_SUFFIX[seg];
    if (word !== undefined) segments[i] = word;
    else if (/^P[A-OQ-Z]$/.test(seg)) segments[i] = `PR${seg[1]}`;
  }
  const symbol = segments.join(".");
  if (!CANONICAL_SYMBOL.test(symbol)) return fail("does not start with a letter");
  if (symbol.length > SYMBOL_MAX_CHARS) return fail(`is longer than ${SYMBOL_MAX_CHARS} characters`);
  return { ok: true, symbol };
}

/** What filers type when an issuer has no listed stock (Form 4 `issuerTradingSymbol` is free text). */
const NO_TICKER = new Set(["NONE", "N/A", "NA", "-", "--"]);

/**
 * A ticker a filer typed (Form 4 `issuerTradingSymbol`, insider data sets' `ISSUERTRADINGSYMBOL`): null when
 * absent or "none"; the first of a list (`BRK.A, BRK.B`); otherwise as `canonicalSymbol`.
 */
export function filedSymbol(raw: string | null | undefined): SymbolResult | null {
  if (raw === null || raw === undefined) return null;
  const first = (raw.split(/[,;]/)[0] as string).trim();
  if (first.length === 0 || NO_TICKER.has(first.toUpperCase())) return null;
  return canonicalSymbol(first);
}
