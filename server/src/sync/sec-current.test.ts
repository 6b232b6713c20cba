import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { engines } from "../../../test/support/db";
import {
  archivePath,
  atomEntry,
  SAMPLE_FILINGS,
  sampleFiling,
  variantOf,
} from "../../../test/support/fake-edgar";
import { secSyncFixture, secTestOptions, TEST_SEC_USER_AGENT } from "../../../test/support/sec-sync-fixture";
import { createLogger } from "../lib/log";
import { SyncRunner } from "./runner";
import { SEC_CURRENT_SOURCE, type SecCurrentOptions, secCurrentJob } from "./sec-current.job";
import { claimItem, sourceState } from "./sync.store";
import { startFakeUpstream } from "./test-upstream";

const log = createLogger("silent");
const UA = TEST_SEC_USER_AGENT;
const { air, arw, acorn } = SAMPLE_FILINGS;
/** Wednesday 2025-02-19 12:00 ET: inside EDGAR's filing hours. */
const NOON = Date.parse("2025-02-19T17:00:00Z");
const ALLOWED_PATH =
  /^\/cgi-bin\/browse-edgar\?action=getcurrent&type=(4|13F-HR)&company=&dateb=&owner=include&start=\d+&count=100&output=atom$|^\/Archives\/edgar\/data\/\d{1,10}\/\d{18}\/\d{10}-\d{2}-\d{6}\.txt$/;

