/**
 * Column values of raw `db.execute` rows as JS values. Both drivers may hand back numerics and bigints as
 * strings and timestamps as strings or Dates; SQL NULL arrives as null (or undefined for a missing column).
 */

/** A number, 0 for NULL (sums and counts). */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** A number, or null for NULL. */
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A Date, or null for NULL. */
export const dateOrNull = (v: unknown): Date | null =>
  v === null || v === undefined ? null : new Date(v as string);
