/**
 * When sync jobs fire, in New York wall time. Schedules are pure functions of an instant, so a fake
 * clock can test them: `next(afterMs)` is the first slot strictly after an instant, `previous(atMs)` the
 * last slot at or before it. A slot's key (`runKey`) is the same on every node, which is what lets the
 * job table enqueue each slot once.
 */
import { addDays, etDateOf, etWallTimeToUtc } from "../lib/et-time";
import { isTradingDay, onOrNextTradingDay } from "../lib/trading-calendar";

export interface Schedule {
  /** For people: "trading days 18:00, 21:00 ET". */
  describe(): string;
  next(afterMs: number): number;
  previous(atMs: number): number;
  /** The stable key of the slot at `slotMs` (an instant returned by next/previous). */
  runKey(slotMs: number): string;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "18:00" -> [18, 0]. */
export function parseWallTime(text: string): [number, number] {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`"${text}" is not a HH:MM time`);
  return [Number(m[1]), Number(m[2])];
}

/**
 * Fires at the given New York times on NYSE trading days (lib/trading-calendar: weekends, holidays and
 * special closures excluded). FINRA posts the daily Reg SHO files "no later than 6:00 pm ET" on trading
 * days, so the FINRA job uses 18:00 (and a later second look).
 */
export function tradingDaysAt(times: string[]): Schedule {
  const wall = times.map(parseWallTime).sort((a, b) => a[0] * 60 + a[1] - (b[0] * 60 + b[1]));
  const slotsOf = (day: string) => wall.map(([h, m]) => etWallTimeToUtc(day, h, m).getTime());
  return {
    describe: () => `trading days at ${wall.map(([h, m]) => `${pad(h)}:${pad(m)}`).join(", ")} ET`,
    next(afterMs) {
      let day = etDateOf(afterMs);
      for (let i = 0; i < 30; i++, day = addDays(day, 1)) {
        if (!isTradingDay(day)) continue;
        const slot = slotsOf(day).find((s) => s > afterMs);
        if (slot !== undefined) return slot;
      }
      throw new Error("no trading day within 30 days");
    },
    previous(atMs) {
      let day = etDateOf(atMs);
      for (let i = 0; i < 30; i++, day = addDays(day, -1)) {
        if (!isTradingDay(day)) continue;
        const slot = slotsOf(day)
          .filter((s) => s <= atMs)
          .pop();
        if (slot !== undefined) return slot;
      }
      throw new Error("no trading day within 30 days");
    },
    runKey: (slotMs) => new Date(slotMs).toISOString(),
  };
}

/**
 * Every `intervalS` seconds between `from` and `to` New York time on weekdays, or on the `days` given
 * (EDGAR accepts filings 06:00-22:00 ET on its business days; a Form 4 filed at 21:59 is on the feed at
 * once). Slots are aligned to the window start, so every node computes the same ones.
 */
export function everyDuring(
  intervalS: number,
  from = "06:00",
  to = "22:00",
  days?: { label: string; includes: (isoDate: string) => boolean },
): Schedule {
  const [fh, fm] = parseWallTime(from);
  const [th, tm] = parseWallTime(to);
  const stepMs = intervalS * 1000;
  const weekday =
    days?.includes ??
    ((day: string) => {
      const dow = new Date(`${day}T12:00:00Z`).getUTCDay();
      return dow !== 0 && dow !== 6;
    });
  const window = (day: string) => ({
    start: etWallTimeToUtc(day, fh, fm).getTime(),
    end: etWallTimeToUtc(day, th, tm).getTime(),
  });
  return {
    describe: () => `every ${intervalS} s, ${days?.label ?? "weekdays"} ${from}-${to} ET`,
    next(afterMs) {
      let day = etDateOf(afterMs);
      for (let i = 0; i < 10; i++, day = addDays(day, 1)) {
        if (!weekday(day)) continue;
        const { start, end } = window(day);
        if (afterMs < start) return start;
        const slot = start + (Math.floor((afterMs - start) / stepMs) + 1) * stepMs;
        if (slot <= end) return slot;
      }
      throw new Error("no weekday within 10 days");
    },
    previous(atMs) {
      let day = etDateOf(atMs);
      for (let i = 0; i < 10; i++, day = addDays(day, -1)) {
        if (!weekday(day)) continue;
        const { start, end } = window(day);
        if (atMs < start) continue;
        return start + Math.floor((Math.min(atMs, end) - start) / stepMs) * stepMs;
      }
      throw new Error("no weekday within 10 days");
    },
    runKey: (slotMs) => new Date(slotMs).toISOString(),
  };
}

/**
 * A source published once per NYSE trading day at a New York time (`dueAt(day)`): the newest day due by
 * a moment, and the job fields built from it (`expectedLatest`, `nextDueAfter`) for the sources' lag.
 */
export function tradingDayPublication(dueAt: (day: string) => number) {
  const latestDueDay = (nowMs: number): string => {
    let day = etDateOf(nowMs);
    while (!isTradingDay(day) || dueAt(day) > nowMs) day = addDays(day, -1);
    return day;
  };
  return {
    latestDueDay,
    expectedLatest(nowMs: number) {
      const dataDate = latestDueDay(nowMs);
      return { dataDate, dueAt: dueAt(dataDate) };
    },
    nextDueAfter: (dataDate: string) => dueAt(onOrNextTradingDay(addDays(dataDate, 1))),
  };
}
