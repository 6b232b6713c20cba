import { readFileSync } from "node:fs";
import { rowsOf } from "@smt/db";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "../../../test/support/app";
import { engines } from "../../../test/support/db";
import { secFixture } from "../../../test/support/sec-fixtures";

describe.each(engines())("securities upload of the real Cusip,Ticker map (%s)", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp(engine, { API_KEYS: "" });
  });
  afterAll(async () => {
    await t.close();
  });

  it("stores the mapping and reports the columns it read (Ticker as symbol, Cusip as cusip)", async () => {
    const body = readFileSync(secFixture("edgartools_cusip_ticker_map.csv"));
    const res = await t.app.request("/smart-money/ingest/securities?name=edgartools_cusip_ticker_map.csv", {
      method: "POST",
      body,
      headers: { "content-type": "text/csv" },
    });
    expect(res.status).toBe(200);
    const summary = (await res.json()) as { accepted: number; rejected: number; columns: unknown };
    expect(summary.columns).toEqual({ symbol: "Ticker", cusip: "Cusip" });
    const dataLines =
      body
        .toString("utf8")
        .split(/\r?\n/)
        .filter((l) => l.trim() !== "").length - 1;
    expect(summary.accepted + summary.rejected).toBe(dataLines);
    const rows = rowsOf<{ symbol: string }>(
      await t.handle.db.execute(sql`select symbol from securities where cusip = '037833100'`),
    );
    expect(rows).toEqual([{ symbol: "AAPL" }]);
  }, 120_000);
});
