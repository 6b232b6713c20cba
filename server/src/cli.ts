import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { createGunzip } from "node:zlib";
import { openDb } from "@smt/db";
import "./analytics/analytics.cli";
import { extraCommands } from "./cli/commands";
import { withProgress } from "./cli/progress";
import { type ServerInfo, serverInfoPath } from "./cli/server-info";
import { atsSummaryTypeOf } from "./darkpool/ats.parse";
import { PrintPipeline } from "./darkpool/pipeline";
import { type Env, loadEnv } from "./env";
import { generateDemo } from "./feeds/demo";
import { INGEST_KINDS, ingestKind } from "./ingest/kinds";
import { ingest13FPaths, ingestForm4Paths } from "./institutional/institutional.cli";
import type { IngestSummary } from "./lib/ingest";
import { createLogger, type Logger } from "./lib/log";
import { formatLocation } from "./lib/records";
import { normalizeSymbol } from "./lib/symbols";
import { LiveBus } from "./realtime/bus";

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
opening the folder (PGlite is single-process).
Exit code: 0 when everything was accepted, 1 when any record was rejected or a command failed, 2 on usage errors.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${HELP}\n`);
    return command ? 0 : 2;
  }
  const env = loadEnv();
  const log = createLogger(env.LOG_LEVEL === "info" ? "warn" : env.LOG_LEVEL);

  if (command === "migrate") {
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
    const results: { file: string; summary: IngestSummary }[] = [];
    if (server) {
      process.stderr.write(`a server is running on ${env.DATA_DIR} (${server.url}); sending files to it\n`);
      for (const file of files)
        results.push({ file, summary: await uploadToServer(server, kind, file, values.strict, ats) });
    } else {
      const { db, pipeline, close } = await openLocal(env, log);
      // SEC XML documents pair up by folder (cover page + information table), so these kinds take the paths.
      const byPaths = kind === "13f" ? ingest13FPaths : kind === "form4" ? ingestForm4Paths : null;
      try {
        if (byPaths) {
          const hints = { origin: "cli", accession: values.accession, filedDate: values["filed-date"] };
          for (const [file, summary] of await byPaths(db.db, paths, hints)) results.push({ file, summary });
        }
        for (const file of byPaths ? [] : files) {
          let records = 0;
          const raw = createReadStream(file);
          const progress = withProgress(raw, `${kind} ${basename(file)}`, statSync(file).size, () => records);
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
          results.push({ file, summary });
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

function runningServer(env: ReturnType<typeof loadEnv>): ServerInfo | null {
  if (env.DATABASE_URL) return null;
  const path = serverInfoPath(env.DATA_DIR);
  if (!existsSync(path)) return null;
  try {
    const info = JSON.parse(readFileSync(path, "utf8")) as ServerInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

async function uploadToServer(
  server: ServerInfo,
  kind: string,
  file: string,
  strict: boolean,
  ats: { summaryType?: string | undefined; weekStart?: string | undefined },
): Promise<IngestSummary> {
  const raw = createReadStream(file);
  const body = (file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw) as unknown as ReadableStream;
  const name = encodeURIComponent(basename(file.endsWith(".gz") ? file.slice(0, -3) : file));
  const type = /\.(ndjson|jsonl|json)$/.test(name) ? "application/x-ndjson" : "text/csv";
  const extra = new URLSearchParams();
  if (ats.summaryType) extra.set("summary_type", ats.summaryType);
  if (ats.weekStart) extra.set("week_start", ats.weekStart);
  const query = `name=${name}&strict=${strict}${extra.size > 0 ? `&${extra}` : ""}`;
  const res = await fetch(`${server.url}/smart-money/ingest/${kind}?${query}`, {
    method: "POST",
    body,
    headers: { "content-type": type },
    duplex: "half",
  } as RequestInit);
  const json = (await res.json()) as IngestSummary | { error: { code: string; message: string } };
  if ("error" in json) throw new Error(`${file}: ${json.error.code}: ${json.error.message}`);
  return json;
}

function report(results: { file: string; summary: IngestSummary }[]): number {
  let rejected = 0;
  for (const { file, summary } of results) {
    rejected += summary.rejected;
    process.stdout.write(
      `${file}: ${summary.accepted} accepted, ${summary.duplicates} duplicates, ${summary.rejected} rejected\n`,
    );
    for (const e of summary.errors) process.stdout.write(`  ${formatLocation(e)}: ${e.message}\n`);
    if (summary.errors_truncated) process.stdout.write(`  ... more errors not shown\n`);
  }
  if (results.length > 1) {
    const sum = (k: "accepted" | "duplicates" | "rejected") => results.reduce((a, r) => a + r.summary[k], 0);
    process.stdout.write(
      `total: ${sum("accepted")} accepted, ${sum("duplicates")} duplicates, ${sum("rejected")} rejected\n`,
    );
  }
  return rejected > 0 ? 1 : 0;
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
