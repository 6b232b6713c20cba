/** SQL fragments over `prints` shared by the darkpool stores, and the window they read. */
import { sql } from "drizzle-orm";

/** Trading day of a timestamp: the calendar date in New York. */
export const ET_DAY = sql.raw(`(ts at time zone 'America/New_York')::date`);
/** Prints that count as volume: corrections/cancels (Polygon correction >= 7) never do. */
export const COUNTS = sql.raw(`correction < 7`);

/** One symbol's prints over [since, until): what the window reads of the darkpool stores take. */
export interface PrintWindow {
  symbol: string;
  since: Date;
  until: Date;
}

/** The SQL condition selecting a window's prints (all of them: add `COUNTS` for volume). */
export const inWindow = (w: PrintWindow) =>
  sql`symbol = ${w.symbol} and ts >= ${w.since.toISOString()} and ts < ${w.until.toISOString()}`;
