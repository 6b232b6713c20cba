import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, buildTestApp, ok, upload } from "../support/app";

describe("13F CUSIPs without a symbol", () => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  const unmapped = () => ok(api(t.app).institutional["unmapped-cusips"].$get({ query: { limit: 500 } }));
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
    const res = upload(t.app, "13f", body, "text/plain", { name: "acorn.nc.txt" });
    expect(await ok(res)).toMatchObject({ accepted: 77, rejected: 0 });
    const list = await unmapped();
    expect(list.cusips.length).toBeGreaterThan(0);
    const values = list.cusips.map((c) => c.value_usd);
    expect(values).toEqual([...values].sort((a, b) => (b ?? 0) - (a ?? 0)));
    // Amazon (023135106) is in the filing; once mapped it leaves the list.
    expect(list.cusips.map((c) => c.cusip)).toContain("023135106");
    await ok(upload(t.app, "securities", "symbol,cusip\nAMZN,023135106\n", "text/csv", { name: "map.csv" }));
    const after = await unmapped();
    expect(after.cusips.map((c) => c.cusip)).not.toContain("023135106");
    expect(after.cusips).toHaveLength(list.cusips.length - 1);
  });
});
