/**
 * What every parser yields: a typed record with its location, or a located error. Parsers never throw
 * on a bad record; they report it and carry on, so one bad line does not hide the rest of a file.
 */
export interface Location {
  /** File name, upload name or feed name. */
  source: string;
  /** 1-based line number for line formats. */
  line?: number | undefined;
  /** XML element path or JSON field for structured formats. */
  element?: string | undefined;
}

export interface LocatedError extends Location {
  message: string;
}

export type Parsed<T> = { ok: true; record: T; at: Location } | { ok: false; error: LocatedError };

/**
 * A parsed record, or a located error when one of its text fields holds U+0000: Postgres text cannot store
 * a NUL byte, and one such value fails the whole insert statement (a batch of thousands of good records).
 * Every parser produces records here, so the check is made once for all formats.
 */
export function parsedOk<T>(record: T, at: Location): Parsed<T> {
  if (holdsNul(record, 0)) return nulError(at, nulFieldOf(record, "", 0) ?? "value");
  return { ok: true, record, at };
}

/**
 * `parsedOk` without the scan, for a hot path that has already checked its whole source line for U+0000
 * (`line.indexOf("\u0000") === -1`, else `nulError`): the Polygon trades reader, where the scan of every
 * record's fields would cost a quarter of the parse time.
 */
export const parsedOkLineChecked = <T>(record: T, at: Location): Parsed<T> => ({ ok: true, record, at });

/** The located error for a record holding U+0000 in `field` (one message for every parser). */
export function nulError<T>(at: Location, field: string): Parsed<T> {
  return parsedError(
    { ...at, element: at.element ?? field },
    `${field}: holds a NUL character (U+0000), which text fields cannot store`,
  );
}

/** How deep `nulFieldOf` looks (a Form 4 filing: filing -> rows -> row -> footnote ids). */
const NUL_SCAN_DEPTH = 5;

/** Whether a string inside plain objects and arrays holds U+0000 (the fast check run on every record). */
function holdsNul(value: unknown, depth: number): boolean {
  if (typeof value === "string") return value.indexOf("\u0000") !== -1;
  if (value === null || typeof value !== "object" || depth >= NUL_SCAN_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (holdsNul(value[i], depth + 1)) return true;
    return false;
  }
  if (value instanceof Date) return false;
  for (const key in value) if (holdsNul((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}

/** The path of the first string holding U+0000 inside plain objects and arrays, or null. */
function nulFieldOf(value: unknown, path: string, depth: number): string | null {
  if (typeof value === "string") return value.indexOf("\u0000") === -1 ? null : path || "value";
  if (value === null || typeof value !== "object" || depth >= NUL_SCAN_DEPTH) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = nulFieldOf(value[i], `${path}[${i}]`, depth + 1);
      if (hit !== null) return hit;
    }
    return null;
  }
  if (value instanceof Date) return null;
  for (const key in value) {
    const hit = nulFieldOf((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, depth + 1);
    if (hit !== null) return hit;
  }
  return null;
}
export const parsedError = <T>(at: Location, message: string): Parsed<T> => ({
  ok: false,
  error: { ...at, message },
});

/** `file.csv:12` or `file.xml <infoTable[3]/value>`: how a location is written in messages and `source_ref`. */
export function formatLocation(at: Location): string {
  let out = at.source;
  if (at.line !== undefined) out += `:${at.line}`;
  if (at.element !== undefined) out += ` <${at.element}>`;
  return out;
}
