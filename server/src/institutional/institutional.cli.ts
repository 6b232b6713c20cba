/**
 * Command-line entry points for SEC data: the ingest kinds `13f`, `form4`, `13f-dataset`,
 * `insider-dataset`, `securities` (spread into `INGEST_KINDS`), a path-based 13F loader that pairs a
 * cover page with its information table, and `pnpm cli fetch sec ...` (registered in `extraCommands`).
 */
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Db, openDb } from "@smt/db";
import { type CliCommand, extraCommands } from "../cli/commands";
import { refuseBesideServer } from "../cli/server-info";
import type { Env } from "../env";
import { AppError } from "../errors";
import type { IngestContext, IngestKind } from "../ingest/kinds";
import type { IngestSummary } from "../lib/ingest";
import type { ByteSource } from "../lib/lines";
import { describeError } from "../lib/log";
import { formatLocation } from "../lib/records";
import { type DatasetSource, namedError } from "./dataset-zip";
import { EdgarClient } from "./edgar.client";
import {
  type FilingHints,
  ingest13FDataset,
  ingestForm4,
  ingestInsiderDataset,
  ingestSecuritiesCsv,
  read13F,
  store13F,
} from "./institutional.ingest";

/**
 * Zip readers need random access. A local file (`ctx.path`, given by the CLI for an uncompressed file) is
 * read in place; an upload or a piped zip is spooled to a temporary file first, and every error names the
 * upload (`ctx.name`), never the temporary path.
 */
