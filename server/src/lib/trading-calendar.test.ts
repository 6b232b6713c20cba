import { describe, expect, it } from "vitest";
import { isTradingDay, nyseHolidays, onOrNextTradingDay, tradingDaysOfWeek } from "./trading-calendar";

describe("NYSE trading calendar", () => {
  it("lists the 2025 NYSE holidays as published by NYSE", () => {
    expect([...nyseHolidays(2025)].sort()).toEqual([
      "2025-01-01",
      "2025-01-20",
      "2025-02-17",
      "2025-04-18",
      "2025-05-26",
      "2025-06-19",
      "2025-07-04",
      "2025-09-01",
      "2025-11-27",
      "2025-12-25",
    ]);
  });

  it("observes weekend holidays on the nearest weekday, but never closes for a Saturday New Year", () => {
    expect(isTradingDay("2021-12-24")).toBe(false); // Christmas 2021 was a Saturday
    expect(isTradingDay("2021-12-31")).toBe(true); // New Year 2022 was a Saturday: no closure
    expect(isTradingDay("2022-06-20")).toBe(false); // Juneteenth 2022 was a Sunday
    expect(isTradingDay("2021-06-18")).toBe(true); // Juneteenth was not an NYSE holiday before 2022
    expect(isTradingDay("2025-01-09")).toBe(false); // national day of mourning
  });

  it("rolls a publication day from Memorial Day to the Tuesday after", () => {
    expect(onOrNextTradingDay("2025-05-26")).toBe("2025-05-27");
    expect(onOrNextTradingDay("2025-05-27")).toBe("2025-05-27");
  });

  it("gives the trading days of a holiday week", () => {
    expect(tradingDaysOfWeek("2025-11-24")).toEqual(["2025-11-24", "2025-11-25", "2025-11-26", "2025-11-28"]);
  });
});
