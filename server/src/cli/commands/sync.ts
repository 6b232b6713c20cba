/**
 * `pnpm cli sync <source> [--since D] [--until D]` runs one source now (a backfill when --since reaches
 * back), with a progress bar and a summary; `pnpm cli sync --list` prints every source and its state.
 * The run goes through the same job table as the scheduler, so it shows up in /smart-money/sources.
 */
import { parseArgs } from "node:util";
import { isIsoDate } from "../../lib/et-time";
import { describeError } from "../../lib/log";
import { sourceStatuses, syncJobsFrom } from "../../sync/jobs";
import { type JobProgress, SyncRunner } from "../../sync/runner";
import type { CliCommand } from "../command";
import { openConfiguredDb } from "../local";
import { refuseBesideServer } from "../server-info";

function bar(p: JobProgress, out: NodeJS.WriteStream): void {
  const width = 24;
  const frac = p.total > 0 ? p.done / p.total : 1;
  const filled = Math.round(frac * width);
  const line = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${p.done}/${p.total} ${p.label}`;
  if (out.isTTY) out.write(`\r${line.padEnd(60)}`);
  else out.write(`${line}\n`);
}

export const syncCommand: CliCommand = {
  name: "sync",
  usage: "sync <source> [--since D] [--until D] | sync --list",
  summary: [
    "Run a public-data source now (backfill with --since; progress and a summary),",
    "or list sources with their schedule, last run, newest data and lag (docs/sync.md).",
  ],
  async run(args, { env, log }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { since: { type: "string" }, until: { type: "string" }, list: { type: "boolean" } },
    });
    const jobs = syncJobsFrom(env, { ignoreSwitches: true });
    const source = positionals[0];
    if (!values.list && !source) {
      process.stderr.write(
        `error: sync needs a source (${jobs.map((j) => j.source).join(", ")}) or --list\n`,
      );
      return 2;
    }
    if (source && !jobs.some((j) => j.source === source)) {
      process.stderr.write(
        `error: unknown source "${source}"; one of ${jobs.map((j) => j.source).join(", ")}\n`,
      );
      return 2;
    }
    for (const [name, d] of [
      ["--since", values.since],
      ["--until", values.until],
    ] as const) {
      if (d !== undefined && !isIsoDate(d)) {
        process.stderr.write(`error: ${name} must be a YYYY-MM-DD date, got "${d}"\n`);
        return 2;
      }
    }
    const refused = refuseBesideServer(
      env,
      "sync",
      "The server runs the same jobs on its schedule; see GET /smart-money/sources.",
    );
    if (refused !== null) return refused;
    const db = await openConfiguredDb(env);
    try {
      if (values.list) {
        const statuses = await sourceStatuses(db.db, syncJobsFrom(env), Date.now());
        for (const s of statuses) {
          process.stdout.write(
            `${s.source.padEnd(14)} ${s.state.padEnd(9)} ${s.schedule}\n` +
              `  newest data ${s.newest_data_date ?? "-"} (expected ${s.expected_data_date ?? "-"}, lag ${s.lag_seconds ?? "-"} s)\n` +
              `  last success ${s.last_success_at ?? "-"}, last attempt ${s.last_attempt_at ?? "-"} (${s.last_status ?? "-"})\n` +
              `  next run ${s.next_run_at ?? (s.disabled_reason ? `off: ${s.disabled_reason}` : "-")}` +
              `${s.last_error ? `\n  last error: ${s.last_error}` : ""}\n`,
          );
        }
        return 0;
      }
      const runner = new SyncRunner({ db: db.db, jobs, log, owner: `cli:${process.pid}` });
      const { outcome } = await runner.runNow(
        source as string,
        { since: values.since, until: values.until },
        (p) => bar(p, process.stderr),
      );
      if (process.stderr.isTTY) process.stderr.write("\n");
      const stats = Object.entries(outcome.stats ?? {})
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ");
      process.stdout.write(`${source}: ${outcome.status}${stats ? ` (${stats})` : ""}\n`);
      if (outcome.error) process.stderr.write(`  error: ${outcome.error}\n`);
      return outcome.status === "succeeded" ? 0 : 1;
    } catch (err) {
      process.stderr.write(`error: ${describeError(err)}\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
