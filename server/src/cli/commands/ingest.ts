import { createReadStream, statSync } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { createGunzip } from "node:zlib";
import { type AtsSummaryType, atsSummaryTypeOf } from "../../darkpool/ats.parse";
import type { IngestKind } from "../../ingest/kinds";
import { INGEST_KIND_NAMES, ingestKind } from "../../ingest/registry";
import type { IngestSummary } from "../../lib/ingest";
import { expandPaths } from "../../lib/paths";
import { formatLocation } from "../../lib/records";
import { type CliCommand, usageError } from "../command";
import { planUploads, sendUpload } from "../forward";
import { type LocalDb, openLocal } from "../local";
import { withProgress } from "../progress";
import { runningServer, type ServerInfo } from "../server-info";

/** One `ingest` invocation, its arguments checked. */
interface IngestRequest {
  kindName: string;
  kind: IngestKind;
  /** The paths as named on the command line, and the files they expand to. */
  paths: string[];
  files: string[];
  strict: boolean;
  accession: string | undefined;
  filedDate: string | undefined;
  ats: { summaryType: AtsSummaryType | undefined; weekStart: string | undefined };
}

type IngestResult = { file: string; summary: IngestSummary } | { file: string; error: string };

export const ingestCommand: CliCommand = {
  name: "ingest",
  usage: "ingest <kind> <paths...>",
  summary: [
    "Load files (or folders of files) through the ingest pipeline.",
    `Kinds: ${INGEST_KIND_NAMES.join(", ")}`,
    ".gz files are decompressed on the fly. Options:",
    "  --strict       store nothing from a file with any bad record",
    "  --accession A, --filed-date YYYY-MM-DD",
    "                 for bare SEC XML (13f, form4) without a submission wrapper",
    "  --summary-type ATS_W_SMBL_FIRM|OTC_W_SMBL_FIRM, --week-start YYYY-MM-DD",
    "                 for ats: override the venue type (default: by MPID) and",
    "                 the week (default: from lastUpdateDate)",
  ],
  async run(args, { env, log }) {
    const request = parseIngestArgs(args);
    if (typeof request === "string") return usageError(request);
    const server = runningServer(env);
    if (server) {
      process.stderr.write(`a server is running on ${env.DATA_DIR} (${server.url}); sending files to it\n`);
      return report(await forward(server, request, env.API_KEY));
    }
    const local = await openLocal(env, log);
    try {
      return report(await ingestLocally(local, request));
    } finally {
      await local.close();
    }
  },
};

/** The checked request, or the usage error to report. */
function parseIngestArgs(args: string[]): IngestRequest | string {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      strict: { type: "boolean", default: false },
      accession: { type: "string" },
      "filed-date": { type: "string" },
      "summary-type": { type: "string" },
      "week-start": { type: "string" },
    },
  });
  const [kindName, ...paths] = positionals;
  if (!kindName) return "ingest needs a kind";
  const kind = ingestKind(kindName);
  if (!kind) return `unknown kind "${kindName}"; one of ${INGEST_KIND_NAMES.join(", ")}`;
  const files = expandPaths(paths);
  if (files.length === 0) return "ingest needs at least one file or folder";
  const summaryTypeText = values["summary-type"];
  const summaryType = summaryTypeText === undefined ? undefined : atsSummaryTypeOf(summaryTypeText);
  if (summaryType === null)
    return `--summary-type ${summaryTypeText}: use ATS_W_SMBL_FIRM or OTC_W_SMBL_FIRM`;
  return {
    kindName,
    kind,
    paths,
    files,
    strict: values.strict,
    accession: values.accession,
    filedDate: values["filed-date"],
    ats: { summaryType, weekStart: values["week-start"] },
  };
}

/** Sends every file to the server that owns the data folder (PGlite is single-process). */
async function forward(server: ServerInfo, r: IngestRequest, apiKey: string | undefined) {
  const options = { strict: r.strict, accession: r.accession, filedDate: r.filedDate, apiKey, ats: r.ats };
  const results: IngestResult[] = [];
  for (const upload of planUploads(r.kind, r.files, r.accession)) {
    results.push(await attempt(upload.label, () => sendUpload(server, r.kindName, upload, options)));
  }
  return results;
}

/** Ingests into the database this CLI opened; a failing file is reported and the others continue. */
async function ingestLocally({ db, bus, pipeline }: LocalDb, r: IngestRequest): Promise<IngestResult[]> {
  const results: IngestResult[] = [];
  const loader = r.kind.paths;
  if (loader) {
    // Documents that pair up on disk (SEC XML) load by path: each argument or each file is one filing.
    const hints = { origin: "cli", accession: r.accession, filedDate: r.filedDate };
    for (const target of loader.unit === "argument" ? r.paths : r.files) {
      const got = await attempt(target, () => loader.load(db.db, target, hints));
      if ("error" in got) results.push(got);
      else for (const [file, summary] of got.summary) results.push({ file, summary });
    }
    return results;
  }
  for (const file of r.files) {
    results.push(
      await attempt(file, async () => {
        let records = 0;
        const raw = createReadStream(file);
        const progress = withProgress(
          raw,
          `${r.kindName} ${basename(file)}`,
          statSync(file).size,
          () => records,
        );
        const gz = file.endsWith(".gz");
        const stream: Readable = gz ? raw.pipe(createGunzip()) : raw;
        const summary = await r.kind.run(stream, {
          db: db.db,
          pipeline,
          bus,
          name: gz ? file.slice(0, -3) : file,
          path: gz ? undefined : file,
          origin: "cli",
          strict: r.strict,
          transactional: r.strict,
          ats: r.ats,
          onProgress: (p) => {
            records = p.records;
          },
        });
        progress.done();
        return summary;
      }),
    );
  }
  return results;
}

/** Runs one file's ingest; a failure is kept as that file's result so the other files still go. */
async function attempt<T>(
  file: string,
  run: () => Promise<T>,
): Promise<{ file: string; summary: T } | { file: string; error: string }> {
  try {
    return { file, summary: await run() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { file, error: message.startsWith(file) ? message : `${file}: ${message}` };
  }
}

/** Prints one line per file (and a total for several); exit code 1 when anything was rejected or failed. */
function report(results: IngestResult[]): number {
  let rejected = 0;
  const failed: string[] = [];
  const done: IngestSummary[] = [];
  for (const result of results) {
    if ("error" in result) {
      failed.push(result.error);
      process.stdout.write(`${result.file}: FAILED\n  ${result.error}\n`);
      continue;
    }
    const { file, summary } = result;
    done.push(summary);
    rejected += summary.rejected;
    const columns = summary.columns
      ? ` (columns: ${Object.entries(summary.columns)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")})`
      : "";
    process.stdout.write(
      `${file}: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected} rejected${columns}\n`,
    );
    for (const e of summary.errors) process.stdout.write(`  ${formatLocation(e)}: ${e.message}\n`);
    if (summary.errors_truncated) process.stdout.write(`  ... more errors not shown\n`);
  }
  if (results.length > 1) {
    const sum = (k: "accepted" | "duplicates" | "rejected") => done.reduce((a, r) => a + r[k], 0);
    process.stdout.write(
      `total: ${sum("accepted")} accepted, ${sum("duplicates")} duplicates, ${sum("rejected")} rejected, ${failed.length} failed file(s)\n`,
    );
  }
  for (const f of failed) process.stderr.write(`error: ${f}\n`);
  return rejected > 0 || failed.length > 0 ? 1 : 0;
}
