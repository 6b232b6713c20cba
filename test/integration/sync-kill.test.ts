/**
 * `kill -9` in the middle of a real sync: the real CLI (`pnpm cli sync finra-regsho ...`) as a child
 * process against real Postgres and a local FINRA CDN that serves the real Reg SHO files slowly, so the
 * SIGKILL lands while a day is being downloaded. A second run must fill exactly what is missing (no gaps,
 * no duplicates: each day holds exactly its file's rows) and a third run must store nothing new.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engines, openTestDb } from "../support/db";
import { START_TIMEOUT_MS, spawnCli } from "../support/processes";

const FILES: Record<string, URL> = {
  "2021-01-04": new URL("../fixtures/finra/CNMSshvol20210104.txt", import.meta.url),
  "2021-01-25": new URL("../fixtures/analytics/CNMSshvol20210125.txt", import.meta.url),
  "2021-01-26": new URL("../fixtures/analytics/CNMSshvol20210126.txt", import.meta.url),
  "2021-01-27": new URL("../fixtures/analytics/CNMSshvol20210127.txt", import.meta.url),
  "2021-01-28": new URL("../fixtures/analytics/CNMSshvol20210128.txt", import.meta.url),
};
const bodyOf = (day: string) => readFileSync(FILES[day] as URL);
/** Rows in a file: every line but the header and the record-count trailer. */
const rowsOf = (day: string) => bodyOf(day).toString("utf8").trim().split("\n").length - 2;
const ARGS = ["sync", "finra-regsho", "--since", "2021-01-04", "--until", "2021-01-28"];

/** FINRA's CDN layout; each file trickles out in 32 KB pieces every 100 ms (about a second a file). */
async function startSlowCdn() {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const m = /^\/equity\/regsho\/daily\/CNMSshvol(\d{4})(\d{2})(\d{2})\.txt$/.exec(req.url ?? "");
    const day = m ? `${m[1]}-${m[2]}-${m[3]}` : "";
    requests.push(day);
    if (!FILES[day]) {
      res
        .writeHead(403, { "content-type": "application/xml" })
        .end("<Error><Code>AccessDenied</Code></Error>");
      return;
    }
    const body = bodyOf(day);
    res.writeHead(200, { "content-type": "text/plain", "content-length": String(body.length) });
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      res.write(body.subarray(at, at + 32 * 1024));
      at += 32 * 1024;
      if (at >= body.length) {
        clearInterval(timer);
        res.end();
      }
    }, 100);
    res.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!engines().includes("postgres"))("kill -9 mid-sync (real CLI, real Postgres)", () => {
  let db: DbHandle & { url?: string };
  let cdn: Awaited<ReturnType<typeof startSlowCdn>>;
  let env: Record<string, string>;
  const rowsPerDay = async () => {
    const rows = await db.query<{ day: string; n: number }>(
      sql`select day::text as day, count(*)::int as n from short_volume where facility = 'CNMS' group by day`,
    );
    return Object.fromEntries(rows.map((r) => [r.day, Number(r.n)]));
  };

  beforeAll(async () => {
    db = await openTestDb("postgres");
    cdn = await startSlowCdn();
    env = {
      DATABASE_URL: db.url as string,
      FINRA_REGSHO_BASE_URL: `${cdn.url}/equity/regsho/daily`,
      DATA_DIR: mkdtempSync(join(tmpdir(), "smt-kill-")),
      DEMO: "off",
    };
  });
  afterAll(async () => {
    await cdn?.close();
    await db?.close();
  });

  it("a second run fills exactly the days the killed one left, a third stores nothing new", {
    timeout: 3 * START_TIMEOUT_MS,
  }, async () => {
    // Run 1: killed while 2021-01-26 is downloading (01-04 and 01-25 are stored by then).
    const first = spawnCli(ARGS, env);
    await first.waitFor(/ 2021-01-26\n/);
    while (!cdn.requests.includes("2021-01-26")) await new Promise((r) => setTimeout(r, 20));
    await first.kill();
    expect(first.proc.signalCode).toBe("SIGKILL");
    expect(await rowsPerDay()).toEqual({
      "2021-01-04": rowsOf("2021-01-04"),
      "2021-01-25": rowsOf("2021-01-25"),
    });
    const killed = await db.query<{ status: string; finished_at: Date | null }>(
      sql`select status, finished_at from sync_runs`,
    );
    expect(killed).toEqual([{ status: "running", finished_at: null }]);

    // Run 2: the days already stored are skipped, the rest land whole.
    cdn.requests.length = 0;
    const second = spawnCli(ARGS, env);
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(
      /finra-regsho: succeeded \(days: 18, already: 2, stored: 3, not_published: 13/,
    );
    expect(cdn.requests.filter((d) => FILES[d])).toEqual(["2021-01-26", "2021-01-27", "2021-01-28"]);
    const full = Object.fromEntries(Object.keys(FILES).map((d) => [d, rowsOf(d)]));
    expect(await rowsPerDay()).toEqual(full);

    // Run 3: nothing new; no stored day is downloaded again.
    cdn.requests.length = 0;
    const third = spawnCli(ARGS, env);
    expect(await third.exited).toBe(0);
    expect(third.output()).toMatch(/already: 5, stored: 0, not_published: 13, accepted: 0, duplicates: 0/);
    expect(cdn.requests.filter((d) => FILES[d])).toEqual([]);
    expect(await rowsPerDay()).toEqual(full);
  });
});