describe.each(engines())("sec-current (EDGAR latest filings) on %s", (engine) => {
  const fx = secSyncFixture(engine, () => {
    nowMs = NOON;
  });
  let nowMs = NOON;
  const options = (o: Partial<SecCurrentOptions> = {}): SecCurrentOptions => ({
    intervalS: 60,
    ...secTestOptions(fx.edgar.url),
    ...o,
  });
  const runner = (owner = "node-a", o = options()) =>
    new SyncRunner({ db: fx.handle.db, jobs: [secCurrentJob(o)], log, clock: () => nowMs, owner });
  const run = async (o?: Partial<SecCurrentOptions>) =>
    (await runner("node-a", options(o)).runNow(SEC_CURRENT_SOURCE, {})).outcome;
  const insiderAccessions = async () =>
    (await fx.handle.query<{ a: string }>(sql`select accession as a from insider_filings order by 1`)).map(
      (r) => r.a,
    );

  it("stores each new Form 4 and 13F on the feed once, through the archive .txt; a re-run stores nothing", async () => {
    for (const f of ["air", "arw", "acorn"] as const) fx.edgar.publish(sampleFiling(f));
    const first = await run();
    expect(first.status).toBe("succeeded");
    expect(first.stats).toMatchObject({
      pages: 2,
      feed_entries: 5,
      new: 3,
      stored: 3,
      failed: 0,
      malformed: 0,
    });
    // One request per filing, under the issuer's (or filer's) CIK, plus one feed page per form type.
    expect(fx.edgar.archiveRequests().sort()).toEqual(
      [
        archivePath("1750", air.accession),
        archivePath("7536", arw.accession),
        archivePath("1994827", acorn.accession),
      ].sort(),
    );
    expect(fx.edgar.upstream.requests.every((r) => r.userAgent === UA)).toBe(true);
    expect(await insiderAccessions()).toEqual([air.accession, arw.accession]);
    expect(await fx.count("thirteenf_holdings")).toBe(77);
    const rows = await fx.count("insider_transactions");
    const state = await sourceState(fx.handle.db, SEC_CURRENT_SOURCE);
    expect(state).toMatchObject({ newestDataDate: "2025-02-13", lastStatus: "succeeded", lastError: null });

    fx.edgar.upstream.requests.length = 0;
    const again = await run();
    expect(again.stats).toMatchObject({ new: 0, stored: 0, failed: 0 });
    expect(fx.edgar.archiveRequests()).toEqual([]);
    expect(await fx.count("insider_transactions")).toBe(rows);
    expect(await fx.count("thirteenf_holdings")).toBe(77);

    // A filing that appears later is the only one fetched; paging stops at known ground.
    const later = variantOf(sampleFiling("air"), "0001127602-25-009001", "2025-02-19T11:59:00-05:00");
    fx.edgar.publish(later);
    const third = await run();
    expect(third.stats).toMatchObject({ pages: 2, new: 1, stored: 1 });
    expect(fx.edgar.archiveRequests()).toEqual([archivePath("1750", later.accession)]);
    expect(await insiderAccessions()).toContain(later.accession);
  });

  it("skips and counts malformed entries; an entry pointing elsewhere never makes the server fetch another host or path", async () => {
    const elsewhere = await startFakeUpstream();
    try {
      fx.edgar.publish(sampleFiling("air"));
      const listing = { cik: "0000000001", name: "HOSTILE", role: "Issuer" };
      const decoy = { ...air, accession: "0000000001-25-000001" };
      const entry = atomEntry(decoy, listing);
      // Valid accession and CIK, but the link points at another host and path: the link is never used.
      fx.edgar.publishRaw("4", entry.replace(/href="[^"]*"/, `href="${elsewhere.url}/steal?x=1"`));
      fx.edgar.publishRaw("4", entry.replace("(0000000001)", `(../../..${elsewhere.url})`));
      fx.edgar.publishRaw(
        "4",
        entry.replace("accession-number=0000000001-25-000001", `accession-number=${elsewhere.url}/x`),
      );
      fx.edgar.publishRaw(
        "4",
        entry.replace("4 - HOSTILE", "424B2 - HOSTILE").replace('term="4"', 'term="424B2"'),
      );
      fx.edgar.publishRaw("4", "<entry><title>4 - no id at all</title></entry>\n");
      const outcome = await run();
      expect(outcome.status).toBe("succeeded");
      expect(outcome.stats).toMatchObject({ malformed: 3, other_forms: 1, new: 2, stored: 1, failed: 1 });
      expect(elsewhere.requests).toEqual([]);
      for (const r of fx.edgar.upstream.requests) expect(r.path).toMatch(ALLOWED_PATH);
      // The decoy was asked for only at the address built from its checked accession and CIK.
      expect(fx.edgar.archiveRequests()).toContain(archivePath("1", "0000000001-25-000001"));
      expect(await insiderAccessions()).toEqual([air.accession]);
    } finally {
      await elsewhere.close();
    }
  });

  it("a node killed mid-drain loses nothing: its filing is taken over when the lease lapses; no duplicates", async () => {
    for (const f of ["air", "arw", "acorn"] as const) fx.edgar.publish(sampleFiling(f));
    // Node A reads the feed (queueing all three), claims the oldest filing, then dies.
    expect((await run({ maxFilingsPerRun: 0 })).stats).toMatchObject({ new: 3, stored: 0 });
    const claimed = await claimItem(fx.handle.db, SEC_CURRENT_SOURCE, {
      now: new Date(nowMs),
      leaseMs: 600_000,
      maxAttempts: 5,
      retryBaseMs: 30_000,
    });
    expect(claimed?.itemKey).toBe(air.accession);
    // Node B drains the rest; A's filing is left alone while A's lease holds.
    const b = (await runner("node-b").runNow(SEC_CURRENT_SOURCE, {})).outcome;
    expect(b.stats).toMatchObject({ new: 0, stored: 2 });
    expect(fx.edgar.archiveRequests()).not.toContain(archivePath("1750", air.accession));
    nowMs += 10 * 60_000 + 1000;
    const later = (await runner("node-b").runNow(SEC_CURRENT_SOURCE, {})).outcome;
    expect(later.stats).toMatchObject({ stored: 1 });
    expect(await insiderAccessions()).toEqual([air.accession, arw.accession]);
    expect(await fx.count("thirteenf_holdings")).toBe(77);
    // Rows committed but the item not marked (a crash between the two): stored again as duplicates only.
    const rows = await fx.count("insider_transactions");
    await fx.handle.query(sql`update sync_items set status = 'queued' where item_key = ${air.accession}`);
    const replay = (await runner("node-b").runNow(SEC_CURRENT_SOURCE, {})).outcome;
    expect(replay.stats).toMatchObject({ stored: 1, rows_accepted: 0 });
    expect((replay.stats?.rows_duplicate as number) > 0).toBe(true);
    expect(await fx.count("insider_transactions")).toBe(rows);
  });

  it("refuses --since/--until (the feed holds only recent filings)", async () => {
    const { outcome } = await runner().runNow(SEC_CURRENT_SOURCE, { since: "2025-01-01" });
    expect(outcome.status).toBe("dead");
    expect(outcome.error).toMatch(/--since\/--until do not apply.*fetch sec/);
  });
});
