import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "../../../test/support/app";
import { createLogger } from "../lib/log";
import { FINRA_REGSHO_SOURCE } from "./finra-regsho.job";
import { type SourceStatus, statusMetrics, syncJobsFrom } from "./jobs";
import { SyncRunner } from "./runner";
import { type FakeUpstream, startFakeUpstream } from "./test-upstream";

const fixture = readFileSync(
  new URL("../../../test/fixtures/analytics/CNMSshvol20210127.txt", import.meta.url),
);

describe("GET /smart-money/sources", () => {
  let upstream: FakeUpstream;
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  let nowMs = Date.parse("2021-01-28T00:00:00Z"); // 2021-01-27 19:00 ET

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    upstream.files.set("/equity/regsho/daily/CNMSshvol20210127.txt", fixture);
    t = await buildTestApp("pglite", {
      FINRA_REGSHO_BASE_URL: `${upstream.url}/equity/regsho/daily`,
      FINRA_REGSHO_BACKFILL_DAYS: "1",
    });
    t.deps.now = () => new Date(nowMs);
  });
  afterAll(async () => {
    await t.close();
    await upstream.close();
  });

  const sources = async () => {
    const res = await t.app.request("/smart-money/sources");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { sources: Record<string, unknown>[] };
    return body.sources;
  };

  it("shows a source that never ran, its schedule and next run at 18:00 ET; SYNC=off says so", async () => {
    const [finra] = await sources();
    expect(finra).toMatchObject({
      source: FINRA_REGSHO_SOURCE,
      enabled: false,
      disabled_reason: "SYNC=off",
      state: "off",
      schedule: "trading days at 18:00, 21:00 ET",
      newest_data_date: null,
      expected_data_date: "2021-01-27",
      expected_published_at: "2021-01-27T23:00:00.000Z",
    });
  });

  it("after a run: last success, newest data date, no lag; the next morning the source is late by the hours past 18:00", async () => {
    const jobs = syncJobsFrom(t.deps.env, { ignoreSwitches: true });
    const runner = new SyncRunner({ db: t.handle.db, jobs, log: createLogger("silent"), clock: () => nowMs });
    const { outcome } = await runner.runNow(FINRA_REGSHO_SOURCE, {});
    expect(outcome.status).toBe("succeeded");
    const [finra] = await sources();
    expect(finra).toMatchObject({
      newest_data_date: "2021-01-27",
      last_success_at: new Date(nowMs).toISOString(),
      last_status: "succeeded",
      last_error: null,
      lag_seconds: 0,
    });
    // 2021-01-28 20:00 ET: that day's file was due at 18:00 ET and is not stored.
    nowMs = Date.parse("2021-01-29T01:00:00Z");
    const [late] = await sources();
    expect(late).toMatchObject({ expected_data_date: "2021-01-28", lag_seconds: 7200 });
    // /metrics carries the same figures.
    const metrics = statusMetrics([late as unknown as SourceStatus]);
    expect(metrics.get(`smt_sync_lag_seconds{source="finra-regsho"}`)).toBe(7200);
    expect(metrics.get(`smt_sync_last_success_timestamp_seconds{source="finra-regsho"}`)).toBe(
      Date.parse("2021-01-28T00:00:00Z") / 1000,
    );
  });
});
