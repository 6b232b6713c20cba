/**
 * Trading sessions of US equities (NYSE/Nasdaq rules): the regular session runs 09:30-16:00 New York
 * time; pre-market (from 04:00) and after-hours (to 20:00) prints are "extended hours". FINRA's daily
 * short-sale files cover regular hours only, and a close taken from a 19:30 print is not the day's close,
 * so derived bars use the regular session and extended-hours volume is reported apart.
 */
import type { Db } from "@smt/db";
import { sql } from "drizzle-orm";
import { windowBins } from "./print-bins";
import type { PrintWindow } from "./print-sql";

/** Regular session in New York time, as documented in docs/methodology.md ("Per day"). */
export const REGULAR_SESSION_ET = { open: "09:30:00", close: "16:00:00" } as const;

/**
 * A print belongs to the regular session when its New York time is from 09:30:00 through the 16:00:00
 * second (closing-auction prints are stamped in that second) and its sale condition does not mark it as
 * an extended-hours trade (Form T, `extended_hours`).
 */
export const REGULAR_SESSION = sql.raw(
  `((ts at time zone 'America/New_York')::time >= time '${REGULAR_SESSION_ET.open}'` +
    ` and (ts at time zone 'America/New_York')::time < time '${REGULAR_SESSION_ET.close}' + interval '1 second'` +
    ` and not extended_hours)`,
);

export interface ExtendedHoursVolume {
  offExchangePrints: number;
  offExchangeVolume: number;
  offExchangeValueUsd: number;
  litVolume: number;
}

/**
 * Shares printed outside the regular session in [since, until), off exchange and lit: counted prints whose
 * time or condition is not `REGULAR_SESSION` (from the day bins, print-bins.ts, which group by it).
 */
export async function extendedHoursVolume(db: Db, w: PrintWindow): Promise<ExtendedHoursVolume> {
  const [r] = await windowBins(db, w, "ext");
  return {
    offExchangePrints: r?.prints ?? 0,
    offExchangeVolume: r?.volume ?? 0,
    offExchangeValueUsd: r?.valueUsd ?? 0,
    litVolume: r?.litVolume ?? 0,
  };
}
