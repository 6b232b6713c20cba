/** SQL fragments over `prints` shared by the darkpool stores. */
import { sql } from "drizzle-orm";

/** Trading day of a timestamp: the calendar date in New York. */
export const ET_DAY = sql.raw(`(ts at time zone 'America/New_York')::date`);
/** Prints that count as volume: corrections/cancels (Polygon correction >= 7) never do. */
export const COUNTS = sql.raw(`correction < 7`);
