import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { createGunzip } from "node:zlib";
import { openDb } from "@smt/db";
import "./analytics/analytics.cli";
import { extraCommands } from "./cli/commands";
import { planUploads, sendUpload } from "./cli/forward";
import { withProgress } from "./cli/progress";
import { refuseBesideServer, runningServer } from "./cli/server-info";
import { atsSummaryTypeOf } from "./darkpool/ats.parse";
import { PrintPipeline } from "./darkpool/pipeline";
import { type Env, loadEnv } from "./env";
import { generateDemo } from "./feeds/demo";
import { INGEST_KINDS, ingestKind } from "./ingest/kinds";
import { accessionFromPath, ingest13FPaths, ingestForm4Paths } from "./institutional/institutional.cli";
import type { IngestSummary } from "./lib/ingest";
import { createLogger, describeError, type Logger } from "./lib/log";
import { formatLocation } from "./lib/records";
import { normalizeSymbol } from "./lib/symbols";
import { LiveBus } from "./realtime/bus";
import { syncCommand } from "./sync/sync.cli";

const HELP = `Smart Money Tracker CLI

Usage: pnpm cli <command> [options]

Commands:
  ingest <kind> <paths...>     Load files (or folders of files) through the ingest pipeline.
                               Kinds: ${Object.keys(INGEST_KINDS).join(", ")}
                               .gz files are decompressed on the fly. Options:
                                 --strict       store nothing from a file with any bad record
                                 --accession A, --filed-date YYYY-MM-DD
                                                for bare SEC XML (13f, form4) without a submission wrapper
                                 --summary-type ATS_W_SMBL_FIRM|OTC_W_SMBL_FIRM, --week-start YYYY-MM-DD
                                                for ats: override the venue type (default: by MPID) and
                                                the week (default: from lastUpdateDate)
  replay <file> [--speed N]    Start the service and play a recorded prints file as a live feed
                               (N = 1 real time, 10 = ten times faster, 0 = as fast as possible).
  demo <SYMBOLS...> [--days N] Generate N weekdays (default 7) of demo data for each symbol.
  migrate                      Apply pending database migrations and exit.
${extraCommands.map((c) => `  ${c.usage}\n${" ".repeat(31)}${c.summary}`).join("\n")}
  help                         This text.

Database: DATABASE_URL (real Postgres) or the embedded PGlite folder under DATA_DIR (default ./data).
While a server runs on the embedded folder, ingest and demo send their work to that server instead of
opening the folder (PGlite is single-process): every ingest kind is uploaded with --accession/--filed-date,
.gz files travel compressed, and API_KEY (if set) is sent as x-api-key. migrate, backtest and fetch refuse
to open a folder a server owns. With several files, a failing one is reported and the others continue.
Exit code: 0 when everything was accepted, 1 when any record was rejected, any file failed or a command
failed, 2 on usage errors.`;

