/**
 * Ingest kinds of the institutional area: `13f`, `form4`, `13f-dataset`, `insider-dataset` and
 * `securities` (composed in ingest/registry.ts), with the path-based loaders the CLI uses for local SEC
 * XML, where a 13F cover page and its information table pair up by folder.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Db } from "@smt/db";
import type { IngestContext, IngestKind } from "../ingest/kinds";
import type { IngestSummary } from "../lib/ingest";
import type { ByteSource } from "../lib/lines";
import { expandPaths } from "../lib/paths";
import { type DatasetSource, namedError } from "./dataset-zip";
import { ingest13FDataset, ingestInsiderDataset } from "./datasets.ingest";
import {
  type FilingHints,
  ingestForm4,
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
  const results = new Map<string, IngestSummary>();
  const bare = new Map<string, string[]>();
  for (const file of expandPaths(paths)) {
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
  for (const f of expandPaths(paths)) results.set(f, await ingestForm4(db, streamOf(f), f, hints));
  return results;
}

function streamOf(path: string): ByteSource {
  return (async function* () {
    yield readFileSync(path);
  })();
}

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
    // A 13F folder is one filing (cover page + information table).
    paths: {
      unit: "argument",
      load: (db, path, hints) => ingest13FPaths(db, [path], hints),
      folderAccession: accessionFromPath,
    },
  },
  form4: {
    description:
      "SEC Form 3/4/5: submission .txt/.nc wrapper (or ownershipDocument XML with --accession/--filed-date)",
    contentTypes: ["text/plain", "application/xml", "text/xml", "application/octet-stream"],
    run: (source, ctx) => ingestForm4(ctx.db, source, ctx.name, ctx.hints ?? {}),
    // Each Form 4 file is one filing.
    paths: { unit: "file", load: (db, path, hints) => ingestForm4Paths(db, [path], hints) },
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
