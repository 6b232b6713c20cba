import { describe, expect, it } from "vitest";
import { IsoDay, IsoQuarterEnd, IsoTimestamp } from "./time-params";

describe("date and time parameters", () => {
  it.each(["2026-02-28", "2024-02-29", "2000-02-29", "1900-01-01", "2999-12-31"])(
    "accepts the day %s",
    (d) => {
      expect(IsoDay.safeParse(d).success).toBe(true);
    },
  );

  it.each([
    "2026-02-30",
    "2026-02-31",
    "2026-04-31",
    "2025-02-29",
    "1900-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-01-00",
    "0001-01-01",
    "1899-12-31",
    "3000-01-01",
    "2026-1-01",
    "",
    "２０２６-01-01",
  ])("refuses the day %s", (d) => {
    expect(IsoDay.safeParse(d).success).toBe(false);
  });

  it("accepts quarter ends only", () => {
    expect(IsoQuarterEnd.safeParse("2025-06-30").success).toBe(true);
    expect(IsoQuarterEnd.safeParse("2025-06-31").success).toBe(false);
    expect(IsoQuarterEnd.safeParse("2025-05-31").success).toBe(false);
  });

  it.each(["2026-03-02T14:30:00Z", "2026-03-02T14:30:00.123-05:00", "1900-01-01T05:00:00+01:00"])(
    "accepts the instant %s",
    (t) => {
      expect(IsoTimestamp.safeParse(t).success).toBe(true);
    },
  );

  it.each([
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-02-30T00:00:00Z",
    "1900-01-01T00:00:00+01:00",
    "2026-03-02",
    "2026-03-02T25:00:00Z",
    "yesterday",
  ])("refuses the instant %s", (t) => {
    expect(IsoTimestamp.safeParse(t).success).toBe(false);
  });
});