if (!extraCommands.some((c) => c.name === syncCommand.name)) extraCommands.push(syncCommand);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL);

  if (command === "migrate") {
    const refused = refuseBesideServer(
      env,
      "migrate",
      "The server applied every pending migration when it opened the folder; restart it to apply new ones.",
    );
    if (refused !== null) return refused;
    const db = await openDb({ url: env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite` });
    await db.close();
    process.stdout.write("migrations applied\n");
    return 0;
  }

  if (command === "replay") {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { speed: { type: "string" } },
    });
    const file = positionals[0];
    if (!file) return usage("replay needs a file");
    const { startServer } = await import("./server");
    const { servicePlugins } = await import("./plugins");
    const server = await startServer({
      env: {
        ...env,
        FEED: "replay",
        REPLAY_FILE: file,
        REPLAY_SPEED: Number(values.speed ?? env.REPLAY_SPEED),
        DEMO: "off",
      },
      log: createLogger(env.LOG_LEVEL),
      plugins: servicePlugins,
    });
    process.stdout.write(
      `replaying ${file}; dashboard at ${server.url}/smart-money/dashboard (Ctrl-C to stop)\n`,
    );
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    await server.close();
    return 0;
  }

  if (command === "ingest") {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        strict: { type: "boolean", default: false },
        accession: { type: "string" },
        "filed-date": { type: "string" },
        "summary-type": { type: "string" },
        "week-start": { type: "string" },
      },
    });
    const [kind, ...paths] = positionals;
    if (!kind) return usage("ingest needs a kind");
    const handler = ingestKind(kind);
    if (!handler) return usage(`unknown kind "${kind}"; one of ${Object.keys(INGEST_KINDS).join(", ")}`);
    const files = expandPaths(paths);
    if (files.length === 0) return usage("ingest needs at least one file or folder");
    const summaryTypeText = values["summary-type"];
    const summaryType = summaryTypeText === undefined ? undefined : atsSummaryTypeOf(summaryTypeText);
    if (summaryType === null)
      return usage(`--summary-type ${summaryTypeText}: use ATS_W_SMBL_FIRM or OTC_W_SMBL_FIRM`);
    const ats = { summaryType, weekStart: values["week-start"] };
    const server = runningServer(env);
    const results: IngestResult[] = [];
    if (server) {
      process.stderr.write(`a server is running on ${env.DATA_DIR} (${server.url}); sending files to it\n`);
      const options = {
        strict: values.strict,
        accession: values.accession,
        filedDate: values["filed-date"],
        apiKey: env.API_KEY,
        ats,
      };
      for (const upload of planUploads(kind, handler, files, accessionFromPath, values.accession)) {
        results.push(await attempt(upload.label, () => sendUpload(server, kind, upload, options)));
      }
    } else {
      const { db, pipeline, close } = await openLocal(env, log);
      // SEC XML documents pair up by folder (cover page + information table), so these kinds take the paths.
      const byPaths = kind === "13f" ? ingest13FPaths : kind === "form4" ? ingestForm4Paths : null;
      try {
        if (byPaths) {
          const hints = { origin: "cli", accession: values.accession, filedDate: values["filed-date"] };
          // A 13F folder is one filing; Form 4 files are one filing each. A failing one does not stop the rest.
          for (const target of kind === "13f" ? paths : files) {
            const got = await attempt(target, () => byPaths(db.db, [target], hints));
            if ("error" in got) results.push(got);
            else for (const [file, summary] of got.summary) results.push({ file, summary });
          }
        }
        for (const file of byPaths ? [] : files) {
          results.push(
            await attempt(file, async () => {
              let records = 0;
              const raw = createReadStream(file);
              const progress = withProgress(
                raw,
                `${kind} ${basename(file)}`,
                statSync(file).size,
                () => records,
              );
              const stream: Readable = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
              const summary = await handler.run(stream, {
                db: db.db,
                pipeline,
                name: file.endsWith(".gz") ? file.slice(0, -3) : file,
                path: file.endsWith(".gz") ? undefined : file,
                origin: "cli",
                strict: values.strict,
                transactional: values.strict,
                ats,
                onProgress: (p) => {
                  records = p.records;
                },
              });
              progress.done();
              return summary;
            }),
          );
        }
      } finally {
        await close();
      }
    }
    return report(results);
  }

  if (command === "demo") {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { days: { type: "string" } },
    });
    const days = Number(values.days ?? 7);
    if (!Number.isInteger(days) || days < 1 || days > 365)
      return usage("--days must be a whole number from 1 to 365");
    const symbols = positionals.map(normalizeSymbol);
    if (symbols.length === 0) return usage("demo needs at least one symbol");
    const server = runningServer(env);
    if (server) {
      for (const symbol of symbols) {
        const res = await fetch(`${server.url}/smart-money/demo/${symbol}/generate-data?days=${days}`, {
          method: "POST",
        });
        process.stdout.write(`${symbol}: ${await res.text()}\n`);
      }
      return 0;
    }
    const { db, pipeline, close } = await openLocal(env, log);
    try {
      for (const symbol of symbols) {
        const s = await generateDemo({ db: db.db, pipeline, symbol, days });
        process.stdout.write(
          `${symbol}: ${s.days} days, ${s.prints} prints, ${s.bars} bars, ${s.short_volume_rows} short-volume rows, ${s.ats_rows} ATS rows\n`,
        );
      }
    } finally {
      await close();
    }
    return 0;
  }

  const extra = extraCommands.find((c) => c.name === command);
  if (extra) return extra.run(rest, { env, log });
  return usage(`unknown command "${command}"`);
}

/** The database this CLI opens itself (no server owns it), with a print pipeline that announces to nobody. */
async function openLocal(env: Env, log: Logger) {
  const db = await openDb({ url: env.DATABASE_URL, dataDir: `${env.DATA_DIR}/pglite` });
  const pipeline = new PrintPipeline({
    db: db.db,
    bus: new LiveBus(),
    log,
    lastLitWindowMs: env.LAST_LIT_WINDOW_MS,
  });
  return {
    db,
    pipeline,
    async close() {
      await pipeline.close();
      await db.close();
    },
  };
}

function usage(message: string): number {
  process.stderr.write(`error: ${message}\n\nRun \`pnpm cli help\` for usage.\n`);
  return 2;
}

/** Files named, and the files directly inside folders named (sorted, hidden files skipped). */
export function expandPaths(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`${p}: no such file or folder`);
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (!name.startsWith(".") && statSync(join(p, name)).isFile()) out.push(join(p, name));
      }
    } else out.push(p);
  }
  return out;
}

type IngestResult = { file: string; summary: IngestSummary } | { file: string; error: string };

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

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`error: ${describeError(error)}\n`);
    process.exit(1);
  });
