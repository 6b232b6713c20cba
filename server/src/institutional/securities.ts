import { AppError } from "../errors";
import { type ByteSource, readLines, splitCsvLine } from "../lib/lines";
import { type Parsed, parsedError, parsedOk } from "../lib/records";
import { normalizeSymbol } from "../lib/symbols";
import { RateLimiter } from "./edgar.client";
import { resolveSecurityColumns, type SecurityColumns } from "./securities.columns";
import { isoDateFromSec, parseNumber } from "./xml-records";

/**
 * CUSIP check digit (ANSI X9.6 / CUSIP Global Services): letters count 10-35, `*` 36, `@` 37, `#` 38;
 * every second character is doubled, the digits of the products are summed, and the check digit
 * brings the sum to a multiple of ten.
 */
export function cusipCheckDigit(first8: string): number | null {
  if (first8.length !== 8) return null;
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const ch = first8[i] as string;
    let v: number;
    if (ch >= "0" && ch <= "9") v = ch.charCodeAt(0) - 48;
    else if (ch >= "A" && ch <= "Z") v = ch.charCodeAt(0) - 55;
    else if (ch === "*") v = 36;
    else if (ch === "@") v = 37;
    else if (ch === "#") v = 38;
    else return null;
    if (i % 2 === 1) v *= 2;
    sum += Math.floor(v / 10) + (v % 10);
  }
  return (10 - (sum % 10)) % 10;
}

/** Upper-cases and checks a CUSIP; null when it is not 9 characters with a matching check digit. */
export function normalizeCusip(input: string): string | null {
  const c = input.trim().replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z0-9*@#]{8}[0-9]$/.test(c)) return null;
  return cusipCheckDigit(c.slice(0, 8)) === Number(c[8]) ? c : null;
}

/** A row of the securities table: what a CUSIP is, by whom we were told. */
export interface SecurityRecord {
  symbol: string;
  cusip: string;
  name: string | null;
  cik: string | null;
  sharesOutstanding: number | null;
  /** `YYYY-MM-DD`. */
  sharesAsOf: string | null;
  /** `user_csv`, `openfigi`, `sec_13f`, `sec_form4`, `demo`. */
  source: string;
}

/**
 * Reads a user-supplied mapping, `symbol,cusip[,name,cik,shares_outstanding,shares_as_of]` with a
 * header row (columns found by name, case-insensitively, with the usual synonyms such as `Ticker`;
 * see `securities.columns.ts`). Rows with a bad CUSIP check digit or symbol are reported, not guessed
 * at. `onColumns` is told which header each column was read from.
 */
export async function* parseSecuritiesCsv(
  source: ByteSource,
  sourceName: string,
  onColumns?: (used: SecurityColumns["used"]) => void,
): AsyncGenerator<Parsed<SecurityRecord>> {
  let index: SecurityColumns["index"] | null = null;
  for await (const { text, line } of readLines(source, sourceName)) {
    if (text.trim() === "") continue;
    const fields = splitCsvLine(text);
    if (index === null) {
      const columns = resolveSecurityColumns(fields, sourceName, line);
      index = columns.index;
      onColumns?.(columns.used);
      continue;
    }
    const at = { source: sourceName, line };
    const get = (i: number | undefined) => (i === undefined ? undefined : fields[i]?.trim() || undefined);
    const rawCusip = get(index.cusip) ?? "";
    const cusip = normalizeCusip(rawCusip);
    if (!cusip) {
      yield parsedError(
        at,
        `cusip "${rawCusip}" is not a valid CUSIP (9 characters with a matching check digit)`,
      );
      continue;
    }
    let symbol: string;
    try {
      symbol = normalizeSymbol(get(index.symbol) ?? "");
    } catch (err) {
      yield parsedError(at, (err as Error).message);
      continue;
    }
    const cik = get(index.cik);
    yield parsedOk(
      {
        symbol,
        cusip,
        name: get(index.name) ?? null,
        cik: cik ? cik.padStart(10, "0") : null,
        sharesOutstanding: parseNumber(get(index.shares_outstanding)),
        sharesAsOf: isoDateFromSec(get(index.shares_as_of)),
        source: "user_csv",
      },
      at,
    );
  }
}

export interface OpenFigiOptions {
  /** Optional: without a key OpenFIGI allows 25 requests/min and 10 jobs per request. */
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
  fetchImpl?: typeof fetch | undefined;
  limiter?: RateLimiter | undefined;
}

/** Outcome of mapping CUSIPs: found tickers, and CUSIPs nobody could map (listed, never guessed). */
export interface FigiMapping {
  mapped: SecurityRecord[];
  unmapped: string[];
}

/**
 * OpenFIGI v3 mapping (`POST /v3/mapping`, https://www.openfigi.com/api): one job per CUSIP with
 * `exchCode: "US"` so the answer is the composite US listing. Class shares come back as `BRK/B`,
 * normalised to the tape's `BRK.B`.
 */
export async function mapCusipsWithOpenFigi(
  cusips: string[],
  options: OpenFigiOptions = {},
): Promise<FigiMapping> {
  const base = (options.baseUrl ?? "https://api.openfigi.com").replace(/\/$/, "");
  const perRequest = options.apiKey ? 100 : 10;
  const limiter = options.limiter ?? new RateLimiter(options.apiKey ? 25 / 6 : 25 / 60);
  const doFetch = options.fetchImpl ?? fetch;
  const mapped: SecurityRecord[] = [];
  const unmapped: string[] = [];
  for (let i = 0; i < cusips.length; i += perRequest) {
    const batch = cusips.slice(i, i + perRequest);
    await limiter.take();
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    if (options.apiKey) headers["X-OPENFIGI-APIKEY"] = options.apiKey;
    const response = await doFetch(`${base}/v3/mapping`, {
      method: "POST",
      headers,
      body: JSON.stringify(batch.map((c) => ({ idType: "ID_CUSIP", idValue: c, exchCode: "US" }))),
    });
    if (response.status === 429)
      throw new AppError("RATE_LIMITED", "OpenFIGI rate limit reached; retry later");
    if (!response.ok) throw new AppError("UPSTREAM_UNAVAILABLE", `OpenFIGI answered HTTP ${response.status}`);
    const jobs = (await response.json()) as {
      data?: { ticker?: string; name?: string }[];
      warning?: string;
    }[];
    batch.forEach((cusip, j) => {
      const hit = jobs[j]?.data?.find((d) => d.ticker);
      if (!hit?.ticker) {
        unmapped.push(cusip);
        return;
      }
      try {
        mapped.push({
          symbol: normalizeSymbol(hit.ticker),
          cusip,
          name: hit.name ?? null,
          cik: null,
          sharesOutstanding: null,
          sharesAsOf: null,
          source: "openfigi",
        });
      } catch {
        unmapped.push(cusip);
      }
    });
  }
  return { mapped, unmapped };
}
