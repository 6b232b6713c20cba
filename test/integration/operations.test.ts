import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deletePrintsBefore } from "../../server/src/darkpool/retention";
import { api, buildTestApp, ok, upload } from "../support/app";
import { engines } from "../support/db";

describe("REST rate limits", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp("pglite", { RATE_LIMIT_PER_MINUTE: "3", API_KEYS: "k1,k2" });
  });
  afterAll(async () => t.close());

  it("answers 429 with Retry-After past the limit, counted per API key", async () => {
    const get = (key: string) => api(t.app).symbols.$get({ query: {} }, { headers: { "x-api-key": key } });
    for (let i = 0; i < 3; i++) expect((await get("k1")).status).toBe(200);
    const limited = await get("k1");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: { code: "RATE_LIMITED" } });
    // Another key has its own budget.
    expect((await get("k2")).status).toBe(200);
    // The health check is not rate limited.
    expect((await t.app.request("/health")).status).toBe(200);
  });
});

describe.each(engines())("print retention on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp(engine);
  });
  afterAll(async () => t.close());

  it("deletes prints older than the cutoff and keeps newer ones", async () => {
    const lines = ["2025-01-02T15:00:00Z", "2025-03-02T15:00:00Z"]
      .map((ts) => JSON.stringify({ symbol: "RET", timestamp: ts, price: 10, size: 100 }))
      .join("\n");
    const res = await ok(upload(t.app, "prints", lines, "application/x-ndjson", { name: "ret.ndjson" }));
    expect(res).toMatchObject({ accepted: 2 });
    const deleted = await deletePrintsBefore(t.handle.db, new Date("2025-02-01T00:00:00Z"));
    expect(deleted.printDays).toEqual(["2025-01-02"]);
    const left = await t.handle.query<{ ts: string }>(
      sql`select ts::text as ts from prints where symbol = 'RET'`,
    );
    expect(left).toHaveLength(1);
  });
});
