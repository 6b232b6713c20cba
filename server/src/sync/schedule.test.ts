import { describe, expect, it } from "vitest";
import { everyDuring, tradingDaysAt } from "./schedule";

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe("sync schedules fire at New York times", () => {
  const finra = tradingDaysAt(["18:00", "21:00"]);

  it("fires at 18:00 ET on a winter trading day (23:00 UTC) and 21:00 ET after it", () => {
    expect(iso(finra.next(at("2021-01-04T15:00:00Z")))).toBe("2021-01-04T23:00:00.000Z");
    expect(iso(finra.next(at("2021-01-04T23:00:00Z")))).toBe("2021-01-05T02:00:00.000Z");
  });

  it("fires at 18:00 EDT (22:00 UTC) in summer", () => {
    expect(iso(finra.next(at("2021-07-06T12:00:00Z")))).toBe("2021-07-06T22:00:00.000Z");
  });

  it("skips weekends and NYSE holidays (MLK day 2021-01-18, Good Friday 2021-04-02)", () => {
    // Friday 21:00 ET -> next is Tuesday 18:00 ET, Monday being MLK day.
    expect(iso(finra.next(at("2021-01-16T02:00:00Z")))).toBe("2021-01-19T23:00:00.000Z");
    expect(iso(finra.next(at("2021-04-01T23:30:00Z")))).toBe("2021-04-02T01:00:00.000Z");
    expect(iso(finra.next(at("2021-04-02T01:00:00Z")))).toBe("2021-04-05T22:00:00.000Z");
  });

  it("the previous slot of a Monday morning is Friday's 21:00 ET", () => {
    expect(iso(finra.previous(at("2021-01-25T14:00:00Z")))).toBe("2021-01-23T02:00:00.000Z");
  });

  it("across the DST switch the wall time stays 18:00 ET", () => {
    // 2021-03-12 (Fri, EST) and 2021-03-15 (Mon, EDT).
    expect(iso(finra.next(at("2021-03-12T12:00:00Z")))).toBe("2021-03-12T23:00:00.000Z");
    expect(iso(finra.next(at("2021-03-13T03:00:00Z")))).toBe("2021-03-15T22:00:00.000Z");
  });

  it("the SEC poll runs every 60 s from 06:00 to 22:00 ET on weekdays only", () => {
    const sec = everyDuring(60);
    expect(iso(sec.next(at("2025-01-22T10:00:30Z")))).toBe("2025-01-22T11:00:00.000Z"); // 06:00 ET
    expect(iso(sec.next(at("2025-01-22T15:03:10Z")))).toBe("2025-01-22T15:04:00.000Z");
    expect(iso(sec.next(at("2025-01-23T03:00:00Z")))).toBe("2025-01-23T11:00:00.000Z"); // after 22:00 ET
    expect(iso(sec.next(at("2025-01-25T12:00:00Z")))).toBe("2025-01-27T11:00:00.000Z"); // Saturday
    expect(iso(sec.previous(at("2025-01-22T15:03:10Z")))).toBe("2025-01-22T15:03:00.000Z");
  });
});
