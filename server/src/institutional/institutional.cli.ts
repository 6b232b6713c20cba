/**
 * `pnpm cli fetch sec ...`: downloads SEC EDGAR filings or a quarterly data set and ingests them
 * (the SEC ingest kinds themselves are in institutional.ingest-kinds.ts).
 */
import { join } from "node:path";
import type { Db } from "@smt/db";
import type { Env } from "../env";
import { AppError } from "../errors";
import type { IngestSummary } from "../lib/ingest";
import { describeError } from "../lib/log";
import { secFairAccess } from "../sync/sec-fair-access";
import { cikOfSymbol } from "../sync/sec-tickers.store";
import { ingest13FDataset, ingestInsiderDataset } from "./datasets.ingest";
import { EdgarClient } from "./edgar.client";
import { type FilingHints, ingestForm4, read13F, store13F } from "./institutional.ingest";

/**
 * The SEC's data-set file label for a quarter. Through 2023 the 13F sets are per calendar quarter
 * (`2023q4`); from 2024 they cover three-month windows starting March, June, September, December
 * (`01dec2024-28feb2025`), which we match to the quarter whose filing season they contain
 * (data-formats.md section 3.4, [verify live list]). Insider sets stay per quarter (`2025q3`).
 */
export function datasetLabel(kind: "13f" | "insider", quarter: string): string {
  const m = /^(\d{4})Q([1-4])$/i.exec(quarter);
  if (!m) throw new AppError("INVALID_INPUT", `--quarter must look like 2025Q3, got "${quarter}"`);
  const year = Number(m[1]);
  const q = Number(m[2]);
  if (kind === "insider" || year <= 2023) return `${year}q${q}`;
  const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
  const startMonth = q * 3 - 1; // 0-based: Q1 -> mar, Q2 -> jun, Q3 -> sep, Q4 -> dec
  const endMonthAbs = startMonth + 2;
  const endYear = year + Math.floor(endMonthAbs / 12);
  const endMonth = endMonthAbs % 12;
  const lastDay = new Date(Date.UTC(endYear, endMonth + 1, 0)).getUTCDate();
  return `01${months[startMonth]}${year}-${lastDay}${months[endMonth]}${endYear}`;
}

export interface FetchSecArgs {
  ticker?: string | undefined;
  filer?: string | undefined;
  forms: string[];
  since?: string | undefined;
  dataset?: "13f" | "insider" | undefined;
  quarter?: string | undefined;
  label?: string | undefined;
}

export interface FetchSecResult {
  filings: number;
  summaries: IngestSummary[];
  failures: { accession: string; message: string }[];
  networkRequests: number;
}

/**
 * `fetch sec`: an issuer's insider filings (`--ticker T --forms 4`), a manager's 13F filings
 * (`--filer CIK --forms 13F-HR`), or a whole data set (`--dataset 13f --quarter 2025Q3`). Each filing
 * is fetched as its SGML `.txt` (one request, acceptance time included) and ingested; a filing that
 * cannot be fetched is reported and the others continue.
 */
export async function fetchSec(db: Db, client: EdgarClient, args: FetchSecArgs): Promise<FetchSecResult> {
  const result: FetchSecResult = { filings: 0, summaries: [], failures: [], networkRequests: 0 };
  if (args.dataset) {
    const label = args.label ?? datasetLabel(args.dataset, args.quarter ?? "");
    const path = await client.datasetZip(args.dataset, label);
    result.summaries.push(
      args.dataset === "13f" ? await ingest13FDataset(db, path) : await ingestInsiderDataset(db, path),
    );
    result.networkRequests = client.networkRequests;
    return result;
  }
  // The ticker list the `sec-tickers` sync job keeps, else the SEC's file (one request).
  const cik = args.ticker
    ? ((await cikOfSymbol(db, args.ticker)) ?? (await client.cikForTicker(args.ticker)))
    : args.filer;
  if (!cik) throw new AppError("INVALID_INPUT", "fetch sec needs --ticker, --filer or --dataset");
  const forms = new Set(args.forms.flatMap((f) => [f.toUpperCase(), `${f.toUpperCase()}/A`]));
  const filings = (await client.filings(cik, args.since)).filter((f) => forms.has(f.form.toUpperCase()));
  result.filings = filings.length;
  for (const f of filings) {
    try {
      const body = await client.submissionText(cik, f.accession);
      result.summaries.push(await ingestSubmissionText(db, body, f));
    } catch (err) {
      result.failures.push({
        accession: f.accession,
        message: describeError(err),
      });
    }
  }
  result.networkRequests = client.networkRequests;
  return result;
}

/**
 * Stores one filing's SGML submission (`{accession}.txt`) through the 13F or Form 4 ingest, by form type,
 * with the rows' source `sec_edgar` (the same whether `fetch sec` or the `sec-current` sync job got it, so
 * one path storing a filing makes the other store nothing new).
 */
export async function ingestSubmissionText(
  db: Db,
  body: Buffer,
  f: { accession: string; form: string; filingDate: string | null },
): Promise<IngestSummary> {
  const source = (async function* () {
    yield body;
  })();
  const name = `${f.accession}.txt`;
  const hints: FilingHints = {
    origin: "sec_edgar",
    accession: f.accession,
    filedDate: f.filingDate ?? undefined,
  };
  return f.form.toUpperCase().startsWith("13F")
    ? store13F(db, await read13F([{ source, name }], hints), name, hints)
    : ingestForm4(db, source, name, hints);
}

/** Parses `fetch sec` options (node:util parseArgs shape). */
export function parseFetchSecArgs(argv: string[]): FetchSecArgs {
  const opt = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const dataset = opt("dataset");
  if (dataset !== undefined && dataset !== "13f" && dataset !== "insider") {
    throw new AppError("INVALID_INPUT", `--dataset must be 13f or insider, got "${dataset}"`);
  }
  return {
    ticker: opt("ticker"),
    filer: opt("filer"),
    forms: (opt("forms") ?? (opt("ticker") ? "4" : "13F-HR"))
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    since: opt("since"),
    dataset,
    quarter: opt("quarter"),
    label: opt("label"),
  };
}

/**
 * An EDGAR client configured from the environment (User-Agent checked when the first request is made).
 * Given the database, its requests count against the SEC budget every node and sync job shares.
 */
export function edgarClientFrom(env: Env, db?: Db): EdgarClient {
  return new EdgarClient({
    userAgent: env.SEC_USER_AGENT,
    cacheDir: env.SEC_CACHE_DIR ?? join(env.DATA_DIR, "sec-cache"),
    wwwBaseUrl: env.SEC_WWW_BASE_URL,
    dataBaseUrl: env.SEC_DATA_BASE_URL,
    limiter: db ? secFairAccess(db) : undefined,
  });
}
