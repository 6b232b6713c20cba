import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, upload } from "../support/app";
import { engines } from "../support/db";

describe.each(engines())("an upload with an over-long line on %s", (engine) => {
  let t: Awaited<ReturnType<typeof buildTestApp>>;
  beforeAll(async () => {
    t = await buildTestApp(engine);
  });
  afterAll(async () => t.close());

  it("is refused as bad input naming the upload and the line (400, not 500), and nothing is stored in strict mode", async () => {
    const body = `Date|Symbol|ShortVolume|ShortExemptVolume|TotalVolume|Market\n20210104|A|1|0|2|Q\n${"9".repeat(2 * 1024 * 1024)}\n`;
    const res = await upload(t.app, "short-volume", body, "text/csv", {
      name: "CNMSshvol20210104.txt",
      strict: "true",
    });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe("INVALID_INPUT");
    expect(json.error.message).toMatch(/^CNMSshvol20210104\.txt:3: line longer than 1048576 characters/);
    const rows = await t.handle.query<{ n: string | number }>(sql`select count(*) as n from short_volume`);
    expect(Number(rows[0]?.n)).toBe(0);
  });
});
