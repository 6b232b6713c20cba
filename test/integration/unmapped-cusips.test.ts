import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp } from "../support/app";

describe("13F CUSIPs without a symbol", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp("pglite");
  });
  afterAll(async () => t.close());

  it("are listed by value until a mapping is loaded, never guessed", async () => {
    const body = readFileSync(
      join(
        import.meta.dirname,
        "..",
        "fixtures",
        "sec",
        "0001951757-25-000093_AcornCreek_13F-HR_2024Q4_full_submission.nc.txt",
      ),
    );
    const res = await t.app.request("/smart-money/ingest/13f?name=acorn.nc.txt", {
      method: "POST",
      body: body as unknown as BodyInit,
      headers: { "content-type": "text/plain" },
    });
    expect(await res.json()).toMatchObject({ accepted: 77, rejected: 0 });
    const list = (await (
      await t.app.request("/smart-money/institutional/unmapped-cusips?limit=500")
    ).json()) as {
      cusips: { cusip: string; value_usd: number }[];
    };
    expect(list.cusips.length).toBeGreaterThan(0);
    const values = list.cusips.map((c) => c.value_usd);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    // Amazon (023135106) is in the filing; once mapped it leaves the list.
    expect(list.cusips.map((c) => c.cusip)).toContain("023135106");
    await t.app.request("/smart-money/ingest/securities?name=map.csv", {
      method: "POST",
      body: "symbol,cusip\nAMZN,023135106\n",
      headers: { "content-type": "text/csv" },
    });
    const after = (await (
      await t.app.request("/smart-money/institutional/unmapped-cusips?limit=500")
    ).json()) as {
      cusips: { cusip: string }[];
    };
    expect(after.cusips.map((c) => c.cusip)).not.toContain("023135106");
    expect(after.cusips).toHaveLength(list.cusips.length - 1);
  });
});
