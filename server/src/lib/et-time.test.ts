import { describe, expect, it } from "vitest";
import { addDays, etDateOf, etOffsetHoursAt, etWallTimeToUtc, isIsoDate } from "./et-time";

describe("New York time without a tz library", () => {
  it("switches to EDT at 02:00 on the second Sunday of March and back on the first Sunday of November", () => {
    expect(etOffsetHoursAt(Date.parse("2025-03-09T06:59:59Z"))).toBe(-5);
    expect(etOffsetHoursAt(Date.parse("2025-03-09T07:00:00Z"))).toBe(-4);
    expect(etOffsetHoursAt(Date.parse("2025-11-02T05:59:59Z"))).toBe(-4);
    expect(etOffsetHoursAt(Date.parse("2025-11-02T06:00:00Z"))).toBe(-5);
    // Before 2007: first Sunday of April to last Sunday of October.
    expect(etOffsetHoursAt(Date.parse("2006-03-20T12:00:00Z"))).toBe(-5);
    expect(etOffsetHoursAt(Date.parse("2006-04-02T07:00:00Z"))).toBe(-4);
    expect(etOffsetHoursAt(Date.parse("2006-10-29T06:00:00Z"))).toBe(-5);
  });

  it("gives the UTC instant of a New York wall time on both sides of a switch", () => {
    expect(etWallTimeToUtc("2025-03-08", 18).toISOString()).toBe("2025-03-08T23:00:00.000Z");
    expect(etWallTimeToUtc("2025-03-09", 18).toISOString()).toBe("2025-03-09T22:00:00.000Z");
    expect(etWallTimeToUtc("2025-11-01", 6).toISOString()).toBe("2025-11-01T10:00:00.000Z");
    expect(etWallTimeToUtc("2025-11-02", 6).toISOString()).toBe("2025-11-02T11:00:00.000Z");
  });

  it("dates an instant by the New York calendar, also across midnight UTC and a DST switch", () => {
    expect(etDateOf(Date.parse("2025-11-19T01:30:00Z"))).toBe("2025-11-18");
    expect(etDateOf(Date.parse("2025-11-19T05:00:00Z"))).toBe("2025-11-19");
    expect(etDateOf(Date.parse("2025-07-01T03:59:00Z"))).toBe("2025-06-30");
    expect(etDateOf(Date.parse("2025-07-01T04:00:00Z"))).toBe("2025-07-01");
    // Same local day on both sides of the switch: the cache must not leak the old offset.
    expect(etDateOf(Date.parse("2025-03-09T06:30:00Z"))).toBe("2025-03-09");
    expect(etDateOf(Date.parse("2025-03-10T03:30:00Z"))).toBe("2025-03-09");
    expect(etDateOf(Date.parse("2025-03-10T04:30:00Z"))).toBe("2025-03-10");
  });

  it("adds days and validates ISO dates", () => {
    expect(addDays("2025-12-29", 28)).toBe("2026-01-26");
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2025-02-29")).toBe(false);
    expect(isIsoDate("20250101")).toBe(false);
  });
});
