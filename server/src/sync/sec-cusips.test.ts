import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DbHandle } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb } from "../../../test/support/db";
import { sampleFiling } from "../../../test/support/fake-edgar";
import { ingestSubmissionText } from "../institutional/institutional.cli";
import { createLogger } from "../lib/log";
import { SyncRunner } from "./runner";
import { CUSIP_MAP_SOURCE, cusipMapJob } from "./sec-cusips.job";

describe("cusip-map (held 13F CUSIPs through OpenFIGI)", () => {
  let handle: DbHandle;
  let figi: Server;
  let base = "";
  const asked: string[][] = [];
  /** Bytes of padding a hostile OpenFIGI adds to its answer (0: an honest one). */
  let padding = 0;

  beforeAll(async () => {
    handle = await openTestDb("pglite");
    const acorn = sampleFiling("acorn");
    await ingestSubmissionText(handle.db, acorn.body, {
      accession: acorn.accession,
      form: acorn.form,
      filingDate: acorn.filed,
    });
    // OpenFIGI's mapping API: one answer per job, in order; it knows Apple only.
    figi = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => {
        raw += c;
      });
      req.on("end", () => {
        const jobs = JSON.parse(raw) as { idValue: string }[];
        asked.push(jobs.map((j) => j.idValue));
        if (padding > 0) {
          // No Content-Length: the cap must hold while reading.
          res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
          res.end(`[${" ".repeat(padding)}]`);
          return;
        }
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(
            JSON.stringify(
              jobs.map((j) =>
                j.idValue === "037833100"
                  ? { data: [{ ticker: "AAPL", name: "APPLE INC" }] }
                  : { warning: "No identifier found." },
              ),
            ),
          );
      });
    });
    await new Promise<void>((r) => figi.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(figi.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    figi.closeAllConnections();
    await new Promise<void>((r) => figi.close(() => r()));
    await handle.close();
  });

  const run = async (apiKey: string | undefined, maxBytes?: number) => {
    const job = cusipMapJob({ apiKey, baseUrl: base, timeoutMs: 5000, maxBytes });
    const runner = new SyncRunner({ db: handle.db, jobs: [job], log: createLogger("silent"), owner: "n" });
    return { job, outcome: () => runner.runNow(CUSIP_MAP_SOURCE, {}) };
  };

  it("is off without OPENFIGI_API_KEY (the CUSIPs would leave the service)", async () => {
    const { job, outcome } = await run(undefined);
    expect(job.disabledReason).toMatch(/OPENFIGI_API_KEY is not set/);
    await expect(outcome()).rejects.toThrow(/cusip-map is off/);
    expect(asked).toEqual([]);
  });

  it("maps the held CUSIPs nobody maps yet, once; a re-run sends only the ones still unknown", async () => {
    const first = (await (await run("k")).outcome()).outcome;
    expect(first.stats).toEqual({ mapped: 1, unmapped: 76 });
    expect(asked.flat()).toHaveLength(77);
    const [apple] = await handle.query<{ symbol: string; source: string }>(
      sql`select symbol, source from securities where cusip = '037833100'`,
    );
    expect(apple).toEqual({ symbol: "AAPL", source: "openfigi" });
    asked.length = 0;
    const again = (await (await run("k")).outcome()).outcome;
    expect(again.stats).toEqual({ mapped: 0, unmapped: 76 });
    expect(asked.flat()).toHaveLength(76);
    expect(asked.flat()).not.toContain("037833100");
  });

  it("refuses an OpenFIGI answer over its size cap and maps nothing from it", async () => {
    padding = 64 * 1024;
    try {
      const { outcome } = await (await run("k", 16 * 1024)).outcome();
      expect(outcome.status).toBe("dead");
      expect(outcome.error).toMatch(/OpenFIGI \/v3\/mapping: body over the 16384-byte limit/);
    } finally {
      padding = 0;
    }
    const [n] = await handle.query<{ n: number }>(
      sql`select count(*)::int as n from securities where source = 'openfigi'`,
    );
    expect(Number(n?.n)).toBe(1);
  });
});
