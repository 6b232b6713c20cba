import { edgarClientFrom, fetchSec, parseFetchSecArgs } from "../../institutional/institutional.cli";
import { describeError } from "../../lib/log";
import { formatLocation } from "../../lib/records";
import type { CliCommand } from "../command";
import { openConfiguredDb } from "../local";
import { refuseBesideServer } from "../server-info";

export const fetchCommand: CliCommand = {
  name: "fetch",
  usage:
    "fetch sec --ticker T --forms 4 --since D | --filer CIK --forms 13F-HR --since D | --dataset 13f --quarter 2025Q3",
  summary: ["Download SEC EDGAR filings or a quarterly data set (needs SEC_USER_AGENT) and ingest them."],
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
    const db = await openConfiguredDb(env);
    try {
      const result = await fetchSec(db.db, edgarClientFrom(env, db.db), parseFetchSecArgs(rest));
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