async function withZipFile<T>(
  source: ByteSource,
  ctx: IngestContext,
  run: (src: DatasetSource) => Promise<T>,
): Promise<T> {
  if (ctx.path) {
    // The stream was opened for us but is not needed: release its file handle.
    await source[Symbol.asyncIterator]().return?.();
    return run({ path: ctx.path, name: ctx.name });
  }
  const dir = mkdtempSync(join(tmpdir(), "smt-zip-"));
  const src: DatasetSource = { path: join(dir, "upload.zip"), name: ctx.name };
  try {
    await pipeline(Readable.from(source), createWriteStream(src.path)).catch((err: unknown) => {
      throw namedError(err, src);
    });
    return await run(src);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The SEC ingest kinds, shaped like the other entries of `INGEST_KINDS`. */
export const institutionalIngestKinds: Record<string, IngestKind> = {
  "13f": {
    description:
      "SEC 13F-HR submission (archive .txt or feed .nc wrapper holding the cover page and the information table)",
    contentTypes: ["text/plain", "application/xml", "text/xml", "application/octet-stream"],
    run: async (source, ctx) =>
      store13F(
        ctx.db,
        await read13F([{ source, name: ctx.name }], ctx.hints ?? {}),
        ctx.name,
        ctx.hints ?? {},
      ),
  },
  form4: {
    description:
      "SEC Form 3/4/5: submission .txt/.nc wrapper (or ownershipDocument XML with --accession/--filed-date)",
    contentTypes: ["text/plain", "application/xml", "text/xml", "application/octet-stream"],
    run: (source, ctx) => ingestForm4(ctx.db, source, ctx.name, ctx.hints ?? {}),
  },
  "13f-dataset": {
    description: "SEC Form 13F data set zip (SUBMISSION, COVERPAGE, INFOTABLE ... TSV)",
    contentTypes: ["application/zip", "application/octet-stream"],
    run: (source, ctx) => withZipFile(source, ctx, (src) => ingest13FDataset(ctx.db, src)),
  },
  "insider-dataset": {
    description: "SEC Insider Transactions data set zip (SUBMISSION, REPORTINGOWNER, NONDERIV_TRANS ... TSV)",
    contentTypes: ["application/zip", "application/octet-stream"],
    run: (source, ctx) => withZipFile(source, ctx, (src) => ingestInsiderDataset(ctx.db, src)),
  },
  securities: {
    description:
      "CUSIP to symbol mapping CSV with a header: symbol (or ticker), cusip[, name (or issuer), cik, shares_outstanding, shares_as_of], any case; the summary's `columns` names the headers used",
    contentTypes: ["text/csv", "text/plain", "application/octet-stream"],
    run: (source, ctx) => ingestSecuritiesCsv(ctx.db, source, ctx.name),
  },
};

/** `000195175725000093` or `0001951757-25-000093` in a folder name -> the dashed accession. */
export function accessionFromPath(path: string): string | null {
  const m = /(\d{10})-?(\d{2})-?(\d{6})/.exec(basename(path));
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

/**
 * Loads 13F files and folders. A submission (`.txt`/`.nc`) is one filing. Bare XML documents are
 * grouped by folder (EDGAR's layout: `primary_doc.xml` plus an information table of any name in the
 * accession's folder), the accession taken from the folder name or `hints.accession`.
 */
export async function ingest13FPaths(
  db: Db,
  paths: string[],
  hints: FilingHints = {},
): Promise<Map<string, IngestSummary>> {
  const files: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new AppError("NOT_FOUND", `${p}: no such file or folder`);
    if (statSync(p).isDirectory()) {
      for (const n of readdirSync(p).sort())
        if (!n.startsWith(".") && statSync(join(p, n)).isFile()) files.push(join(p, n));
    } else files.push(p);
  }
  const results = new Map<string, IngestSummary>();
  const bare = new Map<string, string[]>();
  for (const file of files) {
    const head = readFileSync(file, { encoding: "latin1", flag: "r" })
      .slice(0, 200)
      .trimStart()
      .toUpperCase();
    if (head.startsWith("<SUBMISSION>") || head.startsWith("<SEC-DOCUMENT>")) {
      const parts = await read13F([{ source: streamOf(file), name: file }], hints);
      results.set(file, await store13F(db, parts, file, hints));
    } else if (/\.xml$/i.test(file)) {
      const dir = dirname(file);
      bare.set(dir, [...(bare.get(dir) ?? []), file]);
    }
  }
  for (const [dir, group] of bare) {
    const parts = await read13F(
      group.map((f) => ({ source: streamOf(f), name: f })),
      hints,
    );
    const accession = hints.accession ?? accessionFromPath(dir) ?? undefined;
    results.set(dir, await store13F(db, parts, dir, { ...hints, accession }));
  }
  return results;
}

/** Loads Form 4 files and folders (each file one submission or one ownershipDocument). */
export async function ingestForm4Paths(
  db: Db,
  paths: string[],
  hints: FilingHints = {},
): Promise<Map<string, IngestSummary>> {
  const results = new Map<string, IngestSummary>();
  for (const p of paths) {
    const files = statSync(p).isDirectory()
      ? readdirSync(p)
          .sort()
          .map((n) => join(p, n))
      : [p];
    for (const f of files) results.set(f, await ingestForm4(db, streamOf(f), f, hints));
  }
  return results;
}

function streamOf(path: string): ByteSource {
  return (async function* () {
    yield readFileSync(path);
  })();
}

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
  const cik = args.ticker ? await client.cikForTicker(args.ticker) : args.filer;
  if (!cik) throw new AppError("INVALID_INPUT", "fetch sec needs --ticker, --filer or --dataset");
  const forms = new Set(args.forms.flatMap((f) => [f.toUpperCase(), `${f.toUpperCase()}/A`]));
  const filings = (await client.filings(cik, args.since)).filter((f) => forms.has(f.form.toUpperCase()));
  result.filings = filings.length;
  for (const f of filings) {
    try {
      const body = await client.submissionText(cik, f.accession);
      const source = (async function* () {
        yield body;
      })();
      const name = `${f.accession}.txt`;
      const hints: FilingHints = { origin: "sec_edgar", accession: f.accession, filedDate: f.filingDate };
      result.summaries.push(
        f.form.toUpperCase().startsWith("13F")
          ? await store13F(db, await read13F([{ source, name }], hints), name, hints)
          : await ingestForm4(db, source, name, hints),
      );
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

/** An EDGAR client configured from the environment (User-Agent checked when the first request is made). */
export function edgarClientFrom(env: Env): EdgarClient {
  return new EdgarClient({
    userAgent: env.SEC_USER_AGENT,
    cacheDir: env.SEC_CACHE_DIR ?? join(env.DATA_DIR, "sec-cache"),
  });
}

export const fetchCommand: CliCommand = {
  name: "fetch",
  usage:
    "fetch sec --ticker T --forms 4 --since D | --filer CIK --forms 13F-HR --since D | --dataset 13f --quarter 2025Q3",
  summary: "Download SEC EDGAR filings or a quarterly data set (needs SEC_USER_AGENT) and ingest them.",
  async run(args, { env }) {
    const [source, ...rest] = args;
    if (source !== "sec") {
      process.stderr.write('error: fetch supports "sec" only\n');
      return 2;
    }
    const refused = refuseBesideServer(
      env,
      "fetch",
      "Stop the server first, or run both on a shared Postgres (DATABASE_URL).",
    );
    if (refused !== null) return refused;
    const db = await openDb({ url: env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite` });
    try {
      const result = await fetchSec(db.db, edgarClientFrom(env), parseFetchSecArgs(rest));
      const total = result.summaries.reduce(
        (s, x) => ({
          accepted: s.accepted + x.accepted,
          duplicates: s.duplicates + x.duplicates,
          rejected: s.rejected + x.rejected,
        }),
        { accepted: 0, duplicates: 0, rejected: 0 },
      );
      process.stdout.write(
        `filings: ${result.filings}, accepted: ${total.accepted}, duplicates: ${total.duplicates}, rejected: ${total.rejected}, ` +
          `failed filings: ${result.failures.length}, network requests: ${result.networkRequests}\n`,
      );
      for (const f of result.failures) process.stderr.write(`  ${f.accession}: ${f.message}\n`);
      for (const s of result.summaries)
        for (const e of s.errors) process.stderr.write(`  ${formatLocation(e)}: ${e.message}\n`);
      return result.failures.length > 0 || total.rejected > 0 ? 1 : 0;
    } catch (err) {
      process.stderr.write(`error: ${describeError(err)}\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
};

if (!extraCommands.some((c) => c.name === fetchCommand.name)) extraCommands.push(fetchCommand);
